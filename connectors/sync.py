"""One sync of a connector: fetch from its cursor, map, queue, apply, then keep the new cursor; the run and its
counts go into the sync log. A failed fetch applies nothing and keeps the old cursor, so nothing is lost and
the next run fetches the same again (which changes nothing twice)."""

from __future__ import annotations

import logging
import threading
import traceback
from datetime import datetime
from typing import Any

from connectors import chat as _chat  # noqa: F401  (registers the chat fetcher)
from connectors.http import FetchError, Retry
from connectors.sources import FETCHERS, Context, Fetched
from engine.auth import Actor, may
from engine.clock import as_naive
from engine.errors import EngineError, NotFoundError, RefusedError
from engine.intake.chat_reviews import save_reviews
from engine.intake.mapping import map_frame
from engine.intake.queue import accept, backlog, drain
from engine.intake.synclog import finish_run, get_cursor, last_started, mark_file, set_cursor, start_run
from engine.schema import Workspace
from engine.storage.store import Store
from engine.workspaces import get_workspace, list_workspaces

log = logging.getLogger(__name__)
DRAIN_LOCK = threading.Lock()


def drain_now(
    store: Store, ws: Workspace, now: datetime | None = None, runs: dict[str, int] | None = None
) -> Any:
    """Apply the queue; one drain at a time per process (a second caller waits, then finds it empty)."""
    with DRAIN_LOCK:
        return drain(store, ws, now, runs=runs)


def _queue(store: Store, ws: Workspace, fetched: Fetched, run_id: int, moment: datetime) -> tuple[int, int]:
    queued = rejected = 0
    for batch in fetched.batches:
        mapped = map_frame(batch.conn, ws.require_table(batch.conn.table), batch.flat, ws.timezone)
        rejected += mapped.rejects.height
        queued += accept(store, ws, batch.conn, mapped, batch.kind, moment, run_id)  # type: ignore[arg-type]
    return queued, rejected


def run_sync(
    store: Store, ws: Workspace, name: str, now: datetime | None = None, retry: Retry | None = None
) -> dict[str, Any]:
    """Run one sync of connector `name`; returns the run's log entry (counts, or the error)."""
    conn = ws.connector(name)
    if conn.type not in FETCHERS:
        raise NotFoundError(f"connector {name} ({conn.type}) is pushed to, not polled: it has no sync")
    moment = as_naive(now, ws.timezone)
    cursor = get_cursor(store, ws, name)
    run_id = start_run(store, ws, name, moment, cursor)
    ctx = Context(store, ws, conn, cursor, moment, retry or Retry())
    counts: dict[str, Any] = {"fetched": 0}
    try:
        fetched = FETCHERS[conn.type](ctx)
        counts["fetched"] = fetched.rows
        queued, rejected = _queue(store, ws, fetched, run_id, moment)
        drained = drain_now(store, ws, moment, runs={name: run_id})
        applied = drained.by_connector.get(name)
        result = applied.counts() if applied else {}
        counts |= {
            k: result.get(k, 0)
            for k in (
                "new",
                "updated",
                "unchanged",
                "duplicates",
                "presale_parts",
                "gifts",
                "conflicts",
                "deferred",
                "flagged",
            )
        }
        counts |= {
            "queued": queued,
            "rejected": rejected + result.get("rejected", 0),
            "review": len(fetched.reviews),
        }
        counts["notes"] = fetched.notes[:50]
        save_reviews(store, ws, name, fetched.reviews, moment)
        for sha, file_name in fetched.files:
            mark_file(store, ws, name, sha, file_name, moment)
        set_cursor(store, ws, name, fetched.cursor, moment)
    except (FetchError, EngineError, OSError, ValueError) as exc:
        log.debug("sync of %s failed", name, exc_info=True)
        counts["notes"] = [f"retried: {e}" for e in ctx.retry.log][:50]
        finish_run(store, run_id, as_naive(None, ws.timezone), counts, f"{type(exc).__name__}: {exc}")
        return {
            "run": run_id,
            "connector": name,
            "ok": False,
            "counts": counts,
            "error": f"{type(exc).__name__}: {exc}",
        }
    finish_run(store, run_id, as_naive(None, ws.timezone), counts, None, fetched.cursor)
    return {"run": run_id, "connector": name, "ok": True, "counts": counts, "cursor": fetched.cursor}


def run_sync_for(store: Store, ws: Workspace, name: str, actor: Actor) -> dict[str, Any]:
    """ "Run now" from the Connectors page: admins and managers only."""
    if not may(actor, "run_syncs"):
        raise RefusedError(f"{actor.username} may not run connector syncs (admins and managers may)")
    return run_sync(store, ws, name)


def due_syncs(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """The scheduler's job: every enabled, polled connector whose schedule is due, in every workspace."""
    out: dict[str, Any] = {}
    for ws_name, _, _ in list_workspaces(store):
        ws = get_workspace(store, ws_name)
        for conn in ws.connectors:
            if not conn.enabled or conn.type not in FETCHERS:
                continue
            last = last_started(store, ws, conn.name)
            moment = as_naive(now, ws.timezone)
            if last is None or (moment - last).total_seconds() >= conn.every_minutes * 60:
                try:
                    result = run_sync(store, ws, conn.name, now)
                except Exception as exc:  # one broken connector must not stop the others
                    result = {
                        "ok": False,
                        "error": f"{type(exc).__name__}: {exc}",
                        "trace": traceback.format_exc(limit=2),
                    }
                out[f"{ws.name}/{conn.name}"] = {k: result.get(k) for k in ("ok", "counts", "error")}
    return out


def drain_all(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """The scheduler's queue job: apply what webhooks queued, in every workspace that has something queued."""
    out: dict[str, Any] = {}
    for ws_name, _, _ in list_workspaces(store):
        if backlog(store, ws_name):
            out[ws_name] = drain_now(store, get_workspace(store, ws_name), now).as_dict()
    return out
