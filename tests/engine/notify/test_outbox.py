"""Outbox delivery against a local receiver that checks bodies and signatures like the vendors."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine.auth import Actor
from engine.notify.channels import Channel, Message, dingtalk_sign, feishu_sign
from engine.notify.inbox import inbox_messages, mark_read
from engine.notify.outbox import backoff, deliver_due, enqueue, outbox_rows, retry_dead, save_channel
from engine.storage.store import Store
from tests.conftest import ADMIN, NOW, OPERATOR, WAREHOUSE
from tests.engine.notify.receiver import SECRET_DING, SECRET_FEISHU, SECRET_HOOK, Receiver

SHARED = Path(__file__).resolve().parents[3].parent / "shared"


def _vectors() -> dict:
    import os

    base = Path(os.environ.get("ORDERHUB_SHARED", SHARED))
    return json.loads((base / "testdata" / "webhooks" / "sign_vectors.json").read_text(encoding="utf-8"))


def test_signatures_match_the_vendor_vectors() -> None:
    vectors = _vectors()
    for v in vectors["dingtalk"]:
        assert dingtalk_sign(v["timestamp"], v["secret"]) == v["sign_urlencoded"]
    for v in vectors["feishu"]:
        assert feishu_sign(v["timestamp"], v["secret"]) == v["sign"]
    wrong = vectors["_wrong_feishu_if_dingtalk_style_used"]["value"]
    assert all(feishu_sign(v["timestamp"], v["secret"]) != wrong for v in vectors["feishu"])


def _channels(store: Store, receiver: Receiver, ding_secret: str = SECRET_DING) -> None:
    for name, kind, path, secret in [
        ("wecom_ops", "wecom", "/wecom?key=abc", ""),
        ("ding_ops", "dingtalk", "/dingtalk?access_token=t1", ding_secret),
        ("feishu_ops", "feishu", "/feishu", SECRET_FEISHU),
        ("erp_hook", "webhook", "/hook", SECRET_HOOK),
    ]:
        save_channel(
            store, "demo", Channel(name=name, kind=kind, url=receiver.base + path, secret=secret), ADMIN
        )


def _send(store: Store, channels: list[str], title: str = "付款超2小时未发货") -> None:
    message = Message(title, "订单 SO202611230001 仓库 华东仓", "yellow", "demo", "orders", 7, 3)
    with store.transaction() as cur:
        enqueue(cur, "demo", message, NOW, roles=["warehouse"], channels=channels)


def test_every_channel_delivers_signed_bodies(store: Store, receiver: Receiver) -> None:
    _channels(store, receiver)
    _send(store, ["wecom_ops", "ding_ops", "feishu_ops", "erp_hook"])
    report = deliver_due(store, NOW)
    assert (report.delivered, report.retried, report.dead) == (4, 0, 0), report.errors
    assert "付款超2小时未发货" in receiver.bodies("/wecom")[0]["markdown"]["content"]
    assert receiver.bodies("/dingtalk")[0]["markdown"]["title"] == "付款超2小时未发货"
    assert "SO202611230001" in receiver.bodies("/feishu")[0]["content"]["text"]
    hook = receiver.bodies("/hook")[0]
    assert (hook["record_id"], hook["alert_id"], hook["level"]) == (7, 3, "yellow")
    # Delivered once: a second pass sends nothing.
    assert deliver_due(store, NOW + timedelta(hours=1)).delivered == 0
    assert len(receiver.received) == 4


def test_a_failing_endpoint_is_retried_with_backoff_then_delivered(store: Store, receiver: Receiver) -> None:
    _channels(store, receiver)
    receiver.failures_left["/hook"] = 2
    _send(store, ["erp_hook"])
    assert deliver_due(store, NOW).retried == 1
    assert deliver_due(store, NOW).retried == 0  # not due yet: waits its backoff
    assert deliver_due(store, NOW + backoff(1)).retried == 1
    report = deliver_due(store, NOW + backoff(1) + backoff(2))
    assert report.delivered == 1
    (row,) = outbox_rows(store, "demo")
    assert (row["status"], row["attempts"]) == ("delivered", 3)
    assert [r["accepted"] for r in receiver.received] == [False, False, True]


def test_a_refused_signature_ends_dead_lettered_but_kept(store: Store, receiver: Receiver) -> None:
    _channels(store, receiver, ding_secret="SECwrong")
    _send(store, ["ding_ops"])
    moment = NOW
    for _ in range(6):
        deliver_due(store, moment, max_attempts=6)
        moment += timedelta(hours=2)
    (row,) = outbox_rows(store, "demo")
    assert row["status"] == "dead" and row["attempts"] == 6
    assert "310000" in row["last_error"] and "sign not match" in row["last_error"]
    assert len(receiver.received) == 6
    # Fixed and requeued, it goes out: nothing was lost.
    _channels(store, receiver)
    with pytest.raises(Exception, match="may not re-send"):
        retry_dead(store, [row["id"]], moment, OPERATOR)
    assert retry_dead(store, [row["id"]], moment, ADMIN) == 1
    assert deliver_due(store, moment).delivered == 1


def test_unreachable_and_unknown_channels(store: Store, receiver: Receiver) -> None:
    save_channel(store, "demo", Channel(name="down", kind="webhook", url="http://127.0.0.1:9/x"), ADMIN)
    _send(store, ["down", "nowhere"])
    report = deliver_due(store, NOW)
    assert report.retried == 1 and report.dead == 1
    errors = " ".join(report.errors)
    assert "no channel called 'nowhere'" in errors and "#" in errors


def test_only_admins_and_builders_configure_channels(store: Store, receiver: Receiver) -> None:
    with pytest.raises(Exception, match="may not configure"):
        save_channel(store, "demo", Channel(name="x", kind="wecom", url=receiver.base), OPERATOR)
    with pytest.raises(Exception, match="unknown channel kind"):
        save_channel(store, "demo", Channel(name="x", kind="slack", url=receiver.base), ADMIN)


def test_inbox_reaches_roles_and_users(store: Store) -> None:
    message = Message("库存低于安全库存", "SKU BP-001", "yellow", "demo")
    with store.transaction() as cur:
        enqueue(cur, "demo", message, NOW, roles=["warehouse"])
        enqueue(cur, "demo", Message("请核对", "订单 SO1", "info", "demo"), NOW, users=["op1"])
    assert [m["title"] for m in inbox_messages(store, "demo", WAREHOUSE)] == ["库存低于安全库存"]
    mine = inbox_messages(store, "demo", OPERATOR)
    assert [m["title"] for m in mine] == ["请核对"] and not mine[0]["read"]
    mark_read(
        store,
        "demo",
        OPERATOR,
        [m["id"] for m in mine] + [m["id"] for m in inbox_messages(store, "demo", WAREHOUSE)],
    )
    assert inbox_messages(store, "demo", OPERATOR, unread_only=True) == []
    # Another user's read mark does not touch the warehouse's message.
    assert not inbox_messages(store, "demo", Actor("wh2", frozenset({"warehouse"})))[0]["read"]


def test_channel_forms_name_the_bad_field() -> None:
    from engine.errors import AuthoringError
    from engine.notify.channels import channel_from_form

    with pytest.raises(AuthoringError) as info:
        channel_from_form("ops group", "wecom", "not a url")
    paths = {p.path for p in info.value.problems}
    assert paths == {"name", "url"}
    with pytest.raises(AuthoringError, match="unknown channel kind 'slack'"):
        channel_from_form("ops", "slack", "https://x.invalid")
    assert channel_from_form(" ops ", "feishu", " https://open.feishu.cn/x ", "s").name == "ops"
