"""An order file's buyers as customers: a relation whose target numbers its own rows (customers get C0001…)
cannot be created from a code in the file, so rows without one find their customer by phone (or by name and
phone as written, when the platform masks it) and the buyers nobody knows yet are created from what the file
says — name, phone, province, city — when the relation's schema says `on_import: create`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from engine.counters import next_autonumber
from engine.fields import AutonumberField, RelationField
from engine.records.cells import ROW
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, qualified, quote_ident
from engine.storage.store import Cursor

PHONE = re.compile(r"^1[3-9]\d{9}$")
IDENTITY = "_buyer"
COPIED = ("phone", "province", "city")  # fields the order and the customer both have, copied as written


@dataclass(frozen=True)
class BuyerRelation:
    relation: RelationField
    target: Table
    name_field: str  # the order's field holding the buyer's name (customer_no → customer_name)


def buyer_relation(ws: Workspace, table: Table) -> BuyerRelation | None:
    """The creating relation to a table that numbers its own rows and has a name and a phone, if any."""
    for f in table.stored_fields():
        if not isinstance(f, RelationField) or f.on_import != "create":
            continue
        target = ws.require_table(f.table)
        key = target.field(str(target.business_key))
        stem = re.sub(r"_(no|id|code|key)$", "", f.name)
        if (
            isinstance(key, AutonumberField)
            and target.field("name") is not None
            and table.field(f"{stem}_name") is not None
        ):
            return BuyerRelation(f, target, f"{stem}_name")
    return None


def _identity(name: pl.Expr, phone: pl.Expr) -> pl.Expr:
    digits = phone.cast(pl.String).str.replace_all(r"[\s-]", "").str.replace(r"^(\+?86)", "")
    by_name = pl.concat_str(
        [pl.lit("n:"), name.cast(pl.String), pl.lit("|"), phone.cast(pl.String).fill_null("")]
    )
    return (
        pl.when(digits.str.contains(PHONE.pattern))
        .then(pl.lit("p:") + digits)
        .when(name.is_not_null() & (name.cast(pl.String) != ""))
        .then(by_name)
    )


def _known(cur: Cursor, ws: Workspace, buyer: BuyerRelation) -> pl.DataFrame:
    target = buyer.target
    fields = [quote_ident(f) for f in ("name", "phone") if target.field(f) is not None]
    rows = cur.execute(
        compose(
            "SELECT {key}::VARCHAR AS k, {fields} FROM {t}",
            key=quote_ident(str(target.business_key)),
            fields=listing(fields),
            t=qualified(ws.name, target.name),
        )
    ).pl()
    phone = pl.col("phone") if "phone" in rows.columns else pl.lit(None, pl.String)
    return rows.select(_identity(pl.col("name"), phone).alias(IDENTITY), "k").drop_nulls().unique(IDENTITY)


def _needing(frame: pl.DataFrame, buyer: BuyerRelation) -> pl.DataFrame:
    """Rows without a customer but with a buyer's name or phone, with their identity."""
    rel, name = buyer.relation.name, buyer.name_field
    if name not in frame.columns:
        return frame.head(0).select(ROW).with_columns(pl.lit(None, pl.String).alias(IDENTITY))
    phone = pl.col("phone") if "phone" in frame.columns else pl.lit(None, pl.String)
    empty = pl.col(rel).is_null() if rel in frame.columns else pl.lit(True)
    return (
        frame.filter(empty)
        .with_columns(_identity(pl.col(name), phone).alias(IDENTITY))
        .filter(pl.col(IDENTITY).is_not_null())
    )


def buyer_table(ws: Workspace, table: Table) -> str:
    """The name of the table buyers are created in."""
    buyer = buyer_relation(ws, table)
    return buyer.target.name if buyer else ""


def new_buyers(cur: Cursor, ws: Workspace, table: Table, frame: pl.DataFrame) -> int:
    """How many customers the rows would create (for the preview)."""
    buyer = buyer_relation(ws, table)
    if buyer is None:
        return 0
    needing = _needing(frame, buyer)
    known = _known(cur, ws, buyer)
    return needing.filter(~pl.col(IDENTITY).is_in(known[IDENTITY].implode()))[IDENTITY].n_unique()


def with_buyers(
    cur: Cursor, ws: Workspace, table: Table, frame: pl.DataFrame, now: datetime
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The rows with their customer filled in, and the customers to create (numbered already) by relation."""
    buyer = buyer_relation(ws, table)
    if buyer is None:
        return frame, {}
    needing = _needing(frame, buyer)
    if needing.is_empty():
        return frame, {}
    known = _known(cur, ws, buyer)
    fresh = needing.filter(~pl.col(IDENTITY).is_in(known[IDENTITY].implode())).unique(IDENTITY, keep="first")
    key = str(buyer.target.business_key)
    made = pl.DataFrame()
    if fresh.height:
        numbers = next_autonumber(cur, ws, buyer.target, buyer.target.by_name[key], now, fresh.height)  # type: ignore[arg-type]
        copied = [c for c in COPIED if c in fresh.columns and buyer.target.field(c) is not None]
        made = fresh.select(
            pl.Series(key, numbers),
            pl.col(buyer.name_field).cast(pl.String).alias("name"),
            *[pl.col(c).cast(pl.String) for c in copied],
            IDENTITY,
        )
        known = pl.concat([known, made.select(IDENTITY, pl.col(key).alias("k"))])
    rel = buyer.relation.name
    filled = (
        needing.select(ROW, IDENTITY)
        .join(known, on=IDENTITY, how="left")
        .select(ROW, pl.col("k").alias("_k"))
    )
    out = frame.join(filled, on=ROW, how="left")
    current = pl.col(rel).cast(pl.String) if rel in frame.columns else pl.lit(None, pl.String)
    out = out.with_columns(pl.coalesce(current, pl.col("_k")).alias(rel)).drop("_k")
    return out, ({rel: made.drop(IDENTITY)} if made.height else {})
