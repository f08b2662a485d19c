"""Presidio's context enhancer, run only where a score can change what is redacted.

Context words ("phone", "ssn", "password", ...) raise a result's score. Our output is the
set of spans whose score reaches the entity's minimum (``Redactor.min_scores``), merged per
type; every recognizer drops its zero-score results itself. So for an entity type whose
minimum is 0, a raised score changes nothing: the result was kept before and after, and
Presidio's duplicate removal only decides whether a span contained in a same-type span is
dropped, which the merge makes moot. Enhancing those results anyway took ~9% of the samples
of a redaction run (mostly tokenizing the whole text to find the words around each match;
py-spy on the replay). This enhancer passes them through untouched and enhances only the
score-gated types (by default US_SSN, whose weakest patterns need context to reach 0.3).
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

from collections.abc import Collection

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts


class ScoreGatedContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer for the results of ``gated_entities`` only.

    :param gated_entities: entity types whose results must reach a minimum score; results of
        every other type are returned unchanged (same objects, same order after the gated).
    """

    def __init__(self, gated_entities: Collection[str], **kwargs: float) -> None:
        super().__init__(**kwargs)
        self.gated_entities = frozenset(gated_entities)

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        gated = [r for r in raw_results if r.entity_type in self.gated_entities]
        passed = [r for r in raw_results if r.entity_type not in self.gated_entities]
        if not gated:
            return passed
        enhanced = super().enhance_using_context(text, gated, nlp_artifacts, recognizers, context)
        return enhanced + passed


_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY


class RecognizerContextEngine(AnalyzerEngine):
    """Presidio's AnalyzerEngine whose per-recognizer context step skips recognizers that
    do not override ``enhance_using_context`` (none of this project's: the base method
    returns its input unchanged).

    Presidio splits the results into "this recognizer's" and "the others'" with two list
    scans per recognizer on every text, only to hand them to that method; about 3% of
    redaction time. Here the results are grouped by recognizer id in one pass, and the
    output is the same list in the same order: each recognizer's results in the order of
    ``recognizers``, then the engine's context enhancer as before.
    """

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        by_recognizer: dict[str, list[RecognizerResult]] = {}
        for result in raw_results:
            by_recognizer.setdefault(result.recognition_metadata[_ID], []).append(result)
        results: list[RecognizerResult] = []
        for recognizer in recognizers:
            own = by_recognizer.get(recognizer.id, [])
            if type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context:
                own = recognizer.enhance_using_context(
                    text=text,
                    raw_recognizer_results=own,
                    other_raw_recognizer_results=[
                        r for r in raw_results if r.recognition_metadata[_ID] != recognizer.id
                    ],
                    nlp_artifacts=nlp_artifacts,
                    context=context,
                )
            results.extend(own)
        return self.context_aware_enhancer.enhance_using_context(
            text=text,
            raw_results=results,
            nlp_artifacts=nlp_artifacts,
            recognizers=recognizers,
            context=context,
        )
