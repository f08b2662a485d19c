"""Symptom detectors over redacted text, each with evidence (offsets + a short reason).

Vocabulary (shared/CONTRACT.md): ``unexpected_script``, ``code_syntax_error``, ``repetition``,
``truncation``. Offsets are Python str offsets into the text given; placeholders such as
``<PERSON>`` are masked to spaces first, so they never count as letters, words or code.
Reasons name the kind of evidence (script, language, counts), never the text itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clustering._text import mask_placeholders
from clustering.code import (
    PARSED_LANGUAGES,
    CodeBlock,
    find_code_blocks,
    guess_language,
    syntax_error_offset,
)
from clustering.repetition import repetition_spans
from clustering.scripts import dominant_script, unexpected_runs
from clustering.truncation import truncation_span

SYMPTOMS: tuple[str, ...] = ("unexpected_script", "code_syntax_error", "repetition", "truncation")

# Maximum text length examined, in characters: bounds the cost of one pathological report.
MAX_CHARS = 20_000

# Truncation reasons that a repetition or a foreign run reaching the end already explains.
_EXPLAINED_ENDINGS = frozenset({"ends mid-sentence", "list item cut off"})


@dataclass(frozen=True, slots=True)
class Symptom:
    """One detected symptom: ``name`` over ``text[start:end]`` because of ``reason``."""

    name: str
    start: int
    end: int
    reason: str


def detect_symptoms(
    text: str | None,
    *,
    check_truncation: bool = True,
    max_chars: int = MAX_CHARS,
    truncation_word_knowledge: bool = False,
) -> list[Symptom]:
    """Run every detector on one (redacted) text.

    Args:
        text: a comment or a response excerpt; None or "" gives [].
        check_truncation: set False for text that is not model output (a user's comment ends
            wherever the user stops typing; only output can be cut off).
        max_chars: only the first ``max_chars`` characters are examined.
        truncation_word_knowledge: let a last English sentence that parses as a complete
            clause end without its full stop (see :func:`clustering.truncation.truncation_span`;
            off by default, it costs recall on answers cut at a clause boundary).

    Returns:
        Symptoms sorted by (start, name); at most one ``truncation``.
    """
    if not text:
        return []
    if not isinstance(text, str):
        raise TypeError(f"detect_symptoms expects str or None, got {type(text).__name__}")
    full = mask_placeholders(text)
    text = full[:max_chars]
    blocks = find_code_blocks(text)
    found: list[Symptom] = []
    found += detect_unexpected_script(text, blocks)
    found += detect_code_syntax_errors(blocks)
    found += detect_repetition(text)
    if check_truncation:
        # Truncation is about the end of the whole text: past max_chars it is judged on the
        # whole text's fences (a linear scan) and its last paragraph.
        if len(full) > max_chars:
            text, blocks = full, find_code_blocks(full, indented=False)
        # Output that ends on a degenerate loop or a foreign-script token is explained by that
        # symptom; "cut off mid-sentence" would double count it.
        tail = len(text.rstrip())
        explained = any(
            s.end >= tail - 1 for s in found if s.name in ("repetition", "unexpected_script")
        )
        found += [
            t
            for t in detect_truncation(text, blocks, word_knowledge=truncation_word_knowledge)
            if not (explained and t.reason in _EXPLAINED_ENDINGS)
        ]
    found.sort(key=lambda s: (s.start, s.name))
    return found


def symptom_names(symptoms: Sequence[Symptom]) -> list[str]:
    """Distinct symptom names in vocabulary order (the ``symptoms`` column of ``reports``)."""
    present = {s.name for s in symptoms}
    return [n for n in SYMPTOMS if n in present]


# --- unexpected_script ----------------------------------------------------------------------


def detect_unexpected_script(text: str, blocks: Sequence[CodeBlock] = ()) -> list[Symptom]:
    """Runs of a script that the rest of the text does not use (see clustering.scripts)."""
    out = []
    for script, start, end in unexpected_runs(text):
        # The sentence around the run names the expected script (evidence, not the text).
        lo = max(text.rfind("\n", 0, start), 0)
        hi = text.find("\n", end)
        around = text[lo:start] + text[end : hi if hi >= 0 else len(text)]
        dominant = dominant_script(around) or "other"
        out.append(Symptom("unexpected_script", start, end, f"{script} run inside {dominant} text"))
    return out


# --- code_syntax_error ----------------------------------------------------------------------


def detect_code_syntax_errors(blocks: Sequence[CodeBlock]) -> list[Symptom]:
    """Closed code blocks that do not parse in their declared or guessed language.

    Fenced blocks are judged, and indented blocks only when they are a doctest session
    (``>>>``). An indented paragraph is as often a definition body, pseudo-code with ``...``,
    a template or printed output as code: on the installed-docs corpus (dev half, 11,763
    texts) judging them made 69 false alarms even when blocks with a line of plain words were
    skipped, against 10 for fenced and doctest blocks (docs/clustering.md). Model answers
    fence their code. Unclosed fences are skipped: the excerpt ended inside them, which is
    truncation.
    """
    out = []
    for b in blocks:
        if not b.closed:
            continue
        if not b.fenced and not b.code.lstrip().startswith(">>>"):
            continue  # indented text: a definition body, pseudo-code, a template, output
        # (a doctest session is Python)
        if b.declared and b.lang is None:
            continue  # declared language without a parser here (rust, yaml, text, ...)
        doctest = b.code.lstrip().startswith(">>>")
        lang = b.lang or ("python" if doctest else guess_language(b.code))
        if lang is None or lang not in PARSED_LANGUAGES:
            continue
        offset = syntax_error_offset(lang, b.code)
        if offset is None:
            continue
        how = "declared" if b.lang else "guessed"
        line = b.code.count("\n", 0, offset) + 1
        out.append(
            Symptom(
                "code_syntax_error", b.start, b.end, f"{lang} ({how}) does not parse at line {line}"
            )
        )
    return out


# --- repetition and truncation -------------------------------------------------------------


def detect_repetition(text: str) -> list[Symptom]:
    """Units repeated back to back (definition: :mod:`clustering.repetition`)."""
    return [Symptom("repetition", s, e, r) for s, e, r in repetition_spans(text)]


def detect_truncation(
    text: str, blocks: Sequence[CodeBlock] = (), *, word_knowledge: bool = False
) -> list[Symptom]:
    """The text ends inside something still open (definition: :mod:`clustering.truncation`)."""
    span = truncation_span(text, blocks, word_knowledge=word_knowledge)
    return [] if span is None else [Symptom("truncation", *span)]
