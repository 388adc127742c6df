"""A chat message that changes or cancels an earlier order, matched to that order: the customer's open orders
(the named SKU's first, or the one whose number the message gives), the edit it asks for, and the edit applied
through the one write path (audited, version-checked) when a person accepts it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel

from engine.auth import Actor
from engine.errors import RefusedError
from engine.flow.meanings import state_for
from engine.flow.moves import transition
from engine.records.single import update_record
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, all_of, compose, listing, marks, qualified, quote_ident, row_dicts
from engine.storage.store import Store

DUE_AT = time(18, 0)  # "3月15日前到": by the end of that business day
FIELDS = {"key": None, "customer": "customer_no", "sku": "sku", "qty": "qty", "due": "promised_at"}
CLOSED = ("done", "cancelled")
CHOICES = 5


class Edit(BaseModel):
    """What accepting the message does to one order: cancel it, or change these fields."""

    action: str  # "cancel" | "change"
    table: str
    record_id: int
    version: int
    order: dict[str, Any]  # the order as it was when matched, to show the person
    changes: dict[str, Any] = {}
    to: str | None = None  # the cancelled state, for a cancellation
    choices: list[dict[str, Any]] = []  # the customer's other open orders


def _columns(table: Table) -> dict[str, str]:
    names = {alias: name for alias, name in FIELDS.items() if name and table.field(name) is not None}
    if table.business_key:
        names["key"] = table.business_key
    if table.flow:
        names["status"] = table.flow.field
    return names


def open_orders(
    store: Store, ws: Workspace, table: Table, customer: str, skus: list[str]
) -> list[dict[str, Any]]:
    """The customer's orders not yet done or cancelled, those of the named SKUs first, newest first."""
    cols = _columns(table)
    if "customer" not in cols:
        return []
    conditions = [Fragment(compose("{c}::VARCHAR = ?", c=quote_ident(cols["customer"])), (customer,))]
    closed = [s.name for s in table.flow.states if s.category in CLOSED] if table.flow else []
    if closed:
        conditions.append(
            Fragment(
                compose("{s} NOT IN ({m})", s=quote_ident(cols["status"]), m=marks(len(closed))),
                tuple(closed),
            )
        )
    where = all_of(conditions)
    select = listing(
        [compose("_id"), compose("_version")]
        + [compose("{n} AS {a}", n=quote_ident(n), a=quote_ident(a)) for a, n in cols.items()]
    )
    rows = row_dicts(
        store.cursor().execute(
            compose(
                "SELECT {select} FROM {t} WHERE {where} ORDER BY _created_at DESC, _id DESC LIMIT 50",
                select=select,
                t=qualified(ws.name, table.name),
                where=where,
            ),
            list(where.params),
        )
    )
    named = [r for r in rows if str(r.get("sku")) in skus]
    return named + [r for r in rows if r not in named]


def _due(value: str | None) -> datetime | None:
    return datetime.combine(date.fromisoformat(value), DUE_AT) if value else None


def _changes(table: Table, order: dict[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    cols = _columns(table)
    out: dict[str, Any] = {}
    item = next((i for i in parsed.get("items", []) if i.get("qty") is not None), None)
    if item and "qty" in cols:
        current = order.get("qty") or 0
        out[cols["qty"]] = current + item.get("delta", 0) * item["qty"] if item.get("delta") else item["qty"]
    if parsed.get("due") and "due" in cols:
        out[cols["due"]] = _due(parsed["due"])
    return out


def propose_edit(store: Store, ws: Workspace, table_name: str, parsed: dict[str, Any]) -> Edit | None:
    """The edit a change or cancellation asks for on the customer's matching open order, or None."""
    intent, customer = parsed.get("intent"), parsed.get("customer")
    if intent not in ("change", "cancel") or not customer:
        return None
    table = ws.require_table(table_name)
    skus = [str(i["sku"]) for i in parsed.get("items", []) if i.get("sku")]
    orders = open_orders(store, ws, table, str(customer), skus)
    ref = parsed.get("order_ref")
    if ref:
        orders = sorted(orders, key=lambda o: str(o.get("key")) != ref)
    if not orders:
        return None
    target = orders[0]
    choices = [_shown(o) for o in orders[1:CHOICES]]
    if intent == "cancel":
        to = state_for(table.flow, "cancelled")
        if to is None:
            return None
        return Edit(action="cancel", table=table.name, record_id=target["_id"], version=target["_version"],
                    order=_shown(target), to=to, choices=choices)  # fmt: skip
    changes = _changes(table, target, parsed)
    return Edit(action="change", table=table.name, record_id=target["_id"], version=target["_version"],
                order=_shown(target), changes=changes, choices=choices)  # fmt: skip


def retarget(store: Store, ws: Workspace, edit: Edit, record_id: int, parsed: dict[str, Any]) -> Edit:
    """The same edit aimed at another of the customer's open orders, the one the person picked."""
    if record_id == edit.record_id:
        return edit
    table = ws.require_table(edit.table)
    orders = open_orders(store, ws, table, str(parsed.get("customer")), [])
    target = next((o for o in orders if o["_id"] == record_id), None)
    if target is None:
        raise RefusedError(f"order #{record_id} is not an open order of this customer")
    changes = _changes(table, target, parsed) if edit.action == "change" else {}
    return edit.model_copy(
        update={
            "record_id": record_id,
            "version": target["_version"],
            "order": _shown(target),
            "changes": changes,
        }
    )


def _shown(order: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for k, v in order.items()}


def apply_edit(store: Store, ws: Workspace, edit: Edit, actor: Actor, now: datetime) -> dict[str, Any]:
    """Cancel or change the order through the flow or the one write path; refused if it changed meanwhile."""
    if edit.action == "cancel" and edit.to:
        return transition(
            store, ws, edit.table, edit.record_id, edit.to, edit.version, actor, now, source="chat",
            note="聊天消息取消",
        )  # fmt: skip
    if not edit.changes:
        raise RefusedError(
            "the message changes nothing the order holds (no quantity or date): edit the order itself"
        )
    changes = {
        k: (_due(v[:10]) if isinstance(v, str) and k == FIELDS["due"] else v) for k, v in edit.changes.items()
    }
    return update_record(
        store, ws, edit.table, edit.record_id, changes, edit.version, actor, now, source="chat"
    )
