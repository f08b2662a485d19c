"""Readable cluster labels: a representative redacted comment + the top symptoms, and the
one definition of a cluster's top symptoms (:func:`top_symptoms`).

A triage lead reads a label to know what users complain about. The best phrase for that is
one of the users' own (redacted) sentences, the one nearest the cluster's centroid in the
embedding space (the medoid, among comments with at least a few words), length-capped:
``“the answer switched to Thai halfway through” — unexpected_script``. Such a quote is made
only for a cluster with at least ``min_users`` distinct users, the publication threshold, so
no label quotes a cluster that the extract will not publish (and the pipeline gives an
unpublished cluster a generic label anyway). A cluster without a usable comment (or without
embeddings or users given) falls back to its c-TF-IDF terms.

c-TF-IDF (class-based TF-IDF, as in BERTopic): all texts of a cluster form one document; a
term's weight is its frequency in that document times ``log(1 + A / f)``, where ``A`` is the
average number of words per cluster and ``f`` the term's frequency over all clusters. Terms
that are frequent in one cluster and rare elsewhere rank first. The background (-1) takes part
as a class, so words common to every complaint ("the", "answer", "again") do not win.

Labels are built only from the texts given (redacted text in the pipeline). Placeholder tokens
(``<PERSON>``) are removed before counting, so they can never be a term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from clustering._text import PLACEHOLDER_RE

# Words that carry no failure meaning; sklearn's English list plus complaint filler.
_EXTRA_STOP = frozenset(
    "also again hey team honestly just really please thanks pls got get like symptoms"
    " use used using did does doesn don didn isn wasn it's i'm im ve ll".split()
)


#: A cluster's top symptoms are those at least this share (0-1) of its reports has: the
#: extract's ``clusters.top_symptoms`` ("symptoms in at least 20% of its reports, most common
#: first", docs/extract.md) and the symptoms a label names.
TOP_SYMPTOM_SHARE = 0.2
#: At most this many top symptoms per cluster.
TOP_SYMPTOMS_MAX = 3
#: Longest quote in a label, in characters (the cut falls on a word boundary, then "…").
QUOTE_CHARS = 80
#: A comment is quotable when it has at least this many words outside placeholders.
QUOTE_MIN_WORDS = 3
_WORD = re.compile(r"[^\W\d_]{2,}")


def label_clusters(
    texts: Sequence[str],
    labels: np.ndarray,
    symptom_lists: Sequence[Sequence[str]],
    *,
    embeddings: np.ndarray | None = None,
    users: Sequence[str] | None = None,
    min_users: int = 5,
    max_chars: int = QUOTE_CHARS,
    n_terms: int = 3,
    min_symptom_share: float = TOP_SYMPTOM_SHARE,
    max_symptoms: int | None = TOP_SYMPTOMS_MAX,
    noise_label: str = "background / unclustered",
) -> dict[int, str]:
    """One label per cluster id: ``“quote” — symptom_a, symptom_b`` where a quote can be
    made, else ``"term1 / term2 / term3 - symptom_a, symptom_b"``.

    Args:
        texts: redacted comments, one per report (quoted as they are, so they must already
            be redacted; placeholders such as ``<PERSON>`` stay visible in a quote).
        labels: (n,) int cluster labels, -1 = background.
        symptom_lists: symptom names per report.
        embeddings: (n, d) report embeddings; with ``users``, enables quotes.
        users: a pseudonym per report; a cluster with fewer than ``min_users`` distinct ones
            is never quoted.
        min_users: the publication threshold K.
        max_chars: longest quote (see :func:`shorten`).
        n_terms: distinguishing terms per fallback label.
        min_symptom_share, max_symptoms: which symptoms a label names, those of
            :func:`top_symptoms` (by default the extract's ``clusters.top_symptoms``).

    Returns:
        {cluster_id: label} for every id in ``labels`` (including -1 when present).
        Deterministic: ties between equally central comments go to the earlier report.
    """
    labels = np.asarray(labels)
    if len(texts) != len(labels) or len(symptom_lists) != len(labels):
        raise ValueError("texts, labels and symptom_lists must have the same length")
    ids = sorted(int(c) for c in np.unique(labels))
    if not ids:
        return {}
    quotes: dict[int, str] = {}
    if embeddings is not None and users is not None:
        quotes = representative_comments(
            texts, labels, embeddings, users, min_users=min_users, max_chars=max_chars
        )
    terms = _ctfidf_terms(texts, labels, ids, n_terms)
    named = top_symptoms(
        labels, symptom_lists, min_share=min_symptom_share, max_symptoms=max_symptoms
    )
    out: dict[int, str] = {}
    for c in ids:
        if c < 0:
            out[c] = noise_label
            continue
        dominant = named[c]
        if c in quotes:
            quote = f"“{quotes[c]}”"
            out[c] = f"{quote} — {', '.join(dominant)}" if dominant else quote
            continue
        head = " / ".join(terms.get(c, [])) or "reports without a usable comment"
        out[c] = f"{head} - {', '.join(dominant)}" if dominant else head
    return out


def representative_comments(
    texts: Sequence[str],
    labels: np.ndarray,
    embeddings: np.ndarray,
    users: Sequence[str],
    *,
    min_users: int = 5,
    max_chars: int = QUOTE_CHARS,
) -> dict[int, str]:
    """{cluster_id: shortened comment} for each cluster (id >= 0) with at least
    ``min_users`` distinct users and a quotable comment.

    The comment is that of the member nearest the cluster's normalised mean embedding (a
    medoid for cosine similarity) among members whose comment has at least
    ``QUOTE_MIN_WORDS`` words outside placeholders. Similarities are rounded to 1e-6 and ties
    go to the lower index, so the choice does not depend on float noise.
    """
    labels = np.asarray(labels)
    emb = np.asarray(embeddings)  # float64 per cluster below: no float64 copy of every row
    if emb.ndim != 2 or len(emb) != len(labels) or len(users) != len(labels):
        raise ValueError("embeddings and users must have one row per label")
    out: dict[int, str] = {}
    for c in sorted(int(x) for x in np.unique(labels)):
        if c < 0:
            continue
        members = np.flatnonzero(labels == c)
        if len({users[i] for i in members}) < min_users:
            continue
        usable = [i for i in members if _quotable(texts[i])]
        if not usable:
            continue
        centre = _mean_rows(emb, members)
        centre = centre / (np.linalg.norm(centre) or 1.0)
        sims = np.empty(len(usable))
        for i in range(0, len(usable), _BLOCK_ROWS):
            rows = np.asarray(emb[usable[i : i + _BLOCK_ROWS]], dtype=np.float64)
            norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-12)
            sims[i : i + _BLOCK_ROWS] = np.round(rows @ centre / norms, 6)
        best = usable[int(np.lexsort((np.asarray(usable), -sims))[0])]
        out[c] = shorten(texts[best], max_chars)
    return out


#: Rows per float64 block: a cluster of a million-report run is not copied whole as float64.
_BLOCK_ROWS = 16_384


def _mean_rows(emb: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``emb[rows]`` as float64, averaged over rows, a block of rows at a time: the same sum
    in the same order as ``.mean(axis=0)`` of the whole float64 copy (row after row)."""
    total = None
    for i in range(0, len(rows), _BLOCK_ROWS):
        block = np.asarray(emb[rows[i : i + _BLOCK_ROWS]], dtype=np.float64)
        if total is not None:
            block = np.vstack([total[None, :], block])
        total = np.add.reduce(block, axis=0)
    return total / len(rows)


def _quotable(text: str | None) -> bool:
    if not text:
        return False
    return len(_WORD.findall(PLACEHOLDER_RE.sub(" ", text))) >= QUOTE_MIN_WORDS


def shorten(text: str, max_chars: int = QUOTE_CHARS) -> str:
    """``text`` on one line (runs of white space as one space, no double quotes), cut to at
    most ``max_chars`` characters at a word boundary with "…" appended; a cut never leaves
    half a placeholder (``<EMAIL_ADD``)."""
    one = " ".join(text.replace("“", "'").replace("”", "'").replace('"', "'").split())
    if len(one) <= max_chars:
        return one
    cut = one[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars // 2:
        cut = cut[:space]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut.rstrip(" ,;:.-") + "…"


class _Members:
    """A cluster's rows, as one document for `CountVectorizer` (whose analyzer reads them)."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows


def _ctfidf_terms(
    texts: Sequence[str], labels: np.ndarray, ids: list[int], n_terms: int
) -> dict[int, list[str]]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    words = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP),
        # Words of 3+ letters (any script); no digits-only tokens, no placeholder residue.
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
        lowercase=True,
    )
    # One document per cluster: its comments joined by spaces. The terms are counted as
    # they are read, comment by comment (a bigram may span two comments, as in the joined
    # text), instead of as one list of every term of the document: the background of a
    # million reports made tens of millions of strings at once.
    preprocess, tokenize = words.build_preprocessor(), words.build_tokenizer()
    stop = words.get_stop_words()

    def terms(members: np.ndarray):
        last = None
        for i in members:
            toks = [
                w
                for w in tokenize(preprocess(PLACEHOLDER_RE.sub(" ", texts[i] or "")))
                if w not in stop
            ]
            if not toks:
                continue
            if last is not None:
                yield f"{last} {toks[0]}"
            yield from toks
            for a, b in zip(toks, toks[1:]):  # noqa: B905 - pairs of neighbours
                yield f"{a} {b}"
            last = toks[-1]

    docs = [_Members(np.flatnonzero(labels == c)) for c in ids]
    vec = CountVectorizer(analyzer=lambda doc: terms(doc.rows))
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


def top_symptoms(
    labels: Sequence | np.ndarray,
    symptom_lists: Sequence[Sequence[str] | None],
    *,
    min_share: float = TOP_SYMPTOM_SHARE,
    max_symptoms: int | None = TOP_SYMPTOMS_MAX,
) -> dict:
    """{cluster: its top symptoms}: the symptoms at least ``min_share`` of the cluster's
    reports have, most common first, at most ``max_symptoms`` (None: all).

    Args:
        labels: (n,) a cluster per report, any hashable values (int labels, string ids);
            every value is a cluster, -1 and a background id included.
        symptom_lists: (n,) symptom names per report (None = none); a name repeated within
            one report counts once.
        min_share: the share of the cluster's reports (0-1) a symptom needs; the default is
            the extract's ``TOP_SYMPTOM_SHARE``.
        max_symptoms: the longest list per cluster.

    Returns:
        Every cluster of ``labels``, its list possibly empty. Ties in count go to the
        symptom seen first (in row order, then order within a report's list), as
        ``collections.Counter.most_common`` has it; rows sorted by report id, as the job
        keeps them, make it deterministic.
    """
    if len(symptom_lists) != len(labels):
        raise ValueError("labels and symptom_lists must have the same length")
    rows = [i for i, names in enumerate(symptom_lists) for _ in (names or ())]
    names = [name for names in symptom_lists for name in (names or ())]
    return top_symptoms_flat(
        labels, np.asarray(rows, dtype=np.int64), names, min_share, max_symptoms
    )


def top_symptoms_flat(
    labels: Sequence | np.ndarray,
    rows: np.ndarray,
    names: Sequence[str] | np.ndarray,
    min_share: float = TOP_SYMPTOM_SHARE,
    max_symptoms: int | None = TOP_SYMPTOMS_MAX,
) -> dict:
    """:func:`top_symptoms` with the symptoms given flat, without a Python list per report
    (an Arrow list column's ``list_parent_indices`` and ``list_flatten``): ``rows[j]`` is
    the report (index into ``labels``) that has symptom ``names[j]``, ``rows``
    non-decreasing. Same result, same tie rule."""
    labels = np.asarray(labels)
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) != len(names):
        raise ValueError("rows and names must have the same length")
    clusters, cluster_of, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    cluster_of = cluster_of.reshape(-1)
    out: dict = {_plain(c): [] for c in clusters}
    if not len(rows):
        return out
    vocab, name_of = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    name_of = name_of.reshape(-1).astype(np.int64)
    v = len(vocab)
    # One (report, symptom) pair per report and name, at its first position.
    _, first_of_pair = np.unique(rows * v + name_of, return_index=True)
    key = cluster_of[rows[first_of_pair]].astype(np.int64) * v + name_of[first_of_pair]
    order = np.lexsort((first_of_pair, key))  # by (cluster, name), then position
    keys, start, counts = np.unique(key[order], return_index=True, return_counts=True)
    first_seen = first_of_pair[order][start]
    cluster_of_key = keys // v
    bounds = np.flatnonzero(np.diff(cluster_of_key)) + 1
    for mine in np.split(np.arange(len(keys)), bounds):
        c = int(cluster_of_key[mine[0]])
        ranked = mine[np.lexsort((first_seen[mine], -counts[mine]))]
        top = [str(vocab[keys[j] % v]) for j in ranked if counts[j] / sizes[c] >= min_share]
        out[_plain(clusters[c])] = top if max_symptoms is None else top[:max_symptoms]
    return out


def _plain(value):
    """A numpy scalar as the Python value (``np.int64(3)`` -> 3, ``np.str_`` -> str)."""
    return value.item() if isinstance(value, np.generic) else value
