"""The connector commands: add, sync (non-zero with the reason when it fails), chat parse and accuracy, the
queue and the conflict list."""

from __future__ import annotations

import json

from hub.cli import main
from sample_data.fake_platform import FakePlatform, Faults
from tests.connectors.conftest import order


def run(capsys, *args: str) -> tuple[int, dict | list, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.strip()]
    return code, json.loads(lines[-1]) if lines else {}, captured.err


def test_add_sync_and_inspect_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    assert (
        run(capsys, "init", "--template", "home_ecommerce", "--orders", "300", "--db", db, "--json")[0] == 0
    )
    fake = FakePlatform(Faults(rate_limit_every=3)).start()
    try:
        code, out, _ = run(
            capsys,
            "connectors",
            "add",
            "--type",
            "platform_api",
            "--platform",
            "jd",
            "--url",
            fake.url,
            "--db",
            db,
            "--json",
        )
        assert (
            code == 0
            and out["connector"]["name"] == "jd_platform_api"
            and out["connector"]["statuses"]["FINISHED_L"] == "signed"
        )
        fake.orders["jd"] = [order("jd", n, "SF-1001") for n in range(1, 26)]
        code, out, _ = run(capsys, "sync", "--connector", "jd_platform_api", "--db", db, "--json")
        assert code == 0 and out["ok"] and out["counts"]["new"] == 25 and out["counts"]["fetched"] == 25
        code, out, _ = run(capsys, "connectors", "list", "--db", db, "--json")
        assert out[0]["name"] == "jd_platform_api" and out[0]["counts"]["new"] == 25
        fake.faults = Faults(error_every=1)
        code, out, err = run(capsys, "sync", "--connector", "jd_platform_api", "--db", db, "--json")
        assert code == 1 and "sync of jd_platform_api failed (run #2)" in err and "HTTP 500" in err
    finally:
        fake.stop()
    code, out, _ = run(capsys, "intake", "status", "--db", db, "--json")
    assert out == [{"workspace": "home_ecommerce", "depth": 0, "lag_s": 0.0, "deferred": 0}]
    assert run(capsys, "conflicts", "--db", db, "--json")[1] == []
    code, out, err = run(capsys, "sync", "--connector", "nope", "--db", db, "--json")
    assert code == 1 and "has no connector 'nope'" in err


def test_chat_commands(capsys):
    code, out, _ = run(capsys, "chat", "parse", "王总 发300件转向节,3月15日前到", "--sample", "--json")
    assert (
        code == 0
        and out["customer"] == "C01"
        and out["items"] == [{"sku": "ZXJ-01", "product": "转向节", "qty": 300, "unit": "件"}]
    )
    code, out, _ = run(capsys, "chat", "accuracy", "--json")
    assert code == 0 and out["messages"] >= 200 and out["field_accuracy"] >= 0.95
