"""The benchmark behind `python -m engine bench`: measured figures for the targets in the README.

Runs on a fresh DuckDB file in a temporary folder: validated bulk upsert of N generated orders, single
updates with version check and audit (one transaction each), a filtered, sorted 100-row page, peak RSS.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from engine.auth import SYSTEM
from engine.bulk import bulk_upsert
from engine.filters import Filter
from engine.query import query_records
from engine.records import update_record
from engine.store import open_store
from engine.workspaces import create_from_template
from sample_data.generator import generate

TEMPLATE = "home_ecommerce"
UPDATE_BATCH = 100  # updates are timed in batches and the median batch rate reported (the machine is noisy)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_bench(orders: int = 100_000, updates: int = 1000, queries: int = 21, seed: int = 1) -> dict[str, Any]:
    """Measure and return the benchmark figures as one flat dict."""
    now = datetime(2026, 11, 23, 12, 0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.duckdb")
        ws = create_from_template(store, TEMPLATE, SYSTEM, now=now)
        table = ws.require_table("orders")
        assert table.flow is not None
        data = generate(TEMPLATE, orders, 90, seed, now, "SO", [s.name for s in table.flow.states])
        bulk_upsert(store, ws, "skus", data.skus, SYSTEM, now)
        bulk_upsert(store, ws, "customers", data.customers, SYSTEM, now)

        started = time.perf_counter()
        result = bulk_upsert(store, ws, "orders", data.orders, SYSTEM, now)
        upsert_s = time.perf_counter() - started
        assert result.inserted == orders, result.summary()
        # The same orders again with every tenth quantity changed: the key-matching path of a re-import.
        again = data.orders.with_columns(
            pl.when(pl.int_range(pl.len()) % 10 == 0)
            .then(pl.col("qty") + 1)
            .otherwise(pl.col("qty"))
            .alias("qty")
        )
        del data
        started = time.perf_counter()
        reimport = bulk_upsert(store, ws, "orders", again, SYSTEM, now)
        reupsert_s = time.perf_counter() - started
        assert reimport.updated == len(range(0, orders, 10)), reimport.summary()
        del again
        # Fold the load into the database file now, so a checkpoint does not land inside the update timing.
        started = time.perf_counter()
        store.cursor().execute("CHECKPOINT")
        checkpoint_s = time.perf_counter() - started

        ids = (
            store.cursor()
            .execute("SELECT _id, _version FROM home_ecommerce.orders ORDER BY hash(_id) LIMIT ?", [updates])
            .fetchall()
        )
        rates = []
        for batch in range(0, len(ids), UPDATE_BATCH):
            started = time.perf_counter()
            for i, (record_id, version) in enumerate(ids[batch : batch + UPDATE_BATCH]):
                changes = {"remarks": f"bench {batch + i}", "qty": 1 + i % 9}
                update_record(store, ws, "orders", record_id, changes, version, SYSTEM, now)
            rates.append(len(ids[batch : batch + UPDATE_BATCH]) / (time.perf_counter() - started))

        filters = [
            Filter(field="warehouse", op="eq", value="east"),
            Filter(field="status", op="in", value=["signed", "shipped"]),
        ]
        timings = []
        for i in range(queries):
            started = time.perf_counter()
            page = query_records(
                store, ws, "orders", SYSTEM, filters=filters, sort=[("paid_at", True)], page=1 + i % 5
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert page.rows.height == 100
        store.close()
    return {
        "orders": orders,
        "bulk_upsert_s": round(upsert_s, 3),
        "bulk_upsert_rows_per_s": round(orders / upsert_s),
        "bulk_reupsert_rows_per_s": round(orders / reupsert_s),
        "bulk_checkpoint_s": round(checkpoint_s, 3),
        "single_updates": len(ids),
        "single_update_per_s": round(statistics.median(rates), 1),
        "page_query_ms": round(statistics.median(timings), 2),
        "page_query_ms_max": round(max(timings), 2),
        "peak_rss_mb": peak_rss_mb(),
    }
