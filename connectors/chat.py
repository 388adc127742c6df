"""WeChat/WeCom chat messages into orders: each message is parsed against the workspace's customers and SKUs;
confident new orders become one order row per item; unsure ones, and changes, cancellations, price questions
and deferrals, wait in the review queue for a person, who accepts (possibly corrected) or dismisses them. A
change or cancellation waits as an edit of the customer's matched open order, and accepting it edits that
order. Chit-chat with no product and no quantity is left alone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import polars as pl

from connectors.chat_parser import Catalog, Item, Parsed, catalog_from_rows, parse
from connectors.sources import FETCHERS, JSON_FILES, Batch, Context, Fetched, new_files, read_records
from engine.auth import Actor
from engine.clock import as_naive
from engine.errors import ConflictError, RefusedError
from engine.intake.chat_edits import Edit, apply_edit, propose_edit, retarget
from engine.intake.chat_reviews import close_review, open_review, refresh_parse, table_rows
from engine.intake.mapping import map_frame
from engine.intake.model import Connector
from engine.intake.queue import accept
from engine.schema import Workspace
from engine.storage.store import Store

DUE_AT = time(18, 0)  # "3月15日前到": by the end of that business day


def workspace_catalog(
    store: Store, ws: Workspace
) -> tuple[Catalog, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The parser's catalog from the customers and SKUs tables, and their rows by key."""
    rules = ws.intake_rules.customers
    customers_table = rules.table if rules else "customers"
    customers = table_rows(
        store, ws, customers_table,
        {"key": "customer_no", "name": "name", "company": "company", "aliases": "aliases", "phone": "phone",
         "province": "province", "city": "city"},
    )  # fmt: skip
    products = table_rows(
        store, ws, "skus", {"key": "sku_code", "name": "name", "aliases": "aliases", "price": "list_price"}
    )
    return (
        catalog_from_rows(customers, products),
        {c["key"]: c for c in customers},
        {p["key"]: p for p in products},
    )


def order_rows(
    ws: Workspace, message_id: str, text: str, parsed: Parsed, sent: datetime,
    customers: dict[str, dict[str, Any]], products: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:  # fmt: skip
    """One order row per item, with the customer's contact details and the SKU's list price."""
    table = ws.require_table(ws.intake_rules.table)
    customer = customers.get(parsed.customer or "", {})
    due = datetime.combine(parsed.due, DUE_AT) if isinstance(parsed.due, date) else None
    rows = []
    for n, item in enumerate(parsed.items, 1):
        product = products.get(item.sku or "", {})
        row: dict[str, Any] = {
            "order_no": f"{message_id}-{n}",
            "customer_no": parsed.customer,
            "customer_name": customer.get("name"),
            "phone": customer.get("phone"),
            "province": customer.get("province"),
            "city": customer.get("city"),
            "sku": item.sku,
            "qty": item.qty,
            "unit_price": product.get("price"),
            "ordered_at": sent.isoformat(sep=" "),
            "paid_at": None,
            "promised_at": due.isoformat(sep=" ") if due else None,
            "remarks": f"聊天下单: {text}" + (f" (单位: {item.unit})" if item.unit else ""),
        }
        if table.flow:
            row[table.flow.field] = table.flow.initial
        rows.append({k: v for k, v in row.items() if table.field(k) is not None})
    return rows


def _mapping(conn: Connector, ws: Workspace, columns: list[str]) -> Connector:
    table = ws.require_table(conn.table)
    return conn.model_copy(
        update={"fields": {c: c for c in columns if table.field(c) is not None}, "statuses": {}}
    )


def messages_to_orders(
    store: Store, ws: Workspace, conn: Connector, messages: list[dict[str, Any]], now: datetime
) -> tuple[Batch, list[dict[str, Any]]]:
    """The confident messages as a batch of order rows, and the unsure ones for the review queue."""
    catalog, customers, products = workspace_catalog(store, ws)
    threshold = float(conn.options.get("min_confidence", 0.8))
    rows, reviews = [], []
    for m in messages:
        text = str(m.get("text") or "")
        sent = datetime.fromisoformat(str(m["time"])) if m.get("time") else now
        parsed = parse(text, catalog, sent, m.get("sender"))
        if not parsed.is_order:
            continue
        if parsed.intent == "order" and parsed.items and parsed.confidence >= threshold:
            rows += order_rows(ws, str(m["id"]), text, parsed, sent, customers, products)
        else:
            reason = "; ".join(parsed.reasons) or "low confidence"
            reviews.append(
                {"id": str(m["id"]), "sender": m.get("sender"), "text": text,
                 "parsed": review_parse(store, ws, conn, parsed, products),
                 "confidence": parsed.confidence, "reason": reason, "time": sent.isoformat(sep=" ")}
            )  # fmt: skip
    frame = (
        pl.DataFrame(rows, infer_schema_length=None)
        if rows
        else pl.DataFrame({"order_no": []}, schema={"order_no": pl.String})
    )
    return Batch("order", frame, _mapping(conn, ws, frame.columns)), reviews


def review_parse(
    store: Store, ws: Workspace, conn: Connector, parsed: Parsed, products: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The parse as the review queue keeps it: with the names of candidate SKUs and, for a change or
    cancellation, the edit of the customer's open order it asks for."""
    out = parsed.as_dict()
    names = {k for i in parsed.items for k in i.candidates}
    if names:
        out["candidate_names"] = {k: products.get(k, {}).get("name") or k for k in sorted(names)}
    edit = propose_edit(store, ws, conn.table, out)
    if edit is not None:
        out["edit"] = edit.model_dump(mode="json")
    return out


def _apply_edit(
    store: Store, ws: Workspace, review: dict[str, Any], data: dict[str, Any], actor: Actor, moment: datetime,
    record_id: int | None,
) -> dict[str, Any]:  # fmt: skip
    if not data.get("edit"):
        raise RefusedError(
            "no open order of this customer matches the message: dismiss it, or edit the order on Records"
        )
    edit = Edit.model_validate(data["edit"])
    if record_id is not None:
        edit = retarget(store, ws, edit, record_id, data)
    try:
        return apply_edit(store, ws, edit, actor, moment)
    except ConflictError:
        # The order moved on since the message was read: show the person the order as it is now.
        fresh = propose_edit(store, ws, edit.table, data)
        refresh_parse(
            store, ws, review["id"], data | {"edit": fresh.model_dump(mode="json") if fresh else None}
        )
        raise


def decide_review(
    store: Store, ws: Workspace, review_id: int, actor: Actor, accept_it: bool,
    corrected: dict[str, Any] | None = None, now: datetime | None = None, order_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Accept (the parse, or a person's correction of it) into the intake queue, or dismiss the message. A
    change or cancellation accepted edits the matched order (or the open order `order_id` the person picked)."""
    moment = as_naive(now, ws.timezone)
    review = open_review(store, ws, review_id, actor)
    name, message_id, text, received = (
        review["connector"],
        review["message_id"],
        review["text"],
        review["received_at"],
    )
    queued, edited = 0, None
    data = corrected or review["parsed"]
    intent = data.get("intent", "order")
    if accept_it and intent in ("change", "cancel"):
        edited = _apply_edit(store, ws, review, data, actor, moment, order_id)
    elif accept_it and intent not in ("order", "defer"):
        raise RefusedError(
            f"a message read as {intent} is not an order: answer it and dismiss it, or correct it to an order"
        )
    elif accept_it:
        conn = ws.connector(name)
        items = [
            Item(i.get("sku"), i.get("product", ""), i.get("qty"), i.get("unit"), 1.0)
            for i in data.get("items", [])
        ]
        due = date.fromisoformat(data["due"]) if data.get("due") else None
        parsed = Parsed(data.get("customer"), None, items, due, 1.0, [], True)
        if not parsed.items or not parsed.customer:
            raise RefusedError(
                "an accepted chat order needs a customer and at least one product with a quantity"
            )
        if unpicked := [i.product or "?" for i in parsed.items if not i.sku or i.qty is None]:
            raise RefusedError(
                f"pick the SKU and quantity of {'、'.join(unpicked)} before accepting the order"
            )
        _, customers, products = workspace_catalog(store, ws)
        rows = order_rows(ws, message_id, text, parsed, received, customers, products)
        frame = pl.DataFrame(rows, infer_schema_length=None)
        table = ws.require_table(conn.table)
        mapped = map_frame(_mapping(conn, ws, frame.columns), table, frame, ws.timezone)
        queued = accept(store, ws, conn, mapped, "order", moment)
    status = close_review(store, ws, review_id, actor, accept_it, moment)
    out = {"review": review_id, "status": status, "queued": queued}
    return out | ({"edited": edited["_id"]} if edited else {})


def fetch_chat(ctx: Context) -> Fetched:
    """New chat export files: confident messages become orders, the rest wait for review."""
    out = Fetched(cursor=dict(ctx.cursor))
    for path, sha in new_files(ctx, (*JSON_FILES, ".txt")):
        messages = (
            read_records(path).drop("_raw").to_dicts()
            if path.suffix.lower() != ".txt"
            else [
                {"id": f"{path.stem}-{i}", "text": line}
                for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                if line.strip()
            ]
        )
        batch, reviews = messages_to_orders(ctx.store, ctx.ws, ctx.conn, messages, ctx.now)
        out.batches.append(batch)
        out.reviews += reviews
        out.files.append((sha, path.name))
    return out


FETCHERS["chat"] = fetch_chat
