"""Fetchers, one per connector type (a registry): each reads its source from the connector's cursor on and
returns flat batches for the intake, the cursor to keep once they are applied, and notes for the sync log."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from connectors.flatten import flatten
from connectors.http import FetchError, Retry, get_json
from connectors.platforms import APIS, ApiSpec, dig
from engine.importer.batches import file_sha256
from engine.importer.derived import Derived
from engine.importer.mapping import suggest_value_map, unprotect
from engine.importer.pairs import Group, combine, group_files, item_key, numbered
from engine.importer.proposal import propose
from engine.importer.sources import read_chunks
from engine.intake.mapping import as_datetime
from engine.intake.model import Connector
from engine.intake.synclog import seen_files
from engine.registry import Registry
from engine.schema import Workspace
from engine.storage.store import Store

TEXT_FILES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".xlsm", ".ods")
JSON_FILES = (".json", ".jsonl", ".ndjson")


@dataclass
class Batch:
    kind: str  # "order" | "status"
    flat: pl.DataFrame
    conn: Connector  # the mapping to apply (an export's columns may be matched automatically)


@dataclass
class Context:
    store: Store
    ws: Workspace
    conn: Connector
    cursor: dict[str, Any]
    now: datetime
    retry: Retry = field(default_factory=Retry)


@dataclass
class Fetched:
    batches: list[Batch] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (sha256, name) to mark as seen once applied
    reviews: list[dict[str, Any]] = field(default_factory=list)  # chat messages for a person to read
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(b.flat.height for b in self.batches)


def _since(ctx: Context, unix: bool) -> dict[str, Any]:
    last = ctx.cursor.get("modified")
    if not last:
        return {}
    # One second of overlap: an order changed in the same second as the last one seen is not missed;
    # fetching it again changes nothing.
    moment = datetime.fromisoformat(last) - timedelta(seconds=1)
    return {"value": int(moment.timestamp()) if unix else moment.strftime("%Y-%m-%d %H:%M:%S")}


def _checked(spec: ApiSpec, data: Any, where: str) -> Any:
    error = dig(data, spec.error)
    if spec.error and error is not None and (not spec.ok_values or error not in spec.ok_values):
        raise FetchError(f"{where}: platform error {json.dumps(error, ensure_ascii=False)[:200]}")
    return data


def _pages(ctx: Context, spec: ApiSpec, url: str, size: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Numbered pages of orders changed since the cursor's modified time."""
    params: dict[str, Any] = {spec.size_param: size}
    since = _since(ctx, spec.since_unix)
    if since:
        params[spec.since_param] = since["value"]
    items: list[dict[str, Any]] = []
    page = spec.first_page
    while True:
        data = _checked(
            spec, get_json(url, params | {spec.page_param: page}, ctx.retry), f"{url} page {page}"
        )
        got = dig(data, spec.items) or []
        items += got
        total = int(dig(data, spec.total) or 0) if spec.total else 0
        more = dig(data, spec.has_next) if spec.has_next else (page - spec.first_page + 1) * size < total
        if not got or not more:
            return items, {}
        page += 1


def _tokens(ctx: Context, spec: ApiSpec, url: str, size: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Token pages of order ids from the cursor's next_key on, each order then read by id."""
    token = ctx.cursor.get(spec.token_param, "")
    detail = ctx.conn.url.rstrip("/") + spec.detail_path
    items: list[dict[str, Any]] = []
    while True:
        data = _checked(spec, get_json(url, {spec.size_param: size, spec.token_param: token}, ctx.retry), url)
        for order_id in dig(data, spec.items) or []:
            one = _checked(
                spec, get_json(detail, {spec.detail_id_param: order_id}, ctx.retry), f"{detail} {order_id}"
            )
            items.append(dig(one, spec.detail_item))
        token = dig(data, spec.next_token) or token
        if not dig(data, spec.has_next):
            return items, {spec.token_param: token}


def fetch_api(ctx: Context) -> Fetched:
    """Every order changed since the cursor (a modified time, or a page token), retried through rate limits
    and server errors."""
    conn = ctx.conn
    spec = APIS.get(conn.platform)
    if spec is None:
        raise FetchError(f"connector {conn.name}: no API layout for platform {conn.platform!r}")
    url = conn.url.rstrip("/") + str(conn.options.get("path", spec.path))
    size = int(conn.options.get("page_size", 100))
    items, position = (_tokens if spec.token_param else _pages)(ctx, spec, url, size)
    flat = flatten(items)
    cursor = dict(ctx.cursor) | position
    if items:
        latest = flat.select(as_datetime(flat, spec.modified, ctx.ws.timezone).max()).item()
        previous = datetime.fromisoformat(cursor["modified"]) if cursor.get("modified") else None
        cursor["modified"] = max(d for d in (latest, previous) if d is not None).isoformat(sep=" ")
    notes = [f"retried: {e}" for e in ctx.retry.log]
    return Fetched([Batch("order", flat, conn)], cursor, notes=notes)


def all_files(ctx: Context, suffixes: tuple[str, ...]) -> list[Path]:
    """The watched folder's files of these kinds, read before or not."""
    folder = Path(ctx.conn.folder)
    if not ctx.conn.folder or not folder.is_dir():
        raise FetchError(f"connector {ctx.conn.name}: folder {ctx.conn.folder!r} does not exist")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def new_files(ctx: Context, suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    seen = seen_files(ctx.store, ctx.ws, ctx.conn.name)
    out = []
    for path in all_files(ctx, suffixes):
        sha = file_sha256(path)
        if sha not in seen:
            out.append((path, sha))
    return out


def _sheet_cells(path: Path) -> pl.DataFrame:
    frames = [chunk.frame for chunk in read_chunks(path)]
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    text = [c for c, d in frame.schema.items() if d == pl.String]
    return frame.with_columns(unprotect(pl.col(c)).alias(c) for c in text)


def _with_raw(frame: pl.DataFrame) -> pl.DataFrame:
    # The row as the file had it, for tracing a record back to its source.
    return frame.with_columns(pl.struct(pl.all()).struct.json_encode().alias("_raw"))


def read_sheet_rows(path: Path) -> pl.DataFrame:
    return _with_raw(_sheet_cells(path))


def read_records(path: Path) -> pl.DataFrame:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        items = data if isinstance(data, list) else data.get("items", [data])
    else:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    return flatten(items)


def auto_mapping(ctx: Context, flat: pl.DataFrame) -> Connector:
    """An export's columns matched to fields by name (the import's suggestions) where the connector names
    none, and its status wording added to the connector's map."""
    conn = ctx.conn
    table = ctx.ws.require_table(conn.table)
    fields = dict(conn.fields)
    fixed = dict(conn.fixed)
    columns = [c for c in flat.columns if not c.startswith("_")]
    samples = {
        c: flat[c].drop_nulls().unique(maintain_order=True).head(200).cast(pl.String).to_list()
        for c in columns
    }
    proposed, _ = propose(ctx.ws, table, columns, samples)
    if not fields:
        # A field the connector fixes (渠道 = 淘宝) is not taken from a look-alike column (店铺名称); the
        # channel of a recognised platform is fixed when the connector names none.
        fields = {
            c.field: c.column
            for c in proposed.columns
            if c.field and c.field not in conn.fixed and "." not in c.field
        }
        fixed = proposed.fixed | fixed
    derived = conn.derived or _derived_for(proposed.derived, fields)
    statuses = dict(conn.statuses)
    status = table.flow.field if table.flow else None
    if status and status in fields and fields[status] in flat.columns:
        values = flat[fields[status]].drop_nulls().unique().cast(pl.String).to_list()
        field_ = table.field(status)
        assert field_ is not None
        statuses = suggest_value_map(field_, [v for v in values if v not in statuses], table.flow) | statuses
    return conn.model_copy(
        update={"fields": fields, "statuses": statuses, "fixed": fixed, "derived": derived}
    )


def _derived_for(derived: list[Derived], fields: dict[str, str]) -> list[Derived]:
    """The proposal's derived fields, over the connector's own columns (a unit price divided by the quantity
    column the connector reads); those a connector's column already fills are left to it."""
    out = []
    for d in derived:
        if d.kind == "divide":
            if "unit_price" in fields or "qty" not in fields:
                continue
            d = d.model_copy(update={"by": fields["qty"]})
        out.append(d)
    return out


def fetch_files(ctx: Context) -> Fetched:
    """New files of the watched folder (a file already read, same content, is skipped)."""
    kind = str(ctx.conn.options.get("kind", "status" if ctx.conn.type == "status_feed" else "order"))
    out = Fetched(cursor=dict(ctx.cursor))
    new = new_files(ctx, TEXT_FILES + JSON_FILES)
    if ctx.conn.type != "platform_export":
        for path, sha in new:
            flat = read_records(path) if path.suffix.lower() in JSON_FILES else read_sheet_rows(path)
            out.batches.append(Batch(kind, flat.with_columns(pl.lit(path.name).alias("_file")), ctx.conn))
            out.files.append((sha, path.name))
        return out
    shas = dict(new)
    sheets = [p for p in shas if p.suffix.lower() in TEXT_FILES]
    records = [Group(p) for p in shas if p.suffix.lower() in JSON_FILES]
    # A platform's item list is read with its order list (new, or dropped in before) as one table.
    for group in group_files(sheets, all_files(ctx, TEXT_FILES)) + records:
        flat = _read_group(group, out.notes)
        name = " + ".join(p.name for p in group.paths)
        out.batches.append(
            Batch(kind, flat.with_columns(pl.lit(name).alias("_file")), auto_mapping(ctx, flat))
        )
        out.files.extend((shas[p], p.name) for p in group.paths if p in shas)
    return out


def _read_group(group: Group, notes: list[str]) -> pl.DataFrame:
    if group.items is None or group.pair is None:
        path = group.orders
        if path.suffix.lower() in JSON_FILES:
            return read_records(path)
        cells = _sheet_cells(path)
        key = item_key(path)  # an item list whose order list is not in the folder: its lines numbered
        return _with_raw(cells if key is None else numbered(cells, key))
    orders, items = (_sheet_cells(p) for p in group.paths)
    joined = combine(orders, items, group.pair.key)
    notes.append(
        f"{group.pair.label}: {group.orders.name} ({orders.height} rows) and {group.items.name} "
        f"({items.height} rows) joined on {group.pair.key} into {joined.height} lines"
    )
    return _with_raw(joined)


# connectors/chat.py adds the chat fetcher (it parses messages, which needs the sources' readers).
FETCHERS: Registry[Callable[[Context], Fetched]] = Registry(
    "connector fetcher",
    {
        "platform_api": fetch_api,
        "platform_export": fetch_files,
        "pos_csv": fetch_files,
        "status_feed": fetch_files,
    },
)
