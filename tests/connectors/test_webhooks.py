"""Webhook pushes over real HTTP (the app's routes served by uvicorn on 127.0.0.1): each caller's own token,
clear refusals, pushed orders and WMS status events applied through the queue."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette

from connectors.presets import preset
from connectors.sync import DRAIN_LOCK
from connectors.webhooks import routes
from engine.intake.queue import depth
from engine.intake.tokens import issue_token, revoke_token
from sample_data.fake_platform import RENDER
from tests.conftest import ADMIN, OPERATOR
from tests.connectors.conftest import order, orders, skus, with_connectors


@pytest.fixture
def hooks(store) -> Iterator[str]:
    config = uvicorn.Config(
        Starlette(routes=routes(lambda: store)), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    # Each accepted push starts a drain thread; the store must outlive them (it is closed right after this).
    for drain in [t for t in threading.enumerate() if "drain_now" in t.name]:
        drain.join(timeout=30)


def _post(url: str, body: Any, token: str | None = None) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_drained(store, ws) -> None:
    """Until the queue is empty and the route's drain thread has finished (it holds the drain lock while it
    applies deferred fields and commits): a store closed under a running drain crashed the test process."""
    deadline = time.time() + 30
    while time.time() < deadline:
        if not depth(store, ws) and DRAIN_LOCK.acquire(blocking=False):
            DRAIN_LOCK.release()
            return
        time.sleep(0.05)
    raise AssertionError("the intake queue was not drained within 30 s")


@pytest.fixture
def pushed(store, seeded):
    conns = [
        preset(seeded, "webhook", "taobao", name="tb_push"),
        preset(seeded, "webhook", name="wms_push", source="wms"),
    ]
    return with_connectors(store, seeded, *conns)


def test_pushed_orders_and_status_events_land_once(store, pushed, hooks):
    ws = pushed
    tb_token = issue_token(store, ws, "tb_push", "taobao-open", ADMIN)
    wms_token = issue_token(store, ws, "wms_push", "wms-east", ADMIN)
    codes = skus(store, ws)
    trades = [RENDER["taobao"](order("taobao", n, codes[n % 20])) for n in range(1, 21)]
    url = f"{hooks}/api/hooks/{ws.name}/tb_push"
    status, answer = _post(url, {"items": trades}, tb_token)
    assert (status, answer["accepted"], answer["caller"], answer["rejected"]) == (202, 20, "taobao-open", [])
    _post(url, trades[:5], tb_token)  # a platform retrying a push
    _wait_drained(store, ws)
    landed = orders(store, ws, "order_no LIKE 'TB%'")
    assert landed.height == 20 and set(landed["status"]) == {"picking"}

    key = f"TB{trades[0]['tid_str']}"
    status, answer = _post(
        f"{hooks}/api/hooks/{ws.name}/wms_push",
        [
            {"order_no": key, "status": "已出库", "time": "2026-11-23 09:00:00"},
            {"order_no": "nope", "status": "已出库"},
        ],
        wms_token,
    )
    assert status == 202 and answer["accepted"] == 2
    _wait_drained(store, ws)
    assert orders(store, ws, "order_no = ?", [key])["status"].to_list() == ["shipped"]
    rejects = store.cursor().execute("SELECT connector, external_id, reason FROM _sync_rejects").fetchall()
    assert rejects == [
        ("wms_push", "nope", "no order 'nope' found (by order number, channel order id or tracking number)")
    ]


def test_tokens_are_per_caller_and_checked(store, pushed, hooks):
    ws = pushed
    token = issue_token(store, ws, "tb_push", "taobao-open", ADMIN)
    other = issue_token(store, ws, "wms_push", "wms-east", ADMIN)
    url = f"{hooks}/api/hooks/{ws.name}/tb_push"
    assert _post(url, [], None)[0] == 401
    assert _post(url, [], "wrong")[0] == 401
    assert _post(url, [], other)[0] == 401  # another connector's token
    assert _post(f"{hooks}/api/hooks/{ws.name}/nope", [], token) == (
        404,
        {"error": f"workspace {ws.name!r} has no connector 'nope'"},
    )
    assert _post(url, b"{not json", token)[0] == 400
    assert _post(url, [1, 2], token) == (400, {"error": "every pushed item must be a JSON object"})
    assert _post(url, [], token)[0] == 202
    revoke_token(store, ws, "tb_push", "taobao-open", ADMIN)
    assert _post(url, [], token)[0] == 401
    with pytest.raises(Exception, match="may not issue webhook tokens"):
        issue_token(store, ws, "tb_push", "x", OPERATOR)


def test_a_push_with_bad_rows_reports_each_reason(store, pushed, hooks):
    ws = pushed
    token = issue_token(store, ws, "tb_push", "taobao-open", ADMIN)
    good = RENDER["taobao"](order("taobao", 1, skus(store, ws)[0]))
    no_id = dict(good, tid_str=None, tid=None)
    odd_status = dict(good, tid_str="999", status="WEIRD_STATUS")
    status, answer = _post(f"{hooks}/api/hooks/{ws.name}/tb_push", [good, no_id, odd_status], token)
    assert status == 202 and answer["accepted"] == 1
    assert [r["reason"] for r in answer["rejected"]] == [
        "no order id (source field 'tid_str' is empty)",
        "status WEIRD_STATUS is not mapped to a state (add it to connectors.tb_push.statuses)",
    ]
