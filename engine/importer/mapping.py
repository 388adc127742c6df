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
from engine.schema import Table

# Words platforms and hand-made sheets use for a field, by field name (Chinese and English, lower case).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_no": (
        "订单号",
        "订单编号",
        "单号",
        "主订单编号",
        "订单id",
        "order no",
        "order id",
        "order number",
    ),
    "platform_order_id": ("平台订单号", "子订单编号", "外部订单号", "交易号"),
    "customer_name": (
        "客户",
        "客户名称",
        "客户姓名",
        "买家",
        "收货人",
        "收货人姓名",
        "收件人",
        "customer",
        "buyer",
    ),
    "customer_no": ("客户编号", "客户编码", "会员号", "customer no"),
    "phone": (
        "手机",
        "手机号",
        "手机号码",
        "收件人手机号",
        "联系手机",
        "联系电话",
        "电话",
        "phone",
        "mobile",
    ),
    "address": ("地址", "收货地址", "详细地址", "收件地址", "客户地址", "address"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "city"),
    "sku": (
        "sku",
        "商品编码",
        "货号",
        "商家编码",
        "商家编码-SKU维度",
        "商品编号",
        "物料编码",
        "product code",
    ),
    "qty": (
        "数量",
        "商品数量",
        "商品数量(件)",
        "件数",
        "购买数量",
        "订购数量",
        "宝贝总数量",
        "qty",
        "quantity",
    ),
    "unit_price": ("单价", "商品单价", "价格", "京东价", "unit price", "price"),
    "amount": ("金额", "订单金额", "实付金额", "订单应付金额", "应付金额", "amount", "total"),
    "status": ("状态", "订单状态", "交易状态", "status", "order status"),
    "ordered_at": (
        "下单时间",
        "创建时间",
        "订单创建时间",
        "订单提交时间",
        "下单日期",
        "order time",
        "created at",
    ),
    "paid_at": (
        "付款时间",
        "支付时间",
        "订单付款时间",
        "支付完成时间",
        "付款确认时间",
        "拼单成功时间",
        "付款日期",
        "paid at",
        "payment time",
    ),
    "shipped_at": ("发货时间", "出库时间", "shipped at"),
    "signed_at": ("签收时间", "确认收货时间", "完成时间", "订单完成时间", "signed at"),
    "promised_at": ("承诺送达时间", "预计送达", "promised at"),
    "carrier": ("快递公司", "承运商", "物流公司", "carrier"),
    "tracking_no": ("快递单号", "运单号", "物流单号", "快递信息", "tracking no", "tracking number"),
    "warehouse": ("仓库", "发货仓", "发货仓库", "warehouse"),
    "channel": ("渠道", "平台", "来源", "店铺", "channel", "platform"),
    "remarks": ("备注", "买家留言", "卖家备注", "商家备注", "商家备忘", "订单备注", "remarks", "note"),
}
# Platform wording of order statuses, by the state name it usually means.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "placed": ("等待买家付款", "待付款", "待支付", "等待付款", "已下单", "新订单"),
    "picking": ("买家已付款，等待卖家发货", "等待卖家发货", "待发货", "等待出库", "备货中"),
    "shipped": (
        "已发货",
        "卖家已发货",
        "卖家已发货，等待买家确认",
        "等待买家确认收货",
        "等待确认收货",
        "已发货，待签收",
        "运输中",
        "待收货",
    ),
    "signed": ("已签收", "交易成功", "完成", "已完成", "已收货"),
    "cancelled": ("交易关闭", "已取消", "取消", "已关闭", "未发货，退款成功"),
    "after_sale": ("售后中", "退款中", "退货中"),
}
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
    """How well a column name fits a field: 1 exact, 0.9 a synonym, else a fuzzy ratio scaled below 0.8."""
    whole, last = norm(column), norm(column.split("/")[-1])
    names = {norm(field.name), norm(field.label), norm(field.label_en or "")} - {""}
    if whole in names or last in names:
        return 1.0
    words = {norm(w) for w in SYNONYMS.get(field.name, ())}
    if whole in words or last in words:
        return 0.9
    best = max(SequenceMatcher(None, last, n).ratio() for n in names | words) if names | words else 0.0
    return round(best * 0.8, 3)


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


def suggest_value_map(field: FieldBase, values: list[str]) -> dict[str, str]:
    """For a select field, the option each distinct source value most likely means (labels, platform words)."""
    if not isinstance(field, SingleSelectField):
        return {}
    by_label = {norm(o.label): o.value for o in field.options} | {
        norm(o.value): o.value for o in field.options
    }
    words = {
        norm(w): state for state, ws in STATUS_WORDS.items() for w in ws if state in field.option_values()
    }
    out = {}
    for value in values:
        key = norm(value)
        target = by_label.get(key) or words.get(key)
        if target and target != value:
            out[value] = target
    return out


def unprotect(column: pl.Expr) -> pl.Expr:
    """Undo what platforms do to keep Excel from mangling numbers: ="123…", a leading tab or apostrophe,
    full-width spaces; '-' alone means empty."""
    cleaned = (
        column.str.replace_all("\u3000", " ")
        .str.replace(PROTECTED.pattern, "$1")
        .str.strip_chars(" \t")
        .str.strip_chars_start("'")
    )
    return pl.when(cleaned.is_in(["-", "—", ""])).then(None).otherwise(cleaned)


def apply_mapping(mapping: Mapping, frame: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """The source frame as field columns (text, ready for the field registry), plus the `keep` columns."""
    columns: list[pl.Expr] = [pl.col(k) for k in keep]
    for cm in mapping.columns:
        if cm.field is None or cm.column not in frame.columns:
            continue
        value = unprotect(pl.col(cm.column).cast(pl.String))
        if cm.value_map:
            value = value.replace(cm.value_map)
        if cm.date_format:
            # Read with the file's own format, handed on as ISO text; what does not fit stays for the checks.
            parsed = value.str.to_datetime(cm.date_format, strict=False, time_unit="us")
            value = (
                pl.when(parsed.is_not_null()).then(parsed.dt.strftime("%Y-%m-%d %H:%M:%S")).otherwise(value)
            )
        columns.append(value.alias(cm.field))
    columns += [pl.lit(value, pl.String).alias(name) for name, value in mapping.fixed.items()]
    return frame.select(columns)


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
            cm = cm.model_copy(update={"value_map": suggest_value_map(field, samples.get(cm.column, []))})
        columns.append(cm)
    return mapping.model_copy(update={"columns": columns})


def editor_rows(table: Table, mapping: Mapping, samples: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The mapping as rows of the page's editor: column, field, confidence, sample values, value map (JSON,
    suggested for select fields from the column's distinct values) and date format."""
    return [
        {
            "column": cm.column,
            "field": cm.field,
            "confidence": cm.confidence,
            "fit": cm.fit,
            "sample": ", ".join(str(v) for v in samples.get(cm.column, [])[:3]),
            "value_map": json.dumps(cm.value_map, ensure_ascii=False) if cm.value_map else "",
            "date_format": cm.date_format or "",
        }
        for cm in with_value_maps(table, mapping, samples).columns
    ]


def mapping_from_rows(table: str, name: str, rows: list[dict[str, Any]]) -> Mapping:
    """A mapping from the editor's rows; a value map that is not a JSON object is refused naming its column."""
    columns = []
    for row in rows:
        text = (row.get("value_map") or "").strip()
        try:
            value_map = json.loads(text) if text else {}
        except json.JSONDecodeError as exc:
            raise AuthoringError(
                f'{row["column"]}: value map is not JSON ({exc.msg}), e.g. {{"交易成功": "signed"}}'
            ) from None
        if not isinstance(value_map, dict):
            raise AuthoringError(f"{row['column']}: a value map is a JSON object of source value → option")
        columns.append(
            ColumnMap(
                column=row["column"],
                field=row.get("field") or None,
                value_map={str(k): str(v) for k, v in value_map.items()},
                date_format=(row.get("date_format") or "").strip() or None,
                confidence=float(row.get("confidence") or 0.0),
                fit=None if row.get("fit") is None else float(row["fit"]),
            )
        )
    return Mapping(name=name.strip(), table=table, columns=columns)
