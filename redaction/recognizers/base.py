"""A Presidio recognizer over compiled regexes that can report one group as the span.

Presidio's PatternRecognizer reports the whole match; for ``password=hunter2`` we want only
the value. This base keeps Presidio's shape (patterns, context words, a validate hook,
RecognizerResult output) and adds a cheap ``may_match`` pre-filter so recognizers that
cannot match skip their regexes entirely.
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


@dataclass(frozen=True)
class SpanPattern:
    """One regex; ``group`` names the part of the match that is the entity (0 = all).

    ``needs``: optional cheap necessary condition, True for every text in which ``regex``
    can match (a literal or a short sub-pattern every match contains); a text for which it
    is False skips the regex, with the same result and a fraction of the cost.
    """

    name: str
    regex: re.Pattern[str]
    score: float
    group: int | str = 0
    needs: Callable[[str], bool] | None = None


class RegexSpanRecognizer(EntityRecognizer):
    """Base for the project's pattern recognizers.

    Subclasses set ENTITY, PATTERNS, optionally CONTEXT and TRIGGERS (substrings of which at
    least one must occur, compared case-insensitively, for any pattern to be tried), and may
    override ``validate`` (True = keep the span) and ``adjust`` (trim a span's end).
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[SpanPattern, ...]]
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    TRIGGERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, supported_language: str = "en", name: str | None = None) -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            context=list(self.CONTEXT),
            name=name or type(self).__name__,
        )
        self._triggers = tuple(t.lower() for t in self.TRIGGERS)
        # One scan for all triggers (literal substrings of the lower-cased text).
        self._trigger_re = re.compile("|".join(map(re.escape, self._triggers)))

    def load(self) -> None:  # noqa: D102 - nothing to load: patterns are compiled at import
        pass

    def may_match(self, text: str) -> bool:
        """Cheap pre-filter: False means no pattern of this recognizer can match ``text``."""
        if not self._triggers:
            return True
        return self._trigger_re.search(text.lower()) is not None

    def validate(self, value: str) -> bool:
        """Return False to drop a candidate span (checksum, denylist, ...)."""
        return True

    def adjust(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Return the final (start, end) of a span; default strips trailing sentence dots."""
        while end > start and text[end - 1] in ".,;:!?":
            end -= 1
        return start, end

    def find_spans(self, text: str) -> list[tuple[int, int, float]]:
        """All validated (start, end, score) spans in ``text``; the library-level core."""
        if not self.may_match(text):
            return []
        spans: list[tuple[int, int, float]] = []
        for pattern in self.PATTERNS:
            if pattern.needs is not None and not pattern.needs(text):
                continue
            for match in pattern.regex.finditer(text):
                start, end = match.span(pattern.group)
                if start < 0:
                    continue
                start, end = self.adjust(text, start, end)
                if end <= start or not self.validate(text[start:end]):
                    continue
                spans.append((start, end, pattern.score))
        return spans

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Presidio entry point: RecognizerResults for this recognizer's entity."""
        if self.ENTITY not in entities:
            return []
        spans = self.find_spans(text)
        if not spans:
            return []  # most texts: no result list to build or deduplicate
        results = [
            RecognizerResult(
                entity_type=self.ENTITY,
                start=start,
                end=end,
                score=score,
                # Presidio's context enhancer writes into the explanation: it must exist.
                analysis_explanation=AnalysisExplanation(
                    recognizer=self.name, original_score=score
                ),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end, score in spans
        ]
        return EntityRecognizer.remove_duplicates(results)
