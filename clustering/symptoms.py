"""Symptom detectors over redacted text, each with evidence (offsets + a short reason).

Vocabulary (shared/CONTRACT.md): ``unexpected_script``, ``code_syntax_error``, ``repetition``,
``truncation``. Offsets are Python str offsets into the text given; placeholders such as
``<PERSON>`` are masked to spaces first, so they never count as letters, words or code.
Reasons name the kind of evidence (script, language, counts), never the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import regex

from clustering._text import compile_held, mask_placeholders
from clustering.code import (
    PARSED_LANGUAGES,
    CodeBlock,
    find_code_blocks,
    guess_language,
    syntax_error_offset,
)
from clustering.scripts import dominant_script, unexpected_runs

SYMPTOMS: tuple[str, ...] = ("unexpected_script", "code_syntax_error", "repetition", "truncation")

# Maximum text length examined, in characters: bounds the cost of one pathological report.
MAX_CHARS = 20_000


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
) -> list[Symptom]:
    """Run every detector on one (redacted) text.

    Args:
        text: a comment or a response excerpt; None or "" gives [].
        check_truncation: set False for text that is not model output (a user's comment ends
            wherever the user stops typing; only output can be cut off).
        max_chars: only the first ``max_chars`` characters are examined.

    Returns:
        Symptoms sorted by (start, name); at most one ``truncation``.
    """
    if not text:
        return []
    if not isinstance(text, str):
        raise TypeError(f"detect_symptoms expects str or None, got {type(text).__name__}")
    text = mask_placeholders(text[:max_chars])
    blocks = find_code_blocks(text)
    found: list[Symptom] = []
    found += detect_unexpected_script(text, blocks)
    found += detect_code_syntax_errors(blocks)
    found += detect_repetition(text)
    if check_truncation:
        # Output that ends on a degenerate loop or a foreign-script token is explained by that
        # symptom; "cut off mid-sentence" would double count it.
        tail = len(text.rstrip())
        explained = any(
            s.end >= tail - 1 for s in found if s.name in ("repetition", "unexpected_script")
        )
        found += [
            t
            for t in detect_truncation(text, blocks)
            if not (explained and t.reason == "ends mid-sentence")
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

    Unclosed fences are skipped: the excerpt ended inside them, which is truncation.
    """
    out = []
    for b in blocks:
        if not b.closed:
            continue
        if b.declared and b.lang is None:
            continue  # declared language without a parser here (rust, yaml, text, ...)
        lang = b.lang or guess_language(b.code)
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


# --- repetition -----------------------------------------------------------------------------

_WORD_RE = compile_held(r"\w+(?:['’]\w+)*|[^\w\s]", regex.V1)
# A unit of 1..12 characters without spaces repeated 6+ times in a row: degenerate output in
# scripts without spaces (Thai, Chinese) or "aaaa..."; the unit must contain a letter so that
# rules (-----) and tables (|||) are not repetition. The standard library's engine runs this
# backreference twice as fast as `regex` (measured on the replay's texts, same matches); the
# class spells out `regex`'s \S (not Unicode White_Space), which `re`'s \S is not: `re`
# also counts U+001C..U+001F as space.
_NOT_SPACE = "[^\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_CHAR_REPEAT_RE = re.compile(rf"({_NOT_SPACE}{{1,12}}?)\1{{5,}}")


def detect_repetition(
    text: str,
    *,
    min_line_repeats: int = 3,
    min_line_chars: int = 8,
    max_ngram: int = 12,
    min_ngram_repeats: int = 3,
    min_unigram_repeats: int = 5,
    min_span_words: int = 6,
) -> list[Symptom]:
    """Degenerate repeated output: the same line, n-gram or character unit over and over.

    - lines: one non-trivial line (``min_line_chars`` non-space characters) repeated
      ``min_line_repeats`` times in a row;
    - word n-grams (n = 1..``max_ngram``): repeated back to back ``min_ngram_repeats`` times
      (``min_unigram_repeats`` for single words), covering at least ``min_span_words`` words;
    - character units (no-space scripts): see ``_CHAR_REPEAT_RE``.

    One symptom per repeated span; overlapping spans are merged.
    """
    spans: list[tuple[int, int, str]] = []
    spans += _repeated_lines(text, min_line_repeats, min_line_chars)
    spans += _repeated_ngrams(
        text, max_ngram, min_ngram_repeats, min_unigram_repeats, min_span_words
    )
    for m in _CHAR_REPEAT_RE.finditer(text):
        unit = m.group(1)
        if any(ch.isalpha() for ch in unit):
            spans.append(
                (m.start(), m.end(), f"{len(unit)}-character unit x{len(m.group(0)) // len(unit)}")
            )
    return [Symptom("repetition", s, e, r) for s, e, r in _merge_spans(spans)]


def _repeated_lines(text: str, min_repeats: int, min_chars: int) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    prev_key, run_start, run_len, run_end = None, 0, 0, 0
    for line in text.splitlines(keepends=True):
        key = line.strip()
        end = pos + len(line.rstrip("\r\n"))
        if key and key == prev_key:
            run_len += 1
            run_end = end
        else:
            if prev_key is not None and run_len >= min_repeats:
                out.append((run_start, run_end, f"line repeated x{run_len}"))
            prev_key = key if len(key.replace(" ", "")) >= min_chars else None
            run_start, run_len, run_end = pos, 1, end
        pos += len(line)
    if prev_key is not None and run_len >= min_repeats:
        out.append((run_start, run_end, f"line repeated x{run_len}"))
    return out


def _repeated_ngrams(
    text: str, max_n: int, min_repeats: int, min_uni: int, min_span_words: int
) -> list[tuple[int, int, str]]:
    """Back-to-back repeats of a word n-gram, vectorised: for each n, positions where token
    ``i`` equals token ``i + n``; a run of ``n * (reps - 1)`` such positions is ``reps``
    copies of one n-gram."""
    # Strings, not match objects: the offsets are needed only for the rare text that repeats.
    tokens = _WORD_RE.findall(text)
    if len(tokens) < 4:
        return []
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(t.lower(), len(vocab)) for t in tokens], dtype=np.int64)
    if len(vocab) == len(ids):
        return []  # no word occurs twice: nothing can repeat
    # Every word of a repeated n-gram occurs at least min(need) times: most texts have no
    # such word, and skipping them here is cheaper than testing each n below.
    if int(np.bincount(ids).max()) < min(min_repeats, min_uni):
        return []
    matches: list = []  # the tokens' match objects, made on first need
    out = []
    used = np.zeros(len(ids), dtype=bool)
    for n in range(1, max_n + 1):
        need = min_uni if n == 1 else min_repeats
        if len(ids) < n * need:
            break
        matched = ids[n:] == ids[:-n]
        # A qualifying repeat is a run of at least this many matches; most texts have fewer
        # matches in all, and skipping them is most of this detector's speed.
        if np.count_nonzero(matched) < max(n * (need - 1), min_span_words - n):
            continue
        eq = np.concatenate([[False], matched, [False]])
        edges = np.flatnonzero(np.diff(eq.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            run = int(b - a)  # positions a..b-1 (in ids[n:] coordinates) match n back
            reps = run // n + 1
            if reps < need or reps * n < min_span_words:
                continue
            first = int(a)
            if used[first] or not any(t[0].isalnum() for t in tokens[first : first + n]):
                continue
            last = first + reps * n - 1
            if not matches:
                matches = list(_WORD_RE.finditer(text))
            used[first : last + 1] = True
            out.append(
                (matches[first].start(), matches[last].end(), f"{n}-word sequence repeated x{reps}")
            )
    return out


def _merge_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for s, e, r in sorted(spans):
        if merged and s <= merged[-1][1]:
            ps, pe, pr = merged[-1]
            merged[-1] = (ps, max(pe, e), pr)
        else:
            merged.append((s, e, r))
    return merged


# --- truncation -----------------------------------------------------------------------------

# Characters that may legitimately end a complete output: sentence punctuation (Latin, CJK,
# Devanagari, Arabic ...), closing brackets/quotes, and the end of a code fence.
_TERMINAL_RE = compile_held(r"[\p{Sentence_Terminal}\p{Pe}\p{Pf}\"'`*_>|;:~\p{So}\p{Sk}]\s*\Z")


_SENTENCE_END_RE = compile_held(r"[\p{Sentence_Terminal}\n]")
_LIST_ITEM_RE = compile_held(r"(?:[-*+•]|\d{1,3}[.)])\s")


def detect_truncation(text: str, blocks: Sequence[CodeBlock] = ()) -> list[Symptom]:
    """Output cut off: an unclosed code fence, or text ending mid-sentence.

    Mid-sentence means the last non-space character is a letter, digit or comma-like
    punctuation, not a sentence terminal (Unicode Sentence_Terminal), closing bracket/quote,
    or markup. The evidence span is the last (partial) sentence or the unclosed block.
    """
    stripped = text.rstrip()
    if not stripped:
        return []
    for b in blocks:
        if b.fenced and not b.closed:
            return [Symptom("truncation", b.start, len(stripped), "code fence never closed")]
    if _TERMINAL_RE.search(stripped):
        return []
    last_line = stripped.rsplit("\n", 1)[-1].lstrip()
    if _LIST_ITEM_RE.match(last_line) and "\n" in stripped:
        return []  # a list's last item needs no full stop
    last = stripped[-1]
    if not (last.isalnum() or last in ",-–—(/[{=+&"):
        return []
    # Evidence: from the last sentence boundary (or line start) to the end.
    boundary = max((m.end() for m in _SENTENCE_END_RE.finditer(stripped)), default=0)
    return [Symptom("truncation", boundary, len(stripped), "ends mid-sentence")]
