"""`triage evaluate`: score an extract against a replay's truth folder.

Per bug (attribution, purity, coverage from `joins.evaluate`; whether a finding names it),
false alarms, personal-data values of the truth that leaked into the extract (counted by type,
never shown), and the symptom detectors' recall and false-positive rate against the injected
symptoms. With ``--until-hours``, the time to detection: `triage run --until onset + H` on the
replay's inputs for each routed bug and horizon H, found or not at each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from joins.schemas import quote_identifier
from pipeline.errors import CliError
from pipeline.run.options import KeySource, RunOptions

SYMPTOMS = ("unexpected_script", "code_syntax_error", "repetition", "truncation")


def _text_columns(con) -> list[tuple[str, str]]:
    """(table, column) of every VARCHAR column of the extract's tables, in catalogue order."""
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    out = []
    for table in tables:
        cols = con.execute(
            "select column_name from information_schema.columns where table_name = ? "
            "and data_type = 'VARCHAR'",
            [table],
        ).fetchall()
        out += [(table, c) for (c,) in cols]
    return out


def leaked_values(db: Path, truth_dir: Path, batch: int = 50_000) -> dict[str, int]:
    """Truth personal-data values (6+ characters) found verbatim anywhere in the extract.

    Every text value of the extract, one after the other with a line break between them,
    is searched once for all the truth values together (an Aho-Corasick automaton,
    ``pyahocorasick``): time linear in the extract's text plus the values, where a search of
    the whole text per value was quadratic in the number of reports (a million-report
    extract had not been scored after 16 CPU-minutes). Values are streamed in batches from
    DuckDB; the automaton also searches across the break between two batches, so the
    result is that of one search of all the text joined.
    """
    import ahocorasick

    rows = pq.read_table(truth_dir / "pii.parquet", columns=["entity_type", "value"]).to_pylist()
    values = sorted({r["value"] for r in rows if len(r["value"]) >= 6})
    if not values:
        return {}
    automaton = ahocorasick.Automaton()
    for i, value in enumerate(values):
        automaton.add_word(value, i)
    automaton.make_automaton()
    overlap = max(len(v) for v in values) - 1
    found: set[int] = set()
    tail = None  # the end of the text searched so far: a value may span two batches
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table, col in _text_columns(con):
            cur = con.execute(
                f"select {quote_identifier(col)} from {quote_identifier(table)} "
                f"where {quote_identifier(col)} <> ''"
            )
            while chunk := cur.fetchmany(batch):
                text = "\n".join(v for (v,) in chunk)
                if tail is not None:
                    text = tail + "\n" + text
                found.update(i for _, i in automaton.iter(text))
                tail = text[-overlap:] if overlap else ""
    finally:
        con.close()
    hit = {values[i] for i in found}
    leaks: Counter[str] = Counter(r["entity_type"] for r in rows if r["value"] in hit)
    return dict(sorted(leaks.items()))


def symptom_scores(db: Path, truth_dir: Path) -> dict[str, dict]:
    """Per symptom: recall and false-positive rate of the extract's `symptoms` vs the truth."""
    truth = {
        r["report_id"]: set(r["symptoms"])
        for r in pq.read_table(
            truth_dir / "reports.parquet", columns=["report_id", "symptoms"]
        ).to_pylist()
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict(con.execute("select report_id, symptoms from reports").fetchall())
    finally:
        con.close()
    scores = {}
    for s in SYMPTOMS:
        pos = [rid for rid in got if s in truth.get(rid, ())]
        neg = [rid for rid in got if rid in truth and s not in truth[rid]]
        tp = sum(1 for rid in pos if s in got[rid])
        fp = sum(1 for rid in neg if s in got[rid])
        scores[s] = {
            "positives": len(pos),
            "recall": tp / len(pos) if pos else None,
            "false_positive_rate": fp / len(neg) if neg else None,
        }
    return scores


def evaluate(db: Path, truth_dir: Path) -> dict:
    from joins.evaluate import evaluate_extract  # deferred: scipy (seconds)

    result = evaluate_extract(str(db), truth_dir)
    result["leaked_values"] = leaked_values(db, truth_dir)
    result["symptoms"] = symptom_scores(db, truth_dir)
    return result


def parse_hours(text: str) -> list[int]:
    """``"12,24,48"`` -> [12, 24, 48]: positive whole hours, sorted, no repeats."""
    try:
        hours = sorted({int(h) for h in text.split(",") if h.strip()})
    except ValueError:
        raise ValueError(f"--until-hours {text!r}: expected whole hours like 12,24,48") from None
    if not hours or hours[0] <= 0:
        raise ValueError(f"--until-hours {text!r}: expected positive hours like 12,24,48")
    return hours


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _fmt_hit(hit: dict) -> str:
    if hit.get("error"):
        return f"run failed: {hit['error']}"
    if hit.get("rank") is None:
        return f"not found (no {hit['source']} row names the cause)"
    verdict = "found" if hit["found"] else "not found"
    return (
        f"{verdict}: rank {hit['rank']} q {hit['q_value']:.1e} lift {hit['lift']:.1f} "
        f"({hit['dimension']}={hit['value']}, {hit['source']})"
    )


def time_to_detection(
    base: RunOptions,
    truth_dir: Path,
    hours: Sequence[int],
    *,
    stop_when_found: bool = False,
    progress: Callable[[str], None] | None = None,
    run: Callable[[RunOptions], object] | None = None,
) -> dict:
    """For each routed bug of ``truth_dir`` and each H in ``hours``: run the job with
    ``--until onset + H`` (``base`` gives the input and every other option; each run writes
    to a scratch folder, removed after scoring) and score its extract with
    `joins.evaluate.found` (rank <= 3, q <= 0.05, from findings, else attributions; not a
    row whose reports are mostly another bug's).

    Runs go in order of ``--until``; bug-horizons with the same ``onset + H`` share one run.
    With ``stop_when_found`` a bug's later horizons are skipped once found (its TTD is
    known). Returns {bug: {onset, by_hours: {H: {until, found, rank, q_value, lift,
    dimension, value, source}}, ttd_hours}}.
    """
    from joins.evaluate import (  # deferred: scipy (seconds)
        _read_extract,
        found,
        is_routed,
        load_causes,
        truth_causes,
    )
    from pipeline.extract.publish import TriageError  # deferred: Beam (seconds)

    if run is None:
        from pipeline.run import job  # deferred: Beam (seconds)

        run = job.run
    say = progress or (lambda _msg: None)
    causes = {b: i for b, i in sorted(load_causes(truth_dir).items()) if is_routed(i)}
    out = {b: {"onset": i["onset"], "by_hours": {}, "ttd_hours": None} for b, i in causes.items()}
    if not causes:
        say("evaluate: no routed bug in the truth: no time to detection to measure")
        return out
    plan: dict[datetime, list[tuple[str, int]]] = {}
    for bug, info in causes.items():
        for h in sorted(set(hours)):
            plan.setdefault(_iso(info["onset"]) + timedelta(hours=h), []).append((bug, h))
    cause_of = truth_causes(truth_dir)  # a row mostly of another bug's reports is not this one's
    scratch = Path(tempfile.mkdtemp(prefix="triage-ttd-"))
    n_runs = 0
    try:
        for until in sorted(plan):  # per bug, ascending until is ascending H
            items = [
                (bug, h)
                for bug, h in plan[until]
                if not (stop_when_found and out[bug]["ttd_hours"] is not None)
            ]
            if not items:
                continue
            n_runs += 1
            label = ", ".join(f"{bug} + {h} h" for bug, h in items)
            say(f"evaluate: run {n_runs} (of <= {len(plan)}): --until {until:%Y-%m-%dT%H:%MZ} "
                f"({label})")  # fmt: skip
            t0 = time.monotonic()
            target = scratch / f"run-{n_runs}"
            error = None
            try:
                summary = run(replace(base, output_dir=target, until=until))
                tables = _read_extract(summary.db_path)
            except TriageError as exc:
                error, tables = str(exc), None
            for bug, h in items:
                if tables is None:
                    hit = {"found": False, "error": error, "source": None}
                else:
                    hit = found(tables, causes[bug]["accepted_causes"], bug=bug, cause_of=cause_of)
                hit["until"] = until.isoformat()
                out[bug]["by_hours"][h] = hit
                if hit["found"] and out[bug]["ttd_hours"] is None:
                    out[bug]["ttd_hours"] = h
                say(f"evaluate:   {bug} at onset + {h} h: {_fmt_hit(hit)}")
            say(f"evaluate: run {n_runs} done in {time.monotonic() - t0:.0f} s")
            shutil.rmtree(target, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def render_ttd(ttd: dict, hours: Sequence[int]) -> str:
    """The time-to-detection table: per routed bug, found at each horizon, and the TTD."""
    hs = sorted(hours)
    lines = [
        "time to detection (triage run --until onset + H; found: a finding naming the cause "
        "with rank <= 3 and q <= 0.05)",
        f"{'bug':<24} " + " ".join(f"{f'+{h}h':<6}" for h in hs) + " TTD",
    ]
    for bug, r in ttd.items():
        cells = []
        for h in hs:
            hit = r["by_hours"].get(h)
            cells.append("-" if hit is None else "yes" if hit["found"] else "no")
        ttd_h = r["ttd_hours"]
        lines.append(
            f"{bug:<24} "
            + " ".join(f"{c:<6}" for c in cells)
            + (f" {ttd_h} h" if ttd_h is not None else f" not within {hs[-1]} h")
        )
    if not ttd:
        lines.append("(no routed bug in the truth)")
    return "\n".join(lines)


def _row(name: str, r: dict) -> str:
    q = r.get("q")
    lift = r.get("lift")
    return (
        f"{name:<24} {str(r.get('detected')):<9} {str(r.get('rank', '-')):<5} "
        f"{(f'{q:.1e}' if q is not None else '-'):<9} "
        f"{(f'{lift:.1f}' if lift is not None else '-'):<6} "
        f"{r.get('purity', 0):<7.2f} {r.get('coverage', 0):<9.2f} {r.get('cluster_id')}"
    )


def render(result: dict) -> str:
    lines = ["bug (cluster)            detected  rank  q         lift   purity  coverage  cluster"]
    for bug, r in result["bugs"].items():
        lines.append(_row(f"{bug} (largest)", r))
        if "focused" in r:
            lines.append(_row(f"{bug} (focused)", r["focused"]))
    lines.append("largest: the cluster with most of the bug's reports; focused: the cluster")
    lines.append("most concentrated in it (>= 10 of its reports), when that is another one")
    lines.append(f"false alarms: {len(result['false_alarms'])}")
    lines.append(
        f"found (a row naming the cause with rank <= 3, q <= 0.05; from {result.get('source')}):"
    )
    for bug, r in result["bugs"].items():
        if r.get("found") is None:
            lines.append(f"  {bug:<22} not routed: scored for false alarms only")
        else:
            lines.append(f"  {bug:<22} {_fmt_hit(r['found'])}")
    unexplained = result.get("confident_unexplained", [])
    lines.append(f"confident rows naming no true cause (q <= 0.01, lift >= 2): {len(unexplained)}")
    leaks = result["leaked_values"]
    lines.append(
        "leaked personal-data values: "
        + (", ".join(f"{k} {v}" for k, v in leaks.items()) if leaks else "none")
    )
    for s, v in result["symptoms"].items():
        rec = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        fpr = "-" if v["false_positive_rate"] is None else f"{v['false_positive_rate']:.4f}"
        lines.append(
            f"symptom {s:<18} recall {rec}  false-positive rate {fpr}  "
            f"(truth positives {v['positives']})"
        )
    return "\n".join(lines)


def _command(args: argparse.Namespace) -> int:
    truth = Path(args.truth)
    if not (truth / "causes.json").exists():
        raise CliError(f"{truth} is not a replay truth folder (no causes.json)")
    if args.extract is None and args.until_hours is None:
        raise CliError("nothing to evaluate: give --extract DB, or --input DIR --until-hours H")
    result: dict = {}
    if args.extract is not None:
        db = Path(args.extract)
        if not db.exists():
            raise CliError(f"extract {db} does not exist")
        result = evaluate(db, truth)
        print(render(result))
    if args.until_hours is not None:
        try:
            hours = parse_hours(args.until_hours)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        if args.input is None:
            raise CliError("--until-hours needs --input DIR (the replay whose truth this is)")
        if not (Path(args.input) / "feedback").is_dir():
            raise CliError(f"{args.input} is not a triage input directory (no feedback/)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from pipeline.extract.publish import TriageError  # deferred: Beam (seconds)
        from redaction import InvalidPseudonymKeyError, MissingPseudonymKeyError  # deferred: spaCy

        base = RunOptions(
            input_dir=Path(args.input),
            output_dir=Path("unused"),  # each replay writes to its own scratch folder
            min_users=args.min_users,
            key=KeySource(allow_demo=args.demo_key),
        )
        try:
            base.key.resolve()  # fail before the first run, not inside it
            ttd = time_to_detection(
                base, truth, hours, progress=lambda m: print(m, file=sys.stderr, flush=True)
            )
        except (TriageError, MissingPseudonymKeyError, InvalidPseudonymKeyError) as exc:
            raise CliError(str(exc)) from None
        result["time_to_detection"] = ttd
        print(render_ttd(ttd, hours))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `triage evaluate` to the subcommands."""
    ev = sub.add_parser(
        "evaluate",
        help="score an extract against a replay's truth folder",
        description="Per bug: detected, rank and q of the true cause, lift, purity, coverage; "
        "false alarms; leaked personal-data values by type; symptom recall and false "
        "positives. Used by the tests and quoted in docs/.",
    )
    ev.add_argument("--truth", required=True, metavar="DIR", help="the replay's truth/ folder")
    ev.add_argument("--extract", metavar="DB", help="OUT/triage.duckdb to score")
    ev.add_argument(
        "--until-hours",
        metavar="H,H,...",
        help="time to detection: for each routed bug and each H, run the job on --input "
        "with --until onset + H (in-process, scratch output) and report whether a finding "
        "names the bug's cause with rank <= 3 and q <= 0.05 (attributions if the extract "
        "has no findings), e.g. 12,24,48",
    )
    ev.add_argument(
        "--input", metavar="DIR", help="the replay's input directory (for --until-hours)"
    )
    ev.add_argument(
        "--min-users",
        type=int,
        default=5,
        metavar="K",
        help="--min-users of the --until-hours runs (default 5)",
    )
    ev.add_argument(
        "--demo-key",
        action="store_true",
        help="for --until-hours runs: the public demo pseudonym key if TRIAGE_PSEUDONYM_KEY "
        "is unset (replays only)",
    )
    ev.add_argument("--json", metavar="FILE", help="also write the full result as JSON")
    ev.set_defaults(func=_command)
