import time

from pipeline.run.progress import Progress


def test_final_line_measures_to_the_last_item_not_to_teardown(capsys, monkeypatch):
    monkeypatch.delenv("TRIAGE_QUIET", raising=False)
    clock = iter([100.0, 101.0, 102.0, 500.0])  # start, two ticks, a late teardown
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    p = Progress("redact", every_s=1e9)
    p.tick(10)
    p.tick(10)
    p.done()
    err = capsys.readouterr().err.strip()
    assert err == "[redact] 20 reports, 2.0s, 10/s (done)"


def test_quiet_prints_nothing(capsys, monkeypatch):
    monkeypatch.setenv("TRIAGE_QUIET", "1")
    p = Progress("embed", every_s=0.0)
    p.tick(5)
    p.done()
    assert capsys.readouterr().err == ""


def test_a_global_step_prints_one_line_from_its_start(capsys, monkeypatch):
    monkeypatch.delenv("TRIAGE_QUIET", raising=False)
    monkeypatch.setattr(time, "monotonic", lambda: 130.0)
    Progress.step("cluster", 1200, started=100.0)
    assert capsys.readouterr().err.strip() == "[cluster] 1,200 reports, 30.0s, 40/s (done)"
