"""Chat feed into orders: confident messages become orders (one per item, with the customer's details and the
SKU's price), unsure ones wait for a person who accepts (corrected) or dismisses them."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from connectors.chat import decide_review
from connectors.presets import preset
from connectors.sync import drain_now, run_sync
from engine.errors import ConflictError, RefusedError
from engine.intake.chat_reviews import review_queue
from engine.records.bulk import bulk_upsert
from engine.records.history import record_history
from tests.conftest import ADMIN, NOW, TEMP
from tests.connectors.conftest import customers, orders, set_customer, skus, with_connectors


@pytest.fixture
def chat(store, seeded, tmp_path):
    codes = skus(store, seeded)
    key, name, phone = customers(store, seeded)[5]
    set_customer(store, seeded, key, aliases="赵总")
    bulk_upsert(
        store,
        seeded,
        "skus",
        pl.DataFrame({"sku_code": codes[:2], "aliases": ["转向节", "刹车片"]}),
        ADMIN,
        NOW,
    )
    folder = tmp_path / "chat"
    folder.mkdir()
    messages = [
        {"id": "a1", "text": "赵总 发300件转向节,11月30日前到", "time": "2026-11-22 09:00:00"},
        {"id": "a2", "text": "赵总 转向结 20件", "time": "2026-11-22 10:00:00"},
        {"id": "a3", "text": "好的收到", "time": "2026-11-22 11:00:00"},
    ]
    (folder / "feed.jsonl").write_text(
        "\n".join(json.dumps(m, ensure_ascii=False) for m in messages), "utf-8"
    )
    conn = preset(seeded, "chat", name="wecom").model_copy(update={"folder": str(folder)})
    return with_connectors(store, seeded, conn), {"customer": (key, name, phone), "codes": codes}


def test_confident_messages_become_orders_and_unsure_ones_wait(store, chat):
    ws, known = chat
    result = run_sync(store, ws, "wecom", NOW)
    assert (result["counts"]["new"], result["counts"]["review"]) == (1, 1)
    row = orders(store, ws, "order_no = 'WXa1-1'").row(0, named=True)
    key, name, phone = known["customer"]
    assert (row["customer_no"], row["customer_name"], row["phone"], row["sku"], row["qty"]) == (
        key,
        name,
        phone,
        known["codes"][0],
        300,
    )
    assert row["promised_at"] == datetime(2026, 11, 30, 18, 0)
    assert (
        row["channel"] == "wechat"
        and row["remarks"] == "聊天下单: 赵总 发300件转向节,11月30日前到 (单位: 件)"
    )
    [waiting] = review_queue(store, ws)
    assert waiting["message_id"] == "a2" and waiting["parsed"]["items"][0]["sku"] == known["codes"][0]
    assert "approximate" in waiting["reason"]

    # The person corrects the quantity and accepts: the order goes through the same intake.
    corrected = waiting["parsed"] | {"items": [{"sku": known["codes"][1], "qty": 25, "unit": "套"}]}
    done = decide_review(store, ws, waiting["id"], ADMIN, True, corrected, NOW)
    assert done == {"review": waiting["id"], "status": "accepted", "queued": 1}
    drain_now(store, ws, NOW)
    row = orders(store, ws, "order_no = 'WXa2-1'").row(0, named=True)
    assert (row["sku"], row["qty"], row["customer_no"]) == (known["codes"][1], 25, key)
    assert review_queue(store, ws) == [] and len(review_queue(store, ws, "accepted")) == 1
    with pytest.raises(ConflictError):
        decide_review(store, ws, waiting["id"], ADMIN, False)


def test_dismissing_and_who_may_decide(store, chat):
    ws, _ = chat
    run_sync(store, ws, "wecom", NOW)
    [waiting] = review_queue(store, ws)
    with pytest.raises(RefusedError, match="may not decide chat reviews"):
        decide_review(store, ws, waiting["id"], TEMP, False)
    with pytest.raises(RefusedError, match="needs a customer"):
        decide_review(store, ws, waiting["id"], ADMIN, True, {"customer": None, "items": []})
    assert decide_review(store, ws, waiting["id"], ADMIN, False)["status"] == "dismissed"
    assert orders(store, ws, "order_no LIKE 'WXa2%'").is_empty()
    # Syncing again neither re-reads the file nor re-queues the message.
    assert run_sync(store, ws, "wecom", NOW)["counts"]["fetched"] == 0
    assert review_queue(store, ws) == []


def _feed(folder, name, messages):
    (folder / name).write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in messages), "utf-8")


def test_a_change_or_cancellation_waits_as_an_edit_of_the_open_order(store, chat, tmp_path):
    ws, _ = chat
    run_sync(store, ws, "wecom", NOW)
    drain_now(store, ws, NOW)
    placed = orders(store, ws, "order_no = 'WXa1-1'").row(0, named=True)
    [typo] = review_queue(store, ws)
    decide_review(store, ws, typo["id"], ADMIN, False)
    _feed(
        tmp_path / "chat",
        "feed2.jsonl",
        [
            {"id": "c1", "text": "赵总 昨天那单转向节改成200件", "time": "2026-11-23 09:00:00"},
            {"id": "c2", "text": "赵总 转向节那单不要了，不好意思🙏", "time": "2026-11-23 10:00:00"},
        ],
    )
    result = run_sync(store, ws, "wecom", NOW)
    assert (result["counts"]["new"], result["counts"]["review"]) == (0, 2)
    change, cancel = sorted(review_queue(store, ws), key=lambda r: r["message_id"])
    assert change["parsed"]["intent"] == "change" and cancel["parsed"]["intent"] == "cancel"
    # Both point at the order the chat placed: the customer's newest open order of that SKU.
    assert change["parsed"]["edit"]["record_id"] == placed["_id"] == cancel["parsed"]["edit"]["record_id"]
    assert change["parsed"]["edit"]["changes"] == {"qty": 200}
    assert change["parsed"]["edit"]["order"]["qty"] == 300

    done = decide_review(store, ws, change["id"], ADMIN, True, None, NOW)
    assert done["edited"] == placed["_id"] and done["queued"] == 0
    after = orders(store, ws, "order_no = 'WXa1-1'").row(0, named=True)
    assert after["qty"] == 200 and orders(store, ws, "order_no LIKE 'WXc%'").is_empty()
    [last, *_] = record_history(store, ws, "orders", placed["_id"], ADMIN)
    assert (last.action, last.changes, last.note) == (
        "update",
        {"qty": {"before": 300, "after": 200}},
        "chat",
    )

    # The cancellation was read before the change landed: refused as stale, then shown afresh.
    with pytest.raises(ConflictError):
        decide_review(store, ws, cancel["id"], ADMIN, True, None, NOW)
    [fresh] = review_queue(store, ws)
    assert fresh["parsed"]["edit"]["version"] == after["_version"]
    decide_review(store, ws, fresh["id"], ADMIN, True, None, NOW)
    cancelled = orders(store, ws, "order_no = 'WXa1-1'").row(0, named=True)
    state = ws.require_table("orders").flow.state(cancelled["status"])
    assert state.category == "cancelled"


def test_a_price_question_is_never_accepted_as_an_order(store, chat, tmp_path):
    ws, _ = chat
    _feed(
        tmp_path / "chat",
        "feed.jsonl",
        [{"id": "q1", "text": "赵总 转向节 300件 先报个价", "time": "2026-11-23 09:00:00"}],
    )
    assert run_sync(store, ws, "wecom", NOW)["counts"]["new"] == 0
    [question] = review_queue(store, ws)
    assert question["parsed"]["intent"] == "quote" and "edit" not in question["parsed"]
    with pytest.raises(RefusedError, match="not an order"):
        decide_review(store, ws, question["id"], ADMIN, True, None, NOW)
    assert orders(store, ws, "order_no LIKE 'WXq1%'").is_empty()
