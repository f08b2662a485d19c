"""Cluster labels in an extract of the real pipeline: a quoted label is one of its cluster's
own redacted comments (shortened), and only a published cluster is ever quoted."""

from __future__ import annotations

import pyarrow.parquet as pq

from clustering.labels import QUOTE_CHARS, shorten


def test_quoted_labels_come_from_their_clusters_redacted_comments(extract_db):
    parquet = extract_db.parent / "parquet"
    clusters = pq.read_table(parquet / "clusters.parquet").to_pylist()
    reports = pq.read_table(parquet / "reports.parquet").to_pylist()
    comments: dict[str, set[str]] = {}
    for r in reports:
        if r["comment_redacted"]:
            comments.setdefault(r["cluster_id"], set()).add(shorten(r["comment_redacted"]))
    quoted = 0
    for c in clusters:
        label = c["label"]
        if not c["published"]:
            assert "“" not in label, "an unpublished cluster's label quotes a comment"
            continue
        if not label.startswith("“"):
            continue
        quoted += 1
        quote = label[1 : label.index("”")]
        assert len(quote) <= QUOTE_CHARS
        assert quote in comments.get(c["cluster_id"], set()), "quote not from its own cluster"
    non_background = [c for c in clusters if c["published"] and not c["is_background"]]
    assert quoted >= len(non_background) // 2, f"{quoted} of {len(non_background)} quoted"
