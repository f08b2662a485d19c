"""Explore: any dimension against every cluster as a lift heatmap; two time windows compared."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from app import charts, ui

BASELINES = {
    "share of all reports (every pair)": "reports",
    "traffic share (pipeline attributions)": "traffic",
}


def render(source: ui.Source) -> None:
    f = ui.sidebar_filters(source)
    st.title("Explore")
    st.subheader("Dimension × cluster lift")
    dims = source.q("dimensions")
    if not dims:
        st.info("The extract has no routing dimension columns.")
    else:
        c = st.columns(2)
        dim = c[0].selectbox(
            "Dimension",
            dims,
            index=dims.index("server_pool") if "server_pool" in dims else 0,
            key="ex_dim",
        )
        baseline = BASELINES[c[1].radio("Baseline", list(BASELINES), key="ex_base")]
        grid = source.q("lift_matrix", dim, f, baseline=baseline)
        if grid.empty:
            st.info("No reports with this dimension under these filters.")
        else:
            st.altair_chart(charts.lift_heatmap(grid, dim), width="stretch")
            st.dataframe(
                grid.pivot_table(index="label", columns="value", values="lift").round(2),
                key="ex_grid",
                width="stretch",
            )
    _compare(source)


def _compare(source: ui.Source) -> None:
    st.subheader("Compare two time windows")
    deploys = source.q("deploy_choices")
    first, last = source.q("time_bounds")
    options = ["custom time", *deploys["deploy_id"]]
    c = st.columns(3)
    best = 1 + int(deploys["score"].to_numpy().argmax()) if len(deploys) else 0
    wanted = st.query_params.get("pivot")  # e.g. a finding's suspect deploy
    if wanted in options:
        best = options.index(wanted)
    pick = c[0].selectbox("Pivot", options, index=best, key="ex_pivot")
    hours = c[1].slider("Window (hours each side)", 6, 336, 72, step=6, key="ex_hours")
    if pick == "custom time":
        default = (first or datetime(2025, 8, 25, tzinfo=UTC)).date()
        day = c[2].date_input("Pivot day (UTC)", default, key="ex_day")
        pivot = datetime.combine(day, time(0), tzinfo=UTC)
    else:
        started = deploys.set_index("deploy_id").loc[pick, "started_at"]
        pivot = started.to_pydatetime()
        c[2].metric("Deploy started (UTC)", f"{pivot:%Y-%m-%d %H:00}")
    df = source.q("compare_windows", pivot, hours=int(hours))
    st.caption(
        f"Before: {pivot - timedelta(hours=hours):%Y-%m-%d %H:00} to {pivot:%Y-%m-%d %H:00}; "
        f"after: to {pivot + timedelta(hours=hours):%Y-%m-%d %H:00} (UTC)."
    )
    if df.empty:
        st.info("No published cluster has an hourly series.")
        return
    st.altair_chart(charts.compare_bars(df), width="stretch")
    st.dataframe(
        df.drop(columns=["cluster_id"]),
        hide_index=True,
        width="stretch",
        key="ex_cmp",
        column_config={
            "rate_before": st.column_config.NumberColumn(format="%.2f"),
            "rate_after": st.column_config.NumberColumn(format="%.2f"),
            "change": st.column_config.NumberColumn("after / before", format="%.2f"),
        },
    )
