"""Entry file of the triage dashboard: `streamlit run app/main.py -- --extract OUT/triage.duckdb`.

(or `triage dashboard --extract ...`). Reads only the extract, read-only.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from app import page_cluster, page_explore, page_health, page_overview, queries, ui

PAGES = {
    "Overview": page_overview.render,
    "Cluster": page_cluster.render,
    "Explore": page_explore.render,
    "Run health": page_health.render,
}
SLUGS = {"overview": "Overview", "cluster": "Cluster", "explore": "Explore", "health": "Run health"}


def main() -> None:
    st.set_page_config(page_title="Feedback triage", page_icon="🩺", layout="wide")
    source = ui.Source(ui.extract_path())
    try:
        if "nav_page" not in st.session_state:
            st.session_state["nav_page"] = SLUGS.get(st.query_params.get("page", ""), "Overview")
        page = st.sidebar.radio("Page", list(PAGES), key="nav_page")
        st.query_params["page"] = next(s for s, p in SLUGS.items() if p == page)
        with st.sidebar:
            ui.watch(source)
        problem = source.problem()
        if problem:
            st.title("Feedback triage")
            st.error(problem)
            return
        try:
            PAGES[page](source)
        except (queries.ExtractProblem, duckdb.Error) as exc:
            # e.g. the file was swapped or removed mid-run: say so, the watcher reloads.
            st.error(f"The extract could not be read ({type(exc).__name__}); retrying shortly.")
        run = source.q("runs", 1)
        if not run.empty:
            st.sidebar.caption(
                f"Extract: run {run.iloc[0]['run_id']}, finished "
                f"{run.iloc[0]['finished_at']:%Y-%m-%d %H:%M} UTC. Reloads when a new "
                "extract is swapped in."
            )
    finally:
        source.close()


main()
