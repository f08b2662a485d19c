"""Clustering of reports: sentence embedding + symptom features -> HDBSCAN labels.

Feature space: the L2-normalised embedding reduced by PCA to ``n_components`` dimensions (fit on
at most ``pca_sample`` rows, fixed random_state), concatenated with 0/1 symptom-group features
times ``symptom_weight``. Symptoms are grouped by the failure they reveal
(``SYMPTOM_GROUPS``): ``unexpected_script`` and ``code_syntax_error`` are both one wrong token
sampled into the output (in prose it shows as a foreign character, in code as a syntax error),
so they form one "token corruption" feature; with separate columns one bug was split in two
clusters by where its bad token happened to land (measured: coverage 0.54 -> 0.79).
HDBSCAN (scikit-learn) finds dense groups and leaves the rest as noise,
label -1: the background of ordinary complaints is a bucket of its own, never forced into a
bug cluster.

Memory and time bound of the global step: scikit-learn's tree-based HDBSCAN keeps the feature
matrix (n x (n_components + 4) float64) plus O(n * min_samples) neighbour data: ~0.3 KB per
report, so memory is not the limit; its minimum spanning tree is O(n^2) in time
(bench/bench_clustering.py measures it; docs/clustering.md quotes the numbers). Past
``max_global`` rows the two-stage scheme
runs instead: rows are split into shards of ``shard_size`` by a seeded permutation, each shard
is clustered alone (``min_cluster_size`` scaled to the shard), shard clusters become centroids,
and centroids closer than ``merge_threshold`` median cluster radii (single linkage, Euclidean
in feature space) are merged into one global cluster. Time is then O(n * shard_size).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from clustering.symptoms import SYMPTOMS

# Failure families over the symptom vocabulary; each becomes one feature (max of its members).
SYMPTOM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("unexpected_script", "code_syntax_error"),  # a wrong token: foreign script / broken code
    ("repetition",),  # degenerate loop
    ("truncation",),  # cut-off output
)


#: Rows per float64 block in :func:`reduce_features` (32 MB at 256 dimensions).
_BLOCK_ROWS = 16_384


def symptom_matrix(symptom_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """0/1 matrix of shape (n, len(SYMPTOMS)), float32, columns in ``SYMPTOMS`` order.

    Unknown symptom names are ignored (the vocabulary may grow upstream).
    """
    index = {name: i for i, name in enumerate(SYMPTOMS)}
    out = np.zeros((len(symptom_lists), len(SYMPTOMS)), dtype=np.float32)
    for row, names in enumerate(symptom_lists):
        for name in names or ():
            col = index.get(name)
            if col is not None:
                out[row, col] = 1.0
    return out


def group_symptoms(
    symptom_features: np.ndarray,
    groups: Sequence[Sequence[str]] | None = SYMPTOM_GROUPS,
) -> np.ndarray:
    """Collapse an (n, len(SYMPTOMS)) 0/1 matrix to (n, len(groups)): max over each group.

    ``groups=None``, or a matrix whose width is not ``len(SYMPTOMS)``, returns the input as is.
    Unknown names in a group raise ``ValueError``.
    """
    sym = np.asarray(symptom_features, dtype=np.float64)
    if groups is None or sym.ndim != 2 or sym.shape[1] != len(SYMPTOMS):
        return sym
    index = {name: i for i, name in enumerate(SYMPTOMS)}
    cols = []
    for group in groups:
        unknown = [g for g in group if g not in index]
        if unknown or not group:
            raise ValueError(f"symptom group {tuple(group)} has unknown or no names")
        cols.append(sym[:, [index[g] for g in group]].max(axis=1))
    return np.stack(cols, axis=1) if cols else np.zeros((sym.shape[0], 0))


def reduce_features(
    embeddings: np.ndarray,
    symptom_features: np.ndarray,
    *,
    n_components: int = 16,
    symptom_weight: float = 0.6,
    pca_sample: int = 20_000,
    random_state: int = 0,
    symptom_groups: Sequence[Sequence[str]] | None = SYMPTOM_GROUPS,
) -> np.ndarray:
    """Clustering features, shape (n, n_components' + n_groups), float64.

    ``n_components'`` is ``min(n_components, n, d)``. PCA is fit on a seeded sample of at most
    ``pca_sample`` rows and applied to all rows (O(n * d * k) time, O(n * k) memory). Symptom
    columns are collapsed by :func:`group_symptoms` (``symptom_groups=None`` keeps them).
    """
    from sklearn.decomposition import PCA

    # The embeddings stay as given (float32 in the job); float64 copies are made a block of
    # rows at a time, so a million 256-d rows never need a 2 GB float64 copy. Each row's
    # result is the same as from one float64 matrix.
    emb = np.asarray(embeddings)
    sym = np.asarray(symptom_features, dtype=np.float64)
    if emb.ndim != 2 or sym.ndim != 2 or emb.shape[0] != sym.shape[0]:
        raise ValueError(
            f"embeddings {emb.shape} and symptom_features {sym.shape} must be 2-D with equal rows"
        )
    sym = group_symptoms(sym, symptom_groups)
    n, d = emb.shape
    k = max(1, min(n_components, n, d))
    if n > pca_sample:
        rng = np.random.default_rng(random_state)
        fit_rows = emb[np.sort(rng.choice(n, size=pca_sample, replace=False))]
    else:
        fit_rows = emb
    pca = PCA(n_components=k, random_state=random_state).fit(np.asarray(fit_rows, dtype=np.float64))
    z = np.empty((n, k), dtype=np.float64)
    for i in range(0, n, _BLOCK_ROWS):
        z[i : i + _BLOCK_ROWS] = pca.transform(np.asarray(emb[i : i + _BLOCK_ROWS], np.float64))
    return np.hstack([z, symptom_weight * sym])


class ReportClusterer:
    """Reports -> clusters, in scikit-learn's manner: parameters in ``__init__`` (stored as
    given, no work there), :meth:`fit` learns, learned state ends in ``_``.

    ``ReportClusterer(min_cluster_size=30).fit(embeddings, symptom_features)`` sets
    ``labels_``; ``fit_predict`` returns them. The same input and ``random_state`` give the
    same labels (every random choice is seeded from it).

    Parameters:
        min_cluster_size: smallest group reported as a cluster, in reports; default (None)
            ``max(10, n // 100)`` (1% of the reports).
        min_samples: HDBSCAN's density smoothing, in reports; default
            ``min(min_cluster_size, 10)``.
        n_components: PCA dimensions of the embedding part of the features (see
            :func:`reduce_features`).
        symptom_weight: weight of each 0/1 symptom-group feature against the PCA part.
        random_state: seeds PCA sampling and sharding.
        max_global: above this many rows, the two-stage (shard, then merge) scheme runs.
        shard_size: rows per shard in the two-stage scheme.
        merge_threshold: shard clusters merge when their centroids are closer than this many
            median cluster radii.
        selection: HDBSCAN's ``cluster_selection_method`` ("eom" or "leaf").
        symptom_groups: failure families, one feature each (default ``SYMPTOM_GROUPS``);
            None keeps one feature per symptom.
        symptom_merge_share: clusters in which at least this share (0-1) of reports has the
            same symptom group are merged into one: a failure with a detectable symptom is
            one problem however its users describe it (those with no comment at all form
            their own dense point otherwise). None disables.
        n_jobs: processes for the two-stage scheme's shards (joblib's convention: None = 1,
            -1 = every core). Shards are independent, so the labels do not depend on it.

    Attributes (after :meth:`fit`):
        labels_: (n,) int64 cluster per report, -1 = background/noise; clusters numbered
            0..k-1 by decreasing size (ties: first row).
        n_clusters_: k, the number of clusters (the background not counted).
        centroids_: (k, d) float32, row ``i`` the L2-normalised mean embedding of cluster
            ``i`` (see :func:`centroids`); used to match clusters across runs.
        min_cluster_size_, min_samples_: the sizes used (the defaults resolved for this n).
        two_stage_: whether the two-stage scheme ran (n > ``max_global``).
    """

    def __init__(
        self,
        *,
        min_cluster_size: int | None = None,
        min_samples: int | None = None,
        n_components: int = 16,
        symptom_weight: float = 0.6,
        random_state: int = 0,
        max_global: int = 20_000,
        shard_size: int = 8_000,
        merge_threshold: float = 1.0,
        selection: str = "eom",
        symptom_groups: Sequence[Sequence[str]] | None = SYMPTOM_GROUPS,
        symptom_merge_share: float | None = 0.8,
        n_jobs: int | None = None,
    ):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.n_components = n_components
        self.symptom_weight = symptom_weight
        self.random_state = random_state
        self.max_global = max_global
        self.shard_size = shard_size
        self.merge_threshold = merge_threshold
        self.selection = selection
        self.symptom_groups = symptom_groups
        self.symptom_merge_share = symptom_merge_share
        self.n_jobs = n_jobs

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters by name (scikit-learn's protocol: `clone` uses it)."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def set_params(self, **params) -> ReportClusterer:
        """Set constructor parameters by name; unknown names raise ``ValueError``."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v is not sig[k].default]
        return f"{type(self).__name__}({', '.join(changed)})"

    def fit(self, embeddings: np.ndarray, symptom_features: np.ndarray) -> ReportClusterer:
        """Cluster the reports; returns ``self``.

        Args:
            embeddings: (n, d) L2-normalised sentence embeddings, one row per report
                (float32 in the job; not copied as a whole to float64).
            symptom_features: (n, s) 0/1 symptom matrix, columns in ``SYMPTOMS`` order (see
                :func:`symptom_matrix`).

        Raises:
            ValueError: shapes that disagree, ``min_cluster_size < 2``, an unknown
                ``selection``.
        """
        emb = np.asarray(embeddings)
        sym = np.asarray(symptom_features)
        if emb.ndim != 2 or sym.ndim != 2 or emb.shape[0] != sym.shape[0]:
            raise ValueError(
                f"embeddings {emb.shape} and symptom_features {sym.shape} must be 2-D with "
                "equal rows"
            )
        n = int(emb.shape[0])
        mcs = int(self.min_cluster_size) if self.min_cluster_size else max(10, n // 100)
        if mcs < 2:
            raise ValueError("min_cluster_size must be >= 2")
        if self.selection not in ("eom", "leaf"):
            raise ValueError(f"selection must be 'eom' or 'leaf', got {self.selection!r}")
        self.min_cluster_size_ = mcs
        self.min_samples_ = int(self.min_samples) if self.min_samples else min(mcs, 10)
        self.two_stage_ = n > self.max_global
        self.labels_ = self._labels(emb, sym)
        ids, self.centroids_ = centroids(emb, self.labels_)
        self.n_clusters_ = int(len(ids))
        return self

    def fit_predict(self, embeddings: np.ndarray, symptom_features: np.ndarray) -> np.ndarray:
        """:meth:`fit`, then ``labels_``: (n,) int64, -1 = background."""
        return self.fit(embeddings, symptom_features).labels_

    def _labels(self, emb: np.ndarray, sym: np.ndarray) -> np.ndarray:
        n, mcs, ms = int(emb.shape[0]), self.min_cluster_size_, self.min_samples_
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if n < mcs:
            return np.full(n, -1, dtype=np.int64)
        x = reduce_features(
            emb,
            sym,
            n_components=self.n_components,
            symptom_weight=self.symptom_weight,
            random_state=self.random_state,
            symptom_groups=self.symptom_groups,
        )
        if not self.two_stage_:
            labels = _hdbscan(x, mcs, ms, self.selection)
        else:
            labels = _two_stage(
                x,
                mcs,
                ms,
                self.random_state,
                self.shard_size,
                self.merge_threshold,
                self.selection,
                self.n_jobs,
            )
        if self.symptom_merge_share is not None:
            groups = group_symptoms(sym, self.symptom_groups)
            labels = _merge_by_symptom(labels, groups, self.symptom_merge_share)
        return _renumber(labels)


def _merge_by_symptom(labels: np.ndarray, groups: np.ndarray, share: float) -> np.ndarray:
    """Merge clusters whose reports mostly (>= ``share``) carry the same symptom group."""
    if groups.shape[1] == 0:
        return labels
    out = labels.copy()
    target: dict[int, int] = {}
    for c in np.unique(labels[labels >= 0]):
        frac = (groups[labels == c] > 0).mean(axis=0)
        g = int(np.argmax(frac))
        if frac[g] >= share:
            # First (lowest-numbered) cluster of the group absorbs the others: deterministic.
            out[labels == c] = target.setdefault(g, int(c))
    return out


def _hdbscan(
    x: np.ndarray, min_cluster_size: int, min_samples: int, selection: str = "eom"
) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        algorithm="kd_tree",
        cluster_selection_method=selection,
        copy=True,
    )
    return model.fit_predict(x).astype(np.int64)


def _two_stage(
    x: np.ndarray,
    min_cluster_size: int,
    min_samples: int,
    random_state: int,
    shard_size: int,
    merge_threshold: float,
    selection: str = "eom",
    n_jobs: int | None = None,
) -> np.ndarray:
    """Per-shard HDBSCAN (shards in parallel with ``n_jobs``), then merge shard centroids by
    single-linkage agglomeration."""
    from joblib import Parallel, delayed
    from sklearn.cluster import AgglomerativeClustering

    n = x.shape[0]
    n_shards = int(np.ceil(n / shard_size))
    order = np.random.default_rng(random_state).permutation(n)
    local = np.full(n, -1, dtype=np.int64)
    centroids: list[np.ndarray] = []
    shards = []
    for rows in np.array_split(order, n_shards):
        rows = np.sort(rows)
        shard_mcs = max(5, int(round(min_cluster_size * len(rows) / n)))
        shard_ms = max(2, min(min_samples, shard_mcs))
        if len(rows) >= shard_mcs:
            shards.append((rows, shard_mcs, shard_ms))
    shard_labels = Parallel(n_jobs=n_jobs)(
        delayed(_hdbscan)(x[rows], mcs, ms, selection) for rows, mcs, ms in shards
    )
    for (rows, _, _), lab in zip(shards, shard_labels, strict=True):
        for c in np.unique(lab[lab >= 0]):
            members = rows[lab == c]
            local[members] = len(centroids)
            centroids.append(x[members].mean(axis=0))
    if len(centroids) <= 1:
        return local
    cent = np.vstack(centroids)
    # Scale-free merge distance: ``merge_threshold`` times the median RMS radius of the shard
    # clusters. The same group seen in two shards has centroids far closer than its radius.
    radius = float(
        np.median(
            [np.sqrt(np.mean(np.sum((x[local == i] - c) ** 2, axis=1))) for i, c in enumerate(cent)]
        )
    )
    merge = AgglomerativeClustering(
        n_clusters=None, distance_threshold=max(merge_threshold * radius, 1e-9), linkage="single"
    ).fit_predict(cent)
    out = np.full(n, -1, dtype=np.int64)
    has = local >= 0
    out[has] = merge[local[has]]
    # A merged cluster smaller than min_cluster_size over the whole input is noise.
    sizes = np.bincount(out[has], minlength=int(merge.max()) + 1)
    small = np.flatnonzero(sizes < min_cluster_size)
    out[np.isin(out, small)] = -1
    return out


def _renumber(labels: np.ndarray) -> np.ndarray:
    out = np.full(labels.shape, -1, dtype=np.int64)
    ids = [c for c in np.unique(labels) if c >= 0]
    first = {c: int(np.flatnonzero(labels == c)[0]) for c in ids}
    sizes = {c: int(np.sum(labels == c)) for c in ids}
    for new, c in enumerate(sorted(ids, key=lambda c: (-sizes[c], first[c]))):
        out[labels == c] = new
    return out


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster mean embedding, L2-normalised: (cluster_ids (k,) int64 ascending,
    centroids (k, d) float32, row i that of cluster_ids[i]).

    Noise (-1) has no centroid; a zero mean stays zero. The mean is taken in the embeddings'
    own float type (float32 in the job: no float64 copy of every row), one cluster at a time.
    Used to match clusters across runs (:func:`clustering.assign_stable_ids`).
    """
    emb = np.asarray(embeddings)
    labels = np.asarray(labels)
    if emb.ndim != 2 or len(labels) != len(emb):
        raise ValueError(f"embeddings {emb.shape} must be 2-D with one row per label")
    ids = np.array(sorted(int(c) for c in np.unique(labels) if c >= 0), dtype=np.int64)
    out = np.zeros((len(ids), emb.shape[1]), dtype=np.float32)
    for row, c in enumerate(ids):
        mean = emb[labels == c].mean(axis=0)
        out[row] = mean / (np.linalg.norm(mean) or 1.0)
    return ids, out
