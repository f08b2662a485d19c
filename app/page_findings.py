"""Findings, the dashboard's first page: what broke, where, since when, which deploy.

A finding is a cause the pipeline accepted (``findings`` table): a dimension value or a
combination of values that explains a published cluster's reports (its rank within the
cluster says in which order causes were accepted), or, with no cluster, a concentration of
complaints over all reports that no single cluster isolates (run-wide). They are ranked by
confidence (q <= 0.05 first), run-wide ones that restate a cluster's finding after the
others, then impact (users, reports, lift): see `queries.findings`.
Each links to its clusters, its own hourly series and its redacted evidence.

An extract written before findings existed has no such table: the page says so and shows
the clusters view instead.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from app import charts, page_overview, ui
from app.evidence import field_html

#: Findings shown as cards on top; every one is in the table and can be opened below it.
CARDS = 5

NO_FINDINGS_TABLE = (
    "This extract has no findings table: it was written before findings (what broke, where, "
    "since when, which deploy) were added to the data contract. Showing the clusters view "
    "instead; rebuild the extract with this version's `triage run` to get findings."
)


def where_text(dimension: str, value: str) -> str:
    """``hardware & region`` / ``tpu & eu`` as ``hardware = tpu & region = eu``."""
    dims, values = str(dimension).split(" & "), str(value).split(" & ")
    if len(dims) != len(values):
        return f"{dimension} = {value}"
    return " & ".join(f"{d} = {v}" for d, v in zip(dims, values, strict=True))


def _when(ts) -> str:
    if ts is None or pd.isna(ts):
        return "?"
    return f"{pd.Timestamp(ts):%b %d %H:00}"


def deploy_text(row) -> str:
    """The suspect deploy with what it changed and when it started, or a dash."""
    dep = row["deploy_id"]
    if dep is None or pd.isna(dep):
        return "none found"
    extra = [str(row["deploy_component"])] if _present(row["deploy_component"]) else []
    if _present(row["deploy_started_at"]):
        extra.append(f"started {_when(row['deploy_started_at'])}")
    return f"{dep} ({', '.join(extra)})" if extra else str(dep)


def q_text(q) -> str:
    """A q-value for people: one significant digit; "< 1e-300" for an underflow to 0."""
    if not _present(q):
        return "?"
    return "< 1e-300" if q == 0 else f"{q:.0e}"


def what_text(row) -> str:
    """The cluster's label; for a run-wide finding, what kind of complaints it counts."""
    if _present(row["cluster_id"]):
        return str(row["label"])
    symptom = row.get("symptom")
    if _present(symptom):
        return f"{symptom} complaints across clusters (run-wide)"
    return "complaints across clusters (run-wide)"


def _present(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and v is not pd.NaT


def render(source: ui.Source) -> None:
    st.title("What broke")
    if not source.q("has_findings"):
        st.warning(NO_FINDINGS_TABLE, icon=":material/history:")
        page_overview.render(source)
        return
    df = source.q("findings")
    c = st.columns(4)
    c[0].metric("Findings", len(df))
    c[1].metric("Confident (q ≤ 0.05)", int(df["confident"].sum()) if len(df) else 0)
    c[2].metric("Clusters with findings", df["cluster_id"].dropna().nunique())
    c[3].metric("Run-wide", int(df["cluster_id"].isna().sum()))
    st.caption(
        "Ranked by confidence (q ≤ 0.05 first), then impact: users, reports, lift. A finding "
        "with a cluster explains that cluster's reports (rank = the order the causes were "
        "accepted); a run-wide one is a concentration over all reports that no single "
        "cluster isolates. Only published clusters (at least K users) are shown."
    )
    if df.empty:
        st.info(
            "No finding in this extract: no dimension value concentrates complaints "
            "significantly. The clusters view may still show what users report."
        )
        ui.page_link("overview", "Open the clusters view", icon=":material/bubble_chart:")
        _hidden_counts(source)
        return
    for row in df.head(CARDS).to_dict("records"):
        _card(row)
    if len(df) > CARDS:
        st.caption(f"{len(df) - CARDS} more below, in the table.")
    st.subheader("All findings")
    st.dataframe(
        _table(df),
        hide_index=True,
        width="stretch",
        key="fi_table",
        column_config={
            "#": st.column_config.NumberColumn("#", width=40),
            "what": st.column_config.TextColumn("what broke", width="large"),
            "where": st.column_config.TextColumn("where", width="medium"),
            "since": st.column_config.DatetimeColumn(
                "since (UTC)", format="MMM DD HH:00", width=110
            ),
            "deploy": st.column_config.TextColumn("suspect deploy", width="medium"),
            "users": st.column_config.NumberColumn("users", format="%d", width=60),
            "reports": st.column_config.NumberColumn("reports", format="%d", width=60),
            "lift": st.column_config.NumberColumn("lift", format="%.1f", width=50),
            "q_value": st.column_config.NumberColumn("q", format="%.0e", width=60),
        },
    )
    _details(source, df)
    _hidden_counts(source)


def _hidden_counts(source: ui.Source) -> None:
    hidden = source.q("unpublished_counts")
    if hidden["clusters"]:
        st.caption(
            f"{hidden['clusters']} more clusters are below the publication threshold "
            f"(fewer than K users): {hidden['reports']:,} reports, {hidden['users']:,} users. "
            "Counts only; no finding about them is shown."
        )


def _table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "#": df["position"],
            "what": [what_text(r) for r in df.to_dict("records")],
            "where": [where_text(d, v) for d, v in zip(df["dimension"], df["value"], strict=True)],
            "since": df["onset"],
            "deploy": [deploy_text(r) for r in df.to_dict("records")],
            "users": df["users"],
            "reports": df["reports"],
            "lift": df["lift"],
            "q_value": df["q_value"],
            "finding_id": df["finding_id"],
        }
    )


def _card(row: dict) -> None:
    with st.container(border=True):
        badge = ":red-badge[confident]" if row["confident"] else ":gray-badge[tentative]"
        until = f" until **{_when(row['until'])} UTC**" if _present(row.get("until")) else ""
        st.markdown(
            f"**#{row['position']}** {badge} **{where_text(row['dimension'], row['value'])}** "
            f"since **{_when(row['onset'])} UTC**{until} · suspect deploy "
            f"**{deploy_text(row)}**"
        )
        if _present(row["cluster_id"]):
            rank = f" (cause {row['rank']} of this cluster)" if row["rank"] else ""
            st.markdown(f"in **{row['label']}**{rank} " + ui.symptom_badges(row["top_symptoms"]))
        else:
            symptom = row.get("symptom")
            kind = ui.symptom_badges([symptom]) if _present(symptom) else ""
            if _present(row.get("restates")):
                st.markdown(
                    f"across all reports: **run-wide** {kind}; most of its reports in clusters "
                    "are those of a cluster's finding, so it ranks after the findings no "
                    "cluster holds"
                )
            else:
                st.markdown(
                    f"across all reports: **run-wide**, no single cluster isolates it {kind}"
                )
        folded = row.get("folded")
        if folded is not None and not isinstance(folded, float) and len(folded):
            st.caption("also explains (folded under it): " + ", ".join(map(str, folded)))
        q = q_text(row["q_value"])
        lift = f"{row['lift']:.1f}" if _present(row["lift"]) else "?"
        st.caption(f"{row['users']:,} users · {row['reports']:,} reports · lift {lift} · q {q}")
        links = st.columns([1, 1, 3])
        with links[0]:
            ui.page_link(
                "findings",
                "Series and evidence",
                icon=":material/show_chart:",
                finding=str(row["finding_id"]),
            )
        with links[1]:
            if _present(row["cluster_id"]):
                ui.page_link(
                    "cluster", "Open cluster", icon=":material/search:", cluster=row["cluster_id"]
                )
            elif _present(row.get("restates")):
                ui.page_link(
                    "findings",
                    "The cluster's finding",
                    icon=":material/link:",
                    finding=str(row["restates"]),
                )


def _pick(df: pd.DataFrame) -> str:
    """The finding to detail: ``?finding=`` when it is new (a link was followed), else the
    selectbox's own choice, else the top one."""
    ids = list(df["finding_id"])
    wanted = st.query_params.get("finding")
    if wanted in ids and wanted != st.session_state.get("_fi_param"):
        st.session_state["fi_pick"] = wanted
    elif st.session_state.get("fi_pick") not in ids:
        st.session_state["fi_pick"] = ids[0]
    names = {
        r["finding_id"]: f"#{r['position']} {where_text(r['dimension'], r['value'])} "
        f"— {charts.short(what_text(r), 60)}"
        for r in df.to_dict("records")
    }
    fid = st.selectbox("Finding", ids, format_func=lambda i: names[i], key="fi_pick")
    st.query_params["finding"] = fid
    st.session_state["_fi_param"] = fid
    return fid


def _details(source: ui.Source, df: pd.DataFrame) -> None:
    st.subheader("Series, clusters and evidence")
    fid = _pick(df)
    f = source.q("finding", fid)
    if f is None:
        return
    series = source.q("finding_series", fid)
    sus = source.q("finding_suspects", fid)
    marks = [{"at": f["onset"], "kind": "onset", "label": "onset"}]
    if _present(f.get("until")):
        marks.append({"at": f["until"], "kind": "end", "label": "detected end"})
    if _present(f["deploy_started_at"]):
        marks.append(
            {
                "at": f["deploy_started_at"],
                "kind": "deploy start",
                "label": f"{f['deploy_id']} starts",
            }
        )
    for r in sus.head(3).to_dict("records"):
        if _present(r.get("rollback_at")):
            marks.append(
                {
                    "at": r["rollback_at"],
                    "kind": "rollback",
                    "label": f"{r['rollback_id']} rolls back {r['deploy_id']}",
                }
            )
    markers = pd.DataFrame([m for m in marks if _present(m["at"])], columns=["at", "kind", "label"])
    if not markers.empty:
        markers["at"] = pd.to_datetime(markers["at"], utc=True)
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{where_text(f['dimension'], f['value'])}**, by hour")
        if series.empty or not series["reports"].any():
            st.info("None of this finding's reports are in the extract's reports table.")
        else:
            st.altair_chart(charts.finding_chart(series, markers), width="stretch")
            st.caption(
                "Its reports by hour (per million requests of the value when the traffic "
                "is known); dashed: the detected onset and end, the suspect deploy's start "
                "and the rollbacks of its suspects."
            )
    with right:
        st.markdown("**Where its reports fall** (since the onset)")
        where = source.q("finding_clusters", fid)
        shown = where[where["cluster_id"].notna()]
        for r in shown.head(6).to_dict("records"):
            ui.page_link(
                "cluster",
                f"{r['reports']:,} reports, {r['users']:,} users: {charts.short(r['label'], 70)}",
                icon=":material/search:",
                cluster=r["cluster_id"],
            )
        rest = where[where["cluster_id"].isna()]
        if not rest.empty:
            st.caption(
                f"{int(rest['reports'].sum()):,} more reports are in no published cluster "
                "(background below K users, or unclustered): counts only."
            )
        if _present(f["deploy_id"]):
            ui.page_link(
                "explore",
                f"Compare before and after {f['deploy_id']}",
                icon=":material/compare_arrows:",
                pivot=str(f["deploy_id"]),
            )
    if not sus.empty:
        st.markdown("**Suspect deploys** (scored against this finding)")
        st.dataframe(
            sus,
            hide_index=True,
            width="stretch",
            key="fi_sus",
            column_config={"score": st.column_config.NumberColumn(format="%.2f")},
        )
    st.markdown("**Redacted evidence**")
    rows = source.q("finding_examples", fid, limit=3)
    if not rows:
        st.info("No redacted text for this finding (its clusters may hold thumbs-downs only).")
    for row in rows:
        with st.container(border=True):
            st.markdown(
                f"**{row['kind']}** · {_ts(row['submitted_hour'])} UTC · "
                f"{row['surface'] or '?'} · {row['model'] or '?'} "
                + ui.symptom_badges(row["symptoms"])
            )
            for fld, title in (("comment_redacted", "comment"), ("response_redacted", "response")):
                if row[fld]:
                    st.caption(title)
                    st.markdown(field_html(row[fld], row["evidence"], fld), unsafe_allow_html=True)


def _ts(ts: datetime) -> str:
    return f"{ts:%Y-%m-%d %H:00}"
