"""Truncation (issue 19, fourth pass): does the writer's own habit separate a docstring whose
last sentence lacks its full stop from an answer cut at a clause boundary?

Idea evaluated (not in ``clustering/``: it did not separate, see docs/clustering.md, *Fourth
pass*). A text whose writer elsewhere ends a unit (a paragraph, a line followed by a new
sentence, a list item, a field body) with a *complete clause and no terminal* shows that the
writer drops final stops; its last sentence may then end without one too. A text that closes
every other unit and leaves only the last open is cut, as before. Two modes, both applied only
where the detector says "ends mid-sentence" on a last sentence left without its terminal (not
on one ending with ``,`` ``:`` or another character that continues a sentence):

- ``habit``: the writer's evidence and the last sentence is a complete clause
  (:func:`clustering.english.may_end_without_stop`);
- ``habit_any``: the writer's evidence alone.

An evidence unit counts when it has at least three plain words and is a complete clause by
the same word knowledge (a field body such as ``name : int`` or a fragment such as ``Size of
the ticks`` is not a clause: writers leave stops out of fragments whatever their habit).

Measured on the same three sets as the detector itself (``--set``): the installed-docs corpus
(``bench/eval_symptoms_clean.py``'s builder, both halves), the property distribution's cuts
(``bench/eval_symptom_properties.py``'s generator calls, decidable cuts and clean answers) and
a replay's response excerpts (``bench/bench_clustering.py detect``'s reading). Results:
``bench/results/symptoms_truncation_habit.json``, one section per ``--label``.

Usage:
  nice -n 10 .venv/bin/python bench/eval_truncation_habit.py --set corpus --seed 19
  nice -n 10 .venv/bin/python bench/eval_truncation_habit.py --set properties --seed 1
  nice -n 10 .venv/bin/python bench/eval_truncation_habit.py --set replay \
      --replay /tmp/i19_replay_s2h
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from clustering import detect_symptoms  # noqa: E402
from clustering import truncation as T  # noqa: E402
from clustering._text import mask_placeholders  # noqa: E402
from clustering.code import CodeBlock, find_code_blocks  # noqa: E402
from clustering.english import may_end_without_stop  # noqa: E402
from clustering.symptoms import MAX_CHARS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "symptoms_truncation_habit.json"
MODES = ("default", "habit", "habit_any", "word_knowledge")
# A unit may end on a letter, a digit or a closing bracket or quote (not on a terminal, not on
# a character that continues a sentence).
_UNIT_END_CHAR_RE = regex.compile(r"[\p{L}\p{N})\]\"'`’”]\Z")
_FENCE_LINE_RE = regex.compile(r"[ \t]{0,3}(?:```|~~~)")
_CAPITAL_RE = regex.compile(r"\p{Lu}")
_FIELD_LABEL_RE = regex.compile(r"[ \t]*(?::[^:\n]+:[ \t]+|\w+(?:[ -]\w+){0,2}:[ \t]+)")
MAX_EVIDENCE = 8  # the units nearest the end that are parsed (bounds the cost)


def open_unit_ends(text: str, stop: int, blocks: Sequence[CodeBlock]) -> list[tuple[int, int]]:
    """``(start, end)`` of the last sentences of units before ``stop`` that end without a
    terminal: a line of at least three words, outside code and doctests, not a heading, rule,
    table, directive or comment, followed by a blank line, a list item or field, a fence, a
    less indented line or a line starting with a capital letter. The unit's last sentence
    starts after its last terminal, its list marker or field label."""
    code = [(b.start, b.end) for b in blocks]
    lines = text[:stop].split("\n")
    offs: list[int] = []
    pos = 0
    for ln in lines:
        offs.append(pos)
        pos += len(ln) + 1
    out: list[tuple[int, int]] = []
    for i in range(len(lines) - 1):
        line = lines[i].rstrip()
        if len(line.split()) < 3 or not _UNIT_END_CHAR_RE.search(line):
            continue
        if any(lo - 8 <= offs[i] <= hi for lo, hi in code):
            continue
        if line.lstrip().startswith((">>>", "...")):
            continue
        nxt = lines[i + 1]
        nb = nxt.lstrip()
        unit_end = (
            not nb
            or T._starts_item(nxt)
            or _FENCE_LINE_RE.match(nxt)
            or T._indent(nxt) < T._indent(line)
            or _CAPITAL_RE.match(nb)
        )
        if not unit_end or (
            T._HEADING_RE.match(line)
            or T._UNDERLINE_RE.fullmatch(nxt)
            or T._UNDERLINE_RE.fullmatch(line)
            or T._TABLE_RE.fullmatch(line)
            or T._EMPHASIS_LINE_RE.fullmatch(line)
            or T._COMPLETE_LINE_RE.match(line)
            or T._COMMENT_RE.match(line)
        ):
            continue
        j = i  # the unit: lines above with the same indentation, up to a blank or an item
        while (
            j > 0
            and lines[j - 1].strip()
            and T._indent(lines[j - 1]) == T._indent(lines[i])
            and not T._starts_item(lines[j])
        ):
            j -= 1
        floor = offs[j]
        m = T._MARKER_RE.match(text, floor) if T._LIST_ITEM_RE.match(lines[j]) else None
        if m is None and T._starts_item(lines[j]):
            m = _FIELD_LABEL_RE.match(text, floor)
        if m is not None:
            floor = m.end()
        line_end = offs[i] + len(line)
        s = T._sentence_start(text[:line_end], floor)
        if s < line_end:
            out.append((s, line_end))
    return out[-MAX_EVIDENCE:]


def writer_drops_stops(text: str, stop: int, blocks: Sequence[CodeBlock]) -> bool:
    """Whether a unit before ``stop`` ends with a complete clause and no terminal."""
    for s, e in reversed(open_unit_ends(text, stop, blocks)):
        sentence = text[s:e]
        if sum(1 for w in sentence.split() if T._PLAIN_WORD_RE.fullmatch(w)) < 3:
            continue
        if may_end_without_stop(sentence, text[:s]):
            return True
    return False


def truncated(text: str, mode: str) -> bool:
    """``detect_symptoms``' truncation verdict, with the habit rule of ``mode`` applied after
    it to the text and code blocks the detector judged (placeholders masked, a text past
    ``MAX_CHARS`` judged whole)."""
    found = detect_symptoms(text, truncation_word_knowledge=mode == "word_knowledge")
    span = next((s for s in found if s.name == "truncation"), None)
    if span is None:
        return False
    if mode not in ("habit", "habit_any") or span.reason != "ends mid-sentence":
        return True
    judged = mask_placeholders(text)
    if len(judged) > MAX_CHARS:
        blocks = find_code_blocks(judged, indented=False)
    else:
        blocks = find_code_blocks(judged)
    stripped = judged.rstrip()
    if stripped[-1] in T._CONTINUES:
        return True  # ends on ",", ":", ...: open whatever the habit
    if not writer_drops_stops(stripped, span.start, blocks):
        return True
    if mode == "habit_any":
        return False
    return not may_end_without_stop(stripped[span.start :], stripped[: span.start])


def _rate(hit: int, n: int) -> dict:
    return {"hit": hit, "n": n, "rate": round(hit / max(n, 1), 5)}


Verdict = Callable[[str, str], bool]  # (text, mode) -> truncated


def eval_corpus(seed: int, n: int, modes: Sequence[str], truncated: Verdict = truncated) -> dict:
    """False positives per mode on both halves of the installed-docs corpus."""
    from eval_symptoms_clean import build_corpus

    halves = build_corpus(seed, n, 400, 80)
    out: dict = {}
    for half, units in halves.items():
        out[half] = {}
        for mode in modes:
            t0 = time.perf_counter()
            fp = sum(truncated(u["text"], mode) for u in units)
            out[half][mode] = {
                "false_positives": _rate(fp, len(units)),
                "seconds": round(time.perf_counter() - t0, 1),
            }
    return out


def eval_properties(seed: int, n: int, modes: Sequence[str]) -> dict:
    from tests.clustering import textgen as tg

    clean: list[str] = []
    cuts: list[tuple[str, bool]] = []
    for i in range(n):  # the same calls, in the same order, as eval_symptom_properties.run
        src = tg.RandomSource(seed * 1_000_003 + i)
        base = tg.answer(src)
        clean.append(base.text)
        tg.insert_repetition(src, base)
        tg.near_duplicates(src)
        c = tg.cut(src, base)
        if c is not None:
            cuts.append((c.text, c.decidable))
    out: dict = {}
    for mode in modes:
        out[mode] = {
            "clean_false_positives": _rate(sum(truncated(t, mode) for t in clean), len(clean)),
            "decidable_cuts_recall": _rate(
                sum(truncated(t, mode) for t, d in cuts if d), sum(d for _, d in cuts)
            ),
            "undecidable_cuts_hit": _rate(
                sum(truncated(t, mode) for t, d in cuts if not d), sum(not d for _, d in cuts)
            ),
        }
    return out


def eval_replay(replay: str, modes: Sequence[str], truncated: Verdict = truncated) -> dict:
    """Recall on the replay's cut answers and false positives on its other excerpts."""
    import pyarrow.parquet as pq
    from bench_clustering import load_reports

    recs, _ = load_reports(replay)
    want = {
        t["report_id"]
        for t in pq.read_table(f"{replay}/truth/symptoms.parquet").to_pylist()
        if t["symptom"] == "truncation" and t["field"] == "response_excerpt"
    }
    out: dict = {}
    for mode in modes:
        cnt: Counter = Counter()
        for r in recs:
            text = r.get("response_excerpt")
            if not isinstance(text, str):
                continue
            key = "P" if r["report_id"] in want else "N"
            cnt[key] += 1
            cnt["T" + key] += truncated(text, mode)
        out[mode] = {
            "recall": _rate(cnt["TP"], cnt["P"]),
            "false_positives": _rate(cnt["TN"], cnt["N"]),
        }
    return out


def run_cli(
    description: str,
    modes: Sequence[str],
    results: Path,
    truncated: Verdict,
    eval_properties: Callable[[int, int, Sequence[str]], dict],
) -> None:
    """The command line of a truncation-idea script: ``--set corpus|properties|replay``, one
    labelled result printed and merged into ``results``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--set", choices=("corpus", "properties", "replay"), required=True)
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--n", type=int, default=None, help="corpus: units per half (12000); "
                   "properties: answers (2000)")  # fmt: skip
    p.add_argument("--replay", default=None)
    p.add_argument("--modes", nargs="+", choices=modes, default=list(modes))
    p.add_argument("--label", default=None)
    args = p.parse_args()
    t0 = time.perf_counter()
    if args.set == "corpus":
        res = eval_corpus(args.seed, args.n or 12000, args.modes, truncated)
        label = args.label or f"corpus_seed{args.seed}"
    elif args.set == "properties":
        res = eval_properties(args.seed, args.n or 2000, args.modes)
        label = args.label or f"properties_seed{args.seed}"
    else:
        if not args.replay:
            p.error("--set replay needs --replay DIR")
        res = eval_replay(args.replay, args.modes, truncated)
        label = args.label or f"replay_{Path(args.replay).name}"
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["set"], res["seed"], res["replay"] = args.set, args.seed, args.replay
    res["head"] = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(json.dumps({label: res}, indent=1))
    data = json.loads(results.read_text()) if results.exists() else {}
    data[label] = res
    results.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main() -> None:
    run_cli(__doc__ or "", MODES, RESULTS, truncated, eval_properties)


if __name__ == "__main__":
    main()
