"""One order pool from every channel: four platform APIs on a fake server that rate-limits, fails and stalls, a
POS folder and a chat feed, synced together; every order once, mapped, deduplicated, presales merged, gifts
flagged, privacy numbers resolved; a second sync changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl

from connectors.presets import preset
from connectors.sync import run_sync
from engine.intake.synclog import get_cursor, runs
from engine.records.bulk import bulk_upsert
from sample_data.fake_platform import Faults
from tests.conftest import ADMIN, NOW, count
from tests.connectors.conftest import (
    api_connectors,
    customers,
    order,
    orders,
    quick_retry,
    set_customer,
    skus,
    with_connectors,
)

POS_HEADER = "门店,小票号,行号,销售时间,会员手机,商品编码,数量,单价\n"


def _pos_file(folder, codes):
    lines = [POS_HEADER]
    for i in range(30):
        lines.append(
            f"杭州西湖店,R{1000 + i // 3},{i % 3 + 1},2026-11-22 1{i % 10}:15:00,1590000{i // 3:04d},{codes[i % 5]},{1 + i % 2},{50 + i}\n"
        )
    (folder / "pos_20261122.csv").write_text("".join(lines), encoding="utf-8")


def _chat_file(folder, customer_no, sku):
    messages = [
        {
            "id": "m1",
            "sender": "王建国",
            "text": "王总 发30件餐桌A,11月30日前到",
            "time": "2026-11-22 09:00:00",
        },
        {"id": "m2", "text": "王总：餐桌A 5件、餐桌B 2件，明天", "time": "2026-11-22 10:00:00"},
        {"id": "m3", "text": "王总 餐桌C 三件", "time": "2026-11-22 11:00:00"},
        {"id": "m4", "text": "收到，谢谢王总", "time": "2026-11-22 12:00:00"},
    ]
    (folder / "wechat.jsonl").write_text(
        "\n".join(json.dumps(m, ensure_ascii=False) for m in messages), "utf-8"
    )


def _setup(store, ws, platform, tmp_path):
    codes = skus(store, ws)
    people = customers(store, ws)
    vip_key, _, vip_phone = people[0]
    chat_key = people[1][0]
    set_customer(store, ws, vip_key, virtual_phones="17012345678-1234")
    set_customer(store, ws, chat_key, aliases="王总")
    aliases = pl.DataFrame({"sku_code": codes[:3], "aliases": ["餐桌A", "餐桌B", "餐桌D"]})
    bulk_upsert(store, ws, "skus", aliases, ADMIN, NOW)
    pos_dir, chat_dir = tmp_path / "pos", tmp_path / "chat"
    pos_dir.mkdir()
    chat_dir.mkdir()
    _pos_file(pos_dir, codes)
    _chat_file(chat_dir, chat_key, codes[0])
    pos = preset(ws, "pos_csv", name="store_pos").model_copy(update={"folder": str(pos_dir)})
    chat = preset(ws, "chat", name="wechat").model_copy(update={"folder": str(chat_dir)})
    ws = with_connectors(store, ws, *api_connectors(ws, platform.url), pos, chat)

    tb = [order("taobao", n, codes[n % 20]) for n in range(1, 61)]
    five, ten = tb[4], tb[9]
    tb.append(
        order(
            "taobao",
            61,
            codes[1],
            phone=five.phone,
            address=five.address,
            created=five.created + timedelta(minutes=40),
        )
    )
    tb.append(order("taobao", 62, codes[2], presale_id="PS62", presale_part="deposit", price=50.0))
    tb.append(order("taobao", 63, codes[2], presale_id="PS62", presale_part="balance", price=450.0,
                    created=tb[-1].created + timedelta(days=3)))  # fmt: skip
    tb.append(order("taobao", 64, codes[3], title="新春福袋", price=0.0))
    tb.append(order("taobao", 65, codes[4], phone="17012345678-1234"))
    jd = [order("jd", n, codes[n % 20], meaning="shipped") for n in range(1, 31)]
    jd.append(
        order(
            "jd",
            31,
            codes[5],
            phone=ten.phone,
            address=ten.address,
            created=ten.created + timedelta(minutes=90),
        )
    )
    dy = [order("douyin", n, codes[n % 20], meaning="signed") for n in range(1, 31)]
    pdd = [order("pdd", n, codes[n % 20]) for n in range(1, 31)]
    pdd.append(order("pdd", 31, codes[6], presale_id="PP31", presale_part="deposit", price=20.0))
    pdd.append(order("pdd", 32, codes[6], presale_id="PP31", presale_part="balance", price=80.0))
    platform.orders.update({"taobao": tb, "jd": jd, "douyin": dy, "pdd": pdd})
    return ws, {"vip": (vip_key, vip_phone), "chat": chat_key, "codes": codes}


def _sync_all(store, ws):
    return {c.name: run_sync(store, ws, c.name, NOW, quick_retry()) for c in ws.connectors}


def test_every_channel_once_mapped_deduplicated_and_idempotent(store, seeded, platform, tmp_path):
    platform.faults = Faults(rate_limit_every=4, error_every=7, timeout_every=13, stall_s=1.0)
    ws, known = _setup(store, seeded, platform, tmp_path)
    before = count(store, 'SELECT count(*) FROM "home_ecommerce".orders')

    first = _sync_all(store, ws)
    assert all(r["ok"] for r in first.values()), first
    injected = platform.faults.injected
    assert injected["429"] > 0 and injected["500"] > 0 and injected["timeout"] > 0
    prefixes = {"TB": 63, "JD": 30, "DY": 30, "PDD": 31, "POS": 30, "WX": 3}
    for prefix, expected in prefixes.items():
        assert (
            count(store, f"SELECT count(*) FROM \"home_ecommerce\".orders WHERE order_no LIKE '{prefix}%'")
            == expected
        ), prefix
    assert count(store, 'SELECT count(*) FROM "home_ecommerce".orders') == before + sum(prefixes.values())
    assert first["taobao_platform_api"]["counts"]["duplicates"] == 1
    assert first["jd_platform_api"]["counts"]["duplicates"] == 1
    assert first["taobao_platform_api"]["counts"]["presale_parts"] == 2
    assert first["taobao_platform_api"]["counts"]["new"] == 63

    # Mapped fields of one order of each platform, against what the platform holds.
    tb7 = platform.orders["taobao"][6]
    row = orders(store, ws, "order_no = ?", [f"TB{tb7.id}"]).row(0, named=True)
    assert (row["customer_name"], row["phone"], row["province"], row["city"], row["address"]) == (
        tb7.name, tb7.phone, tb7.province, tb7.city, tb7.address)  # fmt: skip
    assert (row["sku"], row["qty"], float(row["unit_price"]), row["ordered_at"], row["paid_at"]) == (
        tb7.sku, tb7.qty, tb7.price, tb7.created, tb7.paid)  # fmt: skip
    assert (row["status"], row["channel"], row["non_sale"]) == ("picking", "taobao", False)
    dy3 = platform.orders["douyin"][2]
    row = orders(store, ws, "order_no = ?", [f"DY{dy3.id}"]).row(0, named=True)
    assert (float(row["unit_price"]), row["ordered_at"], row["status"], row["channel"]) == (
        dy3.price,
        dy3.created,
        "signed",
        "douyin",
    )
    jd2 = platform.orders["jd"][1]
    assert orders(store, ws, "order_no = ?", [f"JD{jd2.id}"])["status"].to_list() == ["shipped"]

    # Duplicates merged into the first order; their source ids are linked to it.
    links = (
        store.cursor()
        .execute(
            "SELECT connector, external_id, record_key FROM _channel_links WHERE role = 'duplicate' ORDER BY connector"
        )
        .fetchall()
    )
    tb = platform.orders["taobao"]
    assert links == [
        ("jd_platform_api", platform.orders["jd"][30].id, f"TB{tb[9].id}"),
        ("taobao_platform_api", tb[60].id, f"TB{tb[4].id}"),
    ]
    # Presale: deposit + balance = one main order with both payments.
    main = orders(store, ws, "order_no = 'TBPS62'").row(0, named=True)
    assert float(main["unit_price"]) == 500.0
    assert float(orders(store, ws, "order_no = 'PDDPP31'")["unit_price"][0]) == 100.0
    # Gift flagged as non-sale; only that one.
    flagged = orders(store, ws, "non_sale")["order_no"].to_list()
    assert flagged == [f"TB{tb[63].id}"]
    # The privacy number became the customer's real phone and customer.
    vip_key, vip_phone = known["vip"]
    privacy = orders(store, ws, "order_no = ?", [f"TB{tb[64].id}"]).row(0, named=True)
    assert (privacy["phone"], privacy["customer_no"]) == (vip_phone, vip_key)
    # POS receipts: one order per line, done at the till; chat: confident messages only, one per item.
    pos = orders(store, ws, "order_no LIKE 'POS%'")
    assert set(pos["status"]) == {"signed"} and set(pos["channel"]) == {"pos"}
    assert "POSR1000-1" in pos["order_no"].to_list()
    chat = orders(store, ws, "order_no LIKE 'WX%'")
    assert chat["order_no"].to_list() == ["WXm1-1", "WXm2-1", "WXm2-2"]
    assert chat["qty"].to_list() == [30, 5, 2]
    assert set(chat["customer_no"]) == {known["chat"]}
    assert first["wechat"]["counts"]["review"] == 1

    # Second sync: nothing new, nothing changed, nothing duplicated.
    audit_before = count(store, "SELECT count(*) FROM _audit_log")
    total = count(store, 'SELECT count(*) FROM "home_ecommerce".orders')
    second = _sync_all(store, ws)
    for name, result in second.items():
        assert result["ok"], result["error"]
        assert result["counts"]["new"] == 0 and result["counts"]["updated"] == 0, (name, result["counts"])
    assert count(store, 'SELECT count(*) FROM "home_ecommerce".orders') == total
    assert count(store, "SELECT count(*) FROM _audit_log") == audit_before
    assert count(store, "SELECT count(*) FROM _channel_links") == 65 + 31 + 30 + 32 + 30 + 3
    assert len(runs(store, ws, "taobao_platform_api")) == 2


def test_a_failed_fetch_applies_nothing_and_the_next_sync_gets_it_all(store, seeded, platform):
    ws = with_connectors(store, seeded, *api_connectors(seeded, platform.url)[:1])
    codes = skus(store, ws)
    platform.orders["taobao"] = [order("taobao", n, codes[n % 20]) for n in range(1, 41)]
    platform.faults = Faults(error_every=1)  # every request fails
    failed = run_sync(store, ws, "taobao_platform_api", NOW, quick_retry())
    assert not failed["ok"] and "gave up after 8 attempts (HTTP 500)" in failed["error"]
    assert count(store, "SELECT count(*) FROM \"home_ecommerce\".orders WHERE order_no LIKE 'TB%'") == 0
    assert get_cursor(store, ws, "taobao_platform_api") == {}
    assert runs(store, ws, "taobao_platform_api")[0]["ok"] is False

    platform.faults = Faults()
    done = run_sync(store, ws, "taobao_platform_api", NOW, quick_retry())
    assert done["ok"] and done["counts"]["new"] == 40
    assert get_cursor(store, ws, "taobao_platform_api")["modified"] == max(
        o.modified for o in platform.orders["taobao"]
    ).isoformat(sep=" ")


def test_incremental_sync_fetches_only_what_changed(store, seeded, platform):
    ws = with_connectors(store, seeded, *api_connectors(seeded, platform.url)[:1])
    codes = skus(store, ws)
    platform.orders["taobao"] = [order("taobao", n, codes[n % 20]) for n in range(1, 31)]
    assert run_sync(store, ws, "taobao_platform_api", NOW, quick_retry())["counts"]["new"] == 30
    from sample_data.fake_platform import code_for, modified_later

    changed = modified_later(
        platform.orders["taobao"][0], minutes=60 * 24, status=code_for("taobao", "shipped")
    )
    platform.orders["taobao"][0] = changed
    again = run_sync(store, ws, "taobao_platform_api", NOW, quick_retry())
    # The changed order plus the one sharing the cursor's second (the overlap that loses nothing).
    assert again["counts"]["fetched"] <= 2 and again["counts"]["updated"] == 1
    assert orders(store, ws, "order_no = ?", [f"TB{changed.id}"])["status"].to_list() == ["shipped"]


def test_a_page_token_cursor_reads_on_from_where_it_stopped(store, seeded, platform):
    """视频号小店: order ids in token pages, each order read by id; the last next_key is the cursor."""
    from connectors.presets import preset as make
    from sample_data.fake_platform import code_for, modified_later

    conn = make(seeded, "platform_api", "wechat")
    conn = conn.model_copy(update={"url": platform.url, "options": conn.options | {"page_size": 7}})
    ws = with_connectors(store, seeded, conn)
    codes = skus(store, ws)
    platform.faults = Faults(rate_limit_every=5, error_every=9)
    platform.orders["wechat"] = [order("wechat", n, codes[n % 20]) for n in range(1, 24)]
    first = run_sync(store, ws, conn.name, NOW, quick_retry())
    assert first["ok"] and first["counts"]["new"] == 23 and first["counts"]["fetched"] == 23
    latest = max(platform.orders["wechat"], key=lambda o: (o.modified, o.id))
    assert first["cursor"]["next_key"].endswith(f":{latest.id}")
    row = orders(store, ws, "order_no = ?", [f"SPH{latest.id}"]).row(0, named=True)
    assert (row["channel"], row["status"], float(row["unit_price"]), row["ordered_at"]) == (
        "wechat", "picking", latest.price, latest.created)  # fmt: skip
    # Nothing changed: the token finds nothing after it. One order shipped: only it is read again.
    assert run_sync(store, ws, conn.name, NOW, quick_retry())["counts"]["fetched"] == 0
    platform.orders["wechat"][3] = modified_later(
        platform.orders["wechat"][3], 60 * 24, status=code_for("wechat", "shipped")
    )
    again = run_sync(store, ws, conn.name, NOW, quick_retry())
    assert (again["counts"]["fetched"], again["counts"]["updated"]) == (1, 1)
    assert (
        orders(store, ws, "order_no = ?", [f"SPH{platform.orders['wechat'][3].id}"])["status"][0] == "shipped"
    )
