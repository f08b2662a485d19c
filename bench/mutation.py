"""Mutation testing of the privacy and statistics core with mutmut; `make mutation` runs it.

The core: redaction's spans and placeholders (redaction/spans.py, entities.py), the keyed
pseudonym (pseudonym.py) and the residual-data audit (audit.py); the publication rule
(pipeline/run/attributed.py); the joins statistics (joins/stats.py) and attribution
(joins/attribution.py); the accounting at publish (`publish` in pipeline/extract/publish.py).
Configuration (files, fast tests) is ``[tool.mutmut]`` in pyproject.toml.

The committed tree (``git archive HEAD``) is exported to a work folder and mutmut runs
*there*: it mutates its own copy in <work>/mutants, so neither the working tree nor anyone's
uncommitted edits are touched, and the result belongs to one commit. The run is split into
one part per file (mutmut's mutant-name patterns) and each part is timed.

    .venv/bin/python bench/mutation.py [--part NAME ...] [--max-children N] [--work DIR]

Updates bench/results/mutation.json: the parts just run replace their earlier results, each
with its commit and time. Survivors are listed with their diff; docs/testing.md explains
each one that is left.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "mutation.json"
MUTMUT = Path(sys.executable).with_name("mutmut")
TREE = ["app", "clustering", "joins", "pipeline", "redaction", "tests", "pyproject.toml"]

#: part -> mutmut mutant-name patterns (module path, then the function, x_ for functions).
PARTS: dict[str, list[str]] = {
    "redaction/spans.py + entities.py": ["redaction.spans.*", "redaction.entities.*"],
    "redaction/pseudonym.py": ["redaction.pseudonym.*"],
    "redaction/audit.py": ["redaction.audit.*"],
    "pipeline/run/attributed.py": ["pipeline.run.attributed.*"],
    "pipeline/extract/publish.py: publish": ["pipeline.extract.publish.x_publish__mutmut_*"],
    "joins/stats.py": ["joins.stats.*"],
    "joins/attribution.py": ["joins.attribution.*"],
}
KILLED = {"killed", "timeout", "caught by type check"}


def _export(work: Path) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    work.mkdir(parents=True, exist_ok=True)
    archive = work / "head.tar"
    subprocess.run(["git", "archive", "-o", str(archive), "HEAD", *TREE], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    archive.unlink()
    # tests/conftest.py finds the shared contract beside the repository (here: <work>/shared,
    # since the tests run in <work>/mutants).
    if not (work / "shared").exists():
        (work / "shared").symlink_to(ROOT.parent / "shared")
    return commit


def _statuses(work: Path) -> dict[str, str]:
    """{mutant name: status} from mutmut's per-file .meta records."""
    from mutmut.stats import status_by_exit_code

    out = {}
    for meta in (work / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        for name, code in data["exit_code_by_key"].items():
            out[name] = status_by_exit_code[code]
    return out


def _diff(work: Path, name: str) -> str:
    """The changed lines of one mutant (what `mutmut show NAME` prints), read in this process:
    a `mutmut show` per survivor took about two seconds each on the shared machine."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(work)
    try:
        text = get_diff_for_mutant(name)
    finally:
        os.chdir(cwd)
    return "\n".join(
        x
        for x in text.splitlines()
        if x.startswith(("+", "-")) and not x.startswith(("+++", "---"))
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", action="append", choices=list(PARTS), help="run only these")
    ap.add_argument("--max-children", type=int, default=2)
    ap.add_argument("--work", type=Path, help="work folder (default: a new temporary one)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="mutation-"))
    commit = _export(work)
    print(f"mutation: HEAD {commit[:10]} exported to {work}", flush=True)
    parts = args.part or list(PARTS)
    seconds = {}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for part in parts:
        t0 = time.monotonic()
        cmd = [str(MUTMUT), "run", "--max-children", str(args.max_children), *PARTS[part]]
        with open(work / "mutmut.log", "a") as log:
            log.write(f"\n### {part}: {' '.join(cmd)}\n")
            log.flush()
            rc = subprocess.run(
                cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT
            ).returncode
        seconds[part] = round(time.monotonic() - t0, 1)
        print(f"mutation: {part}: mutmut exit {rc}, {seconds[part]} s", flush=True)
        if rc != 0:
            print(f"mutation: see {work / 'mutmut.log'}", file=sys.stderr)
            return rc
    status = _statuses(work)
    done = {}
    for part in parts:
        names = sorted(n for n in status if any(fnmatch.fnmatch(n, p) for p in PARTS[part]))
        counts: dict[str, int] = {}
        for n in names:
            counts[status[n]] = counts.get(status[n], 0) + 1
        killed = sum(v for k, v in counts.items() if k in KILLED)
        done[part] = {
            "commit": commit,
            "mutants": len(names),
            **dict(sorted(counts.items())),
            "killed_share": round(killed / len(names), 4) if names else None,
            "seconds": seconds[part],
            "survivors": [
                {"mutant": n, "status": status[n], "diff": _diff(work, n)}
                for n in names
                if status[n] not in KILLED
            ],
        }
    result = _merge(done, args.max_children, work)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    RESULTS.write_text(text)
    for part, r in done.items():
        print(f"mutation: {part}: {r['mutants']} mutants, killed share {r['killed_share']}, "
              f"{len(r['survivors'])} survivors, {r['seconds']} s")  # fmt: skip
    t = result["total"]
    print(f"mutation: core total {t['killed_or_timeout']}/{t['mutants']} killed "
          f"({t['killed_share']}); work folder {work}")  # fmt: skip
    return 0


def _merge(done: dict, max_children: int, work: Path) -> dict:
    """The results file with the parts just run replaced (a split run fills it part by part;
    each part records the commit it ran on)."""
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    parts = {p: old.get("parts", {}).get(p) for p in PARTS}
    parts.update(done)
    parts = {p: r for p, r in parts.items() if r}
    total = sum(r["mutants"] for r in parts.values())
    killed = sum(r.get(k, 0) for r in parts.values() for k in KILLED)
    return {
        "tool": "mutmut " + _version(),
        "command": f"nice -n 10 .venv/bin/python bench/mutation.py --max-children {max_children}"
        " (make mutation); one part: add --part NAME",
        "tests": _tests(work),
        "parts": parts,
        "total": {
            "mutants": total,
            "killed_or_timeout": killed,
            "killed_share": round(killed / total, 4) if total else None,
            "seconds": round(sum(r["seconds"] for r in parts.values()), 1),
            "parts_missing": [p for p in PARTS if p not in parts],
        },
    }


def _version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def _tests(work: Path) -> list[str]:
    import tomllib

    cfg = tomllib.loads((work / "pyproject.toml").read_text())["tool"]["mutmut"]
    return cfg["pytest_add_cli_args_test_selection"]


if __name__ == "__main__":
    sys.exit(main())
