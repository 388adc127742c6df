"""A local HTTP server on 127.0.0.1 that plays WeCom, DingTalk, Feishu and a webhook receiver: it checks
each body's shape and signature as the vendors do and answers as they answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_DING = "SEC0123456789abcdef"
SECRET_FEISHU = "feishu-secret"
SECRET_HOOK = "hook-secret"


@dataclass
class Receiver:
    received: list[dict[str, Any]] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=dict)  # path → how many 500s to answer first
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received if r["path"] == path and r["accepted"]]


def _ding_ok(query: dict[str, list[str]]) -> bool:
    ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    expected = base64.b64encode(
        hmac.new(SECRET_DING.encode(), f"{ts}\n{SECRET_DING}".encode(), hashlib.sha256).digest()
    ).decode()
    return bool(ts) and abs(int(ts) / 1000 - time.time()) < 3600 and hmac.compare_digest(sign, expected)


def _feishu_ok(body: dict[str, Any]) -> bool:
    ts = str(body.get("timestamp", ""))
    expected = base64.b64encode(
        hmac.new(f"{ts}\n{SECRET_FEISHU}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    return (
        bool(ts)
        and abs(int(ts) - time.time()) < 3600
        and hmac.compare_digest(str(body.get("sign")), expected)
    )


def _hook_ok(headers: Any, raw: bytes) -> bool:
    ts = headers.get("X-OrderHub-Timestamp", "")
    expected = (
        "sha256=" + hmac.new(SECRET_HOOK.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(headers.get("X-OrderHub-Signature", ""), expected)


def start() -> Receiver:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            url = urllib.parse.urlparse(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw)
            left = state.failures_left.get(url.path, 0)
            if left:
                state.failures_left[url.path] = left - 1
                return self._answer(500, {"error": "try later"}, url.path, body, False)
            if url.path == "/wecom":
                ok = body.get("msgtype") == "markdown" and len(body["markdown"]["content"].encode()) <= 4096
                return self._answer(200, {"errcode": 0 if ok else 40008, "errmsg": "ok"}, url.path, body, ok)
            if url.path == "/dingtalk":
                ok = _ding_ok(urllib.parse.parse_qs(url.query)) and body.get("msgtype") == "markdown"
                answer = (
                    {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
                )
                return self._answer(200, answer, url.path, body, ok)
            if url.path == "/feishu":
                ok = _feishu_ok(body) and body.get("msg_type") == "text"
                answer = {"code": 0, "msg": "success"} if ok else {"code": 19021, "msg": "sign match fail"}
                return self._answer(200, answer, url.path, body, ok)
            if url.path == "/hook":
                ok = _hook_ok(self.headers, raw)
                return self._answer(200 if ok else 401, {}, url.path, body, ok)
            return self._answer(404, {}, url.path, body, False)

        def _answer(self, status: int, answer: dict[str, Any], path: str, body: Any, accepted: bool) -> None:
            headers = dict(self.headers.items())
            state.received.append({"path": path, "body": body, "accepted": accepted, "headers": headers})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    return state
