"""Jobs: each run is recorded with its result or error; the scheduler runs them once per process."""

from __future__ import annotations

import time

from engine.jobs import JOBS, ensure_scheduler, job_status, run_job
from engine.storage.store import Store


def test_runs_are_recorded_with_results_and_errors(store: Store, home_ws) -> None:
    out = run_job(store, "alerts")
    assert out["ok"] and "home_ecommerce" in out["result"]
    broken = JOBS["notifications"]

    def fail(store, now):
        raise RuntimeError("smtp down")

    with JOBS.swapped("notifications", broken.__class__(broken.name, broken.label, broken.every, fail)):
        out = run_job(store, "notifications")
    assert not out["ok"] and "RuntimeError: smtp down" in out["error"]
    status = {s["job"]: s for s in job_status(store)}
    assert status["alerts"]["ok"] and status["alerts"]["runs"] == 1
    assert not status["notifications"]["ok"] and "smtp down" in status["notifications"]["error"]


def test_one_scheduler_per_store_runs_the_jobs(store: Store, home_ws) -> None:
    scheduler = ensure_scheduler(store)
    assert ensure_scheduler(store) is scheduler
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(s.get("runs") for s in job_status(store)):
        time.sleep(0.2)
    scheduler.stop()
    assert all(s["runs"] >= 1 and s["ok"] for s in job_status(store))


def test_runs_older_than_a_week_are_dropped(store: Store, home_ws) -> None:
    from datetime import datetime, timedelta

    old = datetime.now() - timedelta(days=8)
    with store.transaction() as cur:
        cur.execute("INSERT INTO _job_runs VALUES ('alerts', ?, ?, TRUE, '{}', NULL)", [old, old])
    run_job(store, "alerts")
    (runs,) = store.cursor().execute("SELECT count(*) FROM _job_runs WHERE job = 'alerts'").fetchone()
    assert runs == 1


def test_only_admins_and_managers_run_jobs_on_request(store: Store, home_ws) -> None:
    import pytest

    from engine.auth import Actor
    from engine.errors import NotFoundError, RefusedError
    from engine.jobs import run_job_for

    with pytest.raises(RefusedError, match="may not run jobs"):
        run_job_for(store, "alerts", Actor("op", frozenset({"operator"})))
    with pytest.raises(NotFoundError, match="no job 'backup'"):
        run_job_for(store, "backup", Actor("boss", frozenset({"manager"})))
    assert run_job_for(store, "alerts", Actor("boss", frozenset({"manager"})))["ok"]
