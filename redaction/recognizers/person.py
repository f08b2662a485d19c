"""Person names from spaCy's NER, minus names that are code or foreign-script runs.

Cues and the name lexicon are in :mod:`redaction.recognizers.names`.

``class Jordan``, ``def parse_smith()``, ``self.Morgan`` and ``Jordan.parse()`` are
identifiers, and a Thai or Chinese run is a symptom: none of them may become <PERSON>.
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from redaction.entities import PERSON
from redaction.recognizers.code_context import looks_like_code_or_foreign
from redaction.recognizers.names import not_a_person_alone


class CodeAwarePersonRecognizer(SpacyRecognizer):
    """spaCy PERSON entities with code identifiers and foreign-script spans removed."""

    def __init__(self, supported_language: str = "en", ner_strength: float = 0.85) -> None:
        super().__init__(
            supported_language=supported_language,
            supported_entities=[PERSON],
            ner_strength=ner_strength,
            name="CodeAwarePersonRecognizer",
        )

    def analyze(  # noqa: D102
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        return [
            r
            for r in results
            if not looks_like_code_or_foreign(text, r.start, r.end)
            and not not_a_person_alone(text, r.start, r.end)
        ]
