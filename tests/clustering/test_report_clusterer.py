"""`ReportClusterer` (scikit-learn's manner) and the one definition of a cluster's top
symptoms (`top_symptoms`), which the extract's ``clusters.top_symptoms`` and the labels use."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering import (
    TOP_SYMPTOM_SHARE,
    ReportClusterer,
    centroids,
    label_clusters,
    top_symptoms,
    top_symptoms_flat,
)
from tests.clustering.clusterer_cases import CASES, golden, inputs


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_labels_as_the_function_it_replaced(case):
    """Labels on fixed inputs equal those `cluster_reports` gave before the estimator
    (captured in data/cluster_reports_labels.json): the global and two-stage paths, the
    default size, another random_state, leaf selection without symptom groups."""
    seed, n_noise, params = CASES[case]
    x, s = inputs(seed, n_noise)
    expected = np.array(golden()[case])
    assert len(set(expected.tolist()) - {-1}) >= 2  # the case has clusters to get wrong
    model = ReportClusterer(**params)
    assert model.fit(x, s) is model
    np.testing.assert_array_equal(model.labels_, expected)
    assert model.labels_.dtype == np.int64
    np.testing.assert_array_equal(ReportClusterer(**params).fit_predict(x, s), expected)


def test_learned_state():
    seed, n_noise, params = CASES["two_stage"]
    x, s = inputs(seed, n_noise)
    model = ReportClusterer(**params).fit(x, s)
    k = int(model.labels_.max()) + 1
    assert model.n_clusters_ == k >= 2 and model.two_stage_
    assert model.centroids_.shape == (k, x.shape[1]) and model.centroids_.dtype == np.float32
    ids, cent = centroids(x, model.labels_)
    assert ids.tolist() == list(range(k))
    np.testing.assert_array_equal(model.centroids_, cent)
    np.testing.assert_allclose(np.linalg.norm(model.centroids_, axis=1), 1.0, rtol=1e-6)
    for c in range(k):  # row c: the unit mean of cluster c's rows
        mean = x[model.labels_ == c].astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(model.centroids_[c], mean / np.linalg.norm(mean), atol=1e-6)
    assert model.min_cluster_size_ == 30 and model.min_samples_ == 10
    small = ReportClusterer().fit(x[:150], s[:150])
    assert (small.min_cluster_size_, small.min_samples_, small.two_stage_) == (10, 10, False)


def test_init_stores_parameters_and_does_no_work():
    model = ReportClusterer(min_cluster_size=7, selection="leaf", symptom_groups=None)
    assert not [a for a in vars(model) if a.endswith("_")]
    assert model.get_params()["min_cluster_size"] == 7 and model.get_params()["selection"] == "leaf"
    assert (
        repr(model) == "ReportClusterer(min_cluster_size=7, selection='leaf', symptom_groups=None)"
    )
    # Invalid values are reported by fit, not by the constructor (scikit-learn's convention).
    bad = ReportClusterer(selection="middle")
    x, s = inputs(0, 50)
    with pytest.raises(ValueError, match="selection"):
        bad.fit(x, s)
    with pytest.raises(ValueError, match="min_cluster_size"):
        ReportClusterer(min_cluster_size=1).fit(x, s)
    with pytest.raises(ValueError, match="equal rows"):
        ReportClusterer().fit(x, s[:-1])


def test_clone_and_set_params_follow_scikit_learn():
    from sklearn.base import clone

    model = ReportClusterer(min_cluster_size=30, random_state=3)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert copy.set_params(min_cluster_size=40) is copy and copy.min_cluster_size == 40
    assert model.min_cluster_size == 30
    with pytest.raises(ValueError, match="no_such"):
        model.set_params(no_such=1)


def test_empty_and_too_few_rows():
    empty = ReportClusterer().fit(np.zeros((0, 8), np.float32), np.zeros((0, 4)))
    assert empty.labels_.shape == (0,) and empty.n_clusters_ == 0
    assert empty.centroids_.shape == (0, 8)
    few = ReportClusterer(min_cluster_size=10).fit(np.eye(5, dtype=np.float32), np.zeros((5, 4)))
    assert few.labels_.tolist() == [-1] * 5 and few.n_clusters_ == 0


# --- top symptoms -------------------------------------------------------------------------


def _reference(labels, symptom_lists, min_share, max_symptoms):
    """Counter.most_common over each cluster's reports (a name once per report)."""
    out = {}
    for c in dict.fromkeys(labels):
        rows = [i for i, lab in enumerate(labels) if lab == c]
        counted = Counter(s for i in rows for s in dict.fromkeys(symptom_lists[i] or ()))
        top = [s for s, k in counted.most_common() if k / len(rows) >= min_share]
        out[c] = top[:max_symptoms]
    return out


def test_top_symptoms_share_boundary_cap_and_ties():
    # 10 reports: a 6, c 2, b 2 (c seen first), d 1; "a" twice in one report counts once.
    labels = ["k"] * 10 + ["bg"] * 2
    syms = [["a", "c"], ["a", "a"], ["a", "b"], ["a"], ["a", "b", "c"], ["a", "d"]]
    syms += [[]] * 4 + [None, ["z"]]
    got = top_symptoms(labels, syms)
    assert got == {"k": ["a", "c", "b"], "bg": ["z"]}  # 20% exactly is in; ties: c first
    assert top_symptoms(labels, syms, min_share=0.21) == {"k": ["a"], "bg": ["z"]}
    assert top_symptoms(labels, syms, max_symptoms=None, min_share=0.1)["k"] == ["a", "c", "b", "d"]
    assert top_symptoms(labels, syms, max_symptoms=1)["k"] == ["a"]
    assert top_symptoms([0, 0, 1], [[], [], []]) == {0: [], 1: []}
    assert top_symptoms([], []) == {}
    with pytest.raises(ValueError):
        top_symptoms([0, 1], [[]])


@given(
    st.lists(
        st.tuples(
            st.integers(-1, 3),
            st.lists(st.sampled_from(["rep", "trunc", "script", "code", "x"]), max_size=4),
        ),
        max_size=60,
    ),
    st.sampled_from([0.0, 0.1, TOP_SYMPTOM_SHARE, 0.25, 0.5, 1.0]),
    st.sampled_from([None, 0, 1, 3]),
)
def test_top_symptoms_is_counter_most_common_over_each_cluster(rows, share, cap):
    labels = [c for c, _ in rows]
    syms = [s for _, s in rows]
    expected = _reference(labels, syms, share, cap)
    assert top_symptoms(labels, syms, min_share=share, max_symptoms=cap) == expected
    flat_rows = np.array([i for i, s in enumerate(syms) for _ in s], dtype=np.int64)
    names = [n for s in syms for n in s]
    assert top_symptoms_flat(np.array(labels), flat_rows, names, share, cap) == expected


def test_a_label_names_the_clusters_top_symptoms():
    # Cluster 0: truncation in 3 of 10 (30%), repetition in 2 (20%): both named, most common
    # first; the label and top_symptoms agree (one definition).
    labels = np.array([0] * 10 + [-1] * 3)
    syms = [["truncation"]] * 3 + [["repetition"]] * 2 + [[]] * 8
    texts = ["the answer stops in the middle"] * 13
    label = label_clusters(texts, labels, syms)[0]
    assert label.endswith(" - truncation, repetition")
    assert top_symptoms(labels, syms)[0] == ["truncation", "repetition"]
    only = label_clusters(texts, labels, syms, min_symptom_share=0.3)[0]
    assert only.endswith(" - truncation")
