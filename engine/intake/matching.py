"""Which record each channel order belongs to, set-based: its own (already linked or found by key), an earlier
order it duplicates, or its presale's main order; customers found by phone (privacy numbers too); gift and
lucky-bag orders flagged."""

from __future__ import annotations

import polars as pl

from engine.intake.mapping import EXTERNAL_ID, REPORTED_AT
from engine.intake.model import Connector, DedupRule, IntakeConfig
from engine.records.cells import ROW, coerce_frame
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, qualified, quote_ident
from engine.storage.store import Cursor, registered

TARGET, ROLE = "_target", "_role"  # the record a row belongs to, and how (own, duplicate, presale part)


def with_links(cur: Cursor, ws: Workspace, table: Table, conn: Connector, rows: pl.DataFrame) -> pl.DataFrame:
    """The record key and role each already-seen source order was linked to."""
    with registered(cur, _ids=rows.select(EXTERNAL_ID).unique()):
        found = cur.execute(
            "SELECT l.external_id AS _external_id, l.record_key AS _linked, l.role AS _linked_role FROM _channel_links l "
            "SEMI JOIN _ids i ON i._external_id = l.external_id "
            "WHERE l.workspace = ? AND l.table_name = ? AND l.connector = ?",
            [ws.name, table.name, conn.name],
        ).pl()
    return rows.join(found, on=EXTERNAL_ID, how="left")


def with_customers(
    cur: Cursor, ws: Workspace, rules: IntakeConfig, table: Table, rows: pl.DataFrame
) -> pl.DataFrame:
    """Privacy numbers replaced by the customer's real phone, and the customer filled in, where known."""
    c = rules.customers
    customers = ws.table(c.table) if c else None
    if (
        c is None
        or customers is None
        or "phone" not in rows.columns
        or customers.field(c.phone_field) is None
    ):
        return rows
    virtual = customers.field(c.virtual_field) is not None
    key = quote_ident(str(customers.business_key))
    phone = quote_ident(c.phone_field)
    source = compose(
        "SELECT {key}::VARCHAR AS k, {phone}::VARCHAR AS real, {phone}::VARCHAR AS number FROM {customers}",
        key=key,
        phone=phone,
        customers=qualified(ws.name, customers.name),
    )
    if virtual:
        source = compose(
            "{source}{virtual}",
            source=source,
            virtual=compose(
                (
                    " UNION ALL SELECT {key}::VARCHAR, {phone}::VARCHAR, trim(unnest(string_split({virtual_field}, ','))) "
                    "FROM {customers} WHERE {virtual_field} IS NOT NULL"
                ),
                key=key,
                phone=phone,
                virtual_field=quote_ident(c.virtual_field),
                customers=qualified(ws.name, customers.name),
            ),
        )
    rows = rows.with_columns(pl.col("phone").cast(pl.String).str.replace_all(r"\s", ""))
    with registered(cur, _phones=rows.select("phone").unique()):
        found = cur.execute(
            compose(
                "SELECT p.phone, any_value(c.k) AS _customer, any_value(c.real) AS _real FROM ({source}) c "
                "JOIN _phones p ON p.phone = c.number WHERE c.number <> '' GROUP BY p.phone",
                source=source,
            )
        ).pl()
    if found.is_empty():
        return rows
    out = rows.join(found, on="phone", how="left")
    out = out.with_columns(pl.coalesce("_real", "phone").alias("phone"))
    target = c.order_customer_field
    if table.field(target) is not None:
        current = pl.col(target) if target in out.columns else pl.lit(None, pl.String)
        out = out.with_columns(pl.coalesce(current.cast(pl.String), "_customer").alias(target))
    return out.drop("_customer", "_real")


def with_gifts(rules: IntakeConfig, table: Table, rows: pl.DataFrame) -> pl.DataFrame:
    g = rules.gifts
    if not g.enabled or table.field(g.flag_field) is None:
        return rows
    words = [w.lower() for w in g.keywords]
    texts = [c for c in [*g.text_fields, "sku_name", "_product"] if c in rows.columns]
    hit = pl.col("_gift").fill_null(False)
    for name in texts:
        hit = hit | pl.col(name).cast(pl.String).str.to_lowercase().str.contains_any(words).fill_null(False)
    given = (
        pl.col(g.flag_field).cast(pl.Boolean, strict=False)
        if g.flag_field in rows.columns
        else pl.lit(None, pl.Boolean)
    )
    return rows.with_columns((given.fill_null(False) | hit).alias(g.flag_field))


def with_duplicates(
    cur: Cursor, ws: Workspace, table: Table, rule: DedupRule, rows: pl.DataFrame, key: str
) -> pl.DataFrame:
    """Each new, unlinked row's target: an existing record or an earlier row of the batch with the same match
    values within the window, else itself."""
    own = rows.with_columns(pl.col(key).alias(TARGET), pl.lit("own").alias(ROLE))
    usable = rule.enabled and all(c in rows.columns for c in [*rule.match, rule.time_field])
    if not usable:
        return own
    candidate = pl.col("_linked").is_null() & pl.col("_presale_group").is_null() & ~pl.col("_exists")
    for name in rule.match:
        candidate = candidate & pl.col(name).is_not_null() & (pl.col(name).cast(pl.String) != "")
    cols = [*rule.match, rule.time_field]
    cand = own.filter(candidate)
    if cand.is_empty():
        return own
    typed, _ = coerce_frame(table, cand.select(ROW, *cols))
    typed = typed.drop_nulls(cols).join(cand.select(ROW, key), on=ROW)
    window = rule.window_hours * 3600
    with registered(cur, _cand=typed):
        on = listing((compose("t.{c} = c.{c}", c=quote_ident(c)) for c in rule.match), " AND ")
        tf = quote_ident(rule.time_field)
        k = quote_ident(key)
        earlier = cur.execute(
            compose(
                "SELECT c.{ROW}, t.{k}::VARCHAR AS main FROM _cand c JOIN {table} t ON {on} "
                "AND abs(epoch(t.{tf}) - epoch(c.{tf})) <= ? AND t.{k} <> c.{k} "
                "QUALIFY row_number() OVER (PARTITION BY c.{ROW} ORDER BY t.{tf}, t._id) = 1",
                ROW=quote_ident(ROW),
                k=k,
                table=qualified(ws.name, table.name),
                on=on,
                tf=tf,
            ),
            [window],
        ).pl()
    rest = typed.filter(~pl.col(ROW).is_in(earlier[ROW].implode()))
    # Within the batch (only rows whose match values repeat can merge): sorted by time per match group, a row
    # within the window of the previous one joins its cluster, whose first row is the order the others merge into.
    rest = rest.filter(pl.struct(rule.match).is_duplicated())
    gap = pl.col(rule.time_field).diff().over(rule.match).dt.total_seconds()
    clusters = (
        rest.sort([*rule.match, rule.time_field, ROW])
        .with_columns((gap.is_null() | (gap > window)).cum_sum().alias("_cluster"))
        .with_columns(pl.col(key).first().over("_cluster").alias("main"))
        .filter(pl.col("main") != pl.col(key))
        .select(ROW, "main")
    )
    merged = pl.concat([earlier, clusters.cast({"main": pl.String})])
    return (
        own.join(merged, on=ROW, how="left")
        .with_columns(
            pl.coalesce("main", TARGET).alias(TARGET),
            pl.when(pl.col("main").is_not_null()).then(pl.lit("duplicate")).otherwise(ROLE).alias(ROLE),
        )
        .drop("main")
    )


def with_presale(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    conn: Connector,
    rules: IntakeConfig,
    rows: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Presale parts retargeted to their main order, and the main orders' rows: the latest part's values with
    the amounts of all parts (earlier syncs' too) added up."""
    if not rules.presale.enabled:
        return rows, rows.clear()
    parts = pl.col("_presale_group").is_not_null()
    key, amount = str(table.business_key), rules.presale.amount_field
    rows = rows.with_columns(
        pl.when(parts)
        .then(pl.concat_str([pl.lit(conn.key_prefix), pl.col("_presale_group")]))
        .otherwise(TARGET)
        .alias(TARGET),
        pl.when(parts).then(pl.col("_presale_part").fill_null("deposit")).otherwise(ROLE).alias(ROLE),
    )
    group = rows.filter(parts)
    if group.is_empty():
        return rows, group
    with registered(cur, _groups=group.select(TARGET).unique()):
        earlier = cur.execute(
            "SELECT record_key AS _target, external_id AS _external_id, amount FROM _channel_links l "
            "SEMI JOIN _groups g ON g._target = l.record_key WHERE workspace = ? AND table_name = ? AND connector = ? "
            "AND role IN ('deposit', 'balance')",
            [ws.name, table.name, conn.name],
        ).pl()
    this = group.select(TARGET, EXTERNAL_ID, pl.col(amount).cast(pl.Float64, strict=False).alias("amount"))
    older = earlier.filter(~pl.col(EXTERNAL_ID).is_in(this[EXTERNAL_ID].implode())).cast(
        {"amount": pl.Float64}
    )
    totals = pl.concat([older, this]).group_by(TARGET).agg(pl.col("amount").sum().alias("_total"))
    main = (
        group.sort(pl.col("_presale_part") == "balance", REPORTED_AT, nulls_last=False)
        .unique(subset=[TARGET], keep="last")
        .join(totals, on=TARGET)
        .with_columns(pl.col(TARGET).alias(key), pl.col("_total").alias(amount), pl.lit("main").alias(ROLE))
        .drop("_total")
    )
    return rows, main


def existing_keys(cur: Cursor, ws: Workspace, table: Table, keys: pl.Series) -> pl.DataFrame:
    key = quote_ident(str(table.business_key))
    status = quote_ident(table.flow.field) if table.flow else "NULL"
    with registered(cur, _keys=pl.DataFrame({"k": keys.cast(pl.String)}).unique()):
        return cur.execute(
            compose(
                "SELECT t.{key}::VARCHAR AS k, t._id, t.{status}::VARCHAR AS before FROM {table} t "
                "SEMI JOIN _keys s ON s.k = t.{key}",
                key=key,
                status=status,
                table=qualified(ws.name, table.name),
            )
        ).pl()
