"""Clustering, labels and stable ids on crafted groups."""

from __future__ import annotations

import numpy as np
import pytest

from clustering import (
    ReportClusterer,
    assign_stable_ids,
    centroids,
    label_clusters,
    symptom_matrix,
)


def _fit_labels(x: np.ndarray, s: np.ndarray, **params) -> np.ndarray:
    """``ReportClusterer(**params).fit_predict(x, s)``: the labels, as the tests read them."""
    return ReportClusterer(**params).fit_predict(x, s)


def _groups(seed: int = 0, n_noise: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three tight groups on the unit sphere plus uniform noise; truth -1 for noise."""
    rng = np.random.default_rng(seed)
    d = 32
    centres = rng.normal(size=(3, d))
    parts, truth = [], []
    for g, size in enumerate((120, 90, 60)):
        parts.append(centres[g] + 0.08 * rng.normal(size=(size, d)) * np.linalg.norm(centres[g]))
        truth += [g] * size
    parts.append(rng.normal(size=(n_noise, d)) * 3)
    truth += [-1] * n_noise
    x = np.vstack(parts)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    syms = [["unexpected_script"] if t == 0 else [] for t in truth]
    return x.astype(np.float32), symptom_matrix(syms), np.array(truth)


def test_symptom_matrix() -> None:
    m = symptom_matrix([["repetition"], [], ["truncation", "unexpected_script", "unknown"]])
    assert m.shape == (3, 4) and m.dtype == np.float32
    assert m.sum() == 3 and m[0, 2] == 1 and m[2, 0] == 1 and m[2, 3] == 1


def test_separates_groups_and_keeps_noise() -> None:
    x, s, truth = _groups()
    labels = _fit_labels(x, s, min_cluster_size=30)
    for g in range(3):
        members = labels[truth == g]
        values, counts = np.unique(members, return_counts=True)
        best = values[np.argmax(counts)]
        assert best >= 0 and counts.max() / len(members) >= 0.9, (g, counts.tolist())
        assert np.mean(truth[labels == best] == g) >= 0.9
    assert np.mean(labels[truth == -1] == -1) >= 0.8
    assert len(set(labels[truth >= 0].tolist()) - {-1}) == 3


def test_deterministic_and_renumbered_by_size() -> None:
    x, s, _ = _groups()
    a = _fit_labels(x, s, min_cluster_size=30, random_state=0)
    b = _fit_labels(x, s, min_cluster_size=30, random_state=0)
    np.testing.assert_array_equal(a, b)
    sizes = [int(np.sum(a == c)) for c in range(a.max() + 1)]
    assert sizes == sorted(sizes, reverse=True)


def test_two_stage_matches_global_grouping() -> None:
    x, s, truth = _groups(seed=1, n_noise=200)
    labels = _fit_labels(x, s, min_cluster_size=30, max_global=200, shard_size=300)
    for g in range(3):
        values, counts = np.unique(labels[truth == g], return_counts=True)
        best = values[np.argmax(counts)]
        assert best >= 0 and counts.max() / np.sum(truth == g) >= 0.8, (g, counts.tolist())
        # Shards see fewer rows, so their clusters absorb a little more noise than global.
        assert np.mean(truth[labels == best] == g) >= 0.75, g


def test_two_stage_shards_in_parallel_give_the_same_labels() -> None:
    x, s, _ = _groups(seed=2, n_noise=400)
    kw = {"min_cluster_size": 30, "max_global": 200, "shard_size": 250, "random_state": 3}
    serial = _fit_labels(x, s, **kw)
    assert len(set(serial.tolist()) - {-1}) >= 2  # the sharded path found the groups
    np.testing.assert_array_equal(_fit_labels(x, s, n_jobs=2, **kw), serial)


def test_small_and_bad_input() -> None:
    assert _fit_labels(np.zeros((0, 8)), np.zeros((0, 4))).shape == (0,)
    few = _fit_labels(np.eye(5, dtype=np.float32), np.zeros((5, 4)), min_cluster_size=10)
    assert few.tolist() == [-1] * 5
    with pytest.raises(ValueError):
        _fit_labels(np.zeros((5, 8)), np.zeros((4, 4)))


def test_labels_terms_and_symptoms_without_placeholders() -> None:
    texts = (
        ["thai characters in the answer <PERSON>"] * 20
        + ["forgot the context from earlier <EMAIL_ADDRESS>"] * 20
        + ["slow response today", "wrong library suggested", "too verbose"] * 5
    )
    labels = np.array([0] * 20 + [1] * 20 + [-1] * 15)
    syms = [["unexpected_script"]] * 20 + [[]] * 35
    out = label_clusters(texts, labels, syms)
    assert set(out) == {-1, 0, 1}
    assert "thai" in out[0] and out[0].endswith("- unexpected_script")
    assert "context" in out[1] or "forgot" in out[1]
    for lab in out.values():
        low = lab.lower()
        assert "person" not in low and "email" not in low and "<" not in low


def _majority_ids(labels: np.ndarray, truth: np.ndarray, ids: list[str]) -> dict[int, str]:
    out = {}
    for g in sorted(set(truth.tolist()) - {-1}):
        values, counts = np.unique(labels[truth == g], return_counts=True)
        out[g] = ids[int(values[np.argmax(counts)])]
    return out


def test_stable_ids_across_two_runs() -> None:
    x, s, truth = _groups(seed=2, n_noise=0)
    labels1 = _fit_labels(x, s, min_cluster_size=30)
    _, cent1 = centroids(x, labels1)
    ids1 = assign_stable_ids(cent1, None, namespace="2025-08-30")
    assert len(set(ids1)) == len(ids1) == 3
    assert ids1 == assign_stable_ids(cent1, None, namespace="2025-08-30")
    # Next day: the groups grow, rows come in another order (so cluster numbers change) and a
    # new group appears.
    rng = np.random.default_rng(3)
    extra = x[truth == 2][:40] + 0.01 * rng.normal(size=(40, x.shape[1]))
    new = rng.normal(size=(1, x.shape[1])) + 0.04 * rng.normal(size=(80, x.shape[1]))
    x2 = np.vstack([extra, x[::-1], new]).astype(np.float32)
    x2 /= np.linalg.norm(x2, axis=1, keepdims=True)
    truth2 = np.concatenate([np.full(40, 2), truth[::-1], np.full(80, 3)])
    s2 = np.vstack([np.zeros((40, 4)), s[::-1], np.zeros((80, 4))]).astype(np.float32)
    labels2 = _fit_labels(x2, s2, min_cluster_size=30)
    _, cent2 = centroids(x2, labels2)
    ids2 = assign_stable_ids(cent2, dict(zip(ids1, cent1, strict=True)), namespace="2025-08-31")
    before, after = _majority_ids(labels1, truth, ids1), _majority_ids(labels2, truth2, ids2)
    assert all(after[g] == before[g] for g in range(3)), "an old group changed id"
    assert after[3] not in ids1 and len(set(ids2)) == len(ids2)


def test_stable_ids_threshold_and_bad_input() -> None:
    a = np.eye(3, dtype=np.float32)
    ids = assign_stable_ids(a, {"old": np.array([0.0, 0.0, 1.0])}, threshold=0.9)
    assert ids[2] == "old" and "old" not in ids[:2]
    with pytest.raises(ValueError):
        assign_stable_ids(a, {"old": np.ones(5)})


def test_symptom_groups_collapse_corruption_columns() -> None:
    from clustering.cluster import group_symptoms

    m = symptom_matrix([["unexpected_script"], ["code_syntax_error"], ["repetition"], []])
    g = group_symptoms(m)
    assert g.shape == (4, 3)
    assert g[:, 0].tolist() == [1, 1, 0, 0] and g[2].tolist() == [0, 1, 0]
    np.testing.assert_array_equal(group_symptoms(m, None), m)
    with pytest.raises(ValueError):
        group_symptoms(m, [("unexpected_script", "no_such_symptom")])


def test_one_failure_family_is_one_cluster_whatever_the_comment() -> None:
    # Two semantically distinct groups whose responses show the two corruption symptoms (a
    # foreign-script token in prose, a syntax error in code): one cluster by default; with the
    # symptoms kept apart and no symptom merge, two.
    x, _, truth = _groups(seed=4)
    syms = [
        ["unexpected_script"] if t == 0 else ["code_syntax_error"] if t == 1 else [] for t in truth
    ]
    s = symptom_matrix(syms)
    merged = _fit_labels(x, s, min_cluster_size=30)
    corrupt = truth <= 1
    corrupt &= truth >= 0
    values, counts = np.unique(merged[corrupt], return_counts=True)
    assert values[np.argmax(counts)] >= 0 and counts.max() / corrupt.sum() >= 0.9, counts.tolist()
    assert np.mean(merged[truth == 2] == values[np.argmax(counts)]) < 0.1
    apart = _fit_labels(x, s, min_cluster_size=30, symptom_groups=None, symptom_merge_share=None)
    best = [np.bincount(apart[truth == g][apart[truth == g] >= 0]).argmax() for g in (0, 1)]
    assert best[0] != best[1]
