"""The field-type base class: the schema attributes every field shares and the coercion contract.

A type turns a polars column of raw input into typed values plus a parallel column of problem texts
(null where the value is fine). The scalar path for forms runs the same expressions on one row, so a form
and an import can never disagree about a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.roles import Role

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
# The Unicode White_Space characters: what polars' strip_chars() removes (the full-width space a Chinese IME
# types and the no-break space Excel leaves are among them). The scalar path strips exactly these too.
BLANKS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


NOT_QUICK: Any = object()

# What a field's values are, for conditions, boards, imports and forms; "lookup" reads another field's kind.
Kind = Literal["number", "text", "time", "bool", "list", "lookup"]
KIND_LABELS: dict[str, tuple[str, str]] = {
    "number": ("数字", "a number"),
    "text": ("文本", "text"),
    "time": ("日期或时间", "a date or datetime"),
    "bool": ("是/否", "yes/no"),
    "list": ("多选", "a multi-select"),
}


@dataclass(frozen=True)
class Coerced:
    """The typed value of one input, or the reason it was refused."""

    value: Any
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def quote_expr(raw: pl.Expr) -> pl.Expr:
    """Render a raw input inside a message as 'value'."""
    return pl.concat_str([pl.lit("'"), raw.cast(pl.String), pl.lit("'")])


def problem_when(condition: pl.Expr, raw: pl.Expr, reason: str) -> pl.Expr:
    """A problem column: "'raw' reason" where condition holds, else null."""
    return pl.when(condition).then(pl.concat_str([quote_expr(raw), pl.lit(" " + reason)]))


def first_problem(*problems: pl.Expr) -> pl.Expr:
    """Combine problem columns, keeping the first non-null one."""
    return pl.coalesce(*problems) if len(problems) > 1 else problems[0]


class FieldBase(BaseModel):
    """Attributes shared by every field type; subclasses add constraints and coercion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    id: str = Field("", description="Stable id; survives renames. Defaults to the name.")
    name: str = Field(pattern=NAME_PATTERN, description="Column name: lowercase, digits, underscores.")
    label: str = Field(min_length=1, description="Label shown to people (zh-CN in templates).")
    label_en: str = ""
    required: bool = False
    unique: bool = False
    default: Any = None
    help: str = ""
    hidden_for: list[Role] = Field(default_factory=list)
    readonly_for: list[Role] = Field(default_factory=list)

    # Stored fields have a column; lookup and computed fields are derived at query time.
    stored: ClassVar[bool] = True
    # Types whose values can be compared with < and >, which the min/max checks rely on.
    ordered: ClassVar[bool] = False
    # The form widget that edits this type (pages map each widget name to a Streamlit input).
    widget: ClassVar[str] = "text"
    # What the values are (conditions compare, boards sum or bucket, imports parse by it).
    kind: ClassVar[Kind] = "text"
    # Values come from the field's option list (forms offer them, imports map labels onto them).
    has_options: ClassVar[bool] = False
    # The engine fills the value (a serial key): never asked for on entry, never required of a row.
    generated: ClassVar[bool] = False

    def is_kind(self, *kinds: Kind) -> bool:
        """Whether the field's values are of one of `kinds`."""
        return self.kind in kinds

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id") and isinstance(data.get("name"), str):
            data = {**data, "id": data["name"]}
        return data

    def polars_dtype(self) -> pl.DataType:
        """The polars dtype of coerced values."""
        raise NotImplementedError

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        """Return (value, problem) expressions for a present (non-blank) raw column of `dtype`."""
        raise NotImplementedError

    def display(self, value: Any) -> str:
        """Format one stored value for people."""
        return "" if value is None else str(value)

    def widens_to(self, other: FieldBase) -> bool:
        """True if every value of this type fits `other` unchanged (a safe in-place type change)."""
        return type(other) is type(self)

    # -- shared machinery -------------------------------------------------------------------------

    def column_exprs(self, name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        """Value and problem expressions for column `name`, blanks mapped to null first."""
        raw = blank_to_null(pl.col(name), dtype)
        value, problem = self.coerce_exprs(raw, dtype)
        present = raw.is_not_null()
        problem = pl.when(present).then(problem).otherwise(None).cast(pl.String)
        # A refused value is dropped whole, never half-kept.
        value = pl.when(present & problem.is_null()).then(value).otherwise(None).cast(self.polars_dtype())
        return value.alias(name), problem.alias(name)

    def coerce_series(self, series: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Coerce a whole column; returns (values, problems) of the same length."""
        frame = pl.DataFrame({"v": series})
        value, problem = self.column_exprs("v", series.dtype)
        out = frame.lazy().select(value.alias("value"), problem.alias("problem")).collect()
        return out["value"], out["problem"]

    def coerce(self, raw: Any) -> Coerced:
        """Coerce one value (the form path); never raises."""
        return coerce_values({self.name: self}, {self.name: raw})[self.name]

    def is_clean_column(self, column: pl.Series) -> bool:
        """True if every value of a raw column is already in stored form, so bulk coercion can skip it.

        The column analogue of quick_value; only types whose cleaning is costly bother to say yes.
        """
        return False

    def fast_column(self, column: pl.Series) -> pl.Series | None:
        """A text column read in one cheap pass when all of it is in the commonest form, else None.

        Bulk coercion uses it (then is_clean_column) before the full path; a property test holds it to it."""
        return None

    def quick_value(self, raw: Any) -> Any:
        """The stored value of an input that is already clean and valid, or NOT_QUICK.

        A shortcut for single-record writes only: it must give exactly what the polars path gives (a property
        test holds them together) and must defer anything doubtful, including every invalid input, so that
        messages always come from one place.
        """
        return NOT_QUICK


_EXPR_CACHE: dict[tuple[int, str, str], tuple[FieldBase, tuple[pl.Expr, pl.Expr]]] = {}
_EXPR_CACHE_SIZE = 2048


def cached_exprs(field: FieldBase, name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """column_exprs, memoised: building the expressions costs more than running them on one row.

    Keyed by the field object's identity (fields are frozen; parsed workspaces are cached and reused); the
    entry keeps a reference to the field, so an id is never reused while its entry exists.
    """
    key = (id(field), name, str(dtype))
    hit = _EXPR_CACHE.get(key)
    if hit is not None and hit[0] is field:
        return hit[1]
    if len(_EXPR_CACHE) >= _EXPR_CACHE_SIZE:
        _EXPR_CACHE.clear()
    exprs = field.column_exprs(name, dtype)
    _EXPR_CACHE[key] = (field, exprs)
    return exprs


def _one_value_series(name: str, raw: Any) -> pl.Series:
    if isinstance(raw, list | tuple):
        return pl.Series(name, [[None if v is None else str(v) for v in raw]], dtype=pl.List(pl.String))
    return pl.Series(name, [raw])


def coerce_values(fields: dict[str, FieldBase], values: dict[str, Any]) -> dict[str, Coerced]:
    """Coerce one record's values with one vectorised pass over a one-row frame; never raises."""
    out: dict[str, Coerced] = {}
    series = []
    for name, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip(BLANKS)):
            out[name] = Coerced(None, None)  # blank is missing, for every type
            continue
        quick = (
            NOT_QUICK if isinstance(raw, str) and raw != raw.strip(BLANKS) else fields[name].quick_value(raw)
        )
        if quick is not NOT_QUICK:
            out[name] = Coerced(quick, None)
            continue
        try:
            one = _one_value_series(name, raw)
        except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError):
            one = None
        if one is None or one.dtype == pl.Object:
            out[name] = Coerced(None, f"{raw!r} cannot be read as {fields[name].type}")
        else:
            series.append(one)
    if not series:
        return out
    frame = pl.DataFrame(series)
    exprs = [cached_exprs(fields[s.name], s.name, s.dtype) for s in series]
    try:
        result = frame.select(
            *(v.alias(f"v{i}") for i, (v, _) in enumerate(exprs)),
            *(p.alias(f"p{i}") for i, (_, p) in enumerate(exprs)),
        ).row(0)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        if len(series) == 1:
            name = series[0].name
            return out | {name: Coerced(None, f"{values[name]!r} cannot be read as {fields[name].type}")}
        for s in series:  # find which value broke the shared pass
            out |= coerce_values({s.name: fields[s.name]}, {s.name: values[s.name]})
        return out
    n = len(series)
    for i, s in enumerate(series):
        out[s.name] = Coerced(result[i], result[n + i])
    return out


class StringField(FieldBase):
    """Base of types stored as text (VARCHAR in DuckDB, String in polars)."""

    def polars_dtype(self) -> pl.DataType:
        return pl.String()


def is_trimmed_text(column: pl.Series) -> bool:
    """True if a column is text whose values are all non-empty and free of surrounding White_Space."""
    if column.dtype != pl.String:
        return False
    values = column.drop_nulls()
    return bool(((values.str.strip_chars() == values) & (values.str.len_bytes() > 0)).all())


def blank_to_null(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Trim text and treat empty strings as missing; other dtypes pass through."""
    if dtype == pl.String:
        trimmed = col.str.strip_chars()  # White_Space, i.e. BLANKS; the default is twice as fast as a set
        return pl.when(trimmed == "").then(None).otherwise(trimmed)
    if dtype == pl.Null:
        return col.cast(pl.String)
    return col
