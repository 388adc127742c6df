"""A connector's field and status mappings applied to a flat frame of source rows, column-wise.

Adapters flatten their payloads into columns named by source path (`tid`, `consigneeInfo.mobile`); this turns
them into workspace field columns, the business key (prefix + the source's order id) and the meta columns the
intake rules read (`_external_id`, `_presale_group`, `_presale_part`, `_gift`, `_raw`, `_status_raw`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from engine.importer.mapping import derive, tracking_number
from engine.intake.model import Connector
from engine.schema import Table

EXTERNAL_ID = "_external_id"
STATUS_RAW = "_status_raw"
REPORTED_AT = "_reported_at"
META = {
    EXTERNAL_ID: pl.String,
    "_presale_group": pl.String,
    "_presale_part": pl.String,
    "_gift": pl.Boolean,
    "_product": pl.String,
    "_raw": pl.String,
    STATUS_RAW: pl.String,
    REPORTED_AT: pl.Datetime("us"),
}
REJECT_COLUMNS = {EXTERNAL_ID: pl.String, "reason": pl.String, "_raw": pl.String}


@dataclass(frozen=True)
class Mapped:
    rows: pl.DataFrame  # field columns + META
    rejects: pl.DataFrame  # _external_id, reason, _raw


def _text(frame: pl.DataFrame, path: str) -> pl.Expr:
    if path not in frame.columns:
        return pl.lit(None, pl.String)
    dtype = frame.schema[path]
    return pl.col(path) if dtype == pl.String else pl.col(path).cast(pl.String)


def as_datetime(frame: pl.DataFrame, path: str, tz: str = "Asia/Shanghai") -> pl.Expr:
    """A source time column as a local datetime: unix seconds (抖店, in the workspace's time zone) or text in
    the usual forms (already local)."""
    if path not in frame.columns:
        return pl.lit(None, pl.Datetime("us"))
    dtype = frame.schema[path]
    if dtype.is_numeric():
        utc = pl.from_epoch(pl.col(path).cast(pl.Int64), time_unit="s").dt.replace_time_zone("UTC")
        return utc.dt.convert_time_zone(tz).dt.replace_time_zone(None).cast(pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime):
        return pl.col(path).cast(pl.Datetime("us"))
    text = pl.col(path).cast(pl.String).str.strip_chars().str.replace("T", " ").str.replace(r"[+Z].*$", "")
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M", strict=False),
        text.str.to_datetime("%Y/%m/%d %H:%M:%S", strict=False),
        text.str.to_datetime("%Y-%m-%d", strict=False),
    ).cast(pl.Datetime("us"))


def _meta(conn: Connector, frame: pl.DataFrame, tz: str) -> list[pl.Expr]:
    """The meta columns from the adapter's frame, or from the source paths the connector's options name:
    reported_at (the source's time of the status), product (its title, for gift words), presale_group / presale_part (+ presale_parts value map)
    and gift (+ gift_values)."""
    opts = conn.options
    exprs: dict[str, pl.Expr] = {}
    if "reported_at" in opts:
        exprs[REPORTED_AT] = as_datetime(frame, str(opts["reported_at"]), tz)
    if "presale_group" in opts:
        exprs["_presale_group"] = _text(frame, str(opts["presale_group"]))
        part = _text(frame, str(opts.get("presale_part", "")))
        parts = opts.get("presale_parts") or {}
        exprs["_presale_part"] = part.replace_strict(parts, default=None) if parts else part
    if "product" in opts:
        exprs["_product"] = _text(frame, str(opts["product"]))
    if "gift" in opts:
        exprs["_gift"] = _text(frame, str(opts["gift"])).is_in(
            [str(v) for v in opts.get("gift_values", ["1", "true"])]
        )
    out = []
    for name, dtype in META.items():
        if name in (EXTERNAL_ID, STATUS_RAW):
            continue
        if name in exprs:
            out.append(exprs[name].cast(dtype).alias(name))
        elif name in frame.columns:
            out.append(pl.col(name).cast(dtype).alias(name))
        else:
            out.append(pl.lit(None, dtype).alias(name))
    return out


def _value(conn: Connector, table: Table, frame: pl.DataFrame, field: str, path: str, tz: str) -> pl.Expr:
    """One field's column: joined parts for `a+b` paths, fen → yuan for `cents` fields, unix seconds as
    times for date fields."""
    if "+" in path and path not in frame.columns:
        return pl.concat_str([_text(frame, p) for p in path.split("+")], separator="-")
    if path not in frame.columns:
        return pl.lit(None)
    if field in conn.options.get("cents", []):
        return pl.col(path).cast(pl.Float64, strict=False) / 100
    target = table.field(field)
    if target is not None and target.is_kind("time") and frame.schema[path].is_numeric():
        return as_datetime(frame, path, tz)
    if field == "tracking_no" and frame.schema[path] == pl.String:
        return tracking_number(
            pl.col(path)
        )  # "No:SF…" (Taobao), "SF…-顺丰速运" (抖店), as an import reads it
    return pl.col(path)


def _with_derived(conn: Connector, flat: pl.DataFrame, columns: list[pl.Expr]) -> list[pl.Expr]:
    """The field columns with the connector's derived fields read out of their source columns (as an import
    reads them: a unit price from a goods total, the order date inside a Pinduoduo number)."""
    by_name = {e.meta.output_name(): e for e in columns}
    for d in conn.derived:
        if d.column in flat.columns and (d.by is None or d.by in flat.columns):
            current = by_name.get(d.field)
            by_name[d.field] = derive(d, current.cast(pl.String) if current is not None else None).alias(
                d.field
            )
    return list(by_name.values())


def map_frame(conn: Connector, table: Table, flat: pl.DataFrame, tz: str = "Asia/Shanghai") -> Mapped:
    """Field columns by the connector's mapping; rows without an order id or with an unmapped status are
    rejected with the reason (naming the value and where to map it)."""
    key = str(table.business_key)
    status_field = table.flow.field if table.flow else None
    id_path = conn.fields.get(key, "")
    source_id = (
        _value(conn, table, flat, key, id_path, tz).cast(pl.String) if id_path else pl.lit(None, pl.String)
    ).str.strip_chars()
    columns: list[pl.Expr] = [source_id.alias(EXTERNAL_ID)]
    for field, path in conn.fields.items():
        if field == key:
            columns.append(pl.concat_str([pl.lit(conn.key_prefix), source_id]).alias(field))
        elif field == status_field:
            raw = _text(flat, path).str.strip_chars()
            columns.append(raw.alias(STATUS_RAW))
            states = [s.name for s in table.flow.states] if table.flow else []
            # A value that already is a state passes; anything else must be in the map.
            passes = pl.when(raw.is_in(states)).then(raw)
            mapped = raw.replace_strict(conn.statuses, default=passes) if conn.statuses else raw
            columns.append(mapped.alias(field))
        else:
            value = _value(conn, table, flat, field, path, tz)
            if field in conn.fixed:  # a fixed value also fills the rows the source left empty
                value = pl.coalesce(value.cast(pl.String), pl.lit(str(conn.fixed[field])))
            columns.append(value.alias(field))
    columns += [pl.lit(value).alias(field) for field, value in conn.fixed.items() if field not in conn.fields]
    if status_field not in conn.fields:
        columns.append(pl.lit(None, pl.String).alias(STATUS_RAW))
    columns = _with_derived(conn, flat, columns)
    rows = flat.select(*columns, *_meta(conn, flat, tz))
    missing_id = pl.col(EXTERNAL_ID).is_null() | (pl.col(EXTERNAL_ID) == "")
    why = f"no order id (source field {id_path or '—'!r} is empty)"
    if conn.options.get("kind") == "status" and "tracking_no" in rows.columns:
        # A status event may name its order by tracking number instead.
        missing_id = missing_id & pl.col("tracking_no").is_null()
        why = "no order number and no tracking number"
    reasons = [pl.when(missing_id).then(pl.lit(why))]
    if status_field in conn.fields and conn.statuses:
        unmapped = pl.col(status_field).is_null() & pl.col(STATUS_RAW).is_not_null()
        reasons.append(
            pl.when(unmapped).then(
                pl.format(
                    "status {} is not mapped to a state (add it to connectors.{}.statuses)",
                    pl.col(STATUS_RAW),
                    pl.lit(conn.name),
                )
            )
        )
    checked = rows.with_columns(pl.coalesce(reasons).alias("reason"))
    bad = pl.col("reason").is_not_null()
    return Mapped(
        checked.filter(~bad).drop("reason"),
        checked.filter(bad).select(list(REJECT_COLUMNS)).cast(REJECT_COLUMNS),  # type: ignore[arg-type]
    )
