"""Background jobs of the server process: alert evaluation (with escalation) and notification delivery here;
connector syncs and the intake queue are registered by connectors/jobs.py.

A registry names each job, its interval and what it does; `run_job` runs one and records the run (time,
duration, result or error) for the Jobs page; one Scheduler thread per process runs the due jobs.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.alerts.evaluate import run_alerts
from engine.auth import Actor, may
from engine.clock import local_now
from engine.errors import NotFoundError, RefusedError
from engine.notify.outbox import deliver_due
from engine.registry import Registry
from engine.storage.store import Store
from engine.workspaces import get_workspace, list_workspaces


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    every: timedelta
    run: Callable[[Store, datetime | None], dict[str, Any]]


def _alerts(store: Store, now: datetime | None) -> dict[str, Any]:
    out = {}
    for name, _, _ in list_workspaces(store):
        ws = get_workspace(store, name)
        if ws.rules or any(t.flow for t in ws.tables):
            out[name] = run_alerts(store, ws, now).as_dict()["totals"]
    return out


def _notifications(store: Store, now: datetime | None) -> dict[str, Any]:
    return deliver_due(store, now or local_now()).as_dict()


KEEP_RUNS = timedelta(days=7)
JOBS: Registry[Job] = Registry(
    "job",
    {
        job.name: job
        for job in (
            Job("alerts", "预警评估与升级 Alert evaluation & escalation", timedelta(minutes=1), _alerts),
            Job("notifications", "通知投递 Notification delivery", timedelta(seconds=15), _notifications),
        )
    },
)


def run_job(store: Store, name: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job now and record the run; errors are recorded (and returned), not raised."""
    job = JOBS[name]
    started = datetime.now()
    clock = time.perf_counter()
    try:
        result, ok, error = job.run(store, now), True, None
    except Exception as exc:  # a failing job must not stop the scheduler; the Jobs page shows why
        result, ok, error = {}, False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    ms = (time.perf_counter() - clock) * 1000
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO _job_runs VALUES (?, ?, ?, ?, ?, ?)",
            [name, started, started + timedelta(milliseconds=ms), ok, json.dumps(result, default=str), error],
        )
        # A run every 15 s is 5,760 rows a day: keep a week.
        cur.execute("DELETE FROM _job_runs WHERE job = ? AND started_at < ?", [name, started - KEEP_RUNS])
    return {"job": name, "ok": ok, "ms": round(ms, 1), "result": result, "error": error}


def run_job_for(store: Store, name: str, actor: Actor) -> dict[str, Any]:
    """Run a job now on someone's request (the Jobs page): admins and managers only."""
    if not may(actor, "run_jobs"):
        raise RefusedError(f"{actor.username} may not run jobs (admins and managers may)")
    if name not in JOBS:
        raise NotFoundError(f"no job {name!r} (jobs: {', '.join(JOBS)})")
    return run_job(store, name)


def job_status(store: Store) -> list[dict[str, Any]]:
    """Every job with its last run: when, how long, whether it worked, what it did or why it failed."""
    out = []
    for job in JOBS.values():
        row = (
            store.cursor()
            .execute(
                "SELECT started_at, finished_at, ok, result, error, "
                "(SELECT count(*) FROM _job_runs WHERE job = ?) FROM _job_runs WHERE job = ? "
                "ORDER BY started_at DESC LIMIT 1",
                [job.name, job.name],
            )
            .fetchone()
        )
        entry: dict[str, Any] = {"job": job.name, "label": job.label, "every_s": job.every.total_seconds()}
        if row:
            started, finished, ok, result, error, runs = row
            entry |= {
                "last_run": started,
                "duration_ms": round((finished - started).total_seconds() * 1000, 1),
                "ok": ok,
                "result": json.loads(result),
                "error": error,
                "runs": runs,
            }
        out.append(entry)
    return out


class Scheduler:
    """Runs every job when due, on one daemon thread; `stop` ends it."""

    def __init__(self, store: Store, tick: float = 1.0) -> None:
        self.store = store
        self.tick = tick
        self._stop = threading.Event()
        self._next = {name: 0.0 for name in JOBS}
        self.thread = threading.Thread(target=self._loop, name="orderhub-scheduler", daemon=True)

    def start(self) -> Scheduler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=30)
        with _lock:
            if _started.get(id(self.store)) is self:
                del _started[id(self.store)]

    def _loop(self) -> None:
        while not self._stop.is_set():
            for name, job in JOBS.items():
                if time.monotonic() >= self._next[name]:
                    run_job(self.store, name)
                    self._next[name] = time.monotonic() + job.every.total_seconds()
            self._stop.wait(self.tick)


_started: dict[int, Scheduler] = {}
_lock = threading.Lock()


def ensure_scheduler(store: Store) -> Scheduler:
    """The process's one scheduler for this store, started on first call."""
    with _lock:
        if id(store) not in _started:
            _started[id(store)] = Scheduler(store).start()
        return _started[id(store)]
