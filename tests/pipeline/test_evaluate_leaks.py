"""`triage evaluate`'s leak count: one automaton pass over the extract's text gives what a
search of all the text joined gives, whatever the batch size (fast, no models; synthetic
tokens only)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli.evaluate import leaked_values

ALPHABET = "ab\n x"  # few letters: values recur, overlap and span text boundaries


def _extract(db: Path, texts: list[str | None], other: list[str | None]) -> None:
    con = duckdb.connect(str(db))
    con.execute("create table reports (report_id varchar, comment varchar, n integer)")
    for i, t in enumerate(texts):
        con.execute("insert into reports values (?, ?, ?)", [f"r{i}", t, i])
    con.execute("create table clusters (label varchar)")
    for t in other:
        con.execute("insert into clusters values (?)", [t])
    con.close()


def _truth(folder: Path, values: list[tuple[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"entity_type": [t for t, _ in values], "value": [v for _, v in values]}),
        folder / "pii.parquet",
    )
    return folder


def _naive(db: Path, truth: Path) -> dict[str, int]:
    """The definition: every non-empty text value, joined by line breaks, searched per value."""
    con = duckdb.connect(str(db), read_only=True)
    texts = [v for (v,) in con.execute("select report_id from reports").fetchall() if v]
    texts += [v for (v,) in con.execute("select comment from reports").fetchall() if v]
    texts += [v for (v,) in con.execute("select label from clusters").fetchall() if v]
    con.close()
    blob = "\n".join(texts)
    rows = pq.read_table(truth / "pii.parquet").to_pylist()
    return dict(
        sorted(
            Counter(
                r["entity_type"] for r in rows if len(r["value"]) >= 6 and r["value"] in blob
            ).items()
        )
    )


def test_counts_each_truth_row_found_and_skips_short_values(tmp_path):
    _extract(
        tmp_path / "x.duckdb",
        ["call synthetic-phone-000 now", None, "", "mail to user.synthetic@example"],
        ["a label ending in synth", "etic-tail"],
    )
    truth = _truth(
        tmp_path / "truth",
        [
            ("PHONE_NUMBER", "synthetic-phone-000"),
            ("PHONE_NUMBER", "synthetic-phone-000"),  # the same value twice: two rows
            ("EMAIL_ADDRESS", "user.synthetic@example"),
            ("PERSON", "never-in-the-extract"),
            ("PERSON", "call"),  # under 6 characters: not counted
            ("PERSON", "synth\netic-tail"),  # spans two values, as in the joined text
        ],
    )
    got = leaked_values(tmp_path / "x.duckdb", truth, batch=1)
    assert got == {"EMAIL_ADDRESS": 1, "PERSON": 1, "PHONE_NUMBER": 2}
    assert got == _naive(tmp_path / "x.duckdb", truth)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.one_of(st.none(), st.text(ALPHABET, max_size=12)), max_size=12),
    labels=st.lists(st.text(ALPHABET, max_size=8), max_size=4),
    values=st.lists(st.text(ALPHABET, min_size=4, max_size=10), min_size=1, max_size=8),
    batch=st.integers(1, 5),
)
def test_same_as_one_search_of_all_the_text(tmp_path_factory, texts, labels, values, batch):
    tmp = tmp_path_factory.mktemp("leaks")
    _extract(tmp / "x.duckdb", texts, labels)
    truth = _truth(tmp / "truth", [(f"T{i % 3}", v) for i, v in enumerate(values)])
    assert leaked_values(tmp / "x.duckdb", truth, batch=batch) == _naive(tmp / "x.duckdb", truth)
