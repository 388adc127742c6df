"""A commit killed half-way (SIGKILL, no chance to clean up) leaves the whole batch or none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from engine.importer.batches import batch_info, stage
from engine.importer.commit import commit
from engine.importer.mapping import ColumnMap, Mapping
from engine.records.single import create_record
from engine.storage.store import open_store
from engine.workspaces import create_from_template, get_workspace
from tests.conftest import ADMIN, NOW, OPERATOR

ROWS = 250_000
ROOT = Path(__file__).resolve().parents[3]
CHILD = textwrap.dedent(
    """
    import sys
    from engine.importer.commit import commit
    from engine.storage.store import open_store
    from engine.workspaces import get_workspace
    from tests.conftest import ADMIN, NOW

    store = open_store(sys.argv[1])
    ws = get_workspace(store, "home_ecommerce")
    print("committing", flush=True)
    commit(store, ws, int(sys.argv[2]), ADMIN, now=NOW)
    print("committed", flush=True)
    """
)


def _staged_batch(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "kill.duckdb"
    store = open_store(db)
    ws = create_from_template(store, "home_ecommerce", ADMIN, now=NOW)
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "床垫", "stock": 10}, ADMIN, NOW)
    path = tmp_path / "history.csv"
    pl.DataFrame(
        {
            "订单号": [f"SO7{i:07d}" for i in range(ROWS)],
            "渠道": "淘宝",
            "客户名称": "王总",
            "手机号": "13800138000",
            "SKU": "BP-1001",
            "数量": "2",
            "单价": "10.50",
            "下单时间": "2026-03-01 09:00:00",
        }
    ).write_csv(path)
    fields = ["order_no", "channel", "customer_name", "phone", "sku", "qty", "unit_price", "ordered_at"]
    columns = ["订单号", "渠道", "客户名称", "手机号", "SKU", "数量", "单价", "下单时间"]
    mapping = Mapping(
        table="orders", columns=[ColumnMap(column=c, field=f) for c, f in zip(columns, fields, strict=True)]
    )
    batch = stage(store, ws, path, mapping, OPERATOR, now=NOW)
    assert batch.summary["new"] == ROWS
    store.close()
    return db, batch.id


@pytest.mark.parametrize("delay", [0.3, 0.6])
def test_a_commit_killed_half_way_leaves_all_or_nothing(tmp_path, delay: float) -> None:
    db, batch_id = _staged_batch(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(batch_id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "committing"
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the commit finished before the kill: nothing was tested"

    store = open_store(db)
    try:
        ws_name = "home_ecommerce"
        cur = store.cursor()
        (orders,) = cur.execute(f'SELECT count(*) FROM "{ws_name}".orders').fetchone()  # type: ignore[misc]
        (tagged,) = cur.execute("SELECT count(*) FROM _import_rows WHERE batch_id = ?", [batch_id]).fetchone()  # type: ignore[misc]
        ws = get_workspace(store, ws_name)
        status = batch_info(store, ws, batch_id)["status"]
        assert (status, orders, tagged) in (("staged", 0, 0), ("committed", ROWS, ROWS))
        if status == "staged":  # the batch is intact: committing it again brings every row in
            assert commit(store, ws, batch_id, ADMIN, now=NOW)["inserted"] == ROWS
    finally:
        store.close()
