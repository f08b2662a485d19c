"""Entry file of the triage dashboard: `streamlit run app/main.py -- --extract OUT/triage.duckdb`.

(or `triage dashboard --extract ...`). Reads only the extract, read-only.

Pages are routed with ``st.navigation``: each has its own URL path (``/cluster?cluster=ID``);
Findings, the default, is served at ``/``. The older deep links ``?page=overview|cluster|...``
still work: they switch to that page and keep the other query parameters.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from app import (
    page_cluster,
    page_explore,
    page_findings,
    page_health,
    page_overview,
    ui,
)
from pipeline.extract.reader import ExtractProblem

#: slug (URL path and ``?page=`` value) -> (title, icon, module with ``render(source)``), in
#: the navigation's order: findings lead, clusters come second.
PAGES = {
    "findings": ("Findings", ":material/crisis_alert:", page_findings),
    "overview": ("Clusters", ":material/bubble_chart:", page_overview),
    "cluster": ("Cluster", ":material/search:", page_cluster),
    "explore": ("Explore", ":material/grid_on:", page_explore),
    "health": ("Run health", ":material/monitor_heart:", page_health),
}
SLUGS = {slug: title for slug, (title, _, _) in PAGES.items()}


def _page(slug: str, source: ui.Source) -> st.Page:
    title, icon, module = PAGES[slug]

    def render() -> None:
        module.render(source)

    return st.Page(render, title=title, icon=icon, url_path=slug, default=slug == "findings")


def main() -> None:
    st.set_page_config(page_title="Feedback triage", page_icon="🩺", layout="wide")
    source = ui.Source(ui.extract_path())
    try:
        pages = {slug: _page(slug, source) for slug in PAGES}
        ui.register_pages(pages)
        current = st.navigation(list(pages.values()))
        legacy = st.query_params.get("page")
        if legacy in pages:
            rest = {k: v for k, v in st.query_params.to_dict().items() if k != "page"}
            if current.title != SLUGS[legacy]:
                st.switch_page(pages[legacy], query_params=rest)
            del st.query_params["page"]
        with st.sidebar:
            ui.watch(source)
        problem = source.problem()
        if problem:
            st.title("Feedback triage")
            st.error(problem)
            return
        try:
            current.run()
        except (ExtractProblem, duckdb.Error) as exc:
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
