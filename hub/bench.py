"""The benchmark behind `python -m engine bench`: measured figures for the targets in the README.

Runs on a fresh DuckDB file in a temporary folder: validated bulk upsert of N generated orders, single
updates with version check and audit (one transaction each), a filtered, sorted 100-row page, single and
bulk status transitions, a pass of 20 alert rules of the template kind, peak RSS.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from engine.alerts.evaluate import run_alerts
from engine.auth import SYSTEM
from engine.filters import Filter
from engine.flow.bulk import bulk_transition
from engine.flow.moves import transition
from engine.query import query_records
from engine.records.bulk import bulk_upsert
from engine.records.single import update_record
from engine.schema import Workspace
from engine.storage.store import Store, open_store
from engine.workspaces import create_from_template, get_workspace, save_workspace
from sample_data.generator import generate

TEMPLATE = "home_ecommerce"
UPDATE_BATCH = 100  # updates are timed in batches and the median batch rate reported (the machine is noisy)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_bench(
    orders: int = 100_000, updates: int = 1000, queries: int = 21, seed: int = 1, import_rows: int = 100_000
) -> dict[str, Any]:
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
        bulk_upsert(store, ws, "after_sales", data.after_sales, SYSTEM, now)
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
        flows = _bench_flows(store, ws, now, updates)
        alerts = _bench_alerts(store, ws, now)
        boards = _bench_boards(store, get_workspace(store, ws.name), now)
        store.close()
        imports = _bench_import(Path(tmp), now, import_rows)
        intake = _bench_intake_apart(Path(tmp), now, orders)
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
        **flows,
        **alerts,
        **boards,
        **imports,
        **intake,
        "peak_rss_mb": peak_rss_mb(),
    }


BULK_TRANSITION = 10_000


def _bench_flows(store: Store, ws: Workspace, now: datetime, singles: int) -> dict[str, Any]:
    """Single transitions (guard, history, audit; one transaction each) and one bulk transition of 10,000."""
    placed = (
        store.cursor()
        .execute(
            "SELECT _id, _version FROM home_ecommerce.orders WHERE status = 'placed' ORDER BY hash(_id) LIMIT ?",
            [singles + BULK_TRANSITION],
        )
        .fetchall()
    )
    single, bulk = placed[:singles], [r[0] for r in placed[singles:]]
    rates = []
    for batch in range(0, len(single), UPDATE_BATCH):
        part = single[batch : batch + UPDATE_BATCH]
        started = time.perf_counter()
        for record_id, version in part:
            transition(store, ws, "orders", record_id, "reviewed", version, SYSTEM, now)
        rates.append(len(part) / (time.perf_counter() - started))
    started = time.perf_counter()
    moved = bulk_transition(store, ws, "orders", bulk, "reviewed", SYSTEM, now)
    bulk_ms = (time.perf_counter() - started) * 1000
    assert len(moved.moved) == len(bulk)
    return {
        "single_transitions": len(single),
        "single_transition_per_s": round(statistics.median(rates), 1) if rates else None,
        "bulk_transition_orders": len(bulk),
        "bulk_transition_ms": round(bulk_ms, 1),
    }


def bench_rules(ws: Workspace) -> list[dict[str, Any]]:
    """20 rules of the template kind: the template's own, then variants by hours, warehouse and carrier."""
    rules = [r.model_dump(exclude_none=True) for r in ws.rules]
    base = {r["name"]: r for r in rules}
    paid, shipped = base["paid_2h_unshipped"], base["shipped_24h_unsigned"]

    def variant(
        rule: dict[str, Any], name: str, hours: float, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        *others, last = rule["condition"]["and"]
        condition = {"and": [*others, {">": [last[">"][0], hours]}, *([extra] if extra else [])]}
        return rule | {"name": name, "label": name, "condition": condition}

    rules += [variant(paid, f"paid_{h}h_unshipped", h) for h in (4, 8, 12, 24, 48)]
    rules += [variant(shipped, f"shipped_{h}h_unsigned", h) for h in (48, 72)]
    warehouses = ws.require_table("orders").by_name["warehouse"]
    for option in warehouses.option_values():  # type: ignore[attr-defined]
        if len(rules) < 20:
            rules.append(
                variant(paid, f"paid_2h_unshipped_{option}", 2, {"==": [{"var": "warehouse"}, option]})
            )
    return rules[:20]


def _bench_alerts(store: Store, ws: Workspace, now: datetime, passes: int = 5) -> dict[str, Any]:
    """One pass of 20 rules over all orders: the first (opens every alert) and later steady passes."""
    doc = ws.model_dump(by_alias=True, exclude_none=True) | {"rules": bench_rules(ws)}
    save_workspace(store, doc, SYSTEM, now)
    ws = get_workspace(store, ws.name)
    first = run_alerts(store, ws, now)
    steady = [run_alerts(store, ws, now + timedelta(minutes=i + 1)).ms for i in range(passes)]
    return {
        "alert_rules": len(ws.rules),
        "alert_open": first.as_dict()["totals"]["opened"],
        "alert_eval_first_ms": round(first.ms, 1),
        "alert_eval_ms": round(statistics.median(steady), 1),
    }


def _timed(fn: Any, runs: int) -> float:
    """Median milliseconds of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _bench_boards(store: Store, ws: Workspace, now: datetime, runs: int = 5) -> dict[str, Any]:
    """The 30-day warehouse x day heatmap, order scores for all orders, customer scores (with the 3-month
    trend) for all customers, and every widget of each default board, engine side, cache off."""
    from engine.boards.customers import customer_scores
    from engine.boards.health import order_scores
    from engine.boards.heatmap import HeatmapSpec, heatmap
    from engine.boards.render import render_board
    from engine.boards.scope import Context

    ctx = Context(store, ws, SYSTEM, now)
    scored = order_scores(ctx).height
    return {
        "heatmap_ms": _timed(lambda: heatmap(store, ws, HeatmapSpec(), SYSTEM, now), runs),
        "order_health_orders": scored,
        "order_health_ms": _timed(lambda: order_scores(ctx), runs),
        "customer_health_ms": _timed(lambda: customer_scores(ctx), runs),
        "board_render_ms": _timed(
            lambda: render_board(store, ws, "morning_meeting", SYSTEM, now, use_cache=False), runs
        ),
        "board_render_health_ms": _timed(
            lambda: render_board(store, ws, "health", SYSTEM, now, use_cache=False), runs
        ),
    }


def _bench_import(tmp: Path, now: datetime, rows: int) -> dict[str, Any]:
    """A generated 100,000-row x 20-column .xlsx: staged and validated, committed, and read by pandas+openpyxl."""
    import pandas as pd

    from engine.importer.batches import stage
    from engine.importer.commit import commit
    from engine.importer.layout import find_layout
    from engine.importer.mapping import suggest
    from engine.importer.sources import read_head
    from hub.bench_file import write_history_workbook

    store = open_store(tmp / "import.duckdb")
    ws = create_from_template(store, TEMPLATE, SYSTEM, now=now)
    table = ws.require_table("orders")
    assert table.flow is not None
    data = generate(TEMPLATE, rows, 90, 7, now, "SO", [s.name for s in table.flow.states])
    bulk_upsert(store, ws, "skus", data.skus, SYSTEM, now)
    bulk_upsert(store, ws, "customers", data.customers, SYSTEM, now)
    path = tmp / "history.xlsx"
    write_history_workbook(path, table, data.orders)
    del data
    started = time.perf_counter()
    head = read_head(path)
    mapping = suggest(table, find_layout(head.rows, head.merges).columns)
    batch = stage(store, ws, path, mapping, SYSTEM, now=now)
    stage_s = time.perf_counter() - started
    assert batch.summary["errors"] == 0, batch.summary
    started = time.perf_counter()
    committed = commit(store, ws, batch.id, SYSTEM, now=now)
    commit_s = time.perf_counter() - started
    assert committed["inserted"] == rows, committed
    store.close()
    started = time.perf_counter()
    pd.read_excel(path, engine="openpyxl", header=1)
    pandas_s = time.perf_counter() - started
    return {
        "import_rows": rows,
        "import_100k_xlsx_s": round(stage_s, 2),
        "import_commit_100k_s": round(commit_s, 2),
        "import_pandas_openpyxl_s": round(pandas_s, 2),
        "import_vs_pandas_openpyxl": round(pandas_s / stage_s, 1),
    }


INGEST_BATCH = 250_000
BURST = 21_000
STATUS_EVENTS = 200_000


def _channel_frame(orders: pl.DataFrame, prefix: str = "") -> pl.DataFrame:
    """Generated orders as a Taobao order API delivers them once flattened (its field names and codes)."""
    codes = {"placed": "WAIT_BUYER_PAY", "reviewed": "WAIT_SELLER_SEND_GOODS", "picking": "WAIT_SELLER_SEND_GOODS",
             "shipped": "WAIT_BUYER_CONFIRM_GOODS", "signed": "TRADE_FINISHED", "after_sale": "TRADE_FINISHED",
             "cancelled": "TRADE_CLOSED"}  # fmt: skip
    text = "%Y-%m-%d %H:%M:%S"
    return orders.select(
        pl.concat_str([pl.lit(prefix), pl.col("order_no").str.slice(2)]).alias("tid_str"),
        pl.col("status").replace_strict(codes).alias("status"),
        pl.col("customer_name").alias("receiver_name"),
        pl.col("phone").alias("receiver_mobile"),
        pl.col("province").alias("receiver_state"),
        pl.col("city").alias("receiver_city"),
        pl.col("address").alias("receiver_address"),
        pl.col("sku").alias("orders.order[0].outer_sku_id"),
        pl.col("qty").alias("orders.order[0].num"),
        pl.col("unit_price").cast(pl.String).alias("orders.order[0].price"),
        pl.col("ordered_at").dt.strftime(text).alias("created"),
        pl.col("paid_at").dt.strftime(text).alias("pay_time"),
        pl.col("ordered_at").dt.strftime(text).alias("modified"),
        pl.lit("请尽快发货").alias("buyer_message"),
    )


class RssSampler:
    """The highest resident memory of this process, sampled every 20 ms on a thread."""

    def __init__(self) -> None:
        import threading

        import psutil

        self._process = psutil.Process()
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(0.02)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(max(self.peak, self._process.memory_info().rss) / 2**20, 1)


def _bench_intake_apart(tmp: Path, now: datetime, n: int) -> dict[str, Any]:
    """The intake figures from a process of their own (with its own peak memory): a second 1,000,000-order
    pool in this process would measure the allocator's leftovers, not the intake."""
    import json
    import subprocess
    import sys

    # Linux keeps a process's high-water mark across exec (the child would report this process's footprint):
    # the child samples its own resident memory instead.
    code = (
        "import json, sys; from datetime import datetime; from pathlib import Path; "
        "from hub.bench import _bench_intake, RssSampler; "
        "sampler = RssSampler().start(); "
        "out = _bench_intake(Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])); "
        "print(json.dumps(out | {'intake_peak_rss_mb': sampler.stop()}))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, "-c", code, str(tmp), now.isoformat(), str(n)],
        capture_output=True, text=True, check=True, cwd=root,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _bench_intake(tmp: Path, now: datetime, n: int) -> dict[str, Any]:
    """N Taobao-API orders through mapping, dedup and upsert; a 21,000-order burst from intake to stored and
    deduplicated on top of them; status events from logistics and the WMS through the credibility rules."""
    from connectors.presets import preset
    from engine.intake.events import apply_status_events
    from engine.intake.mapping import map_frame
    from engine.intake.orders import ingest_orders
    from engine.intake.queue import accept, drain
    from engine.schema_load import dump_workspace

    store = open_store(tmp / "intake.duckdb")
    ws = create_from_template(store, TEMPLATE, SYSTEM, now=now)
    table = ws.require_table("orders")
    assert table.flow is not None
    states = [s.name for s in table.flow.states]
    data = generate(TEMPLATE, n + BURST, 90, 11, now, "SO", states)
    bulk_upsert(store, ws, "skus", data.skus, SYSTEM, now)
    bulk_upsert(store, ws, "customers", data.customers, SYSTEM, now)
    api = preset(ws, "platform_api", "taobao")
    doc = dump_workspace(ws)
    doc["connectors"] = [
        api.model_dump(mode="json"),
        preset(ws, "status_feed", name="cainiao", source="logistics").model_dump(mode="json"),
        preset(ws, "status_feed", name="wms", source="wms").model_dump(mode="json"),
    ]
    save_workspace(store, doc, SYSTEM, now=now)
    ws = get_workspace(store, ws.name)
    api = ws.connector(api.name)
    flat = _channel_frame(data.orders.head(n))
    burst = _channel_frame(data.orders.slice(n, BURST))
    # A flash sale repeats itself: one order in twenty arrives twice under another id (same phone and address).
    again = _channel_frame(data.orders.slice(n, BURST // 20), prefix="9").with_columns(
        pl.col("receiver_mobile")
    )
    burst = pl.concat([burst.head(BURST - again.height), again])
    del data

    started = time.perf_counter()
    new = merged = 0
    for chunk in flat.iter_slices(INGEST_BATCH):
        out = ingest_orders(store, ws, api, map_frame(api, table, chunk, ws.timezone).rows, now)
        new, merged = new + out.new, merged + out.duplicates
    ingest_s = time.perf_counter() - started
    # A customer who ordered twice within two hours at the same address is one order by the dedup rule.
    assert new + merged == n, (new, merged)
    store.cursor().execute("CHECKPOINT")

    started = time.perf_counter()
    accept(store, ws, api, map_frame(api, table, burst, ws.timezone), "order", now)
    drained = drain(store, ws, now)
    burst_ms = (time.perf_counter() - started) * 1000
    done = drained.by_connector[api.name]
    assert done.new + done.duplicates == BURST, done.counts()

    # What the warehouse and the courier report: outbound for orders being picked; signed for shipped orders
    # (and again for signed ones: a confirmation that changes nothing but is still checked).
    pick = (
        store.cursor()
        .execute(
            "SELECT order_no FROM \"home_ecommerce\".orders WHERE order_no LIKE 'TB%' AND status IN "
            "('placed', 'reviewed', 'picking') ORDER BY hash(order_no) LIMIT ?",
            [STATUS_EVENTS // 2],
        )
        .pl()
    )
    ship = (
        store.cursor()
        .execute(
            "SELECT order_no FROM \"home_ecommerce\".orders WHERE order_no LIKE 'TB%' AND status IN ('shipped', 'signed') "
            "ORDER BY hash(order_no) LIMIT ?",
            [STATUS_EVENTS - pick.height],
        )
        .pl()
    )
    at = pl.lit(str(now)).alias("time")
    events = {
        "wms": pick.select("order_no", pl.lit("已出库").alias("status"), at),
        "cainiao": ship.select("order_no", pl.lit("签收").alias("status"), at),
    }
    started = time.perf_counter()
    applied = 0
    for name, frame in events.items():
        conn = ws.connector(name)
        applied += apply_status_events(
            store, ws, conn, map_frame(conn, table, frame, ws.timezone).rows, now
        ).received
    status_s = time.perf_counter() - started
    store.close()
    return {
        "ingest_orders": n,
        "ingest_orders_per_s": round(n / ingest_s),
        "ingest_duplicates_merged": merged,
        "burst_21k_ms": round(burst_ms, 1),
        "burst_duplicates_merged": done.duplicates,
        "status_events": applied,
        "status_events_per_s": round(applied / status_s),
    }
