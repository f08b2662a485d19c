"""Clusters (the overview): which clusters are new or growing, how big, where, and their rank-1
cause. Second to the findings page; also its fallback for extracts without findings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import ui

RECENT = {"last 24 h": 24, "last 72 h": 72, "last 7 days": 168}
RECENT_SHORT = {"last 24 h": "24h / prior", "last 72 h": "72h / prior", "last 7 days": "7d / prior"}
STATUS_BADGE = {"new": "NEW", "growing": "GROWING", "steady": "steady", "background": "bg"}
STATUS_STYLE = {
    "NEW": "background-color: #ffe0e0",
    "GROWING": "background-color: #fff1c9",
}


def render(source: ui.Source) -> None:
    f = ui.sidebar_filters(source)
    st.sidebar.subheader("Ranking")
    recent_label = st.sidebar.selectbox("Growth window", list(RECENT), index=1, key="ov_recent")
    order = st.sidebar.radio("Order by", ["growth", "size"], horizontal=True, key="ov_order")
    df = source.q("overview", f, recent_hours=RECENT[recent_label], order=order)
    tot = source.q("totals", f)
    hidden = source.q("unpublished_counts", f)

    st.title("Clusters")
    new = df[df["status"] == "new"] if not df.empty else df
    growing = df[df["status"] == "growing"] if not df.empty else df
    c = st.columns(5)
    c[0].metric("Reports", f"{tot['reports']:,}")
    c[1].metric("Users", f"{tot['users']:,}")
    c[2].metric("Published clusters", len(df))
    c[3].metric("New", len(new))
    c[4].metric("Growing", len(growing))
    for row in pd.concat([new, growing]).itertuples():
        cause = f" — rank-1 cause **{row.cause}** (lift {row.lift:.1f})" if row.cause else ""
        text = (
            f"**{row.status}**: **{row.label}** — {row.recent_users} users in the "
            f"{recent_label} vs {row.prior_users} before{cause}"
        )
        st.warning(
            text, icon=":material/fiber_new:" if row.status == "new" else ":material/trending_up:"
        )
    if df.empty:
        st.info("No published cluster has reports under these filters.")
    else:
        st.dataframe(
            _styled(_table(df)),
            hide_index=True,
            width="stretch",
            key="ov_table",
            column_order=[
                "status",
                "label",
                "symptoms",
                "users",
                "reports",
                "daily",
                "recent",
                "cause",
                "lift",
                "q_value",
                "first_seen",
            ],
            column_config={
                "status": st.column_config.TextColumn("status", width=70),
                "label": st.column_config.TextColumn("cluster", width="medium"),
                "symptoms": st.column_config.ListColumn("symptoms", width="medium"),
                "users": st.column_config.NumberColumn("users", format="%d", width=60),
                "reports": st.column_config.NumberColumn("reports", format="%d", width=60),
                "daily": st.column_config.LineChartColumn("reports per day", width="small"),
                "recent": st.column_config.TextColumn(
                    f"users {RECENT_SHORT[recent_label]}", width=80
                ),
                "cause": st.column_config.TextColumn("rank-1 cause", width="medium"),
                "lift": st.column_config.NumberColumn("lift", format="%.1f", width=50),
                "q_value": st.column_config.NumberColumn("q", format="%.0e", width=60),
                "first_seen": st.column_config.DatetimeColumn(
                    "first seen (UTC)", format="MMM DD HH:00", width=100
                ),
            },
        )
        ids = list(df["cluster_id"])
        labels = dict(zip(df["cluster_id"], df["label"], strict=True))
        pick = st.selectbox(
            "Open a cluster", ids, format_func=lambda i: labels[i], key="ov_open_pick"
        )
        if st.button("Open cluster page", key="ov_open"):
            ui.go("cluster", cluster=pick)
    if hidden["clusters"]:
        st.caption(
            f"{hidden['clusters']} more clusters are below the publication threshold "
            f"(fewer than K users): {hidden['reports']:,} reports, {hidden['users']:,} users. "
            "Counts only; nothing else about them is shown."
        )
    st.caption(
        f"{tot['joined']:,} of {tot['reports']:,} reports joined the routing log. A cluster is "
        "new when first seen inside the growth window, growing when its users there are at "
        "least twice those of the window before (and at least 3)."
    )


def _table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": df["status"].map(STATUS_BADGE),
            "label": df["label"],
            "symptoms": df["top_symptoms"].map(lambda s: list(s) if s is not None else []),
            "users": df["users"],
            "reports": df["reports"],
            "recent": df["recent_users"].astype(str) + " / " + df["prior_users"].astype(str),
            "first_seen": df["first_seen"],
            "cause": df["cause"],
            "lift": df["lift"],
            "q_value": df["q_value"],
            "daily": df["daily"].map(lambda s: list(s) if s is not None else []),
        }
    )


def _styled(table: pd.DataFrame):
    def row_style(row):
        return [STATUS_STYLE.get(row["status"], "")] * len(row)

    return table.style.apply(row_style, axis=1)
