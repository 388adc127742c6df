"""Mapping the columns of a file to a table's fields: suggestions from names, labels, synonyms and fuzzy
matching (with a confidence), and per-column value transforms (value maps such as 交易成功 → signed, numbers
that platforms protect from Excel, full-width spaces). The field registry does the rest of the reading:
dates in every format, money, phones."""

from __future__ import annotations

import hashlib
import json
import re
from difflib import SequenceMatcher
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import AuthoringError
from engine.fields import FieldBase, LookupField, SingleSelectField
from engine.flow.meanings import state_for
from engine.importer.derived import Derived
from engine.importer.vocabulary import (
    NOT_FOR,
    PLACEHOLDERS,
    REFUND_DONE,
    STATUS_PREFIXES,
    STATUS_WORDS,
    SYNONYMS,
)
from engine.records.cells import AS_WRITTEN
from engine.schema import Flow, Table

# A receiver in one cell: name，(86-)phone，address (full-width or ASCII commas, a trailing comma).
CONTACT_CELL = r"^\s*([^，,\d]{1,20})[，,]\s*((?:\+?86-?)?[\d*\-]{7,})[，,]\s*(.*?)[\s，,]*$"
PROTECTED = re.compile(r'^="(.*)"$')


class ColumnMap(BaseModel):
    """One source column: the field it fills (or None), a value map, and the confidence of a suggestion."""

    model_config = ConfigDict(extra="forbid")

    column: str
    field: str | None = None
    value_map: dict[str, str] = Field(default_factory=dict)
    date_format: str | None = Field(
        None, description="strftime format of this column's dates when they are ambiguous, e.g. %d/%m/%Y."
    )
    confidence: float = 0.0
    fit: float | None = Field(None, description="Share of the column's sample values the field reads.")


class Mapping(BaseModel):
    """How the columns of one kind of file (淘宝订单报表, 抖店订单导出) fill a table; saved by name."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    table: str
    columns: list[ColumnMap]
    fixed: dict[str, str] = Field(
        default_factory=dict,
        description="Fields no column fills, the same for every row of the file (渠道 = 淘宝 for a Taobao export).",
    )
    derived: list[Derived] = Field(default_factory=list)

    @property
    def signature(self) -> str:
        return signature([c.column for c in self.columns])


def norm(name: str) -> str:
    """A column or field name as compared: no spaces, brackets or punctuation, lower case."""
    return re.sub(r"[\s_\-:：()（）*]+", "", name).lower()


def signature(columns: list[str]) -> str:
    """What identifies a kind of file: its column names, normalised, in any order."""
    return hashlib.sha256("\n".join(sorted(norm(c) for c in columns)).encode()).hexdigest()[:16]


def score(column: str, field: FieldBase) -> float:
    """How well a column name fits a field: 1 exact, 0.9 a synonym, about 0.7 when it ends with one (the head
    word of a Chinese compound: 收货人省份 is a province), else a fuzzy ratio scaled below 0.7."""
    if any(w in column.lower() for w in NOT_FOR.get(field.name, ())):
        return 0.0
    parts = {norm(column), *(norm(p) for p in column.split("/") if p.strip())} - {""}
    names = {norm(field.name), norm(field.label), norm(field.label_en or "")} - {""}
    if parts & names:
        return 1.0
    words = {norm(w) for w in SYNONYMS.get(field.name, ())} | names
    if parts & words:
        return 0.9
    heads = [len(w) / len(p) for p in parts for w in words if len(w) >= 2 and p.endswith(w)]
    if heads:
        return round(0.6 + 0.25 * max(heads), 3)
    best = max(SequenceMatcher(None, p, n).ratio() for p in parts for n in words) if words else 0.0
    return round(best * 0.7, 3)


def suggest(table: Table, columns: list[str], threshold: float = 0.5) -> Mapping:
    """A field for every column that fits one well enough, each field used once (best fits first)."""
    fields = [f for f in table.fields if f.stored and not isinstance(f, LookupField)]
    scored = sorted(
        ((score(c, f), i, f.name) for i, c in enumerate(columns) for f in fields),
        key=lambda x: (-x[0], x[1]),
    )
    chosen: dict[int, tuple[str, float]] = {}
    used: set[str] = set()
    for fit_score, i, name in scored:
        if fit_score >= threshold and i not in chosen and name not in used:
            chosen[i] = (name, fit_score)
            used.add(name)
    return Mapping(
        table=table.name,
        columns=[
            ColumnMap(column=c, field=chosen.get(i, (None, 0.0))[0], confidence=chosen.get(i, (None, 0.0))[1])
            for i, c in enumerate(columns)
        ],
    )


def suggest_value_map(field: FieldBase, values: list[str], flow: Flow | None = None) -> dict[str, str]:
    """For a select field, the option each distinct source value most likely means: its label or value,
    a platform's status word (a JD "(删除)" mark aside), or the one option whose label starts with it
    (顺丰 → 顺丰速运, 华东仓 → 华东仓(上海))."""
    if not isinstance(field, SingleSelectField):
        return {}
    by_label = {norm(o.label): o.value for o in field.options} | {
        norm(o.value): o.value for o in field.options
    }
    states = {m: state_for(flow, m) if flow else m for m in STATUS_WORDS}
    words = {
        norm(w): states[m] for m, ws in STATUS_WORDS.items() for w in ws if states[m] in field.option_values()
    }
    out = {}
    for value in values:
        key = norm(STATUS_PREFIXES.sub("", str(value)))
        target = by_label.get(key) or words.get(key) or _by_short_name(field, key)
        if target and target != value:
            out[value] = target
    return out


def _by_short_name(field: SingleSelectField, key: str) -> str | None:
    if len(key) < 2:
        return None
    fits = {o.value for o in field.options if norm(o.label).startswith(key) or norm(o.label).endswith(key)}
    return fits.pop() if len(fits) == 1 else None


def unprotect(column: pl.Expr) -> pl.Expr:
    """Undo what platforms do to keep Excel from mangling numbers: ="123…", a leading tab or apostrophe,
    full-width spaces; '-' alone means empty."""
    cleaned = (
        column.str.replace_all("\u3000", " ")
        .str.replace(PROTECTED.pattern, "$1")
        .str.strip_chars(" \t")
        .str.strip_chars_start("'")
    )
    return pl.when(cleaned.is_in(list(PLACEHOLDERS))).then(None).otherwise(cleaned)


def apply_mapping(
    mapping: Mapping, frame: pl.DataFrame, keep: tuple[str, ...] = (), as_written: bool = False
) -> pl.DataFrame:
    """The source frame as field columns (text, ready for the field registry), plus the `keep` columns; with
    `as_written`, also the file's own text of every column the mapping rewrites (AS_WRITTEN + field)."""
    columns: dict[str, pl.Expr] = {k: pl.col(k) for k in keep}
    for cm in mapping.columns:
        if cm.field is None or cm.column not in frame.columns:
            continue
        if as_written and (cm.value_map or cm.date_format or cm.field == "tracking_no"):
            columns[AS_WRITTEN + cm.field] = pl.col(cm.column).cast(pl.String)
        value = unprotect(pl.col(cm.column).cast(pl.String))
        if cm.field == "tracking_no":
            value = tracking_number(value)
        if cm.value_map:
            value = value.replace(cm.value_map)
        if cm.date_format:
            # Read with the file's own format, handed on as ISO text; what does not fit stays for the checks.
            parsed = value.str.to_datetime(cm.date_format, strict=False, time_unit="us")
            value = (
                pl.when(parsed.is_not_null()).then(parsed.dt.strftime("%Y-%m-%d %H:%M:%S")).otherwise(value)
            )
        columns[cm.field] = value
    for name, value in mapping.fixed.items():
        columns[name] = pl.lit(value, pl.String)
    for d in mapping.derived:
        if d.column in frame.columns and (d.by is None or d.by in frame.columns):
            columns[d.field] = derive(d, columns.get(d.field))
    return frame.select([e.alias(n) for n, e in columns.items()])


def tracking_number(value: pl.Expr) -> pl.Expr:
    """A tracking number as platforms write it, without "No:" (Taobao) or a carrier after it (抖店 快递信息)."""
    bare = value.str.replace(r"^(?i:no)[:：]\s*", "")
    return bare.str.replace(r"^([0-9A-Za-z]{6,})\s*[-—]\s*\D+$", "$1")


def derive(d: Derived, current: pl.Expr | None) -> pl.Expr:
    """The text of a derived field (see Derived), over the source columns; `current` is what a column gives."""
    source = unprotect(pl.col(d.column).cast(pl.String))
    if d.kind == "divide":
        total = source.str.replace_all(r"[¥￥,\s元]", "").cast(pl.Float64, strict=False)
        qty = (
            unprotect(pl.col(str(d.by)).cast(pl.String))
            .str.extract(r"(\d+(?:\.\d+)?)")
            .cast(pl.Float64, strict=False)
        )
        unit = pl.when(qty > 0).then((total / qty).round(2))
        return unit.cast(pl.String) if current is None else pl.coalesce(current, unit.cast(pl.String))
    if d.kind == "carrier_in":
        named = source.str.extract(r"^[0-9A-Za-z]{6,}\s*[-—]\s*(\D+)$")
        return named if current is None else pl.coalesce(current, named)
    if d.kind == "contact_in":
        part = source.str.extract(CONTACT_CELL, {"name": 1, "phone": 2, "address": 3}[str(d.part)])
        if d.part == "phone":
            part = part.str.replace(r"^\+?86-?", "")
        return part if current is None else pl.coalesce(part, current)
    if d.kind == "date_in_key":
        day = (
            source.str.extract(r"^(\d{6})-\d{6,}$")
            .str.to_date("%y%m%d", strict=False)
            .dt.strftime("%Y-%m-%d")
        )
        return day if current is None else pl.coalesce(current, day)
    refunded = source.str.to_lowercase().is_in(list(REFUND_DONE))
    return pl.when(refunded).then(pl.lit(d.state)).otherwise(current if current is not None else pl.lit(None))


def mapping_problems(mapping: Mapping, table: Table) -> list[tuple[str, str]]:
    """(column, what is wrong): unknown fields, a field filled twice, a required field left out."""
    problems = []
    seen: dict[str, str] = {}
    for cm in mapping.columns:
        if cm.field is None:
            continue
        if "." in cm.field:  # relation.field: fills a row the import creates (checked by importer.relations)
            pass
        elif table.field(cm.field) is None:
            problems.append((cm.column, f"{table.name!r} has no field {cm.field!r}"))
        elif cm.field in seen:
            problems.append((cm.column, f"{cm.field!r} is already filled from column {seen[cm.field]!r}"))
        seen.setdefault(cm.field, cm.column)
    for name in mapping.fixed:
        if table.field(name) is None:
            problems.append((f"= {name}", f"{table.name!r} has no field {name!r}"))
        elif name in seen:
            problems.append(
                (f"= {name}", f"{name!r} is filled from column {seen[name]!r} and as a fixed value")
            )
    key = table.business_key
    if key and key not in seen:
        problems.append(("", f"no column fills the business key {key!r}: rows could not be matched"))
    return problems


def with_value_maps(table: Table, mapping: Mapping, samples: dict[str, list[str]]) -> Mapping:
    """The mapping with a suggested value map for every select column that has none yet (交易成功 → signed),
    from the column's distinct values."""
    columns = []
    for cm in mapping.columns:
        field = table.field(cm.field) if cm.field else None
        if field is not None and not cm.value_map:
            flow = table.flow if table.flow and table.flow.field == field.name else None
            cm = cm.model_copy(
                update={"value_map": suggest_value_map(field, samples.get(cm.column, []), flow)}
            )
        columns.append(cm)
    return mapping.model_copy(update={"columns": columns})


def editor_rows(table: Table, mapping: Mapping, samples: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The mapping as rows of the page's editor: column, field, confidence, sample values, value map (in
    option labels, "交易成功 → 签收; 已关闭 → 已取消", suggested for select fields from the column's values) and
    date format."""
    return [
        {
            "column": cm.column,
            "field": cm.field,
            "confidence": cm.confidence,
            "fit": cm.fit,
            "sample": ", ".join(str(v) for v in samples.get(cm.column, [])[:3]),
            "value_map": value_map_text(table, cm.field, cm.value_map),
            "date_format": cm.date_format or "",
        }
        for cm in with_value_maps(table, mapping, samples).columns
    ]


ARROW = re.compile(r"\s*(?:→|->|=>|=|：|:)\s*")


def value_map_text(table: Table, field: str | None, value_map: dict[str, str]) -> str:
    """A value map as people read it: each source value → the option's label."""
    labels = _option_labels(table, field)
    return "; ".join(f"{k} → {labels.get(v, v)}" for k, v in value_map.items())


def _option_labels(table: Table, field: str | None) -> dict[str, str]:
    target = table.field(field) if field else None
    return dict(target.lookup_map_labels()) if target is not None and target.has_options else {}


def parse_value_map(table: Table, column: str, field: str | None, text: str) -> dict[str, str]:
    """Read a value map typed as "source → option" pairs (; or new lines between them; the option by its
    label or its stored value) or as a JSON object; an unreadable one is refused naming its column."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad_map(column, f"not JSON ({exc.msg})") from None
        if not isinstance(loaded, dict):
            raise _bad_map(column, "a JSON value map is an object of source value → option")
        pairs = [(str(k), str(v)) for k, v in loaded.items()]
    else:
        pairs = []
        for part in re.split(r"[;；\n]+", text):
            if not part.strip():
                continue
            pieces = ARROW.split(part.strip(), maxsplit=1)
            if len(pieces) != 2 or not pieces[0] or not pieces[1]:
                raise _bad_map(column, f"“{part.strip()}” has no → between the file's value and the option")
            pairs.append((pieces[0], pieces[1]))
    by_label = {label: value for value, label in _option_labels(table, field).items()}
    return {source: by_label.get(target, target) for source, target in pairs}


def _bad_map(column: str, why: str) -> AuthoringError:
    return AuthoringError(
        f"{column}: value map {why}, e.g. 交易成功 → 签收; 交易关闭 → 已取消",
        text=("value_map_bad", {"column": column, "why": why}),
    )


def mapping_from_rows(table: Table, name: str, rows: list[dict[str, Any]]) -> Mapping:
    """A mapping from the editor's rows; a value map that cannot be read is refused naming its column."""
    columns = []
    for row in rows:
        field = row.get("field") or None
        columns.append(
            ColumnMap(
                column=row["column"],
                field=field,
                value_map=parse_value_map(table, row["column"], field, row.get("value_map") or ""),
                date_format=(row.get("date_format") or "").strip() or None,
                confidence=float(row.get("confidence") or 0.0),
                fit=None if row.get("fit") is None else float(row["fit"]),
            )
        )
    return Mapping(name=name.strip(), table=table.name, columns=columns)
