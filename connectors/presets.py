"""A new connector from a type (and platform): field and status mappings filled in for the workspace's table,
ready to edit. Platform meanings (paid, shipped, …) become the table's own states."""

from __future__ import annotations

from typing import Any

from connectors.platforms import APIS, EXPORT_STATUSES, FEED_STATUSES, LOGISTICS_STATUSES, Meaning
from engine.errors import DataError
from engine.flow.meanings import state_for
from engine.intake.model import Connector
from engine.schema import Table, Workspace

TYPES: dict[str, tuple[str, str]] = {
    "platform_api": ("平台接口拉取", "Platform API pull"),
    "platform_export": ("平台导出文件夹", "Platform export folder"),
    "pos_csv": ("门店POS文件", "Store POS files"),
    "status_feed": ("WMS/ERP/物流状态", "WMS / ERP / logistics status feed"),
    "chat": ("微信/企业微信聊天", "WeChat / WeCom chat"),
    "webhook": ("推送(Webhook)", "Push (webhook)"),
}
PLATFORM_LABELS = {
    "taobao": "淘宝/天猫",
    "jd": "京东",
    "douyin": "抖店",
    "pdd": "拼多多",
    "wechat": "微信",
    "generic": "通用",
}
POS_FIELDS = {
    "order_no": "小票号+行号",
    "store": "门店",
    "phone": "会员手机",
    "sku": "商品编码",
    "qty": "数量",
    "unit_price": "单价",
    "ordered_at": "销售时间",
    "paid_at": "销售时间",
}
FEED_FIELDS = {"order_no": "order_no", "tracking_no": "tracking_no", "status": "status"}


def states(table: Table, meanings: dict[str, Meaning]) -> dict[str, str]:
    """Source value → state of this table, for the values whose meaning the table has a state for."""
    out = {}
    for value, meaning in meanings.items():
        state = state_for(table.flow, meaning)
        if state:
            out[value] = state
    return out


def _fields(table: Table, fields: dict[str, str]) -> dict[str, str]:
    return {f: p for f, p in fields.items() if table.field(f) is not None}


def _channel(table: Table, platform: str) -> dict[str, Any]:
    field = table.field("channel")
    values = getattr(field, "option_values", lambda: [])()
    return {"channel": platform} if platform in values else {}


def preset(
    ws: Workspace, type_: str, platform: str = "generic", name: str | None = None, source: str | None = None
) -> Connector:
    """A connector of `type_` for this workspace's intake table with the platform's mappings filled in."""
    if type_ not in TYPES:
        raise DataError(f"unknown connector type {type_!r} (types: {', '.join(TYPES)})")
    table = ws.require_table(ws.intake_rules.table)
    name = name or (f"{platform}_{type_}" if platform != "generic" else type_)
    label = f"{PLATFORM_LABELS.get(platform, platform)} · {TYPES[type_][0]}"
    base: dict[str, Any] = {
        "name": name,
        "label": label,
        "type": type_,
        "platform": platform,
        "table": table.name,
    }
    api = APIS.get(platform)
    if type_ in ("platform_api", "webhook") and api is not None:
        options: dict[str, Any] = {
            "path": api.path,
            "page_size": 100,
            "reported_at": api.modified,
            "product": api.product,
        }
        if api.cents:
            options["cents"] = list(api.cents)
        if api.presale_group:
            options |= {
                "presale_group": api.presale_group,
                "presale_part": api.presale_part,
                "presale_parts": api.presale_parts,
            }
        base |= {
            "source": "platform",
            "url": "http://127.0.0.1:8765" if type_ == "platform_api" else "",
            "key_prefix": api.key_prefix,
            "fields": _fields(table, api.fields),
            "statuses": states(table, api.statuses),
            "fixed": _channel(table, platform),
            "options": options,
        }
    elif type_ == "platform_export":
        prefix = APIS[platform].key_prefix if platform in APIS else ""
        base |= {
            "source": "platform",
            "folder": f"data/inbox/{name}",
            "key_prefix": prefix,
            "statuses": states(table, EXPORT_STATUSES.get(platform, {})),
            "fixed": _channel(table, platform),
        }
    elif type_ == "pos_csv":
        done = state_for(table.flow, "signed")
        base |= {
            "source": "pos",
            "folder": f"data/inbox/{name}",
            "key_prefix": "POS",
            "fields": _fields(table, POS_FIELDS),
            "fixed": _channel(table, "pos")
            | ({table.flow.field: done} if table.flow and done else {})
            | ({"customer_name": "门店散客"} if table.field("customer_name") else {}),
        }
    elif type_ == "status_feed":
        kind = source or "wms"
        meanings = LOGISTICS_STATUSES if kind == "logistics" else FEED_STATUSES
        base |= {
            "source": kind,
            "folder": f"data/inbox/{name}",
            "fields": _fields(table, FEED_FIELDS),
            "statuses": states(table, meanings),
            "options": {"reported_at": "time", "kind": "status"},
        }
    elif type_ == "chat":
        base |= {
            "source": "chat",
            "folder": f"data/inbox/{name}",
            "key_prefix": "WX",
            "fixed": _channel(table, "wechat"),
            "options": {"min_confidence": 0.8},
        }
    else:  # a webhook without a platform: status events pushed by a WMS/ERP
        base |= {
            "source": source or "wms",
            "fields": _fields(table, FEED_FIELDS),
            "statuses": states(table, FEED_STATUSES),
            "options": {"reported_at": "time", "kind": "status"},
        }
    if source:
        base["source"] = source
    return Connector.model_validate(base)
