"""The mapping proposed for a file: columns matched to fields by their names and then by their values, the
platform the file comes from (which fixes its channel), the title columns that name the SKUs an import
creates, and value maps for select fields. Used alike by the CLI, the Import page and the export folder.

A column whose values do not fit a field is never mapped to it (a product title is not a price, a shop id
"0" is not a channel); among columns that fit one field, the one whose values fit best and that is filled
wins (联系手机 over an empty 联系电话).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from engine.fields import FieldBase, LookupField
from engine.forms import label_of
from engine.importer.mapping import (
    CONTACT_CELL,
    ColumnMap,
    Derived,
    Mapping,
    norm,
    score,
    suggest_value_map,
    unprotect,
    with_value_maps,
)
from engine.importer.platforms import Platform, channel_option, recognise
from engine.importer.relations import creating
from engine.schema import Flow, Table, Workspace

# Columns that hold the goods total of a line (a unit price is it divided by the quantity).
GOODS_TOTAL = (
    "商品总价",
    "商品总价(元)",
    "商品金额",
    "商品金额合计",
    "买家应付货款",
    "货品总价",
    "商品总额",
    "SKU Subtotal Before Discount",
)
# Columns that say whether an order was refunded, beside its status.
REFUND_COLUMNS = ("售后状态", "退款状态", "订单退款状态", "商品退款状态", "Cancelation/Return Type")
COMBINED_TRACKING = r"[0-9A-Za-z]{6,}\s*[-—]\s*\D+"
THRESHOLD = 0.5
MIN_FIT = 0.5  # share of a column's values a typed field must read for the column to be mapped to it
# Words for the name of a row an import creates (an SKU's title), by the target field.
CREATED_NAME_WORDS = (
    "宝贝标题",
    "商品标题",
    "标题",
    "商品名称",
    "商品",
    "选购商品",
    "货品标题",
    "全部商品名称",
    "product name",
)


@dataclass(frozen=True)
class Candidate:
    column: int
    field: str
    name_score: float
    fit: float | None  # share of sample values the field reads; None for free text
    filled: int  # distinct non-empty sample values

    @property
    def rank(self) -> tuple[float, float, int]:
        return (
            round(self.name_score * (self.fit if self.fit is not None else 1.0), 3),
            self.fit or 0,
            self.filled,
        )


def _clean(values: list[str]) -> list[str]:
    if not values:
        return []
    cleaned = pl.DataFrame({"v": [str(v) for v in values]}).select(unprotect(pl.col("v")).alias("v"))
    return [v for v in cleaned["v"].to_list() if v]


def value_fit(field: FieldBase, values: list[str], flow: Flow | None = None) -> float | None:
    """The share of values the field reads (for a select field: that match an option or a platform word);
    None for free text, which reads anything."""
    if not values:
        return 0.0
    if field.has_options:
        mapped = suggest_value_map(field, values, flow)
        options = set(field.option_values())  # type: ignore[attr-defined]
        return sum(1 for v in values if v in options or v in mapped) / len(values)
    if field.kind == "text" and field.type in ("text", "long_text", "relation", "autonumber"):
        return None
    return sum(1 for v in values if field.coerce(v).ok) / len(values)


def _targets(ws: Workspace, table: Table) -> list[tuple[str, FieldBase | None]]:
    """The fields a column may fill: the table's stored fields, and the name of each row it may create."""
    out: list[tuple[str, FieldBase | None]] = [
        (f.name, f) for f in table.fields if f.stored and not isinstance(f, LookupField)
    ]
    for relation in creating(table, ws):
        target = ws.require_table(relation.table)
        if target.field("name") is not None:
            out.append((f"{relation.name}.name", None))
    return out


def target_labels(ws: Workspace, table: Table, lang: str = "zh") -> dict[str, str]:
    """Every field a column may fill, with the label people read (a created row's name as "SKU · 名称")."""
    out = {}
    for name, field in _targets(ws, table):
        if field is not None:
            out[name] = label_of(field, lang)
        else:
            head, rest = name.split(".")
            relation = table.by_name[head]
            target = ws.require_table(relation.table)  # type: ignore[attr-defined]
            out[name] = f"{label_of(relation, lang)} · {label_of(target.by_name[rest], lang)}"
    return out


def _name_score(column: str, name: str, field: FieldBase | None) -> float:
    if field is not None:
        return score(column, field)
    whole, last = norm(column), norm(column.split("/")[-1])
    return 0.9 if {whole, last} & {norm(w) for w in CREATED_NAME_WORDS} else 0.0


def propose(
    ws: Workspace, table: Table, columns: list[str], samples: dict[str, list[str]]
) -> tuple[Mapping, Platform | None]:
    """The proposed mapping of a file's columns (with their samples) to `table`, and the platform it comes
    from when recognised."""
    cleaned = {c: _clean(samples.get(c, [])) for c in columns}
    candidates = []
    for i, column in enumerate(columns):
        for name, field in _targets(ws, table):
            name_score = _name_score(column, name, field)
            if name_score < THRESHOLD:
                continue
            flow = table.flow if table.flow and field is not None and table.flow.field == field.name else None
            fit = value_fit(field, cleaned[column], flow) if field is not None else None
            if fit is not None and fit < MIN_FIT:
                continue
            if fit is None and not cleaned[column] and samples.get(column):
                continue  # only placeholders (-, ——): nothing to read
            candidates.append(Candidate(i, name, name_score, fit, len(cleaned[column])))
    chosen: dict[int, Candidate] = {}
    used: set[str] = set()
    for cand in sorted(candidates, key=lambda c: (c.rank, -c.column), reverse=True):
        if cand.column not in chosen and cand.field not in used:
            chosen[cand.column] = cand
            used.add(cand.field)
    mapped = [
        ColumnMap(
            column=c,
            field=chosen[i].field if i in chosen else None,
            confidence=chosen[i].name_score if i in chosen else 0.0,
            fit=chosen[i].fit if i in chosen else None,
        )
        for i, c in enumerate(columns)
    ]
    platform = recognise(columns)
    fixed = _platform_fixed(table, platform, used)
    by_field = {cm.field: cm.column for cm in mapped if cm.field}
    derived = _derived(table, columns, cleaned, by_field)
    mapping = Mapping(table=table.name, columns=mapped, fixed=fixed, derived=derived)
    return with_value_maps(table, mapping, samples), platform


def _matching(values: list[str], pattern: str) -> float:
    return sum(1 for v in values if re.fullmatch(pattern, v)) / len(values) if values else 0.0


def _column_named(columns: list[str], words: tuple[str, ...]) -> str | None:
    wanted = {norm(w) for w in words}
    return next((c for c in columns if {norm(c), *(norm(p) for p in c.split("/"))} & wanted), None)


def _derived(
    table: Table, columns: list[str], cleaned: dict[str, list[str]], by_field: dict[str, str]
) -> list[Derived]:
    """Fields the file gives only inside other columns (see mapping.Derived)."""
    out = []
    if table.field("unit_price") and "unit_price" not in by_field and "qty" in by_field:
        total = _column_named(columns, GOODS_TOTAL)
        if total:
            out.append(Derived(field="unit_price", kind="divide", column=total, by=by_field["qty"]))
    tracking = by_field.get("tracking_no")
    if table.field("carrier") and tracking and _matching(cleaned[tracking], COMBINED_TRACKING) >= 0.5:
        out.append(Derived(field="carrier", kind="carrier_in", column=tracking))
    key = by_field.get(str(table.business_key))
    if table.field("ordered_at") and key and _matching(cleaned[key], r"\d{6}-\d{6,}") >= 0.9:
        out.append(Derived(field="ordered_at", kind="date_in_key", column=key))
    address = by_field.get("address")
    if address and _matching(cleaned[address], CONTACT_CELL) >= 0.5:
        for name, part in (("customer_name", "name"), ("phone", "phone"), ("address", "address")):
            if table.field(name) and (name == "address" or name not in by_field):
                out.append(Derived(field=name, kind="contact_in", column=address, part=part))
    flow = table.flow
    refund = _column_named(columns, REFUND_COLUMNS)
    cancelled = [st.name for st in flow.states if st.category == "cancelled"] if flow else []
    if flow and refund and flow.field in by_field and cancelled:
        out.append(Derived(field=flow.field, kind="refund", column=refund, state=cancelled[0]))
    return out


def _platform_fixed(table: Table, platform: Platform | None, used: set[str]) -> dict[str, str]:
    """The channel a recognised platform's file belongs to, when no column gives one."""
    channel = table.field("channel")
    if platform is None or channel is None or "channel" in used or not channel.has_options:
        return {}
    options = [(o.value, o.label) for o in channel.options]  # type: ignore[attr-defined]
    value = channel_option(platform, options)
    return {"channel": value} if value else {}
