"""The audit's own recall and its false positives (issue 18, item 3).

The audit (:mod:`redaction.audit`) masks what it finds in the published texts, so it needs
recall where the redactor leaks, and few hits on clean text (every hit alters a text).
Measured on sets the project did not write, with the generators of
``bench/eval_redaction_external.py``:

- ``raw``: the audit alone on raw text: (a) presidio-evaluator's generator, (b) the
  multicultural set; per-type typed recall (a same-type audit span overlaps the value),
  covered recall and precision.
- ``leaked``: on the output of a redactor *with its name and phone recognizers removed*
  (``Redactor`` less every recognizer that emits PERSON or PHONE_NUMBER), the values it left
  (truth spans not covered by its spans), and the share of them the audit finds in the
  redacted text (its spans mapped back to the raw offsets); also for the full redactor.
  Sets (a), (b) and the replay.
- ``clean``: texts the audit alters where there is nothing to find: the replay redacted by
  the full redactor (audit spans that overlap no leaked value), and text installed on this
  machine that nobody here wrote: paragraphs of the docstrings of installed Python modules
  (standard library and site-packages) and of Python's own reference (pydoc topics).
  Docstrings can hold real names and examples of numbers (author lines, phonenumbers'
  doctests); every hit is counted, so the rate is an upper bound.

Prints and writes counts and ratios only, never a text or a value. Run:
``nice -n 10 .venv/bin/python bench/eval_audit.py --seed 2024 --replay DIR``
(-> bench/results/audit_recall.json).
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_redaction_external import multicultural  # noqa: E402

from redaction import entities as E  # noqa: E402
from redaction.audit import audit_batch, find_spans  # noqa: E402
from redaction.evaluate import (  # noqa: E402
    LabeledText,
    load_presidio_evaluator,
    load_replay,
    score,
)
from redaction.spans import Span  # noqa: E402

OUT = Path("bench/results/audit_recall.json")
REMOVED = frozenset({E.PERSON, E.PHONE_NUMBER})


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def reduced_redactor():  # noqa: ANN201 - redaction.Redactor
    """The real redactor less every recognizer that emits PERSON or PHONE_NUMBER: a
    redactor broken on purpose, as in the pipeline test."""
    from redaction import Redactor

    redactor = Redactor()
    registry = redactor.analyzer.registry
    registry.recognizers = [
        r for r in registry.recognizers if not REMOVED & set(r.supported_entities)
    ]
    return redactor


def map_back(raw_len: int, red_spans: Sequence[Span], audit_spans: Sequence[Span]) -> list[Span]:
    """Audit spans found in a redacted text, as offsets into the raw text: a span that
    starts or ends inside a placeholder takes that placeholder's raw span edge."""
    segments = []  # (redacted start, redacted end, raw start, raw end, is placeholder)
    red = raw = 0
    for s in red_spans:
        if s.start > raw:
            n = s.start - raw
            segments.append((red, red + n, raw, s.start, False))
            red += n
        width = len(E.placeholder(s.entity_type))
        segments.append((red, red + width, s.start, s.end, True))
        red, raw = red + width, s.end
    segments.append((red, red + (raw_len - raw), raw, raw_len, False))

    def to_raw(pos: int, is_end: bool) -> int:
        for r0, r1, a0, a1, placeholder in segments:
            if r0 <= pos < r1 or (is_end and pos == r1 and r1 > r0):
                if placeholder:
                    return a1 if is_end else a0
                return a0 + (pos - r0)
        return raw_len

    return [Span(to_raw(s.start, False), to_raw(s.end, True), s.entity_type) for s in audit_spans]


def _covered(start: int, end: int, spans: Sequence[Span]) -> bool:
    return sum(max(0, min(end, s.end) - max(start, s.start)) for s in spans) >= end - start


def _overlaps_typed(start: int, end: int, kind: str, spans: Sequence[Span]) -> bool:
    return any(s.start < end and start < s.end and s.entity_type == kind for s in spans)


def leaked_recall(redactor, samples: Sequence[LabeledText], batch: int = 256) -> dict:  # noqa: ANN001
    """Per type: values the redactor left, and how many of those the audit finds (typed
    overlap) and covers (every character masked) in the redacted text."""
    leaked: Counter[str] = Counter()
    found: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    truth: Counter[str] = Counter()
    false_hits: Counter[str] = Counter()
    texts_false = 0
    for offset in range(0, len(samples), batch):
        chunk = samples[offset : offset + batch]
        results = redactor.redact_batch([s.text for s in chunk])
        for sample, red in zip(chunk, results, strict=True):
            spans = list(red.spans)
            audit_spans = map_back(len(sample.text), spans, find_spans(red.text or ""))
            left = []
            for start, end, kind in sample.truth:
                truth[kind] += 1
                if _covered(start, end, spans):
                    continue
                leaked[kind] += 1
                left.append((start, end))
                if _overlaps_typed(start, end, kind, audit_spans):
                    found[kind] += 1
                if _covered(start, end, spans + audit_spans):
                    covered[kind] += 1
            wrong = [s for s in audit_spans if not any(s.start < e and b < s.end for b, e in left)]
            false_hits.update(s.entity_type for s in wrong)
            texts_false += bool(wrong)
    kinds = sorted(truth)
    return {
        "per_entity": {
            k: {
                "truth": truth[k],
                "leaked": leaked[k],
                "audit_found": found[k],
                "audit_recall_typed": _ratio(found[k], leaked[k]),
                "audit_recall_covered": _ratio(covered[k], leaked[k]),
            }
            for k in kinds
        },
        "leaked_total": sum(leaked.values()),
        "audit_found_total": sum(found.values()),
        "audit_recall_typed": _ratio(sum(found.values()), sum(leaked.values())),
        "audit_recall_covered": _ratio(sum(covered.values()), sum(leaked.values())),
        "texts": len(samples),
        "audit_hits_not_on_a_leaked_value": dict(sorted(false_hits.items())),
        "texts_altered_without_a_leaked_value": texts_false,
        "share_texts_altered_without_a_leaked_value": _ratio(texts_false, len(samples)),
    }


def _paragraphs(doc: str) -> list[str]:
    out = []
    for para in doc.split("\n\n"):
        para = para.strip()
        if 40 <= len(para) <= 2000:
            out.append(para)
    return out


def installed_docs(max_texts: int, seed: int, max_files: int = 4000) -> tuple[list[str], dict]:
    """Paragraphs of module/class/function docstrings of installed Python code (standard
    library and site-packages, tests excluded; ``max_files`` files drawn with ``seed``) and
    of pydoc's reference topics; a sample of ``max_texts`` paragraphs drawn with ``seed``."""
    import pydoc_data.topics

    paragraphs = [p for topic in pydoc_data.topics.topics.values() for p in _paragraphs(topic)]
    roots = {Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])}
    skip = {"test", "tests", "testing", "idle_test", "_vendor"}
    paths = sorted(p for root in roots for p in root.rglob("*.py") if not set(p.parts) & skip)
    rng = random.Random(seed)
    files = 0
    for path in sorted(rng.sample(paths, min(max_files, len(paths)))):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        files += 1
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    paragraphs.extend(_paragraphs(doc))
    unique = sorted(set(paragraphs))
    sample = rng.sample(unique, min(max_texts, len(unique)))
    return sample, {
        "python_files_read": files,
        "python_files_installed": len(paths),
        "paragraphs_available": len(unique),
    }


def clean_hits(texts: Sequence[str]) -> dict:
    """Texts the audit alters, per type, on text with nothing to find (an upper bound)."""
    started = time.perf_counter()
    result = audit_batch(list(texts)).result
    elapsed = time.perf_counter() - started
    return {
        "texts": result.texts_scanned,
        "texts_altered": result.texts_with_findings,
        "share_texts_altered": _ratio(result.texts_with_findings, result.texts_scanned),
        "values_masked": {k: v for k, v in result.counts.items() if v},
        "texts_per_second": round(result.texts_scanned / elapsed, 1) if elapsed else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--evaluator-samples", type=int, default=1000)
    parser.add_argument("--multicultural-samples", type=int, default=1500)
    parser.add_argument("--docs-samples", type=int, default=5000)
    parser.add_argument("--replay", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--skip-redactor", action="store_true", help="raw and docs only")
    args = parser.parse_args()

    sets = {
        "presidio_evaluator": load_presidio_evaluator(args.evaluator_samples, seed=args.seed),
        "multicultural": multicultural(args.seed, args.multicultural_samples)[0],
    }
    report: dict = {"seed": args.seed, "raw": {}, "leaked": {}, "clean": {}}
    for name, samples in sets.items():
        started = time.perf_counter()
        predicted = [find_spans(s.text) for s in samples]
        report["raw"][name] = {
            **score(samples, predicted),
            "texts": len(samples),
            "seconds": round(time.perf_counter() - started, 2),
        }
    docs, meta = installed_docs(args.docs_samples, args.seed)
    report["clean"]["installed_docs"] = {**clean_hits(docs), **meta}
    if args.replay:
        sets["replay"] = load_replay(args.replay)
    if not args.skip_redactor:
        from redaction import Redactor

        for label, redactor in (
            ("without_name_and_phone_recognizers", reduced_redactor()),
            ("full_redactor", Redactor()),
        ):
            report["leaked"][label] = {
                name: leaked_recall(redactor, samples) for name, samples in sets.items()
            }
        if args.replay:
            replay = report["leaked"]["full_redactor"]["replay"]
            report["clean"]["replay_redacted"] = {
                "texts": replay["texts"],
                "texts_altered_without_a_leaked_value": replay[
                    "texts_altered_without_a_leaked_value"
                ],
                "share": replay["share_texts_altered_without_a_leaked_value"],
                "hits": replay["audit_hits_not_on_a_leaked_value"],
                "source": str(args.replay),
            }
    _print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("written:", args.out)
    return 0


def _print(report: dict) -> None:
    for name, result in report["raw"].items():
        print(f"raw {name}: {result['texts']} texts")
        for kind, row in result["per_entity"].items():
            print(
                f"  {kind:<18} truth {row['truth']:>5} recall {row['recall_typed']} "
                f"covered {row['recall_covered']} precision {row['precision']}"
            )
    for label, by_set in report["leaked"].items():
        for name, result in by_set.items():
            print(
                f"leaked by {label} on {name}: {result['leaked_total']} values, audit recall "
                f"{result['audit_recall_typed']} (covered {result['audit_recall_covered']}); "
                f"texts altered without a leaked value "
                f"{result['texts_altered_without_a_leaked_value']}/{result['texts']}"
            )
            for kind, row in result["per_entity"].items():
                if row["leaked"]:
                    print(
                        f"  {kind:<18} leaked {row['leaked']:>5} found {row['audit_found']:>5} "
                        f"recall {row['audit_recall_typed']}"
                    )
    for name, result in report["clean"].items():
        print(f"clean {name}: {json.dumps(result, sort_keys=True)}")


if __name__ == "__main__":
    raise SystemExit(main())
