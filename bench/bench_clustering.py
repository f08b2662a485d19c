"""Benchmark + evaluation of clustering/ on the replay (results: bench/results/clustering.json).

Usage (other work shares the 2 CPU cores of this machine: timings are indicative):
  .venv/bin/triage simulate --scenario postmortem --output /tmp/replay --seed 2 --scale 0.5
  .venv/bin/python bench/bench_clustering.py detect  --replay /tmp/replay
  .venv/bin/python bench/bench_clustering.py detect  --replay /tmp/replay --symptoms-rev 80c2ccc \
      --section detect_before_issue19   # the detectors of an earlier commit, same replay
  .venv/bin/python bench/bench_clustering.py cluster --replay /tmp/r1 /tmp/r2 --backend static \
      --embed text --emb-cache /tmp/embcache   # variants x seeds; embeddings cached in /tmp
  .venv/bin/python bench/bench_clustering.py ceiling --replay /tmp/r1 /tmp/r2 --backend static \
      --emb-cache /tmp/embcache   # what any micro-cluster merge could reach per bug
  .venv/bin/python bench/bench_clustering.py speed   --replay /tmp/replay
  .venv/bin/python bench/bench_clustering.py scale   --replay /tmp/replay --sizes 20000 100000

Evaluation runs on the replay's RAW comment/response text (no redactor is called here); the
pipeline runs the same code on redacted text. Nothing here prints or writes report text: only
counts, rates and timings.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results" / "clustering.json"
BUGS = ("routing_1m", "tpu_corruption", "topk_sampler")


def load_reports(replay: str) -> tuple[list[dict], dict[str, dict]]:
    """Valid, first-seen feedback records and truth rows by report_id."""
    import pyarrow.parquet as pq

    recs: dict[str, dict] = {}
    for path in sorted(glob.glob(os.path.join(replay, "feedback", "*.jsonl"))):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, dict) and isinstance(r.get("report_id"), str):
                    recs.setdefault(r["report_id"], r)
    truth = {
        r["report_id"]: r for r in pq.read_table(f"{replay}/truth/reports.parquet").to_pylist()
    }
    return [r for rid, r in recs.items() if rid in truth], truth


def _s(x: object) -> str | None:
    return x if isinstance(x, str) else None


def save(section: str, payload: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    payload["machine_note"] = "2 CPU cores shared with other concurrent work; timings indicative"
    data[section] = payload
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(json.dumps({section: payload}, indent=2))


def cmd_detect(args: argparse.Namespace) -> None:
    import pyarrow.parquet as pq

    from clustering import SYMPTOMS, detect_symptoms

    if args.symptoms_rev:  # the detectors of an earlier commit, for a before/after table
        from bench_symptom_cost import _baseline_module

        detect_symptoms = _baseline_module(args.symptoms_rev).detect_symptoms  # noqa: F811

    # (--word-knowledge: truncation with clustering/english.py, opt-in; current code only)
    wk = {"truncation_word_knowledge": True} if args.word_knowledge else {}
    recs, _ = load_reports(args.replay)
    want = collections.defaultdict(set)
    for t in pq.read_table(f"{args.replay}/truth/symptoms.parquet").to_pylist():
        want[(t["report_id"], t["field"])].add(t["symptom"])
    cnt: collections.Counter = collections.Counter()
    t0 = time.perf_counter()
    n_texts = 0
    for r in recs:
        for field in ("comment", "response_excerpt"):
            got = {
                s.name
                for s in detect_symptoms(
                    _s(r.get(field)),
                    check_truncation=field == "response_excerpt",
                    **wk,
                )
            }
            n_texts += 1
            w = want.get((r["report_id"], field), set())
            for s in SYMPTOMS:
                key = "P" if s in w else "N"
                cnt[s, key] += 1
                cnt[s, "T" + key] += (s in got) == (s in w) if key == "P" else (s in got)
    dt = time.perf_counter() - t0
    out = {
        s: {
            "recall": round(cnt[s, "TP"] / max(cnt[s, "P"], 1), 4),
            "positives": cnt[s, "P"],
            "false_positive_rate": round(cnt[s, "TN"] / max(cnt[s, "N"], 1), 5),
            "false_positives": cnt[s, "TN"],
            "negatives": cnt[s, "N"],
        }
        for s in SYMPTOMS
    }
    out["texts"] = n_texts
    out["texts_per_s"] = round(n_texts / dt, 1)
    out["replay"] = args.replay
    if args.symptoms_rev:
        out["symptoms_rev"] = args.symptoms_rev
    if args.word_knowledge:
        out["truncation_word_knowledge"] = True
    save(args.section, out)


def _features(recs: list[dict]) -> tuple[list[str], list[list[str]]]:
    from clustering import detect_symptoms, embedding_text, symptom_names

    syms = [symptom_names(detect_symptoms(_s(r.get("response_excerpt")))) for r in recs]
    texts = [
        embedding_text(_s(r.get("comment")), _s(r.get("response_excerpt")), sy)
        for r, sy in zip(recs, syms, strict=True)
    ]
    return texts, syms


def evaluate_labels(causes: list[str], labels, informative=None) -> dict:  # noqa: ANN001
    """Per bug: coverage (share of its reports in its best cluster) and that cluster's purity.

    ``informative`` (bool per report: a comment or a symptom) adds ``coverage_informative``:
    the same count over the bug's reports that carry any text signal at all.
    """
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    y = np.array(causes)
    res: dict = {}
    for bug in BUGS:
        m = y == bug
        c = collections.Counter(labels[m & (labels >= 0)].tolist())
        if not c:
            res[bug] = {"coverage": 0.0, "purity": 0.0, "cluster": None, "n": int(m.sum())}
            continue
        best, nb = c.most_common(1)[0]
        res[bug] = {
            "coverage": round(nb / m.sum(), 3),
            "purity": round(nb / int((labels == best).sum()), 3),
            "cluster": int(best),
            "n": int(m.sum()),
        }
        if informative is not None:
            inf = m & np.asarray(informative)
            res[bug]["n_informative"] = int(inf.sum())
            res[bug]["coverage_informative"] = round(
                int(np.sum(labels[inf] == best)) / max(int(inf.sum()), 1), 3
            )
    res["ari"] = round(float(adjusted_rand_score(y, labels)), 4)
    res["n_clusters"] = int(labels.max() + 1)
    res["noise_share"] = round(float((labels < 0).mean()), 3)
    bg = y == "background"
    res["background_in_noise"] = round(float((labels[bg] < 0).mean()), 3)
    return res


def _embeddings(args: argparse.Namespace, replay: str, texts: list[str]):  # noqa: ANN202
    """Embeddings of ``texts``, cached under ``--emb-cache`` (synthetic replay text only)."""
    import hashlib

    import numpy as np

    from clustering import Embedder

    key = hashlib.sha256(
        json.dumps(
            [os.path.abspath(replay), args.backend, args.embed, args.max_seq_length]
        ).encode()
    ).hexdigest()[:16]
    path = Path(args.emb_cache) / f"{key}.npy" if args.emb_cache else None
    if path is not None and path.exists():
        return np.load(path), None
    kw = {"static_dir": _static_dir()} if args.backend == "static" else {}
    e = Embedder(backend=args.backend, max_seq_length=args.max_seq_length, num_threads=2, **kw)
    t0 = time.perf_counter()
    emb = e.encode(texts)
    dt = time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    return emb, dt


def _static_dir() -> str:
    from clustering.static import cached_static_dir

    return cached_static_dir()


def overcluster_merge(emb, sym, *, mcs: int = 10, ms: int = 3, thr: float = 0.9):  # noqa: ANN001, ANN201
    """The over-cluster-then-merge alternative that was measured (not the library default).

    Small HDBSCAN micro-clusters (min_cluster_size ``mcs``), their centroids merged by
    average-linkage agglomeration at Euclidean distance ``thr``; noise points join the nearest
    micro-cluster when within 1.5x its 90th-percentile radius; merged clusters under 1% -> -1.
    """
    import numpy as np
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering

    from clustering.cluster import reduce_features

    x = reduce_features(emb, sym, n_components=16, symptom_weight=1.0)
    z = x[:, :16] / np.maximum(np.linalg.norm(x[:, :16], axis=1, keepdims=True), 1e-9)
    x = np.hstack([z, x[:, 16:]])
    lab = HDBSCAN(min_cluster_size=mcs, min_samples=ms, copy=True).fit_predict(x)
    ids = np.unique(lab[lab >= 0])
    cent = np.vstack([x[lab == i].mean(0) for i in ids])
    rad = np.array(
        [np.quantile(np.linalg.norm(x[lab == i] - cent[j], axis=1), 0.9) for j, i in enumerate(ids)]
    )
    merged = AgglomerativeClustering(
        n_clusters=None, distance_threshold=thr, linkage="average"
    ).fit_predict(cent)
    out = np.full(len(x), -1)
    for j, i in enumerate(ids):
        out[lab == i] = merged[j]
    noise = np.flatnonzero(lab < 0)
    if len(noise):
        dist = np.linalg.norm(x[noise, None, :] - cent[None], axis=2)
        j = dist.argmin(1)
        ok = dist[np.arange(len(noise)), j] <= 1.5 * rad[j]
        out[noise[ok]] = merged[j[ok]]
    sizes = np.bincount(out[out >= 0])
    out[np.isin(out, np.flatnonzero(sizes < max(10, len(x) // 100)))] = -1
    return out


VARIANTS = {
    # name: (callable(emb, sym) -> labels) built lazily in cmd_cluster
    "default": {},
    "previous_defaults": {"symptom_groups": None, "symptom_merge_share": None},
    "groups_no_merge": {"symptom_merge_share": None},
    "leaf_mcs100": {"selection": "leaf", "min_cluster_size": 100},
    "pca64": {"n_components": 64},
    "overcluster_merge": None,
}


def cmd_cluster(args: argparse.Namespace) -> None:
    import numpy as np

    from clustering import ReportClusterer, embedding_text, label_clusters, symptom_matrix

    out: dict = {}
    for replay in args.replay:
        recs, truth = load_reports(replay)
        texts, syms = _features(recs)
        if args.embed == "comment":  # comment only, no symptom words
            texts = [embedding_text(_s(r.get("comment")), None, []) for r in recs]
        emb, embed_s = _embeddings(args, replay, texts)
        causes = [truth[r["report_id"]]["cause"] for r in recs]
        informative = [
            bool((_s(r.get("comment")) or "").strip()) or bool(s)
            for r, s in zip(recs, syms, strict=True)
        ]
        sym = symptom_matrix(syms)
        per: dict = {"reports": len(recs), "embed_s": embed_s}
        for name in args.variants:
            kw = VARIANTS[name]
            t0 = time.perf_counter()
            if kw is None:
                labels = overcluster_merge(emb, sym)
            else:
                labels = ReportClusterer(**kw).fit_predict(emb, sym)
            dt = time.perf_counter() - t0
            res = evaluate_labels(causes, labels, np.array(informative))
            if name == "default":
                names = label_clusters(texts, labels, syms)
                res["labels_of_bug_clusters"] = {
                    bug: names.get(res[bug]["cluster"])
                    for bug in BUGS
                    if res[bug]["cluster"] is not None
                }
            res.update(params=kw, cluster_s=round(dt, 2))
            per[name] = res
            print(replay, name, json.dumps({b: res[b] for b in BUGS}), res["ari"], flush=True)
        out[replay] = per
    save(f"cluster_{args.backend}_{args.embed}", out)


def majority_ceiling(causes, x, *, mcs: int, ms: int) -> dict:  # noqa: ANN001
    """Upper bound for any method that merges micro-clusters: per bug, the share of its reports
    in HDBSCAN micro-clusters (noise attached by a 5-NN vote) where that bug is the majority.

    A merge of micro-clusters cannot put more of a bug's reports in a cluster of purity
    >= 0.5 than this, so coverage >= 0.8 at purity >= 0.8 needs this well above 0.8.
    """
    import numpy as np
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import KNeighborsClassifier

    y = np.asarray(causes)
    lab = HDBSCAN(min_cluster_size=mcs, min_samples=ms, copy=True).fit_predict(x)
    if (lab < 0).any() and (lab >= 0).any():
        knn = KNeighborsClassifier(5).fit(x[lab >= 0], lab[lab >= 0])
        lab = lab.copy()
        lab[lab < 0] = knn.predict(x[lab < 0])
    out: dict = {"micro_clusters": int(len(np.unique(lab)))}
    for bug in BUGS:
        m = y == bug
        held = 0
        for c in np.unique(lab):
            sel = lab == c
            if (y[sel] == bug).mean() > 0.5:
                held += int((sel & m).sum())
        out[bug] = round(held / max(int(m.sum()), 1), 3)
    return out


def cmd_ceiling(args: argparse.Namespace) -> None:
    """What share of each bug's reports any micro-cluster merge could gather (see
    :func:`majority_ceiling`), and how many carry no text signal or a non-Latin comment."""
    import numpy as np
    import regex

    from clustering import embedding_text, symptom_matrix
    from clustering.cluster import reduce_features

    latin = regex.compile(r"\p{Script=Latin}")
    letters = regex.compile(r"\p{L}")
    out: dict = {}
    for replay in args.replay:
        recs, truth = load_reports(replay)
        texts, syms = _features(recs)
        if args.embed == "comment":
            texts = [embedding_text(_s(r.get("comment")), None, []) for r in recs]
        emb, _ = _embeddings(args, replay, texts)
        causes = [truth[r["report_id"]]["cause"] for r in recs]
        comments = [(_s(r.get("comment")) or "").strip() for r in recs]
        per: dict = {"reports": len(recs), "signal": {}}
        y = np.array(causes)
        for bug in BUGS:
            m = np.flatnonzero(y == bug)
            no_signal = sum(1 for i in m if not comments[i] and not syms[i])
            non_latin = sum(
                1
                for i in m
                if comments[i]
                and len(latin.findall(comments[i])) < 0.5 * len(letters.findall(comments[i]))
            )
            per["signal"][bug] = {
                "no_comment_no_symptom": round(no_signal / len(m), 3),
                "non_latin_comment": round(non_latin / len(m), 3),
            }
        x = reduce_features(emb, symptom_matrix(syms), symptom_weight=1.0)
        for mcs, ms in ((5, 2), (10, 3), (20, 5)):
            res = majority_ceiling(causes, x, mcs=mcs, ms=ms)
            per[f"mcs{mcs}_ms{ms}"] = res
            print(replay, args.backend, mcs, ms, json.dumps(res), flush=True)
        out[replay] = per
    save(f"ceiling_{args.backend}_{args.embed}", out)


def cmd_speed(args: argparse.Namespace) -> None:
    from clustering import Embedder

    recs, _ = load_reports(args.replay)
    texts, _ = _features(recs)
    texts = texts[: args.n]
    uniq = len(set(texts))
    out: dict = {"texts": len(texts), "unique_texts": uniq}
    for backend, lengths in (("transformer", args.lengths), ("static", [0])):
        for length in lengths:
            e = Embedder(backend=backend, max_seq_length=max(length, 8), num_threads=2)
            e.encode(texts[:32])
            t0 = time.perf_counter()
            e.model.encode(texts, batch_size=64, show_progress_bar=False)  # no dedup
            raw = time.perf_counter() - t0
            t0 = time.perf_counter()
            e.encode(texts)  # with dedup
            dedup = time.perf_counter() - t0
            key = f"{backend}_len{length}" if backend == "transformer" else "static"
            out[key] = {
                "texts_per_s_no_dedup": round(len(texts) / raw, 1),
                "texts_per_s_with_dedup": round(len(texts) / dedup, 1),
            }
            print(key, out[key], flush=True)
    save("speed", out)


def cmd_scale(args: argparse.Namespace) -> None:
    """One subprocess per size so peak RSS (ru_maxrss) belongs to that size alone."""
    import subprocess

    out = {}
    for n in args.sizes:
        proc = subprocess.run(
            [sys.executable, __file__, "_scale_one", "--replay", args.replay, "--n", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        out[str(n)] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(n, out[str(n)], flush=True)
    save("scale", out)


def cmd_scale_one(args: argparse.Namespace) -> None:
    import numpy as np

    from clustering import Embedder, ReportClusterer, symptom_matrix

    recs, _ = load_reports(args.replay)
    texts, syms = _features(recs)
    # Grow to n texts; a per-copy suffix keeps them distinct so dedup does not flatter speed.
    reps = -(-args.n // len(texts))
    big = [f"{t} v{k}" if k else t for k in range(reps) for t in texts][: args.n]
    big_syms = (syms * reps)[: args.n]
    e = Embedder(backend="static", num_threads=2)
    t0 = time.perf_counter()
    emb = e.encode(big)
    t_emb = time.perf_counter() - t0
    t0 = time.perf_counter()
    labels = ReportClusterer().fit_predict(emb, symptom_matrix(big_syms))
    t_clu = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "embed_s": round(t_emb, 2),
                "embed_texts_per_s": round(args.n / t_emb, 1),
                "cluster_s": round(t_clu, 2),
                "two_stage": args.n > 20_000,
                "clusters": int(labels.max() + 1),
                "noise_share": round(float(np.mean(labels < 0)), 3),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("detect", "cluster", "ceiling", "speed", "scale", "_scale_one"):
        sp = sub.add_parser(name)
        many = name in ("cluster", "ceiling")
        sp.add_argument("--replay", required=True, nargs="+" if many else None)
        if many:
            sp.add_argument("--backend", default="static")
            sp.add_argument("--max-seq-length", type=int, default=128)
            sp.add_argument("--embed", choices=("text", "comment"), default="text")
            sp.add_argument("--emb-cache", default=None, help="dir to cache embeddings (/tmp)")
        if name == "cluster":
            sp.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
        if name == "speed":
            sp.add_argument("--n", type=int, default=1000)
            sp.add_argument("--lengths", type=int, nargs="+", default=[256, 128, 64])
        if name == "scale":
            sp.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
        if name == "_scale_one":
            sp.add_argument("--n", type=int, required=True)
        if name == "detect":
            sp.add_argument("--section", default="detect", help="section of the results JSON")
            sp.add_argument("--symptoms-rev", default=None, help="git revision of the detectors")
            sp.add_argument(
                "--word-knowledge", action="store_true", help="truncation_word_knowledge"
            )
    args = p.parse_args()
    {
        "detect": cmd_detect,
        "cluster": cmd_cluster,
        "ceiling": cmd_ceiling,
        "speed": cmd_speed,
        "scale": cmd_scale,
        "_scale_one": cmd_scale_one,
    }[args.cmd](args)


if __name__ == "__main__":
    main()
