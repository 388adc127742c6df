"""Channel kinds: how a message becomes an HTTP request for WeCom, DingTalk, Feishu or a generic webhook,
with each vendor's signature, and how each vendor says the message was accepted. Shapes and signing follow
the vendors' documents (see ../shared/testdata/webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from engine.errors import AuthoringError, Problem
from engine.fields.base import NAME_PATTERN
from engine.registry import Registry

LEVEL_LABELS = {"info": "提示", "yellow": "黄色预警", "red": "红色预警"}
WECOM_COLORS = {"info": "info", "yellow": "warning", "red": "warning"}


class Channel(BaseModel):
    """A configured group robot or webhook of a workspace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    kind: str
    url: HttpUrl
    secret: str = ""
    active: bool = True


@dataclass(frozen=True)
class Message:
    """What is said: a title, a body, a level, and what it is about."""

    title: str
    body: str
    level: str = "info"
    workspace: str = ""
    table: str | None = None
    record_id: int | None = None
    alert_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


def dingtalk_sign(timestamp_ms: str, secret: str) -> str:
    """DingTalk: base64(HmacSHA256(key=secret, msg=timestamp + '\\n' + secret)), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(timestamp_s: str, secret: str) -> str:
    """Feishu: base64(HmacSHA256(key=timestamp + '\\n' + secret, msg=empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_sign(timestamp_s: str, body: bytes, secret: str) -> str:
    """Generic webhook: hex HmacSHA256(key=secret, msg=timestamp + '.' + body)."""
    return hmac.new(secret.encode(), timestamp_s.encode() + b"." + body, hashlib.sha256).hexdigest()


def _text(message: Message) -> str:
    return f"【{LEVEL_LABELS.get(message.level, message.level)}】{message.title}\n{message.body}"


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _truncate(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[: limit - 3].decode(errors="ignore") + "…"


def _wecom(channel: Channel, message: Message, epoch: float) -> Request:
    color = WECOM_COLORS.get(message.level, "comment")
    content = (
        f'## <font color="{color}">{LEVEL_LABELS.get(message.level, message.level)}</font> {message.title}\n'
        f"> {message.body}"
    )
    body = {"msgtype": "markdown", "markdown": {"content": _truncate(content, 4096)}}
    return Request(str(channel.url), _json(body), {"Content-Type": "application/json"})


def _dingtalk(channel: Channel, message: Message, epoch: float) -> Request:
    body = {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": f"#### {message.title}\n> {message.body}"},
        "at": {"isAtAll": False},
    }
    url = str(channel.url)
    if channel.secret:
        timestamp = str(int(epoch * 1000))
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}timestamp={timestamp}&sign={dingtalk_sign(timestamp, channel.secret)}"
    return Request(url, _json(body), {"Content-Type": "application/json"})


def _feishu(channel: Channel, message: Message, epoch: float) -> Request:
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": _text(message)}}
    if channel.secret:
        timestamp = str(int(epoch))
        body = {"timestamp": timestamp, "sign": feishu_sign(timestamp, channel.secret)} | body
    return Request(str(channel.url), _json(body), {"Content-Type": "application/json"})


def _webhook(channel: Channel, message: Message, epoch: float) -> Request:
    body = _json(
        {
            "id": message.message_id,
            "workspace": message.workspace,
            "title": message.title,
            "text": message.body,
            "level": message.level,
            "table": message.table,
            "record_id": message.record_id,
            "alert_id": message.alert_id,
        }
    )
    headers = {"Content-Type": "application/json"}
    if message.message_id is not None:
        headers["X-OrderHub-Delivery"] = str(message.message_id)  # lets receivers drop repeats
    if channel.secret:
        timestamp = str(int(epoch))
        headers["X-OrderHub-Timestamp"] = timestamp
        headers["X-OrderHub-Signature"] = "sha256=" + webhook_sign(timestamp, body, channel.secret)
    return Request(str(channel.url), body, headers)


def _vendor_error(body: str, code_key: str, message_key: str) -> str | None:
    """WeCom, DingTalk and Feishu answer HTTP 200 with an error code in the body when they refuse."""
    try:
        data = json.loads(body)
    except ValueError:
        return f"not a JSON answer: {body[:200]!r}"
    code = data.get(code_key, data.get("StatusCode", 0)) if isinstance(data, dict) else 0
    if code not in (0, None):
        return f"{code_key} {code}: {data.get(message_key) or data.get('StatusMessage')}"
    return None


Builder = Callable[[Channel, Message, float], Request]
Checker = Callable[[str], "str | None"]
KINDS: Registry[tuple[Builder, Checker]] = Registry(
    "notification channel kind",
    {
        "wecom": (_wecom, lambda body: _vendor_error(body, "errcode", "errmsg")),
        "dingtalk": (_dingtalk, lambda body: _vendor_error(body, "errcode", "errmsg")),
        "feishu": (_feishu, lambda body: _vendor_error(body, "code", "msg")),
        "webhook": (_webhook, lambda body: None),
    },
)
KIND_LABELS = {
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉自定义机器人",
    "feishu": "飞书自定义机器人",
    "webhook": "Webhook (JSON)",
}


def build_request(channel: Channel, message: Message, epoch: float) -> Request:
    """The HTTP request that delivers `message` through `channel`, signed (when it has a secret) at `epoch`,
    the real Unix time: the vendors refuse signatures more than an hour off their clock."""
    return KINDS[channel.kind][0](channel, message, epoch)


def answer_error(kind: str, status: int, body: str) -> str | None:
    """Why the receiver refused the message, or None when it was accepted."""
    if not 200 <= status < 300:
        return f"HTTP {status}: {body[:200]}"
    return KINDS[kind][1](body)


def channel_from_form(name: str, kind: str, url: str, secret: str = "") -> Channel:
    """A channel from what an admin typed; a bad name, kind or URL is refused naming the field."""
    if kind not in KINDS:
        raise AuthoringError(f"kind: unknown channel kind {kind!r} (kinds: {', '.join(KINDS)})")
    try:
        return Channel(name=name.strip(), kind=kind, url=url.strip(), secret=secret.strip())
    except ValidationError as exc:
        problems = [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise AuthoringError("the channel needs fixing", problems) from None
