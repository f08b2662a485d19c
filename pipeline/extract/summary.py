"""The final summary of `triage run`: the top clusters with their rank-1 cause and suspect."""

from __future__ import annotations

import duckdb

from pipeline.extract.publish import RunSummary


def _fmt(v, spec: str = "") -> str:
    if v is None:
        return "-"
    return format(v, spec) if spec else str(v)


def _audit_line(audit: dict) -> list[str]:
    """What the audit masked after redaction, when it masked something (counts only)."""
    found = {k: v for k, v in (audit.get("findings") or {}).items() if v}
    if not found:
        return []
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(found.items()))
    return [
        f"audit: masked {sum(found.values())} values the redactor left ({kinds}) in "
        f"{audit.get('texts_with_findings', 0):,} of {audit.get('texts', 0):,} texts"
    ]


def render(result: RunSummary, top: int = 10) -> str:
    """An aligned text table read back from the published extract (what others will see)."""
    con = duckdb.connect(str(result.db_path), read_only=True)
    try:
        rows = con.execute(
            """select c.cluster_id, c.label, c.n_users, c.n_reports, c.first_seen,
                      cc.cause_1, cc.lift_1, cc.q_1, s.deploy_id
               from clusters c
               left join cluster_causes cc using (cluster_id)
               left join cluster_top_suspect s using (cluster_id)
               where c.published and not c.is_background
               order by c.n_users desc, c.cluster_id limit ?""",
            [top],
        ).fetchall()
        hidden = con.execute("select count(*) from clusters where not published").fetchone()[0]
    finally:
        con.close()
    head = (
        "cluster",
        "label",
        "users",
        "reports",
        "first seen",
        "rank-1 cause",
        "lift",
        "q",
        "suspect deploy",
    )
    body = [
        (
            cid,
            (label or "")[:48],
            str(u),
            str(n),
            fs.strftime("%Y-%m-%d %H:%M"),
            _fmt(cause),
            _fmt(lift, ".1f"),
            _fmt(q, ".1e"),
            _fmt(dep),
        )
        for cid, label, u, n, fs, cause, lift, q, dep in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=False)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    out = [
        f"run {result.run_id}: {result.reports_in:,} reports in = {result.reports_out:,} out "
        f"+ {result.quarantined:,} quarantined ({result.duplicates:,} duplicates dropped, "
        f"{result.outside_window:,} outside the window) in {result.seconds:.0f}s",
        f"extract: {result.db_path}",
        *_audit_line(result.audit),
        "",
        line(head),
        line(["-" * w for w in widths]),
        *[line(r) for r in body],
    ]
    if hidden:
        out.append(f"({hidden} more clusters with fewer users than the publication threshold)")
    out += _findings_lines(result, top)
    return "\n".join(out)


def _findings_lines(result: RunSummary, top: int) -> list[str]:
    """The findings (what broke, where, since when, which deploy), best first: per cluster
    in the order accepted, clusters by users; then the run-wide (emerging) ones."""
    con = duckdb.connect(str(result.db_path), read_only=True)
    try:
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        if "findings" not in tables:
            return []
        rows = con.execute(
            """select coalesce(f.cluster_id, '(all)') as scope,
                      f.rank, coalesce(f.symptom, '') as symptom,
                      f.dimension || ' = ' || f.value as cause, f.onset, f.users, f.lift,
                      f.q_value, f.deploy_id
               from findings f left join clusters c using (cluster_id)
               order by f.cluster_id is null, c.n_users desc nulls last, f.cluster_id, f.rank
               limit ?""",
            [top * 2],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        return ["", "findings: none"]
    head = ("findings", "rank", "symptom", "cause", "onset", "users", "lift", "q", "deploy")
    body = [
        (
            scope,
            str(rank),
            symptom,
            cause[:60],
            onset.strftime("%Y-%m-%d %H:%M") if onset else "-",
            str(users),
            _fmt(lift, ".1f"),
            _fmt(q, ".1e"),
            _fmt(dep),
        )
        for scope, rank, symptom, cause, onset, users, lift, q, dep in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=False)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return ["", line(head), line(["-" * w for w in widths]), *[line(r) for r in body]]
