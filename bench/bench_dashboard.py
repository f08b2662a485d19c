"""Overview render time of the dashboard on an extract.

    .venv/bin/python bench/bench_dashboard.py OUT/triage.duckdb

Times the Streamlit script run of the overview with AppTest (cold and warm cache) and the
overview query alone on a fresh connection; appends the result to
bench/results/dashboard.json. Shared-CPU numbers: quote them as such.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench/results/dashboard.json"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    db = argv[1]
    os.environ["TRIAGE_EXTRACT"] = db
    import duckdb
    from streamlit.testing.v1 import AppTest

    from app import queries

    con = duckdb.connect(db, read_only=True)
    res: dict = {
        "extract": db,
        "reports": con.execute("select count(*) from reports").fetchone()[0],
    }
    con.close()
    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app/main.py"), default_timeout=300)
    at.run()
    res["apptest_cold_s"] = round(time.perf_counter() - t, 2)
    if at.exception:
        raise SystemExit("the overview raised an exception")
    t = time.perf_counter()
    at.run()
    res["apptest_warm_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    con = queries.connect(db)
    queries.overview(con)
    res["overview_query_s"] = round(time.perf_counter() - t, 3)
    res["note"] = "2 shared cores"
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    results.append(res)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
