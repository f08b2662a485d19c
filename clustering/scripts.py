"""``unexpected_script``: runs of a writing system that the rest of the text does not use.

Scripts come from the Unicode Script property (``\\p{Script=...}`` of the ``regex`` package, which
ships the Unicode Character Database); no character list is written by hand. Only letters count:
digits, punctuation, emoji and combining marks are in the Common/Inherited scripts and ignored.

Rule: within each sentence (or line), the dominant script is the one with the most runs (words). A
run of letters is unexpected when its script is not compatible with its sentence's dominant
script. Compatible means the same
writing system (Japanese mixes Han, Hiragana and Katakana; Korean mixes Hangul and Han) or Latin
inside a non-Latin text (identifiers, product names and code are Latin everywhere). A whole text
in Japanese, Spanish or Thai has no unexpected run. A run of one or two Greek letters inside
Latin text is mathematics (``α``, ``π``), not corruption, and is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from clustering._text import compile_held, mask_placeholders

# Scripts that get their own name in the evidence. A letter of any other script is still
# classified (as "Other") and can still be unexpected; the list only decides the naming.
_NAMED_SCRIPTS: tuple[str, ...] = (
    "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana",
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
    "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul",
    "Ethiopic", "Khmer", "Mongolian", "Hiragana", "Katakana", "Han", "Bopomofo",
)  # fmt: skip

# One alternation: each named script as a run, then any other letter one at a time.
_RUN_RE = compile_held(
    "|".join(f"(?P<{name}>\\p{{Script={name}}}+)" for name in _NAMED_SCRIPTS)
    # Any other letter, one at a time; Common/Inherited letters (e.g. the Japanese length
    # mark) belong to every script and are skipped.
    + r"|(?P<Other>[\p{L}--[\p{Script=Common}\p{Script=Inherited}]])",
    flags=regex.V1,
)

# Writing systems that mix several scripts in ordinary text.
_FAMILIES: dict[str, frozenset[str]] = {
    "Han": frozenset({"Han", "Hiragana", "Katakana", "Bopomofo"}),
    "Hiragana": frozenset({"Han", "Hiragana", "Katakana"}),
    "Katakana": frozenset({"Han", "Hiragana", "Katakana"}),
    "Hangul": frozenset({"Hangul", "Han"}),
    "Bopomofo": frozenset({"Han", "Bopomofo"}),
}

# Japanese text is usually Hiragana/Katakana-dominant or Han-dominant; treat the three as one
# system when choosing the dominant script, so a Han-heavy Japanese text stays "Japanese".
_DOMINANCE_GROUP: dict[str, str] = {"Hiragana": "Han", "Katakana": "Han", "Bopomofo": "Han"}


@dataclass(frozen=True, slots=True)
class ScriptRun:
    """A maximal run of letters of one script: ``text[start:end]`` (Python str offsets)."""

    script: str
    start: int
    end: int


def script_runs(text: str) -> list[ScriptRun]:
    """Split the letters of ``text`` into runs of one script; adjacent equal runs merge.

    Placeholders (``<PERSON>``) are masked first and contribute no letters.
    """
    masked = mask_placeholders(text)
    runs: list[ScriptRun] = []
    for m in _RUN_RE.finditer(masked):
        script = m.lastgroup or "Other"
        if runs and runs[-1].script == script and runs[-1].end == m.start():
            runs[-1] = ScriptRun(script, runs[-1].start, m.end())
        else:
            runs.append(ScriptRun(script, m.start(), m.end()))
    return runs


def _compatible(script: str, dominant: str) -> bool:
    if script == dominant:
        return True
    if script == "Latin":
        return True  # Latin identifiers/code/brands appear inside every writing system
    return script in _FAMILIES.get(dominant, frozenset())


# Sentence and line boundaries: a foreign run must sit inside a sentence of another script.
_SEGMENT_RE = compile_held(r"[^\p{Sentence_Terminal}\n]+")


def unexpected_runs(
    text: str, *, gap: int = 3, ignore_lone_greek: bool = True
) -> list[tuple[str, int, int]]:
    """Find runs of a script incompatible with the dominant script of their own sentence.

    The text is split into sentences/lines (Unicode Sentence_Terminal, newlines). A whole
    sentence in another language (a Chinese sentence followed by an English one, a Japanese
    preface before English code) is ordinary code-switching; a Thai or Han run *inside* an
    English sentence (or a Latin-less one of another script) is the symptom.

    Args:
        text: the (redacted) text.
        gap: runs of the same foreign script separated by at most ``gap`` characters of
            non-letters (spaces, punctuation) are merged into one evidence span.
        ignore_lone_greek: skip Greek runs of at most 2 letters inside Latin text (maths).

    Returns:
        ``(script, start, end)`` spans, in text order; empty when the text is uniform.
    """
    if text.isascii():
        return []  # fast path: ASCII letters are all Latin
    masked = mask_placeholders(text)
    text_counts = _counts(script_runs(masked))
    out: list[tuple[str, int, int]] = []
    for seg_start, seg_end in _segments(masked):
        seg = masked[seg_start:seg_end]
        if seg.isascii():
            continue
        runs = [
            ScriptRun(r.script, r.start + seg_start, r.end + seg_start) for r in script_runs(seg)
        ]
        dominant = _dominant(runs, tie_break=text_counts)
        if dominant is None:
            continue
        spans: list[tuple[str, int, int]] = []
        for i, r in enumerate(runs):
            if _compatible(r.script, dominant):
                continue
            # Kana written onto Han (a Japanese word such as 見る) inside text where Han alone
            # is fine (Korean): the word is the span, not only its Kana
            if _system(r.script) == "Han" and r.script != "Han":
                if i and runs[i - 1].script == "Han" and runs[i - 1].end == r.start:
                    r = ScriptRun(r.script, runs[i - 1].start, r.end)
                if i + 1 < len(runs) and runs[i + 1].script == "Han" and runs[i + 1].start == r.end:
                    r = ScriptRun(r.script, r.start, runs[i + 1].end)
            # one writing system (Japanese mixes Han and Kana in one word) is one span
            if (
                spans
                and _system(spans[-1][0]) == _system(r.script)
                and r.start - spans[-1][2] <= gap
            ):
                spans[-1] = (spans[-1][0], spans[-1][1], r.end)
            else:
                spans.append((r.script, r.start, r.end))
        out.extend(
            sp
            for sp in spans
            if not _leading_clause(masked, seg_start, sp)
            # one or two Greek letters on their own inside Latin text are mathematics
            and not (
                ignore_lone_greek
                and sp[0] == "Greek"
                and dominant == "Latin"
                and sum(c.isalpha() for c in masked[sp[1] : sp[2]]) <= 2
            )
        )
    if out:
        quoted = [(m.start(), m.end()) for m in _QUOTED_RE.finditer(masked)]
        if quoted:
            out = [sp for sp in out if not any(a < sp[1] and sp[2] < b for a, b in quoted)]
    return out


# A string in quotes on one line, the quotes at word edges (not apostrophes): ``'コンニチハ'``,
# ``"http://中国.icom.museum"``, ``“λέξις”``. A run inside one is a string being shown (text
# processing, a test value, a word under discussion), not a token of the sentence.
_QUOTED_RE = compile_held(
    r"(?<![\p{L}\p{N}])(?:'[^'\n]+'|\"[^\"\n]+\"|`[^`\n]+`|“[^”\n]+”|‘[^’\n]+’|«[^»\n]+»"
    r"|「[^」\n]+」|『[^』\n]+』)(?![\p{L}\p{N}])"
)


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentence/line spans. A last single word with no terminal of its own (``... done. การ``
    at the end of the text) is not a sentence: it joins the one before it."""
    segs = [(m.start(), m.end()) for m in _SEGMENT_RE.finditer(text)]
    if (
        len(segs) >= 2
        and segs[-1][1] == len(text)
        and "\n" not in text[segs[-2][1] : segs[-1][0]]
        and len(text[segs[-1][0] :].split()) <= 1
    ):
        segs[-2:] = [(segs[-2][0], segs[-1][1])]
    return segs


def _leading_clause(text: str, seg_start: int, span: tuple[str, int, int]) -> bool:
    """A multi-word phrase in a space-separated script that opens the sentence (``неправильный
    ответ the repo ...``): a user switching language, not a corrupted token."""
    script, start, end = span
    if script in _NO_SPACE_SCRIPTS or text[seg_start:start].strip():
        return False
    return len(text[start:end].split()) >= 2


# Scripts written without spaces between words: a run there is not evidence of a phrase.
_NO_SPACE_SCRIPTS = frozenset(
    {"Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan", "Other"}
)


def _system(script: str) -> str:
    return _DOMINANCE_GROUP.get(script, script)


def _counts(runs: list[ScriptRun]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in runs:
        key = _DOMINANCE_GROUP.get(r.script, r.script)
        # One per run (a word, or a stretch of a no-space script): a Latin line with one
        # inserted Thai word is Latin even when the Thai word has more letters.
        counts[key] = counts.get(key, 0) + 1
    return counts


def _dominant(runs: list[ScriptRun], tie_break: dict[str, int] | None = None) -> str | None:
    counts = _counts(runs)
    if not counts:
        return None
    # Ties go to the script the whole text uses most, then by name (deterministic).
    tb = tie_break or {}
    return max(sorted(counts), key=lambda s: (counts[s], tb.get(s, 0)))


def dominant_script(text: str) -> str | None:
    """The script with the most runs (Japanese scripts grouped as Han); None if no letters."""
    return _dominant(script_runs(text))
