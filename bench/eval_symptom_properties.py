"""Recall (and clean-text false positives) of the symptom detectors on the distribution of
their property tests (tests/clustering/textgen.py), sampled with seeded ``random.Random``.

Results: bench/results/symptoms_properties.json (one section per ``--label``).

Usage (about a minute of CPU for the default sizes):
  nice -n 10 .venv/bin/python bench/eval_symptom_properties.py --seed 1 --n 2000

Per property: ``n`` examples; for recall, a hit is the symptom with evidence covering the
inserted run (repetition, unexpected_script), the symptom at all (truncation: one cut per
answer, inside a word, a sentence or a block; ``truncation`` counts the cuts whose text shows
what was left open, ``truncation_undecidable`` the others, see ``textgen.Cut.decidable``,
``truncation_all_cuts`` both), the symptom on the broken block (code_syntax_error). Counts
are broken down by the generator's choices (unit kind, separator, cut kind, list style ...)
so a weak spot shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "symptoms_properties.json"


def _covers(found, name: str, start: int, end: int) -> bool:
    return any(s.name == name and s.start <= start and s.end >= end for s in found)


def run(seed: int, n: int, show: str | None, word_knowledge: bool = False) -> dict:
    from clustering import detect_symptoms as detect
    from tests.clustering import textgen as tg

    def detect_symptoms(text: str) -> list:
        return detect(text, truncation_word_knowledge=word_knowledge)

    out: dict = {}
    stats: dict[str, Counter] = defaultdict(Counter)
    shown = 0

    def record(prop: str, ok: bool, *keys: str, text: str = "") -> None:
        nonlocal shown
        stats[prop]["n"] += 1
        stats[prop]["hit"] += ok
        for k in keys:
            stats[prop][f"{k}:n"] += 1
            stats[prop][f"{k}:hit"] += ok
        if show == prop and not ok and shown < 30:
            shown += 1
            print("=" * 60, prop, keys)
            print(repr(text[-600:]))

    for i in range(n):
        src = tg.RandomSource(seed * 1_000_003 + i)
        base = tg.answer(src)
        found = detect_symptoms(base.text)
        for name in ("repetition", "truncation", "unexpected_script", "code_syntax_error"):
            record(f"clean_{name}", not any(s.name == name for s in found), text=base.text)
        ins = tg.insert_repetition(src, base)
        found = detect_symptoms(ins.text)
        sep = "empty" if ins.separator == "" else ins.separator.strip() or repr(ins.separator)
        record(
            "repetition",
            _covers(found, "repetition", ins.start, ins.end),
            f"unit={ins.unit_kind}",
            f"sep={sep}",
            f"copies={ins.copies}",
            text=ins.text,
        )
        nd = tg.near_duplicates(src)
        record(
            "repetition_near_duplicates",
            _covers(detect_symptoms(nd.text), "repetition", nd.start, nd.end),
            f"copies={nd.copies}",
            text=nd.text,
        )
        c = tg.cut(src, base)
        if c is not None:
            found = detect_symptoms(c.text)
            prop = "truncation" if c.decidable else "truncation_undecidable"
            record(
                prop,
                any(s.name == "truncation" for s in found),
                f"cut={c.kind}",
                f"part={c.part_kind}",
                f"style={c.style or '-'}",
                text=c.text,
            )
        lang = src.choice(tuple(tg.LANG_SCRIPT))
        fr = tg.insert_foreign(src, lang)
        record(
            "unexpected_script",
            _covers(detect_symptoms(fr.text), "unexpected_script", fr.start, fr.end),
            f"text={lang}",
            f"run={fr.unit_kind}",
            text=fr.text,
        )
        mixed = tg.mixed_language_answer(src)
        record(
            "clean_mixed_language_unexpected_script",
            not any(s.name == "unexpected_script" for s in detect_symptoms(mixed)),
            text=mixed,
        )
        block, blang = tg.broken_code(src)
        text = tg.sentence(src) + "\n\n" + block
        record(
            "code_syntax_error",
            any(s.name == "code_syntax_error" for s in detect_symptoms(text)),
            f"lang={blang}",
            text=text,
        )
    # every cut inside a word, a sentence or a block, whether or not the text shows it
    both = stats["truncation"] + stats["truncation_undecidable"]
    stats["truncation_all_cuts"] = Counter({"n": both["n"], "hit": both["hit"]})
    for prop, c in stats.items():
        d = {"n": c["n"], "rate": round(c["hit"] / max(c["n"], 1), 4)}
        by = {}
        for k in c:
            if k.endswith(":n"):
                key = k[:-2]
                by[key] = f"{c[key + ':hit']}/{c[k]}"
        if by:
            d["by"] = dict(sorted(by.items()))
        out[prop] = d
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--label", default="current")
    p.add_argument("--show", default=None, help="print failures of one property (synthetic text)")
    p.add_argument(
        "--word-knowledge",
        action="store_true",
        help="truncation with word knowledge (detect_symptoms(truncation_word_knowledge=True))",
    )
    args = p.parse_args()
    t0 = time.perf_counter()
    res = run(args.seed, args.n, args.show, args.word_knowledge)
    res["truncation_word_knowledge"] = args.word_knowledge
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["seed"], res["n"] = args.seed, args.n
    for k, v in res.items():
        if isinstance(v, dict):
            print(k, v["rate"], v["n"], json.dumps(v.get("by", {})) if v["rate"] < 1 else "")
    if args.show is None:
        data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        data[args.label] = res
        RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
