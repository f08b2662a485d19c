"""Truncation (issue 19, fifth pass): is a last sentence that is the whole of its own paragraph
or line, after closed text, evidence of a cut?

Idea evaluated (not in ``clustering/``: it does not meet the targets, see docs/clustering.md,
*Fifth pass*). A writer ends a unit that holds one sentence without a stop as a formatting
choice (a heading, a caption, a note, a one-line paragraph); a token-limit cut usually lands
in running text, after a closed sentence of the same paragraph. Definition tested: a last
sentence without its terminal is open (truncation) when

(a) it ends mid-word or on a word that waits for its complement (cheap checks only: the
    word-knowledge lexicon's cut-word test, :func:`clustering.english.last_word_cut`, and a
    closed list of function words, ``OPEN_WORDS``), or
(b) an earlier sentence of the same paragraph (``lone_paragraph``) or of the same line
    (``lone_unit``: the paragraph, or the last line after a line break) is closed: running
    text;

a last sentence that is the whole of its own paragraph (or line), starts like a sentence (a
capital letter, after any opening markup: a table row or a list of values is no such unit)
and ends on a complete word is not evidence of a cut. Everything else (mid-word cuts caught
by the lexicon, a character that continues a sentence, unclosed fences, brackets, quotes, list
items, headings, code) is judged by the detector as today: the rule is applied after
``detect_symptoms``' own verdict, only where it says "ends mid-sentence".

Modes (``--modes``):

- ``default``: ``detect_symptoms`` as it is;
- ``lone_paragraph``: (a) or (b), the unit being the last paragraph;
- ``lone_unit``: (a) or (b), the unit being the last paragraph or the last line;
- ``lone_unit_wk``: ``lone_unit``, and a running-text last sentence (not a lone unit) may
  still end without its stop where word knowledge calls it a complete clause
  (``truncation_word_knowledge=True`` there only);
- ``lone_unit_parse``: a lone unit is accepted only where word knowledge (its parse) calls it a
  complete clause (word knowledge restricted to lone units; running text as by default);
- ``word_knowledge``: ``detect_symptoms(..., truncation_word_knowledge=True)``, for reference.

Measured on the sets of ``bench/eval_truncation_habit.py`` (``--set``): the installed-docs
corpus (both halves), the property distribution's cuts (decidable by ``textgen.Cut.decidable``,
and by the stricter definition this rule implies: a cut inside the first sentence of a
paragraph or of a heading's body leaves a lone unit, which by (b) does not show a cut, as a
cut in the text's first sentence already does not) and a replay's response excerpts.
Results: ``bench/results/symptoms_truncation_paragraph.json``, one section per ``--label``.

Usage:
  nice -n 10 .venv/bin/python bench/eval_truncation_paragraph.py --set corpus --seed 3
  nice -n 10 .venv/bin/python bench/eval_truncation_paragraph.py --set properties --seed 3
  nice -n 10 .venv/bin/python bench/eval_truncation_paragraph.py --set replay \
      --replay /tmp/i19_replay_s0
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_truncation_habit import _rate, run_cli  # noqa: E402

from clustering import detect_symptoms  # noqa: E402
from clustering import truncation as T  # noqa: E402
from clustering._text import mask_placeholders  # noqa: E402
from clustering.code import CodeBlock, find_code_blocks  # noqa: E402
from clustering.english import last_word_cut, may_end_without_stop  # noqa: E402
from clustering.symptoms import MAX_CHARS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "symptoms_truncation_paragraph.json"
MODES = (
    "default",
    "lone_paragraph",
    "lone_unit",
    "lone_unit_wk",
    "lone_unit_parse",
    "word_knowledge",
)
# Closed-class English words that wait for what follows: articles and possessive determiners,
# prepositions that are no particles ("see below", "log in" end complete and are left out),
# conjunctions, subordinators, copulas and modals, subject pronouns, "to", "than", "whose".
OPEN_WORDS = frozenset(
    """a an the every no its their my your our his whose which whether
    of to for from with into onto upon at via per than as during despite toward towards
    among between against unlike within in on by
    and or nor but because if when whenever while although though unless since until once
    is are was were be been being am can could may might must shall should will would
    i we they he she""".split()
)
_LAST_WORD_RE = regex.compile(r"(\p{L}[\p{L}\p{M}]*(?:['’]\p{L}+)?)[^\p{L}\p{N}]*\Z")
# A unit written as a sentence: a capital letter first, after opening quotes or markup.
_SENTENCE_START_RE = regex.compile(r"[\"'“‘(\[*_`]*\p{Lu}")


def paragraph_start(stripped: str, blocks: Sequence[CodeBlock]) -> int:
    """Where the detector's last paragraph starts (after the last blank line or closed fence)."""
    last_fenced = max((b for b in blocks if b.fenced), key=lambda b: b.end, default=None)
    tail_from = 0
    if last_fenced is not None:
        fence_end = stripped.find("\n", last_fenced.end + 1)
        tail_from = fence_end + 1 if fence_end >= 0 else len(stripped)
    last_blank = T._LAST_BLANK_LINE_RE.search(stripped, tail_from)
    start = last_blank.end() if last_blank else tail_from
    while start < len(stripped) and stripped[start] in " \t\n":
        start += 1
    return start


def lone(stripped: str, start: int, para_start: int, *, lines: bool) -> bool:
    """Whether the last sentence ``stripped[start:]`` is the whole of its paragraph (or, with
    ``lines``, of the last line) and starts like a sentence."""
    if not _SENTENCE_START_RE.match(stripped, start):
        return False
    if start <= para_start:
        return True
    if not lines:
        return False
    line_start = stripped.rfind("\n", 0, len(stripped)) + 1
    while line_start < len(stripped) and stripped[line_start] in " \t":
        line_start += 1
    return start == line_start


def shows_cut(sentence: str, before: str) -> bool:
    """(a): ends mid-word (no word of the lexicon, not used elsewhere, not a name) or on a word
    that waits for its complement."""
    m = _LAST_WORD_RE.search(sentence)
    if m is not None and m.group(1).lower() in OPEN_WORDS:
        return True
    return last_word_cut(sentence, before)


def truncated(text: str, mode: str) -> bool:
    """``detect_symptoms``' truncation verdict with ``mode``'s rule applied after it to the text
    and code blocks the detector judged (placeholders masked; past ``MAX_CHARS`` the whole
    text)."""
    found = detect_symptoms(text, truncation_word_knowledge=mode == "word_knowledge")
    span = next((s for s in found if s.name == "truncation"), None)
    if span is None:
        return False
    if mode in ("default", "word_knowledge") or span.reason != "ends mid-sentence":
        return True
    judged = mask_placeholders(text)
    blocks = find_code_blocks(judged, indented=False) if len(judged) > MAX_CHARS else None
    if blocks is None:
        blocks = find_code_blocks(judged)
    stripped = judged.rstrip()
    if stripped[-1] in T._CONTINUES:
        return True  # ends on ",", ":", ...: open whatever the unit
    start = span.start
    sentence, before = stripped[start:], stripped[:start]
    para_start = paragraph_start(stripped, blocks)
    is_lone = lone(stripped, start, para_start, lines=mode != "lone_paragraph")
    if mode == "lone_unit_parse":
        return not (is_lone and may_end_without_stop(sentence, before))
    if is_lone:
        return shows_cut(sentence, before)
    if mode == "lone_unit_wk":
        return not may_end_without_stop(sentence, before)
    return True  # running text: open, as by default


def _paragraph_first(base: object, at: int) -> bool:
    """The cut at ``at`` lies inside the first sentence of a paragraph (or of the paragraph
    under a heading): the text before it ends with a closed paragraph or a heading line."""
    for i, p in enumerate(base.parts):  # type: ignore[attr-defined]
        off = base.offset(i)  # type: ignore[attr-defined]
        if not off <= at <= off + len(p.text):
            continue
        first = {"paragraph": 0, "heading": 1}.get(p.kind)
        if first is None or len(p.units) <= first:
            return False
        a, b = p.units[first]
        return off + a < at <= off + b
    return False


def eval_properties(seed: int, n: int, modes: Sequence[str]) -> dict:
    from tests.clustering import textgen as tg

    clean: list[str] = []
    cuts: list[tuple[str, bool, bool]] = []  # text, decidable, decidable by the lone-unit rule
    for i in range(n):  # the same calls, in the same order, as eval_symptom_properties.run
        src = tg.RandomSource(seed * 1_000_003 + i)
        base = tg.answer(src)
        clean.append(base.text)
        tg.insert_repetition(src, base)
        tg.near_duplicates(src)
        c = tg.cut(src, base)
        if c is not None:
            strict = c.decidable and not (c.kind != "block" and _paragraph_first(base, c.at))
            cuts.append((c.text, c.decidable, strict))
    out: dict = {}
    for mode in modes:
        verdicts = [truncated(t, mode) for t, _, _ in cuts]
        out[mode] = {
            "clean_false_positives": _rate(sum(truncated(t, mode) for t in clean), len(clean)),
            "decidable_cuts_recall": _rate(
                sum(v for v, (_, d, _) in zip(verdicts, cuts, strict=True) if d),
                sum(d for _, d, _ in cuts),
            ),
            "undecidable_cuts_hit": _rate(
                sum(v for v, (_, d, _) in zip(verdicts, cuts, strict=True) if not d),
                sum(not d for _, d, _ in cuts),
            ),
            # decidable, less the cuts inside the first sentence of a later paragraph
            "decidable_lone_rule_recall": _rate(
                sum(v for v, (_, _, s) in zip(verdicts, cuts, strict=True) if s),
                sum(s for _, _, s in cuts),
            ),
            "paragraph_first_cuts_hit": _rate(
                sum(v for v, (_, d, s) in zip(verdicts, cuts, strict=True) if d and not s),
                sum(d and not s for _, d, s in cuts),
            ),
        }
    return out


def main() -> None:
    run_cli(__doc__ or "", MODES, RESULTS, truncated, eval_properties)


if __name__ == "__main__":
    main()
