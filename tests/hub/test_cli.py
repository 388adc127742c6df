"""The command line: each command on a real database file, --json output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hub.cli import main


def run(capsys, *args: str) -> tuple[int, dict | list, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else {}
    return code, out, captured.err


def test_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("init", "seed", "schema", "users", "audit", "bench"):
        assert command in result.stdout


def test_init_seed_schema_users_audit(tmp_path, capsys) -> None:
    db = str(tmp_path / "cli.duckdb")
    code, out, _ = run(capsys, "init", "--template", "hardware_wholesale", "--db", db, "--json")
    assert code == 0 and out["workspace"] == "hardware_wholesale" and out["admin"]["username"] == "admin"
    code, out, _ = run(capsys, "seed", "--orders", "500", "--days", "30", "--db", db, "--json")
    assert out["seeded"]["orders"]["inserted"] == 500
    code, out, _ = run(capsys, "schema", "show", "--db", db, "--json")
    assert out["tables"][0]["name"] == "orders"
    schema_file = tmp_path / "ws.json"
    out["tables"][0]["fields"].append(
        {"type": "boolean", "name": "has_custom_parts", "label": "是否含定制件"}
    )
    schema_file.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "schema", "validate", str(schema_file), "--json")[1]["valid"] is True
    code, out, _ = run(capsys, "schema", "apply", str(schema_file), "--db", db, "--json")
    assert code == 0 and out["version"] == 2
    code, out, _ = run(capsys, "schema", "versions", "--db", db, "--json")
    assert [v["version"] for v in out] == [2, 1]
    code, out, _ = run(capsys, "schema", "rollback", "1", "--db", db, "--json")
    assert out["version"] == 3
    code, out, _ = run(
        capsys, "users", "add", "li", "--role", "operator", "--password", "long-enough", "--db", db, "--json"
    )
    assert out == {"username": "li", "roles": ["operator"]}
    code, out, _ = run(capsys, "users", "roles", "--db", db, "--json")
    assert {u["username"] for u in out} == {"admin", "li"}
    code, out, _ = run(capsys, "audit", "verify", "--db", db, "--json")
    assert out["ok"] is True and out["entries"] >= 4


def test_errors_are_one_line_and_non_zero(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"name": "x", "label": "X", "tables": [{"name": "t", "label": "T", "fields": [{"type": "datetme", "name": "a", "label": "A"}]}]}'
    )
    code, _, err = run(capsys, "schema", "validate", str(bad))
    assert code == 1
    first, *rest = err.splitlines()
    assert first.startswith("error: ") and "1 problem(s)" in first
    assert "did you mean 'datetime'" in rest[0]
    code, out, _ = run(capsys, "schema", "validate", str(bad), "--json")
    assert code == 1 and "tables[0].fields[0].type" in out["problems"][0]
    code, _, err = run(capsys, "schema", "versions", "--db", str(tmp_path / "empty.duckdb"))
    assert code == 1 and "no workspace yet" in err


def test_busy_database_is_reported_plainly(tmp_path) -> None:
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = subprocess.run(
            [sys.executable, "-m", "engine", "audit", "verify", "--db", str(db)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1
        assert "is in use by another process" in result.stderr
    finally:
        holder.kill()


@pytest.mark.parametrize(
    "args", [["bench", "--orders", "2000", "--updates", "20", "--import-rows", "500", "--json"]]
)
def test_bench_prints_one_json_object(capsys, args) -> None:
    code, out, _ = run(capsys, *args)
    assert code == 0
    for key in (
        "orders",
        "bulk_upsert_rows_per_s",
        "single_update_per_s",
        "page_query_ms",
        "single_transition_per_s",
        "bulk_transition_ms",
        "alert_eval_ms",
        "import_100k_xlsx_s",
        "import_commit_100k_s",
        "import_vs_pandas_openpyxl",
        "peak_rss_mb",
    ):
        assert out[key] > 0


def test_bootstrap_prints_the_first_login_once(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("ORDERHUB_ADMIN_PASSWORD", raising=False)
    db = str(tmp_path / "first.duckdb")
    assert main(["bootstrap", "--db", db, "--orders", "300"]) == 0
    out = capsys.readouterr().out
    assert "OrderHub first start: sign in as 'admin' with password" in out
    password = out.split("with password ")[1].split()[0]
    assert out.count(password) == 1  # once, not again inside the JSON summary
    assert main(["bootstrap", "--db", db, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert "admin" not in again and again["demo_workspace"] is None


def test_transition_from_the_command_line(tmp_path, capsys) -> None:
    db = str(tmp_path / "t.duckdb")
    assert main(["init", "--template", "home_ecommerce", "--db", db, "--orders", "300", "--json"]) == 0
    capsys.readouterr()
    assert main(["users", "add", "wh", "--role", "warehouse", "--password", "long-enough", "--db", db]) == 0
    capsys.readouterr()
    from engine.storage.store import open_store

    store = open_store(db)
    key = (
        store.cursor()
        .execute("SELECT order_no FROM home_ecommerce.orders WHERE status = 'placed' LIMIT 1")
        .fetchone()[0]
    )
    store.close()
    code, _, err = run(
        capsys, "transition", "--table", "orders", "--key", key, "--to", "reviewed", "--as", "wh", "--db", db
    )
    assert code == 1 and "only operator, manager may 审单通过" in err
    code, out, _ = run(
        capsys, "transition", "--table", "orders", "--key", key, "--to", "reviewed", "--db", db, "--json"
    )
    assert code == 0 and out["status"] == "reviewed" and out["version"] == 2


def test_alerts_run_with_a_chosen_clock_and_jobs(tmp_path, capsys) -> None:
    db = str(tmp_path / "a.duckdb")
    assert main(["init", "--template", "home_ecommerce", "--db", db, "--json"]) == 0
    capsys.readouterr()
    from engine.records.single import create_record
    from engine.storage.store import open_store
    from engine.workspaces import get_workspace
    from tests.conftest import ADMIN

    store = open_store(db)
    ws = get_workspace(store, "home_ecommerce")
    create_record(
        store, ws, "skus", {"sku_code": "SF-100", "name": "沙发", "stock": 1, "safety_stock": 5}, ADMIN
    )
    store.close()
    code, out, _ = run(capsys, "alerts", "run", "--now", "2026-03-15T14:05:00", "--db", db, "--json")
    assert code == 0 and out["at"] == "2026-03-15T14:05:00"
    assert out["rules"]["low_stock"] == {
        "matched": 1,
        "opened": 1,
        "resolved": 0,
        "escalated": 0,
        "renotified": 0,
    }
    code, out, _ = run(capsys, "alerts", "run", "--now", "2026-03-15T14:06:00", "--db", db, "--json")
    assert out["rules"]["low_stock"]["opened"] == 0
    code, _, err = run(capsys, "alerts", "run", "--now", "yesterday", "--db", db)
    assert code == 1 and "--now 'yesterday' is not an ISO date" in err
    code, out, _ = run(capsys, "notify", "deliver", "--db", db, "--json")
    assert code == 0 and out["delivered"] == 0
    code, out, _ = run(capsys, "jobs", "--db", db, "--json")
    assert [j["job"] for j in out] == ["alerts", "notifications", "connectors", "intake"]


def test_import_stages_and_commits_a_file(tmp_path, capsys) -> None:
    db = str(tmp_path / "i.duckdb")
    assert main(["init", "--template", "home_ecommerce", "--db", db, "--json"]) == 0
    capsys.readouterr()
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(
        "订单号,渠道,客户,手机,SKU,单价,下单时间\n"
        "SO800001,淘宝,王总,13800138000,SF-1001,10,2026-03-01 09:00\n"
        "SO800002,淘宝,李姐,1390013900,SF-1001,10,2026-03-02 09:00\n"
        ",淘宝,赵总,13700137000,SF-1001,10,2026-03-03 09:00\n",
        encoding="gbk",
    )
    from engine.records.single import create_record
    from engine.storage.store import open_store
    from engine.workspaces import get_workspace
    from tests.conftest import ADMIN

    store = open_store(db)
    create_record(
        store, get_workspace(store, "home_ecommerce"), "skus", {"sku_code": "SF-1001", "name": "沙发"}, ADMIN
    )
    store.close()
    code, out, _ = run(capsys, "import", str(csv_path), "--table", "orders", "--db", db, "--json")
    # The short phone flags its cell (the row lands); the row without an order number is refused.
    assert code == 0 and (out["rows"], out["new"], out["errors"], out["flagged"]) == (3, 2, 1, 1), out
    assert out["mapping"] == "suggested from the column names and values"
    cells = {(c["source_row"], c["field"]): c["refuses"] for c in out["error_cells"]}
    assert cells == {(3, "phone"): False, (4, "order_no"): True}
    code, out, _ = run(capsys, "import", str(csv_path), "--table", "orders", "--commit", "--db", db, "--json")
    assert code == 1
    code, out, _ = run(
        capsys, "import", str(csv_path), "--table", "orders", "--commit", "--valid-only", "--db", db, "--json"
    )
    assert code == 0 and out["committed"] == {
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "flagged": 1,
        "created": {"customers": 2},  # the two buyers, new to the workspace
    }
    code, _, err = run(capsys, "import", str(tmp_path / "none.csv"), "--table", "orders", "--db", db)
    assert code == 1 and "no file" in err


def test_import_a_platform_export_with_a_fixed_channel(tmp_path, capsys) -> None:
    from engine.records.single import create_record
    from engine.storage.store import open_store
    from engine.workspaces import get_workspace
    from sample_data.platforms import SKUS, write_taobao
    from tests.conftest import ADMIN

    db = str(tmp_path / "p.duckdb")
    assert main(["init", "--template", "home_ecommerce", "--db", db, "--json"]) == 0
    store = open_store(db)
    for code in SKUS:
        create_record(
            store, get_workspace(store, "home_ecommerce"), "skus", {"sku_code": code, "name": code}, ADMIN
        )
    store.close()
    export = write_taobao(tmp_path)
    capsys.readouterr()
    args = ("import", str(export.path), "--table", "orders", "--db", db, "--json")
    code, out, _ = run(capsys, *args, "--fixed", "channel")
    assert code == 1
    code, out, _ = run(capsys, *args, "--fixed", "channel=淘宝", "--commit", "--valid-only")
    # The fixed value wins; the row with 两件 lands with its quantity flagged for repair.
    assert code == 0 and (out["new"], out["errors"], out["flagged"]) == (len(export.rows) + 1, 0, 1), out
    assert out["error_cells"][0]["field"] == "qty" and not out["error_cells"][0]["refuses"]
    store = open_store(db)
    channels = store.cursor().execute("SELECT DISTINCT channel FROM home_ecommerce.orders").fetchall()
    store.close()
    assert channels == [("taobao",)]
