"""The real server in headless Chromium: every page renders its key elements, no exception box.

Starts `triage dashboard` on a free port over the session's real extract, drives Debian's
chromium with selenium, and saves one screenshot per page in a temporary folder.

README screenshots (`make screenshots`): set ``TRIAGE_SCREENSHOTS=docs/screenshots`` to keep
them there and ``TRIAGE_BROWSER_EXTRACT=OUT/triage.duckdb`` to serve a large extract instead
of the session's small one; ``TRIAGE_SCREENSHOT_MIN_REPORTS=10000`` makes the test fail on a
smaller extract, so the README never shows a toy run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_SHOTS = "TRIAGE_SCREENSHOTS"
ENV_EXTRACT = "TRIAGE_BROWSER_EXTRACT"
ENV_MIN_REPORTS = "TRIAGE_SCREENSHOT_MIN_REPORTS"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1800",
]
# page slug -> (title text or None for "the first cluster's label", CSS selectors that must
# each match at least this many elements once the page has rendered)
PAGES = {
    "findings": ("What broke", {'[data-testid="stMetric"]': 4}),
    "overview": (
        "Clusters",
        {'[data-testid="stDataFrame"]': 1, '[data-testid="stMetric"]': 5},
    ),
    "cluster": (None, {".vega-embed": 3, '[data-testid="stDataFrame"]': 2}),
    "explore": ("Explore", {".vega-embed": 2, '[data-testid="stDataFrame"]': 2}),
    "health": ("Run health", {".vega-embed": 2, '[data-testid="stMetric"]': 5}),
}


def _binaries() -> tuple[str, str] | None:
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chrome, driver) if chrome and driver else None


@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    """(chromium, chromedriver) paths; installs Debian's packages when missing."""
    found = _binaries()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium is not installed and apt-get as root is not available")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]
    proc = subprocess.run(install, capture_output=True, env=env, timeout=900)
    if proc.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env, timeout=600)
        proc = subprocess.run(install, capture_output=True, env=env, timeout=900)
    found = _binaries()
    if not found:
        pytest.skip(f"apt-get could not install chromium (exit {proc.returncode})")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $TRIAGE_SCREENSHOTS, else a temporary folder."""
    chosen = os.environ.get(ENV_SHOTS)
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def served_db(request) -> Path:
    """The extract served: $TRIAGE_BROWSER_EXTRACT, else the session's real small one."""
    chosen = os.environ.get(ENV_EXTRACT)
    db = Path(chosen) if chosen else request.getfixturevalue("extract_db")
    if not db.exists():
        pytest.fail(f"{ENV_EXTRACT}={db} does not exist")
    need = int(os.environ.get(ENV_MIN_REPORTS) or 0)
    if need:
        from app import queries

        c = queries.connect(db)
        try:
            n = c.execute("select count(*) from reports").fetchone()[0]
        finally:
            c.close()
        assert n >= need, f"{db} has {n} reports, fewer than {ENV_MIN_REPORTS}={need}"
    return db


@pytest.fixture(scope="module")
def scon(served_db):
    from app import queries

    c = queries.connect(served_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def server(served_db):
    """Base URL of `triage dashboard` serving the session extract; stopped afterwards."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli.main",
            "dashboard",
            "--extract",
            str(served_db),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(
                    f"dashboard did not start (exit {proc.poll()}): "
                    f"{log.read()[-1500:].decode(errors='replace')}"
                )
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and any child
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome, driver_path = chromium
    profile = tempfile.mkdtemp(prefix="triage-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for flag in [*CHROME_FLAGS, f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _settled(drv, title: str | None, need: dict[str, int]) -> bool:
    from selenium.webdriver.common.by import By

    if drv.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'):
        return True  # fail fast: asserted by the caller
    h1 = [e.text for e in drv.find_elements(By.CSS_SELECTOR, "h1")]
    if not h1 or (title is not None and title not in h1):
        return False
    if any(len(drv.find_elements(By.CSS_SELECTOR, css)) < n for css, n in need.items()):
        return False
    running = drv.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
    return not any("Running" in e.text for e in running)


@pytest.mark.parametrize("slug", list(PAGES))
def test_page_in_headless_chromium(server, browser, scon, shots, slug):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from app import queries

    con = scon
    title, need = PAGES[slug]
    query = f"page={slug}"
    if slug == "findings":
        if queries.has_findings(con) and len(queries.findings(con)):
            top = queries.findings(con).iloc[0]["finding_id"]
            query += f"&finding={top}"
            need = {**need, '[data-testid="stPageLink"]': 2, ".vega-embed": 1}
        else:  # an extract without findings: the notice and the clusters view instead
            need = {**need, '[data-testid="stAlertContentWarning"]': 1}
    if slug == "overview":
        # "Now" a day after the youngest cluster appeared: it must be called out as new.
        first_seen = con.execute(
            "select max(first_seen) from clusters where published and not is_background"
        ).fetchone()[0]
        query += f"&until={first_seen + timedelta(hours=24):%Y-%m-%dT%H}"
        need = {**need, '[data-testid="stAlertContentWarning"]': 1}
    if slug == "cluster":
        # The cluster with the most foreign-script evidence: its examples show highlights.
        cid, title = con.execute(
            """select c.cluster_id, any_value(c.label) from reports r join clusters c
               using (cluster_id) where c.published and not c.is_background
               and r.response_redacted is not null
               and list_contains(r.symptoms, 'unexpected_script')
               group by 1 order by count(*) desc, 1 limit 1"""
        ).fetchone()
        query += f"&cluster={cid}"
        need = {**need, "mark.evidence": 1}
    browser.get(f"{server}/?{query}")
    WebDriverWait(browser, 90, poll_frequency=0.5).until(lambda d: _settled(d, title, need))
    errors = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not errors, f"{len(errors)} exception boxes on {slug}"
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')
    time.sleep(1.5)  # let vega finish drawing before the screenshot
    # Streamlit scrolls inside its main block: size the window to the page's content (from
    # a small window, so a taller previous page does not leave blank space below).
    browser.set_window_size(1600, 900)
    time.sleep(0.5)
    height = browser.execute_script(
        "const b = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        "if (b) { return b.getBoundingClientRect().bottom + 40; }"
        "const m = document.querySelector('[data-testid=\"stMain\"]');"
        "return m ? m.scrollHeight : document.body.scrollHeight;"
    )
    browser.set_window_size(1600, min(max(int(height) + 120, 900), 5000))
    time.sleep(1.0)
    shots.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shots / f"{slug}.png"))
    assert (shots / f"{slug}.png").stat().st_size > 10_000
