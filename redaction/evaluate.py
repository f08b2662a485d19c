"""Quality of the redactor on labeled spans: per-entity precision/recall, symptom survival.

Two labeled sets:
- the replay's truth (``triage simulate`` output: truth/pii.parquet, truth/symptoms.parquet);
- presidio-evaluator's synthetic sentence generator (a labeled set this project did not
  write; Faker-based templates, generated offline with a fixed seed).

Matching rules (offsets are Python str offsets into the field):
- typed recall: a truth span counts as found if a predicted span of the same type overlaps it;
- covered recall (the privacy view): every character of the truth span lies inside some
  predicted span, of any type (nothing of the value is left in the output);
- precision: a predicted span is correct if it overlaps a truth span of the same type.
Symptom survival: a truth symptom span (foreign-script run, broken code block, ...) survives
if no predicted span overlaps it; spans that themselves contain truth PII are reported apart,
since redacting the PII inside them is required.

Run: ``python -m redaction.evaluate --replay DIR [--evaluator-samples N] [--out FILE]``.
Prints and writes counts and ratios only, never a text or a value.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from redaction.redactor import Redactor
from redaction.spans import Span

FIELDS = ("comment", "response_excerpt")
# presidio-evaluator template entity names -> this project's types (others are ignored).
EVALUATOR_TYPE_MAP = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "STREET_ADDRESS",
}


@dataclass(frozen=True)
class LabeledText:
    """One text with its truth spans (start, end, type) and symptom spans (start, end)."""

    text: str
    truth: tuple[tuple[int, int, str], ...]
    symptoms: tuple[tuple[int, int, str], ...] = ()


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(samples: Sequence[LabeledText], predicted: Sequence[Sequence[Span]]) -> dict:
    """Per-entity typed recall, covered recall, precision, and symptom survival counts."""
    truth_n: Counter[str] = Counter()
    typed_hit: Counter[str] = Counter()
    covered_hit: Counter[str] = Counter()
    pred_n: Counter[str] = Counter()
    pred_ok: Counter[str] = Counter()
    symptom_n: Counter[str] = Counter()
    symptom_kept: Counter[str] = Counter()
    symptom_with_pii = 0
    for sample, spans in zip(samples, predicted, strict=True):
        for start, end, etype in sample.truth:
            truth_n[etype] += 1
            if any(_overlaps(start, end, s.start, s.end) and s.entity_type == etype for s in spans):
                typed_hit[etype] += 1
            covered = sum(
                max(0, min(end, s.end) - max(start, s.start)) for s in spans
            )  # spans are disjoint, so overlaps add up
            if covered >= end - start:
                covered_hit[etype] += 1
        for s in spans:
            pred_n[s.entity_type] += 1
            if any(
                _overlaps(start, end, s.start, s.end) and s.entity_type == etype
                for start, end, etype in sample.truth
            ):
                pred_ok[s.entity_type] += 1
        for start, end, symptom in sample.symptoms:
            if any(_overlaps(start, end, t0, t1) for t0, t1, _ in sample.truth):
                symptom_with_pii += 1
                continue
            symptom_n[symptom] += 1
            if not any(_overlaps(start, end, s.start, s.end) for s in spans):
                symptom_kept[symptom] += 1
    entities = sorted(set(truth_n) | set(pred_n))
    per_entity = {
        e: {
            "truth": truth_n[e],
            "predicted": pred_n[e],
            "recall_typed": _ratio(typed_hit[e], truth_n[e]),
            "recall_covered": _ratio(covered_hit[e], truth_n[e]),
            "precision": _ratio(pred_ok[e], pred_n[e]),
        }
        for e in entities
    }
    symptoms = {s: {"spans": symptom_n[s], "unaltered": symptom_kept[s]} for s in sorted(symptom_n)}
    return {
        "per_entity": per_entity,
        "symptoms": symptoms,
        "symptom_spans_containing_pii": symptom_with_pii,
    }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def load_replay(replay_dir: Path) -> list[LabeledText]:
    """Every non-null comment/response_excerpt of the replay with its truth spans.

    Malformed and duplicate feedback lines are skipped (first occurrence wins), as the
    pipeline's reader does.
    """
    import pyarrow.parquet as pq

    texts: dict[tuple[str, str], str] = {}
    for path in sorted((replay_dir / "feedback").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("report_id"), str):
                continue
            for fld in FIELDS:
                value = record.get(fld)
                if isinstance(value, str) and (record["report_id"], fld) not in texts:
                    texts[(record["report_id"], fld)] = value
    truth: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for row in pq.read_table(replay_dir / "truth" / "pii.parquet").to_pylist():
        truth[(row["report_id"], row["field"])].append(
            (row["start"], row["end"], row["entity_type"])
        )
    symptoms: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    symptoms_path = replay_dir / "truth" / "symptoms.parquet"
    if symptoms_path.exists():
        for row in pq.read_table(symptoms_path).to_pylist():
            symptoms[(row["report_id"], row["field"])].append(
                (row["start"], row["end"], row["symptom"])
            )
    return [
        LabeledText(text, tuple(truth.get(key, ())), tuple(symptoms.get(key, ())))
        for key, text in sorted(texts.items())
    ]


def load_presidio_evaluator(n_samples: int, seed: int = 42) -> list[LabeledText]:
    """``n_samples`` sentences from presidio-evaluator's PresidioSentenceFaker (offline)."""
    import contextlib
    import io
    import warnings

    from presidio_evaluator.data_generator import PresidioSentenceFaker

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # "can't download hospitals data": offline, expected
        faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=seed)
        records = faker.generate_new_fake_sentences(n_samples)
    samples = []
    for record in records:
        spans = tuple(
            (s.start_position, s.end_position, EVALUATOR_TYPE_MAP[s.entity_type])
            for s in record.spans
            if s.entity_type in EVALUATOR_TYPE_MAP
        )
        samples.append(LabeledText(record.full_text, spans))
    return samples


def evaluate(redactor: Redactor, samples: Sequence[LabeledText], batch_size: int = 256) -> dict:
    """Run the redactor over ``samples`` in batches and score it; adds docs/s."""
    predicted: list[list[Span]] = []
    started = time.perf_counter()
    for offset in range(0, len(samples), batch_size):
        batch = [s.text for s in samples[offset : offset + batch_size]]
        predicted.extend(spans or [] for spans in redactor.analyze_batch(batch))
    elapsed = time.perf_counter() - started
    result = score(samples, predicted)
    result["texts"] = len(samples)
    result["seconds"] = round(elapsed, 2)
    return result


def _print_table(name: str, result: dict) -> None:
    print(f"\n{name}: {result['texts']} texts in {result['seconds']} s")
    print(f"{'entity':<18}{'truth':>7}{'pred':>7}{'rec_typed':>11}{'rec_cov':>9}{'prec':>8}")
    for entity, row in result["per_entity"].items():
        cells = [row["recall_typed"], row["recall_covered"], row["precision"]]
        shown = ["-" if c is None else f"{c:.3f}" for c in cells]
        print(
            f"{entity:<18}{row['truth']:>7}{row['predicted']:>7}"
            f"{shown[0]:>11}{shown[1]:>9}{shown[2]:>8}"
        )
    for symptom, row in result.get("symptoms", {}).items():
        print(f"symptom {symptom:<20} unaltered {row['unaltered']}/{row['spans']}")


def main(argv: Iterable[str] | None = None) -> int:
    """CLI: evaluate on a replay directory and/or presidio-evaluator samples."""
    parser = argparse.ArgumentParser(prog="python -m redaction.evaluate")
    parser.add_argument("--replay", type=Path, help="output dir of `triage simulate`")
    parser.add_argument("--evaluator-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("bench/results/redaction_quality.json"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    redactor = Redactor()
    report: dict = {}
    if args.replay:
        report["replay"] = evaluate(redactor, load_replay(args.replay))
        report["replay"]["source"] = str(args.replay)
        _print_table("replay", report["replay"])
    if args.evaluator_samples > 0:
        samples = load_presidio_evaluator(args.evaluator_samples, seed=args.seed)
        report["presidio_evaluator"] = evaluate(redactor, samples)
        report["presidio_evaluator"]["seed"] = args.seed
        _print_table("presidio-evaluator", report["presidio_evaluator"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
