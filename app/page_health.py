"""Run health: latest runs, reports in and out, quarantine reasons, redactions, audit."""

from __future__ import annotations

import streamlit as st

from app import charts, ui


def render(source: ui.Source) -> None:
    st.title("Run health")
    runs = source.q("runs")
    if runs.empty:
        st.info("The extract has no run record.")
        return
    last = runs.iloc[0]
    c = st.columns(5)
    c[0].metric("Reports in", f"{last['reports_in']:,}")
    c[1].metric("Reports out", f"{last['reports_out']:,}")
    c[2].metric("Quarantined", f"{last['quarantined']:,}")
    c[3].metric("Duplicates", f"{last['duplicates']:,}")
    c[4].metric("Outside window", f"{last['outside_window']:,}")
    st.subheader("Latest runs")
    st.dataframe(runs, hide_index=True, width="stretch", key="h_runs")

    left, right = st.columns(2)
    with left:
        st.subheader("Quarantine reasons")
        q = source.q("quarantine_reasons")
        if q.empty:
            st.success("No input line was quarantined.")
        else:
            st.altair_chart(charts.count_bars(q, "reason", "lines", "lines"), width="stretch")
            st.dataframe(q, hide_index=True, width="stretch", key="h_quarantine")
    with right:
        st.subheader("Redactions per entity type")
        red = source.q("redactions")
        if red.empty:
            st.info("The run recorded no redactions.")
        else:
            st.altair_chart(
                charts.count_bars(red, "entity_type", "redacted", "spans replaced"),
                width="stretch",
            )
    st.subheader("Audit: personal data found after redaction, masked")
    audit = source.q("audit_findings")
    rate = source.q("audit_rate")
    residual = int(audit["findings"].sum()) if not audit.empty else 0
    if rate["texts"] is not None:
        c = st.columns(3)
        c[0].metric("Texts audited", f"{rate['texts']:,}")
        c[1].metric("Texts with findings", f"{rate['texts_with_findings']:,}")
        share = f"{rate['share']:.3%}" if rate["share"] is not None else "-"
        budget = f"{rate['budget']:.3%}" if rate["budget"] is not None else "-"
        c[2].metric(f"Share of texts (budget {budget})", share)
    if residual:
        found = ", ".join(f"{r.entity_type} {r.findings}" for r in audit.itertuples() if r.findings)
        st.warning(
            f"The independent audit found {residual} values the redactor missed and masked "
            f"them in the published texts: {found}. The run published because the share of "
            "texts with findings stayed within the budget (above it, a run publishes nothing)."
        )
    else:
        st.success("The independent audit found no residual personal data in the outputs.")
    st.dataframe(audit, hide_index=True, width="stretch", key="h_audit")
