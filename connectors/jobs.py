"""The connectors' background jobs, registered in the engine's job registry: scheduled syncs and the
intake queue of webhook pushes. The composition root (hub/) imports this module."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connectors.sync import drain_all, due_syncs
from engine.jobs import JOBS, Job
from engine.storage.store import Store


def _connector_syncs(store: Store, now: datetime | None) -> dict[str, Any]:
    return due_syncs(store, now)


def _intake(store: Store, now: datetime | None) -> dict[str, Any]:
    return drain_all(store, now)


JOBS.add(
    "connectors",
    Job(
        "connectors",
        "渠道同步 Connector syncs (each on its schedule)",
        timedelta(seconds=30),
        _connector_syncs,
    ),
)
JOBS.add("intake", Job("intake", "进单队列 Intake queue (webhook pushes)", timedelta(seconds=5), _intake))
