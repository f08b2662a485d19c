"""Readable cluster labels: c-TF-IDF distinguishing terms + the dominant symptoms.

c-TF-IDF (class-based TF-IDF, as in BERTopic): all texts of a cluster form one document; a
term's weight is its frequency in that document times ``log(1 + A / f)``, where ``A`` is the
average number of words per cluster and ``f`` the term's frequency over all clusters. Terms
that are frequent in one cluster and rare elsewhere rank first. The background (-1) takes part
as a class, so words common to every complaint ("the", "answer", "again") do not win.

Labels are built only from the texts given (redacted text in the pipeline). Placeholder tokens
(``<PERSON>``) are removed before counting, so they can never be a term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from clustering._text import PLACEHOLDER_RE
from clustering.symptoms import SYMPTOMS

# Words that carry no failure meaning; sklearn's English list plus complaint filler.
_EXTRA_STOP = frozenset(
    "also again hey team honestly just really please thanks pls got get like symptoms"
    " use used using did does doesn don didn isn wasn it's i'm im ve ll".split()
)


def label_clusters(
    texts: Sequence[str],
    labels: np.ndarray,
    symptom_lists: Sequence[Sequence[str]],
    *,
    n_terms: int = 3,
    min_symptom_share: float = 0.3,
    noise_label: str = "background / unclustered",
) -> dict[int, str]:
    """One label per cluster id: ``"term1 / term2 / term3 - symptom_a, symptom_b"``.

    Args:
        texts: redacted texts, one per report (the embedded text is a good choice).
        labels: (n,) int cluster labels, -1 = background.
        symptom_lists: symptom names per report.
        n_terms: distinguishing terms per label.
        min_symptom_share: a symptom is named when at least this share of the cluster has it.

    Returns:
        {cluster_id: label} for every id in ``labels`` (including -1 when present).
    """
    labels = np.asarray(labels)
    if len(texts) != len(labels) or len(symptom_lists) != len(labels):
        raise ValueError("texts, labels and symptom_lists must have the same length")
    ids = sorted(int(c) for c in np.unique(labels))
    if not ids:
        return {}
    terms = _ctfidf_terms(texts, labels, ids, n_terms)
    out: dict[int, str] = {}
    for c in ids:
        if c < 0:
            out[c] = noise_label
            continue
        members = np.flatnonzero(labels == c)
        counts = {s: 0 for s in SYMPTOMS}
        for i in members:
            for s in set(symptom_lists[i] or ()):
                if s in counts:
                    counts[s] += 1
        dominant = [
            s
            for s in sorted(SYMPTOMS, key=lambda s: -counts[s])
            if counts[s] >= min_symptom_share * len(members) and counts[s] > 0
        ]
        head = " / ".join(terms.get(c, [])) or "unlabelled"
        out[c] = f"{head} - {', '.join(dominant)}" if dominant else head
    return out


def _ctfidf_terms(
    texts: Sequence[str], labels: np.ndarray, ids: list[int], n_terms: int
) -> dict[int, list[str]]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    docs = []
    for c in ids:
        members = np.flatnonzero(labels == c)
        docs.append(" ".join(PLACEHOLDER_RE.sub(" ", texts[i] or "") for i in members))
    vec = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP),
        # Words of 3+ letters (any script); no digits-only tokens, no placeholder residue.
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
        lowercase=True,
    )
    try:
        tf = vec.fit_transform(docs).astype(np.float64)
    except ValueError:  # empty vocabulary: every text was stop words or placeholders
        return {}
    vocab = np.array(vec.get_feature_names_out())
    tf_arr = tf.toarray()
    avg_words = tf_arr.sum() / max(len(ids), 1)
    freq = tf_arr.sum(axis=0)
    idf = np.log1p(avg_words / np.maximum(freq, 1e-12))
    row_sums = np.maximum(tf_arr.sum(axis=1, keepdims=True), 1e-12)
    weights = (tf_arr / row_sums) * idf
    out: dict[int, list[str]] = {}
    for row, c in enumerate(ids):
        if c < 0:
            continue
        order = np.lexsort((vocab, -weights[row]))  # weight desc, then term (deterministic)
        picked: list[str] = []
        for j in order:
            if weights[row, j] <= 0 or len(picked) >= n_terms:
                break
            term = str(vocab[j])
            # Skip a unigram already inside a picked bigram (and vice versa) to avoid echoes.
            if any(term in p or p in term for p in picked):
                continue
            picked.append(term)
        out[c] = picked
    return out


def cluster_symptoms(
    labels: np.ndarray, symptom_lists: Sequence[Sequence[str]], *, min_share: float = 0.3
) -> Mapping[int, list[str]]:
    """{cluster_id: symptoms held by >= ``min_share`` of its reports}, most common first."""
    labels = np.asarray(labels)
    out: dict[int, list[str]] = {}
    for c in sorted(int(x) for x in np.unique(labels)):
        members = np.flatnonzero(labels == c)
        counts = {s: sum(1 for i in members if s in (symptom_lists[i] or ())) for s in SYMPTOMS}
        out[c] = [
            s
            for s in sorted(SYMPTOMS, key=lambda s: -counts[s])
            if counts[s] > 0 and counts[s] >= min_share * len(members)
        ]
    return out
