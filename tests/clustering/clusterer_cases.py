"""Fixed inputs for `ReportClusterer` against the labels `cluster_reports` gave before it
became an estimator (``data/cluster_reports_labels.json``, captured with the function of
commit c61a869; see ``capture``). Synthetic points on the unit sphere, seeded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from clustering import symptom_matrix

GOLDEN = Path(__file__).parent / "data" / "cluster_reports_labels.json"

#: name -> (seed, noise rows, keyword arguments of the clustering)
CASES: dict[str, tuple[int, int, dict]] = {
    "global": (0, 300, {"min_cluster_size": 30}),
    "default_size": (5, 600, {}),
    "two_stage": (1, 500, {"min_cluster_size": 30, "max_global": 200, "shard_size": 300}),
    "two_stage_seed7": (
        2,
        400,
        {"min_cluster_size": 20, "max_global": 300, "shard_size": 250, "random_state": 7},
    ),
    "leaf_apart": (
        4,
        300,
        {
            "min_cluster_size": 25,
            "selection": "leaf",
            "symptom_groups": None,
            "symptom_merge_share": None,
        },
    ),
}


def inputs(seed: int, n_noise: int) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (n, 32) float32 unit rows, symptom matrix (n, 4)): four groups of 120,
    90, 60 and 40 rows around random centres plus uniform noise; the first group shows
    unexpected_script, the second code_syntax_error, the third repetition in half its rows."""
    rng = np.random.default_rng(seed)
    d = 32
    centres = rng.normal(size=(4, d))
    parts, syms = [], []
    for g, size in enumerate((120, 90, 60, 40)):
        spread = 0.08 * rng.normal(size=(size, d)) * np.linalg.norm(centres[g])
        parts.append(centres[g] + spread)
        tag = {0: ["unexpected_script"], 1: ["code_syntax_error"]}.get(g, [])
        syms += [(["repetition"] if g == 2 and i % 2 else tag) for i in range(size)]
    parts.append(rng.normal(size=(n_noise, d)) * 3)
    syms += [["truncation"] if i % 7 == 0 else [] for i in range(n_noise)]
    x = np.vstack(parts)
    order = rng.permutation(len(x))  # groups interleaved, not in blocks
    x = x[order] / np.linalg.norm(x[order], axis=1, keepdims=True)
    return x.astype(np.float32), symptom_matrix([syms[i] for i in order])


def golden() -> dict[str, list[int]]:
    return json.loads(GOLDEN.read_text())


def capture() -> None:  # pragma: no cover - ran once, at c61a869 (the function existed)
    from clustering import cluster_reports

    out = {}
    for name, (seed, n_noise, kw) in CASES.items():
        x, s = inputs(seed, n_noise)
        out[name] = cluster_reports(x, s, **kw).tolist()
    GOLDEN.write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":  # pragma: no cover
    capture()
