"""A fake e-commerce platform on 127.0.0.1 for connector tests, demos and the benchmark: Taobao, JD, Douyin and
Pinduoduo order-list APIs with their envelopes, field names and status codes, paged and filtered by modified
time; it rate-limits (HTTP 429 with Retry-After), fails (HTTP 500) and stalls (timeouts) on a schedule."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from connectors.platforms import APIS, ApiSpec

FMT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Order:
    """One order as the platform knows it; `payload` renders it in the platform's own shape."""

    id: str
    status: str  # the platform's code
    name: str
    phone: str
    province: str
    city: str
    address: str
    sku: str
    title: str
    qty: int
    price: float
    created: datetime
    paid: datetime | None
    modified: datetime
    remarks: str = ""
    presale_id: str | None = None
    presale_part: str | None = None  # "deposit" | "balance"


BEIJING = ZoneInfo("Asia/Shanghai")


def _unix(t: datetime | None) -> int | None:
    # Platforms' times are Beijing time; their unix seconds are true epoch seconds.
    return int(t.replace(tzinfo=BEIJING).timestamp()) if t else None


def _text(t: datetime | None) -> str | None:
    return t.strftime(FMT) if t else None


def _taobao(o: Order) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tid": int(o.id), "tid_str": o.id, "status": o.status, "payment": f"{o.price * o.qty:.2f}",
        "receiver_name": o.name, "receiver_mobile": o.phone, "receiver_state": o.province,
        "receiver_city": o.city, "receiver_address": o.address, "created": _text(o.created),
        "pay_time": _text(o.paid), "modified": _text(o.modified), "buyer_message": o.remarks,
        "orders": {"order": [{"oid": int(o.id) + 1, "title": o.title, "price": f"{o.price:.2f}", "num": o.qty,
                               "outer_sku_id": o.sku, "refund_status": "NO_REFUND", "status": o.status}]},
    }  # fmt: skip
    if o.presale_id:
        out |= {"presale_id": o.presale_id, "presale_part": o.presale_part}
    return out


def _jd(o: Order) -> dict[str, Any]:
    return {
        "orderId": o.id, "venderId": "10086", "orderState": o.status, "orderTotalPrice": f"{o.price * o.qty:.2f}",
        "orderPayment": f"{o.price * o.qty:.2f}", "orderStartTime": _text(o.created),
        "paymentConfirmTime": _text(o.paid), "modified": _text(o.modified), "orderRemark": o.remarks,
        "consigneeInfo": {"fullname": o.name, "mobile": o.phone, "province": o.province, "city": o.city,
                          "fullAddress": o.address},
        "itemInfoList": [{"skuId": "1000" + o.sku[-4:], "skuName": o.title, "jdPrice": f"{o.price:.2f}",
                          "itemTotal": str(o.qty), "outerSkuId": o.sku}],
    }  # fmt: skip


def _douyin(o: Order) -> dict[str, Any]:
    return {
        "order_id": o.id, "order_status": int(o.status), "main_status": int(o.status),
        "pay_amount": round(o.price * o.qty * 100), "create_time": _unix(o.created), "pay_time": _unix(o.paid),
        "update_time": _unix(o.modified), "mask_post_receiver": o.name, "mask_post_tel": o.phone,
        "mask_post_addr": {"province": {"id": "44", "name": o.province}, "city": {"id": "4401", "name": o.city},
                           "detail": o.address},
        "buyer_words": o.remarks,
        "sku_order_list": [{"order_id": o.id + "1", "parent_order_id": o.id, "product_name": o.title,
                            "code": o.sku, "item_num": o.qty, "goods_price": round(o.price * 100)}],
    }  # fmt: skip


def _pdd(o: Order) -> dict[str, Any]:
    out: dict[str, Any] = {
        "order_sn": o.id, "order_status": int(o.status), "refund_status": 1, "trade_type": 0,
        "goods_amount": round(o.price * o.qty, 2), "pay_amount": round(o.price * o.qty, 2),
        "created_time": _text(o.created), "pay_time": _text(o.paid), "updated_at": _text(o.modified),
        "receiver_name": o.name, "receiver_phone": o.phone, "province": o.province, "city": o.city,
        "address": o.address, "buyer_memo": o.remarks,
        "item_list": [{"goods_name": o.title, "goods_count": o.qty, "goods_price": o.price, "outer_id": o.sku}],
    }  # fmt: skip
    if o.presale_id:
        out |= {"presale_id": o.presale_id, "trade_type": 1 if o.presale_part == "deposit" else 0}
    return out


def _wechat(o: Order) -> dict[str, Any]:
    return {
        "order_id": o.id, "status": int(o.status), "create_time": _unix(o.created), "update_time": _unix(o.modified),
        "order_detail": {
            "product_infos": [{"product_id": "10000" + o.sku[-4:], "sku_id": "20000" + o.sku[-4:], "title": o.title,
                               "sku_cnt": o.qty, "sale_price": round(o.price * 100), "sku_code": o.sku}],
            "price_info": {"order_price": round(o.price * o.qty * 100), "freight": 0},
            "pay_info": {"pay_time": _unix(o.paid)},
            "delivery_info": {"address_info": {"user_name": o.name, "tel_number": o.phone, "province_name": o.province,
                                               "city_name": o.city, "county_name": "", "detail_info": o.address}},
            "ext_info": {"customer_notes": o.remarks},
        },
    }  # fmt: skip


RENDER = {"taobao": _taobao, "jd": _jd, "douyin": _douyin, "pdd": _pdd, "wechat": _wechat}


def _position(o: Order) -> str:
    return f"{_unix(o.modified)}:{o.id}"


def code_for(platform: str, meaning: str) -> str:
    """The platform's first status code with this meaning (paid, shipped, signed, cancelled)."""
    return next(code for code, m in APIS[platform].statuses.items() if m == meaning)


def envelope(platform: str, items: list[dict[str, Any]], page: int, size: int, total: int) -> dict[str, Any]:
    spec = APIS[platform]
    has_next = (page - spec.first_page + 1) * size < total
    if platform == "taobao":
        return {
            "trades_sold_get_response": {
                "total_results": total,
                "has_next": has_next,
                "trades": {"trade": items},
            }
        }
    if platform == "jd":
        return {
            "jingdong_pop_order_search_responce": {
                "code": "0",
                "searchorderinfo_result": {
                    "apiResult": {"success": True},
                    "orderInfoList": items,
                    "orderTotal": total,
                },
            }
        }
    if platform == "douyin":
        return {
            "code": 10000,
            "msg": "success",
            "data": {"shop_order_list": items, "page": page, "size": size, "total": total},
        }
    return {"order_list_get_response": {"order_list": items, "total_count": total, "has_next": has_next}}


@dataclass
class Faults:
    """Every n-th request of a kind fails that way (0 = never); counts what was injected."""

    rate_limit_every: int = 0
    error_every: int = 0
    timeout_every: int = 0
    stall_s: float = 1.5
    retry_after: str = "0.05"
    injected: dict[str, int] = field(default_factory=lambda: {"429": 0, "500": 0, "timeout": 0})


class FakePlatform:
    """The server: `orders[platform]` is what each platform holds; change it between syncs."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.orders: dict[str, list[Order]] = {p: [] for p in APIS}
        self.faults = faults or Faults()
        self.requests = 0
        self.served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakePlatform:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            n, f = self.requests, self.faults
        for kind, every in (
            ("429", f.rate_limit_every),
            ("500", f.error_every),
            ("timeout", f.timeout_every),
        ):
            if every and n % every == 0:
                f.injected[kind] += 1
                return kind
        return None

    def token_page(self, platform: str, spec: ApiSpec, query: dict[str, str]) -> dict[str, Any]:
        """视频号小店 style: order ids after the next_key (modified time, then id), and the next next_key."""
        size = int(query.get(spec.size_param, 10))
        token = query.get(spec.token_param, "")
        after = (int(token.split(":")[0]), token.split(":", 1)[1]) if token else (-1, "")
        chosen = sorted(
            (o for o in self.orders[platform] if (_unix(o.modified) or 0, o.id) > after),
            key=lambda o: (o.modified, o.id),
        )
        page = chosen[:size]
        return {
            "errcode": 0,
            "errmsg": "ok",
            "order_id_list": [o.id for o in page],
            "next_key": _position(page[-1]) if page else token,
            "has_more": len(chosen) > size,
        }

    def detail(self, platform: str, order_id: str) -> dict[str, Any]:
        found = next((o for o in self.orders[platform] if o.id == order_id), None)
        if found is None:
            return {"errcode": 100002, "errmsg": f"order {order_id} not found"}
        with self._lock:
            self.served[platform] = self.served.get(platform, 0) + 1
        return {"errcode": 0, "errmsg": "ok", "order": RENDER[platform](found)}

    def page(self, platform: str, spec: ApiSpec, query: dict[str, str]) -> dict[str, Any]:
        page = int(query.get(spec.page_param, spec.first_page))
        size = int(query.get(spec.size_param, 40))
        since_raw = query.get(spec.since_param)
        if since_raw is None:
            since = datetime.min
        elif spec.since_unix:
            since = datetime.fromtimestamp(int(since_raw), BEIJING).replace(tzinfo=None)
        else:
            since = datetime.strptime(since_raw, FMT)
        chosen = sorted(
            (o for o in self.orders[platform] if o.modified >= since), key=lambda o: (o.modified, o.id)
        )
        start = (page - spec.first_page) * size
        items = [RENDER[platform](o) for o in chosen[start : start + size]]
        with self._lock:
            self.served[platform] = self.served.get(platform, 0) + len(items)
        return envelope(platform, items, page, size, len(chosen))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform_of = {spec.path: name for name, spec in APIS.items()}
        details = {spec.detail_path: name for name, spec in APIS.items() if spec.detail_path}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                platform = platform_of.get(url.path) or details.get(url.path)
                if platform is None:
                    self._send(
                        404, {"error_response": {"error_code": 404, "error_msg": f"no API at {url.path}"}}
                    )
                    return
                fault = outer._fault()
                if fault == "429":
                    self._send(429, {"error_response": {"error_code": 7, "error_msg": "App Call Limited"}},
                               {"Retry-After": outer.faults.retry_after})  # fmt: skip
                    return
                if fault == "500":
                    self._send(
                        500, {"error_response": {"error_code": 15, "error_msg": "Remote service error"}}
                    )
                    return
                if fault == "timeout":
                    time.sleep(outer.faults.stall_s)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                spec = APIS[platform]
                if url.path in details:
                    self._send(200, outer.detail(platform, query.get(spec.detail_id_param, "")))
                elif spec.token_param:
                    self._send(200, outer.token_page(platform, spec, query))
                else:
                    self._send(200, outer.page(platform, spec, query))

        return Handler


def modified_later(order: Order, minutes: int = 10, **changes: Any) -> Order:
    """The same order changed on the platform later (a new status, say)."""
    from dataclasses import replace

    return replace(order, modified=order.modified + timedelta(minutes=minutes), **changes)
