"""Readable labels: a redacted representative comment, only for clusters with K users."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from clustering import label_clusters
from clustering.labels import representative_comments, shorten


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _two_clusters(users_in_1: int):
    """Cluster 0: 8 reports of 8 users around axis 0, the most central one (index 3) says
    what broke; cluster 1: 8 reports of ``users_in_1`` users around axis 1; 4 background."""
    rng = np.random.default_rng(5)
    d = 16
    emb = np.zeros((20, d))
    emb[:8, 0] = 1.0
    emb[8:16, 1] = 1.0
    emb[16:] = rng.normal(size=(4, d))
    emb[:16] += 0.2 * rng.normal(size=(16, d))
    emb[3] = 0.0
    emb[3, 0] = 1.0  # exactly on cluster 0's axis: its medoid
    emb[11] = 0.0
    emb[11, 1] = 1.0
    texts = [f"thai letters appeared in my answer again ({i})" for i in range(8)]
    texts[3] = "The reply switched to Thai script halfway, sent by <PERSON> at <EMAIL_ADDRESS>"
    texts += [f"it forgot the whole context of the chat number {i}" for i in range(8)]
    texts[11] = "The model forgot everything I told it two messages earlier"
    texts += ["slow", "meh", "too verbose today", "wrong library"]
    labels = np.array([0] * 8 + [1] * 8 + [-1] * 4)
    users = [f"u{i}" for i in range(8)] + [f"v{i % users_in_1}" for i in range(8)]
    users += ["w0", "w1", "w2", "w3"]
    syms = [["unexpected_script"]] * 8 + [[]] * 12
    return texts, labels, syms, _unit(emb), users


def test_label_quotes_the_medoids_redacted_comment_and_symptoms() -> None:
    texts, labels, syms, emb, users = _two_clusters(users_in_1=6)
    out = label_clusters(texts, labels, syms, embeddings=emb, users=users, min_users=5)
    assert out[0] == (
        "“The reply switched to Thai script halfway, sent by <PERSON> at <EMAIL_ADDRESS>” "
        "— unexpected_script"
    )
    assert out[1] == "“The model forgot everything I told it two messages earlier”"
    assert out[-1] == "background / unclustered"


def test_cluster_below_k_users_is_never_quoted() -> None:
    texts, labels, syms, emb, users = _two_clusters(users_in_1=4)
    out = label_clusters(texts, labels, syms, embeddings=emb, users=users, min_users=5)
    assert out[0].startswith("“The reply switched")
    assert "“" not in out[1] and "forgot everything" not in out[1]
    assert set(representative_comments(texts, labels, emb, users, min_users=5)) == {0}
    # The same cluster is quoted once the threshold is met (the rule, not the data, decides).
    assert 1 in representative_comments(texts, labels, emb, users, min_users=4)


def test_unquotable_comments_are_skipped_for_the_next_most_central() -> None:
    texts, labels, syms, emb, users = _two_clusters(users_in_1=6)
    texts = list(texts)
    texts[3] = "<PERSON> <EMAIL_ADDRESS> ok"  # one word outside placeholders
    quote = representative_comments(texts, labels, emb, users, min_users=5)[0]
    assert quote.startswith("thai letters appeared in my answer again")
    sims = emb[:8] @ _unit(emb[:8].mean(axis=0))
    usable = [i for i in range(8) if i != 3]
    assert quote == texts[max(usable, key=lambda i: (round(sims[i], 6), -i))]


def test_ties_go_to_the_earlier_report_and_runs_repeat() -> None:
    emb = _unit(np.ones((5, 4)))
    texts = [f"the answer is in the wrong language number {i}" for i in range(5)]
    labels = np.zeros(5, dtype=int)
    users = [f"u{i}" for i in range(5)]
    a = representative_comments(texts, labels, emb, users, min_users=5)
    assert a == {0: texts[0]}
    assert a == representative_comments(texts, labels, emb, users, min_users=5)


def test_without_embeddings_labels_fall_back_to_terms() -> None:
    texts, labels, syms, _, _ = _two_clusters(users_in_1=6)
    out = label_clusters(texts, labels, syms)
    assert "“" not in out[0] and "thai" in out[0]


def test_long_comment_is_cut_at_a_word_and_never_inside_a_placeholder() -> None:
    text = "the output was cut off and then it repeated " + "<EMAIL_ADDRESS> " * 10
    short = shorten(text, 60)
    assert len(short) <= 60 and short.endswith("…")
    assert "<EMAIL_ADD" not in short.replace("<EMAIL_ADDRESS>", "")
    assert shorten('two\nlines   and "quotes"', 80) == "two lines and 'quotes'"


@given(st.text(min_size=0, max_size=300), st.integers(min_value=20, max_value=120))
def test_shorten_properties(text: str, limit: int) -> None:
    out = shorten(text, limit)
    assert len(out) <= limit
    assert "\n" not in out and '"' not in out
    whole = " ".join(text.replace("“", "'").replace("”", "'").replace('"', "'").split())
    if len(whole) <= limit:
        assert out == whole
    else:  # a cut: a prefix of the text, never ending inside an opened "<...>"
        body = out.removesuffix("…")
        assert out.endswith("…") and whole.startswith(body)
        assert body.rfind("<") <= body.rfind(">")


def test_medoid_in_blocks_is_the_medoid_of_the_whole_float64_copy(monkeypatch):
    """float64 copies a block of rows at a time (a million-report cluster is never copied
    whole): the mean and the chosen comment are those of one float64 matrix, bit for bit."""
    from clustering import labels as mod

    rng = np.random.default_rng(3)
    emb = _unit(rng.normal(size=(300, 24)) + 2.0 * np.eye(24)[rng.integers(0, 3, 300)])
    emb = emb.astype(np.float32)
    lab = rng.integers(-1, 3, 300)
    texts = [f"synthetic complaint number {i} words" for i in range(300)]
    users = [f"u{i % 40}" for i in range(300)]
    rows = np.flatnonzero(lab == 1)
    whole = representative_comments(texts, lab, emb, users)
    monkeypatch.setattr(mod, "_BLOCK_ROWS", 7)
    mean = mod._mean_rows(emb, rows)
    assert np.array_equal(mean, np.asarray(emb[rows], dtype=np.float64).mean(axis=0))
    assert representative_comments(texts, lab, emb, users) == whole
    assert len(whole) == 3


def test_terms_counted_comment_by_comment_are_those_of_the_joined_document(monkeypatch):
    """c-TF-IDF reads a cluster's comments one by one (a million-report background is never
    one list of terms): the counts are those of the comments joined by spaces, bigrams
    across two comments and final sigmas included."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    from clustering import labels as mod

    rng = np.random.default_rng(2)
    words = ["answer", "switched", "thai", "the", "again", "ΟΔΟΣ", "Σίσυφος", "<PERSON>", "42"]
    texts = [" ".join(rng.choice(words, rng.integers(0, 6))) for _ in range(120)] + [None]
    labels = rng.integers(-1, 3, len(texts))
    ids = sorted(int(c) for c in np.unique(labels))
    docs = [
        " ".join(mod.PLACEHOLDER_RE.sub(" ", texts[i] or "") for i in np.flatnonzero(labels == c))
        for c in ids
    ]
    joined = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(ENGLISH_STOP_WORDS | mod._EXTRA_STOP),
        token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
    )
    want = joined.fit_transform(docs).toarray()
    seen = {}
    fit = CountVectorizer.fit_transform

    def spy(self, raw, y=None):
        out = fit(self, raw, y)
        seen["tf"], seen["vocab"] = out.toarray(), list(self.get_feature_names_out())
        return out

    monkeypatch.setattr(CountVectorizer, "fit_transform", spy)
    mod._ctfidf_terms(texts, labels, ids, 3)
    assert seen["vocab"] == list(joined.get_feature_names_out())
    assert np.array_equal(seen["tf"], want)
    assert any(" " in v for v in seen["vocab"])  # bigrams are counted
