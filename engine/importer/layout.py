"""Finding the table in a sheet: the header row below title rows ("2025年订单汇总", "导出时间:…"), a header of
one or two rows with merged cells flattened into names like 收货信息/手机, blank rows, and summary rows
(合计, 总计, 小计) that are not data. Pure functions over the first rows of a sheet and its merged ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first_row, first_col), (last_row, last_col)), inclusive
# Read by polars (Rust regex syntax).
# 合计, 总计, 小计 — also after a short label (9月合计, 本页小计) — and Total / Sum.
SUMMARY_PATTERN = r"^\s*(\S{0,8}?(合\s*计|总\s*计|小\s*计)|(?i:total|sum)\b)"
NUMBER = re.compile(r"^[\s¥$￥=+\-\"'\t]*[\d,，.]+%?\"?\s*$")
HEAD_ROWS = 30  # rows looked at to find the header


@dataclass(frozen=True)
class Layout:
    """Where the table is: its header rows (0-based sheet rows), its column names, where data starts."""

    header_row: int
    depth: int
    columns: list[str]
    data_start: int


def text(cell: Any) -> str:
    """A cell as trimmed text ('' for empty); full-width spaces count as spaces."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).replace("\u3000", " ").strip()


def _is_label(value: str) -> bool:
    return bool(value) and not NUMBER.match(value)


def _covered(merges: list[Merge], row: int) -> set[int]:
    """Columns of `row` that a horizontal merge starting in that row covers (beyond its anchor)."""
    return {c for (r0, c0), (r1, c1) in merges if r0 == row and c1 > c0 for c in range(c0 + 1, c1 + 1)}


def find_header(rows: list[list[Any]], merges: list[Merge] | None = None) -> int:
    """The first row that looks like a header: at least half as wide as the widest row, mostly labels."""
    merges = merges or []
    width = max((sum(1 for c in r if text(c)) for r in rows[:HEAD_ROWS]), default=0)
    for i, row in enumerate(rows[:HEAD_ROWS]):
        cells = [text(c) for c in row]
        own = sum(1 for c in cells if c)  # a title merged across the sheet is still one cell
        labels = sum(1 for c in cells if _is_label(c))
        if own >= 2 and own + len(_covered(merges, i)) >= width / 2 and labels >= 0.6 * own:
            return i
    raise ValueError("no header row found in the first rows: the sheet looks empty or has no column names")


def _spans_down(merges: list[Merge], row: int) -> bool:
    return any(r0 == row and r1 > r0 for (r0, _), (r1, _) in merges)


def header_depth(rows: list[list[Any]], header: int, merges: list[Merge] | None = None) -> int:
    """2 when the row under the header names sub-columns (收货人/手机 under a merged 收货信息), else 1."""
    merges = merges or []
    if header + 1 >= len(rows):
        return 1
    top = [text(c) for c in rows[header]]
    below = [text(c) for c in rows[header + 1]]
    filled = [i for i, c in enumerate(below) if c]
    if not filled or not all(_is_label(below[i]) for i in filled):
        return 1
    covered = _covered(merges, header)
    under_group = all(
        i < len(top) and (not top[i] or i in covered or _anchor_of(merges, header, i)) for i in filled
    )
    return (
        2
        if under_group and (covered or _spans_down(merges, header) or any(not top[i] for i in filled))
        else 1
    )


def _anchor_of(merges: list[Merge], row: int, col: int) -> bool:
    return any(r0 == row and c0 == col and c1 > c0 for (r0, c0), (_, c1) in merges)


def _filled_across(values: list[str], merges: list[Merge], row: int) -> list[str]:
    """A header row with each horizontally merged block's text repeated under the whole block."""
    out = list(values)
    for (r0, c0), (_, c1) in merges:
        if r0 == row and c1 > c0 and c0 < len(out):
            for c in range(c0 + 1, min(c1 + 1, len(out))):
                out[c] = out[c] or out[c0]
    return out


def column_names(
    rows: list[list[Any]], header: int, depth: int, merges: list[Merge] | None = None
) -> list[str]:
    """Flattened, unique column names: 收货信息/手机 for a two-row header; 列3 where a column has none."""
    merges = merges or []
    width = max(len(rows[r]) for r in range(header, header + depth))
    levels = [
        _filled_across([text(c) for c in rows[r]] + [""] * (width - len(rows[r])), merges, r)
        for r in range(header, header + depth)
    ]
    names: list[str] = []
    for col in range(width):
        parts = list(dict.fromkeys(level[col] for level in levels if level[col]))
        name = "/".join(parts) or f"列{col + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    while (
        names
        and names[-1].startswith("列")
        and all(not text(r[len(names) - 1]) for r in rows[header:] if len(r) >= len(names))
    ):
        names.pop()  # trailing columns with neither a name nor data
    return names


def find_layout(rows: list[list[Any]], merges: list[Merge] | None = None) -> Layout:
    """The table's layout in a sheet, from its first rows and merged ranges."""
    header = find_header(rows, merges)
    depth = header_depth(rows, header, merges)
    return Layout(header, depth, column_names(rows, header, depth, merges), header + depth)
