"""Shared Streamlit plumbing: which extract, cached queries, reload on swap, sidebar filters.

Every page gets a `Source`: the extract path plus the file signature seen at the start of this
script run. Query results are cached by (path, signature, query, arguments), so a new extract
swapped in with ``os.replace`` (new inode, new mtime) is a cache miss and shows at once, and a
fragment polls the signature so an open browser tab reruns by itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import streamlit as st

from app import queries
from pipeline.extract.reader import ExtractProblem

ENV_EXTRACT = "TRIAGE_EXTRACT"
DEFAULT_EXTRACT = "out/triage.duckdb"
WATCH_SECONDS = 10


def extract_path(argv: list[str] | None = None) -> Path:
    """``--extract PATH`` after ``streamlit run app/main.py --``, else $TRIAGE_EXTRACT."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--extract")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Path(args.extract or os.environ.get(ENV_EXTRACT) or DEFAULT_EXTRACT)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(_source: Source, path: str, sig: tuple, name: str, args: tuple, kwargs: tuple):
    # path and sig are the cache key; _source (not hashed) holds the live connection.
    return getattr(queries, name)(_source.con(), *args, **dict(kwargs))


@st.cache_data(show_spinner=False, max_entries=16)
def _problem(path: str, sig: tuple) -> str | None:
    try:
        queries.connect(path).close()
    except ExtractProblem as exc:
        return str(exc)
    return None


class Source:
    """The extract as of this script run; opens one read-only connection on first miss."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sig = queries.signature(path)
        self._con: duckdb.DuckDBPyConnection | None = None

    def problem(self) -> str | None:
        """Why the extract cannot be shown (one line), or None when it can."""
        if self.sig is None:
            try:
                queries.connect(self.path)
            except ExtractProblem as exc:
                return str(exc)
        return _problem(self.path, self.sig)

    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = queries.connect(self.path)
        return self._con

    def q(self, name: str, *args, **kwargs):
        """``queries.<name>(con, *args, **kwargs)``, cached for this extract version."""
        return _cached(self, self.path, self.sig, name, args, tuple(sorted(kwargs.items())))

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


_PAGES_KEY = "_triage_pages"


def register_pages(pages: dict[str, st.Page]) -> None:
    """Remember this session's ``st.Page`` objects by slug, for links between pages."""
    st.session_state[_PAGES_KEY] = pages


def page(slug: str) -> st.Page:
    """This session's page for ``slug`` (see `app.main.PAGES`)."""
    return st.session_state[_PAGES_KEY][slug]


def page_link(slug: str, label: str, icon: str | None = None, **params: str) -> None:
    """A link to another page of the dashboard with query parameters (a deep link)."""
    st.page_link(page(slug), label=label, icon=icon, query_params=params or None)


def go(slug: str, **params: str) -> None:
    """Switch to another page now (``st.switch_page``) with query parameters."""
    st.switch_page(page(slug), query_params=params or None)


@st.fragment(run_every=timedelta(seconds=WATCH_SECONDS))
def watch(source: Source) -> None:
    """Rerun the whole page when the extract file changes (swap, first build, removal)."""
    if queries.signature(source.path) != source.sig:
        st.rerun(scope="app")


def sidebar_filters(source: Source, key: str = "f") -> queries.Filters:
    """Time range and model / platform / hardware / surface pickers; returns the Filters."""
    first, last = source.q("time_bounds")
    st.sidebar.subheader("Filters")
    start = end = None
    if first is not None and last is not None and last > first:
        lo, hi = _naive(first), _naive(last)
        until = _until(st.query_params.get("until"), lo, hi)
        start_n, end_n = st.sidebar.slider(
            "Time range (UTC)",
            min_value=lo,
            max_value=hi,
            value=(lo, until),
            step=timedelta(hours=1),
            format="YYYY-MM-DD HH:00",
            key=f"{key}_time",
        )
        if (start_n, end_n) != (lo, hi):
            start, end = _utc(start_n, first), _utc(end_n, first)
    dims = set(source.q("dimensions")) | {"surface"}
    chosen = {}
    for name in queries.FILTER_COLUMNS:
        if name in dims:
            options = source.q("distinct_values", name)
            chosen[name] = tuple(st.sidebar.multiselect(name, options, key=f"{key}_{name}"))
    return queries.Filters(start=start, end=end, **chosen)


def _until(value: str | None, lo: datetime, hi: datetime) -> datetime:
    """The ``?until=YYYY-MM-DDTHH`` deep link as the default range end (clamped; bad = hi)."""
    if not value:
        return hi
    try:
        ts = datetime.fromisoformat(value).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    except ValueError:
        return hi
    return min(max(ts, lo), hi)


def _naive(ts) -> datetime:
    """A UTC timestamp as a naive datetime (the slider shows it as is)."""
    ts = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts
    return ts.replace(tzinfo=None)


def _utc(naive: datetime, like) -> datetime:
    return naive.replace(tzinfo=like.tzinfo)


def symptom_badges(symptoms) -> str:
    """Markdown badges for a list of symptoms."""
    colours = {
        "unexpected_script": "orange",
        "code_syntax_error": "red",
        "repetition": "green",
        "truncation": "violet",
    }
    items = [] if symptoms is None else list(symptoms)
    return " ".join(f":{colours.get(s, 'gray')}-badge[{s}]" for s in items)
