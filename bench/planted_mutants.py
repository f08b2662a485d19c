"""Plant the bugs that issue 24 found surviving, one at a time, and check a test kills each.

Each mutant is a small, realistic edit (a `>=` that becomes `>`, a missing `published`
filter, expectations from the whole run's traffic, a p-value from users alone, quarantined
lines left out of `reports_in`). For each one the committed tree (``git archive HEAD``) is
unpacked into a temporary folder, the edit is applied *there*, and the tests named for it
run against that copy (``PYTHONPATH`` puts the copy first; nothing in the working tree is
touched). A mutant is killed when those tests fail; the unmutated copy must pass them.

    .venv/bin/python bench/planted_mutants.py [--only NAME]

Writes bench/results/planted_mutants.json. Takes about 5-10 minutes on 2 shared cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "planted_mutants.json"
TREE = ["app", "clustering", "joins", "pipeline", "redaction", "tests", "pyproject.toml"]

BOUNDARY = ["tests/pipeline/test_publication_boundary.py"]
UNPUBLISHED = ["tests/app/test_unpublished_everywhere.py"]
HOURS = ["tests/joins/test_hour_weighting.py"]
SIGNIFICANCE = ["tests/joins/test_users_and_reports_significance.py"]
ACCOUNTING = ["tests/pipeline/test_publish_accounting.py"]
# The publication filter in SQL: `c.published`, or `where published` on the clusters table.
PUBLISHED_FILTER = re.compile(r"\bc\.published\b|(?<=where )published\b")


@dataclass
class Mutant:
    name: str
    path: str
    old: str  # exact text; must occur once (or ``occurrence`` picks one)
    new: str
    tests: list[str]
    occurrence: int | None = None  # 0-based index when ``old`` occurs several times


MUTANTS = [
    Mutant(
        "publish K-1 users",
        "pipeline/run/attributed.py",
        "len(users[cid]) >= min_users}",
        "len(users[cid]) >= min_users - 1}",
        BOUNDARY,
    ),
    Mutant(
        "withhold exactly K users",
        "pipeline/run/attributed.py",
        "len(users[cid]) >= min_users}",
        "len(users[cid]) > min_users}",
        BOUNDARY,
    ),
    Mutant(
        "K counted in reports",
        "pipeline/run/attributed.py",
        "len(users[cid]) >= min_users}",
        "n_reports[cid] >= min_users}",
        BOUNDARY,
    ),
    Mutant(
        "unpublished text kept",
        "pipeline/run/attributed.py",
        '            r["comment_redacted"] = None\n',
        "",
        BOUNDARY,
    ),
    Mutant(
        "unpublished cluster attributed",
        "pipeline/run/attributed.py",
        "cid for cid in sorted(published) if",
        "cid for cid in sorted(n_reports) if",
        BOUNDARY,
    ),
    Mutant(
        "unpublished label kept",
        "pipeline/run/attributed.py",
        'label = info.get("label") if is_pub else',
        'label = info.get("label") if True else',
        BOUNDARY,
    ),
    Mutant(
        "hourly shares replaced by the whole run's",
        "joins/attribution.py",
        "        share[total_h <= 0] = pooled_share\n",
        "        share[:] = pooled_share\n",
        HOURS,
    ),
    Mutant(
        "expected from the cluster's size, not its hours",
        "joins/attribution.py",
        "exp, exp_w = _hour_weighted(jh, share_h), _hour_weighted(wh, share_h)",
        "exp, exp_w = (jh.sum(1, keepdims=True) * share_h.mean(0), "
        "wh.sum(1, keepdims=True) * share_h.mean(0))",
        HOURS,
    ),
    Mutant(
        "p from users alone",
        "joins/attribution.py",
        '"p_value": float(max(p_users, p_reports)),',
        '"p_value": float(p_users),',
        SIGNIFICANCE,
    ),
    Mutant(
        "p from reports alone",
        "joins/attribution.py",
        '"p_value": float(max(p_users, p_reports)),',
        '"p_value": float(p_reports),',
        SIGNIFICANCE,
    ),
    Mutant(
        "quarantined lines left out of reports_in",
        "pipeline/extract/publish.py",
        "reports_in = unique + quarantined",
        "reports_in = unique",
        ACCOUNTING,
    ),
    Mutant(
        "duplicates added to reports_in",
        "pipeline/extract/publish.py",
        "reports_in = unique + quarantined",
        "reports_in = valid + quarantined",
        ACCOUNTING,
    ),
    Mutant(
        "accounting check skipped",
        "pipeline/extract/publish.py",
        "if reports_out != unique:",
        "if False:",
        ACCOUNTING,
    ),
    Mutant(
        "runs.min_users not the run's K",
        "pipeline/extract/publish.py",
        '"min_users": opts.min_users,',
        '"min_users": 5,',
        ACCOUNTING,
    ),
]


def _published_filters(source: str) -> list[Mutant]:
    """One mutant per ``published`` filter in app/queries.py: the filter made always true."""
    out = []
    for i, m in enumerate(PUBLISHED_FILTER.finditer(source)):
        line = source.count("\n", 0, m.start()) + 1
        out.append(
            Mutant(
                f"queries.py:{line} filter '{m[0]}' dropped",
                "app/queries.py",
                m[0],
                "true",
                UNPUBLISHED,
                occurrence=i,
            )  # fmt: skip
        )
    return out


def _unpack(dest: Path) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = dest.with_suffix(".tar")
    subprocess.run(["git", "archive", "-o", str(archive), "HEAD", *TREE], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()
    return commit


def _apply(tree: Path, m: Mutant) -> str:
    path = tree / m.path
    text = path.read_text()
    if m.occurrence is None:
        if text.count(m.old) != 1:
            raise SystemExit(f"{m.name}: expected one occurrence in {m.path}, found "
                             f"{text.count(m.old)}")  # fmt: skip
        start = text.index(m.old)
    else:
        start = [x.start() for x in PUBLISHED_FILTER.finditer(text)][m.occurrence]
        assert text[start : start + len(m.old)] == m.old
    path.write_text(text[:start] + m.new + text[start + len(m.old) :])
    return text


def _pytest(tree: Path, tests: list[str]) -> tuple[int, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=tree, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return proc.returncode, time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="run only mutants whose name contains this")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        tree = Path(tmp) / "tree"
        commit = _unpack(tree)
        # tests/conftest.py finds the shared contract beside the repository.
        (Path(tmp) / "shared").symlink_to(ROOT.parent / "shared")
        probe = subprocess.run(
            [sys.executable, "-c", "import pipeline, app, joins; print(pipeline.__file__)"],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True,
            text=True, check=True,
        ).stdout.strip()  # fmt: skip
        assert probe.startswith(str(tree)), f"the copy is not the code under test: {probe}"
        mutants = MUTANTS + _published_filters((tree / "app/queries.py").read_text())
        if args.only:
            mutants = [m for m in mutants if args.only in m.name]
        clean: dict[tuple[str, ...], int] = {}
        for m in mutants:
            key = tuple(m.tests)
            if key not in clean:
                clean[key], secs = _pytest(tree, m.tests)
                print(f"clean   rc={clean[key]} {secs:5.1f}s {' '.join(m.tests)}", flush=True)
            original = _apply(tree, m)
            try:
                rc, secs = _pytest(tree, m.tests)
            finally:
                (tree / m.path).write_text(original)
            killed = rc != 0
            print(
                f"{'killed ' if killed else 'SURVIVED'} rc={rc} {secs:5.1f}s {m.name}", flush=True
            )
            rows.append({"mutant": m.name, "file": m.path, "tests": m.tests, "killed": killed,
                         "seconds": round(secs, 1)})  # fmt: skip
    result = {
        "commit": commit,
        "command": "python bench/planted_mutants.py"
        + (f" --only {args.only!r}" if args.only else ""),
        "clean_runs_pass": all(rc == 0 for rc in clean.values()),
        "killed": sum(r["killed"] for r in rows),
        "total": len(rows),
        "mutants": rows,
    }
    if not args.only:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{result['killed']}/{result['total']} killed; clean runs pass: "
          f"{result['clean_runs_pass']}")  # fmt: skip
    return 0 if result["clean_runs_pass"] and result["killed"] == result["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
