"""Cluster page: rate over time with deploy markers, causes, suspects, pools, stickiness,
and redacted examples with the symptom evidence highlighted (published clusters only)."""

from __future__ import annotations

import streamlit as st

from app import charts, markers, page_findings, ui
from app.evidence import field_html


def render(source: ui.Source) -> None:
    clusters = source.q("published_clusters")
    if clusters.empty:
        st.title("Cluster")
        st.info("This extract has no published cluster.")
        return
    ids = list(clusters["cluster_id"])
    labels = dict(zip(clusters["cluster_id"], clusters["label"], strict=True))
    wanted = st.query_params.get("cluster")
    if wanted in ids and wanted != st.session_state.get("_cl_param"):
        # A deep link or a link from another page names a cluster: open it.
        st.session_state["cl_pick"] = wanted
    elif st.session_state.get("cl_pick") not in ids:
        # First visit (or an id that is gone or unpublished): the largest.
        st.session_state["cl_pick"] = ids[0]
    cid = st.sidebar.selectbox(
        "Cluster", ids, format_func=lambda i: f"{labels[i]} ({i})", key="cl_pick"
    )
    st.query_params["cluster"] = cid
    st.session_state["_cl_param"] = cid
    info = source.q("cluster", cid)
    st.title(info["label"])
    st.markdown(ui.symptom_badges(info["top_symptoms"]))
    c = st.columns(5)
    c[0].metric("Users", f"{info['n_users']:,}")
    c[1].metric("Reports", f"{info['n_reports']:,}")
    c[2].metric("Sessions", f"{info['n_sessions']:,}")
    c[3].metric("First seen", f"{info['first_seen']:%b %d %H:00}")
    c[4].metric("Last seen", f"{info['last_seen']:%b %d %H:00}")

    _findings(source, cid)

    series = source.q("rate_series", cid)
    sus = source.q("suspects", cid)
    marks = markers.rate_markers(sus, series, source.q("deploy_log"))
    st.subheader("Rate per million requests")
    if series.empty:
        st.info("No hourly series for this cluster.")
    else:
        res = st.radio("Resolution", ["day", "hour"], horizontal=True, key="cl_res")
        shown = charts.resample(series, "D" if res == "day" else "h")
        st.altair_chart(charts.rate_chart(shown, marks), width="stretch")
        st.caption(
            "Dashed lines: starts of the best suspect deploys, the detected onset and end, and "
            "rollbacks of those deploys from the change log (or, for an extract without one, "
            "at the detected end when the suspect ranking found a rollback there)."
        )

    st.subheader("What it is attributed to")
    attrib = source.q("attributions", cid)
    if attrib.empty:
        st.info("No attribution rows for this cluster.")
    else:
        left, right = st.columns([1, 1])
        left.altair_chart(charts.lift_bars(attrib.head(12)), width="stretch")
        right.dataframe(
            attrib[["rank", "dimension", "value", "users", "reports", "lift", "q_value"]],
            hide_index=True,
            key="cl_attr",
            column_config={
                "lift": st.column_config.NumberColumn(format="%.2f"),
                "q_value": st.column_config.NumberColumn("q", format="%.1e"),
            },
        )

    st.subheader("Suspect deploys")
    if sus.empty:
        st.info("No deploy lines up with this cluster's onset.")
    else:
        st.dataframe(
            sus,
            hide_index=True,
            width="stretch",
            key="cl_sus",
            column_config={"score": st.column_config.NumberColumn(format="%.2f")},
        )

    left, right = st.columns(2)
    with left:
        st.subheader("Server pool by hour")
        pools = source.q("pool_by_hour", cid)
        if pools.empty:
            st.info("No joined reports with a server pool.")
        else:
            st.altair_chart(charts.pool_heatmap(pools), width="stretch")
    with right:
        st.subheader("Sticky sessions")
        per_user = source.q("reports_per_user", cid)
        m = st.columns(3)
        conc = info["sticky_concentration"]
        m[0].metric("Concentration", "n/a" if conc is None else f"{conc:.2f}")
        m[1].metric("Sticky", "yes" if info["sticky_flag"] else "no")
        m[2].metric("Top 10% users' share", f"{markers.top_user_share(per_user):.0%}")
        if not per_user.empty:
            st.altair_chart(charts.per_user_bars(per_user), width="stretch")

    _examples(source, cid)


def _findings(source: ui.Source, cid: str) -> None:
    """This cluster's accepted causes, each linking to its series and evidence."""
    if not source.q("has_findings"):
        return
    found = source.q("cluster_findings", cid)
    if found.empty:
        return
    st.subheader("Findings: what explains it")
    for r in found.to_dict("records"):
        dep = f", suspect deploy {r['deploy_id']}" if isinstance(r["deploy_id"], str) else ""
        ui.page_link(
            "findings",
            f"cause {r['rank']}: {page_findings.where_text(r['dimension'], r['value'])} since "
            f"{r['onset']:%b %d %H:00} UTC ({r['users']:,} users, lift {r['lift']:.1f}, "
            f"q {page_findings.q_text(r['q_value'])}{dep})",
            icon=":material/crisis_alert:",
            finding=r["finding_id"],
        )


def _examples(source: ui.Source, cid: str) -> None:
    st.subheader("Redacted examples")
    symptoms = source.q("symptoms_of", cid)
    c = st.columns(2)
    symptom = c[0].selectbox("Symptom", ["any", *symptoms], key="cl_symptom")
    n = c[1].number_input("How many", 1, 20, 5, key="cl_n")
    rows = source.q("examples", cid, symptom=None if symptom == "any" else symptom, limit=int(n))
    if not rows:
        st.info("No redacted text for this cluster under this symptom.")
    for row in rows:
        with st.container(border=True):
            st.markdown(
                f"**{row['kind']}** · {row['submitted_hour']:%Y-%m-%d %H:00} UTC · "
                f"{row['surface'] or '?'} · {row['model'] or '?'} "
                + ui.symptom_badges(row["symptoms"])
            )
            for fld, title in (("comment_redacted", "comment"), ("response_redacted", "response")):
                if row[fld]:
                    st.caption(title)
                    st.markdown(field_html(row[fld], row["evidence"], fld), unsafe_allow_html=True)
            reasons = sorted({s.get("reason") or s.get("symptom") for s in row["evidence"]})
            if reasons:
                st.caption("evidence: " + "; ".join(str(r) for r in reasons))
