"""Platforms that export an order in two files — Taobao's order list and its item list (宝贝报表), Youzan's
orders and their goods — joined on the order number into one table before import: one row per item line with
its order's columns. Nothing is dropped: an order without items and an item without its order both stay; the
second and later lines of one order get the number with -2, -3… (as chat orders with several items do)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from engine.errors import DataError
from engine.importer.platforms import PAIRS, Pair, recognise
from engine.importer.sources import ROW, SHEET, read_sheet, sheet_layout

LINE = "_line"


def _clean_key(column: str) -> pl.Expr:
    # ="3515…", a tab or an apostrophe protect long numbers from Excel: the same order either way.
    return (
        pl.col(column).str.strip_chars(" \t'").str.strip_prefix('="').str.strip_suffix('"').str.strip_chars()
    )


def find_pair(columns: list[list[str]]) -> tuple[Pair, int, int] | None:
    """The pair two files' headers form, with the index of the order list and of the item list."""
    if len(columns) != 2:
        return None
    names = [(p.name if (p := recognise(c)) else "") for c in columns]
    for i, j in ((0, 1), (1, 0)):
        pair = PAIRS.get(names[j])
        if pair and names[i] == pair.orders:
            return pair, i, j
    return None


@dataclass(frozen=True)
class Group:
    """Files read as one: a pair's order list and item list, or a single file (`items` None)."""

    orders: Path
    items: Path | None = None
    pair: Pair | None = None

    @property
    def paths(self) -> list[Path]:
        return [self.orders] if self.items is None else [self.orders, self.items]


def _headers(path: Path) -> list[str]:
    try:
        return list(sheet_layout(path)[2].columns)
    except DataError:
        return []


def _role(path: Path) -> tuple[Pair, bool] | None:
    """The pair a file belongs to and whether it is the item list."""
    found = recognise(_headers(path))
    if found is None:
        return None
    if (pair := PAIRS.get(found.name)) is not None:
        return pair, True
    return next(((p, False) for p in PAIRS.values() if p.orders == found.name), None)


def item_key(path: Path) -> str | None:
    """The order-number header of a platform's item list; None for any other file."""
    role = _role(path)
    return role[0].key if role is not None and role[1] else None


def _keys(path: Path, key: str) -> set[str]:
    frame = read_sheet(path).frame
    if key not in frame.columns:
        return set()
    return set(frame.select(_clean_key(key)).to_series().drop_nulls().to_list())


def group_files(new: list[Path], folder: list[Path]) -> list[Group]:
    """New files of a watched folder, each alone or with the file of the folder (new or read before) that
    completes its pair: the one sharing the most order numbers, the newest on a tie."""
    roles = {p: _role(p) for p in dict.fromkeys([*new, *folder])}
    used: set[Path] = set()
    out = []
    for path in new:
        if path in used:
            continue
        used.add(path)
        role = roles[path]
        if role is None:
            out.append(Group(path))
            continue
        pair, is_items = role
        mates = [p for p, r in roles.items() if r == (pair, not is_items) and p not in used]
        keys = _keys(path, pair.key) if mates else set()
        scored = [(len(keys & _keys(m, pair.key)), m.stat().st_mtime, m) for m in mates]
        best = max((s for s in scored if s[0] > 0), default=None, key=lambda s: s[:2])
        if best is None:
            out.append(Group(path))
            continue
        used.add(best[2])
        orders, items = (best[2], path) if is_items else (path, best[2])
        out.append(Group(orders, items, pair))
    return out


def combine(orders: pl.DataFrame, items: pl.DataFrame, key: str) -> pl.DataFrame:
    """One row per item line with its order's columns (the order list's value where both files have a column);
    orders without items and items without an order are kept."""
    if key not in orders.columns or key not in items.columns:
        raise DataError(f"both files need the column {key} to be joined")
    system = [c for c in (ROW, SHEET) if c in orders.columns or c in items.columns]
    left = orders.drop([c for c in system if c in orders.columns]).with_columns(_clean_key(key))
    right = items.drop([c for c in system if c in items.columns]).with_columns(_clean_key(key))
    shared = [c for c in right.columns if c in left.columns and c != key]
    right = right.rename({c: f"{c}_item" for c in shared}).with_columns(
        pl.int_range(1, pl.len() + 1).over(key).alias(LINE)
    )
    joined = left.join(right, on=key, how="full", coalesce=True, maintain_order="left_right")
    joined = joined.with_columns(
        [pl.coalesce(c, f"{c}_item").alias(c) for c in shared]
        + [
            pl.when(pl.col(LINE) > 1)
            .then(pl.format("{}-{}", pl.col(key), pl.col(LINE)))
            .otherwise(pl.col(key))
            .alias(key)
        ]
    )
    return joined.drop([f"{c}_item" for c in shared] + [LINE])


def numbered(items: pl.DataFrame, key: str) -> pl.DataFrame:
    """An item list read alone (its order list imported before or after): one row per line, an order's later
    lines numbered -2, -3… as when the two files are joined, so no line is refused as a repeated order."""
    if key not in items.columns:
        return items
    return combine(pl.DataFrame({key: []}, schema={key: pl.String}), items, key)


def combine_files(paths: list[Path], folder: Path, stem: str) -> tuple[Path, Pair] | None:
    """Two uploaded files that form a pair joined (or an item list alone with its lines numbered), written as
    one CSV in `folder`; None when the files are neither (a single file that needs nothing is left as it is)."""
    sheets = [read_sheet(p) for p in paths]
    if len(sheets) == 1:
        role = _role(paths[0])
        items = sheets[0].frame
        if role is None or not role[1] or role[0].key not in items.columns:
            return None
        if items.select(_clean_key(role[0].key)).to_series().is_unique().all():
            return None
        return _written(numbered(items, role[0].key), folder / f"{stem}.csv"), role[0]
    found = find_pair([list(s.layout.columns) for s in sheets])
    if found is None:
        return None
    pair, i, j = found
    return _written(combine(sheets[i].frame, sheets[j].frame, pair.key), folder / f"{stem}.csv"), pair


def _written(table: pl.DataFrame, out: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(["" if v is None else v for v in row] for row in table.iter_rows())
    out.write_text(buffer.getvalue(), "utf-8")
    return out
