"""Boolean, single-select and multi-select fields; selects accept an option's value or its label."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.fields.base import NOT_QUICK, FieldBase, Kind, StringField, problem_when
from engine.fields.text import as_text

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有", "对", "√", "✓", "✔", "on")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无", "没有", "不是", "×", "✗", "off")
LIST_SEPARATORS = r"[,，;；、|/]"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class BooleanField(FieldBase):
    """Yes/no; reads 是/否, √/×, yes/no, 1/0."""

    kind: ClassVar[Kind] = "bool"

    type: Literal["boolean"] = "boolean"
    widget = "checkbox"

    def polars_dtype(self) -> pl.DataType:
        return pl.Boolean()

    def quick_value(self, raw: Any) -> Any:
        return raw if type(raw) is bool else NOT_QUICK

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        if dtype == pl.Boolean:
            return raw, pl.lit(None, pl.String)
        words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
        value = (
            as_text(raw, dtype)
            .str.to_lowercase()
            .replace_strict(words, default=None, return_dtype=pl.Boolean)
        )
        return value, problem_when(value.is_null(), raw, "is not yes/no (是/否)")


class Option(BaseModel):
    """One choice of a select: a stable value, a label and a colour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    color: str = Field("#9e9e9e", pattern=COLOR_PATTERN)


class _SelectBase(FieldBase):
    has_options: ClassVar[bool] = True
    options: list[Option] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _unique_values(cls, options: list[Option]) -> list[Option]:
        seen: set[str] = set()
        for option in options:
            if option.value in seen:
                raise ValueError(f"option value {option.value!r} appears twice")
            seen.add(option.value)
        return options

    def lookup_map(self) -> dict[str, str]:
        """Lowercased input text → option value: values and labels are both accepted, in any case."""
        mapping: dict[str, str] = {}
        for option in self.options:
            mapping.setdefault(option.label.lower(), option.value)
        for option in self.options:
            mapping[option.value.lower()] = option.value
        return mapping

    def lookup_map_labels(self) -> list[tuple[str, str]]:
        """(value, label) pairs, for showing stored values as labels."""
        return [(o.value, o.label) for o in self.options]

    def option_values(self) -> list[str]:
        return [o.value for o in self.options]

    def label_of(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)

    def widens_to(self, other: FieldBase) -> bool:
        # Same kind with every old option kept; removing an option is checked against the data instead.
        return type(other) is type(self) and set(self.option_values()) <= set(other.option_values())  # type: ignore[attr-defined]


class SingleSelectField(_SelectBase, StringField):
    """One option out of a list (a status, a channel, a priority tag)."""

    type: Literal["single_select"] = "single_select"
    widget = "select"

    def quick_value(self, raw: Any) -> Any:
        return self.lookup_map().get(raw.lower(), NOT_QUICK) if type(raw) is str else NOT_QUICK

    def is_clean_column(self, column: pl.Series) -> bool:
        # Exports and generated data mostly carry option values already: one hash lookup per cell.
        return column.dtype == pl.String and bool(column.drop_nulls().is_in(self.option_values()).all())

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        text = as_text(raw, dtype)
        mapping = self.lookup_map()
        value = text.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String)
        allowed = ", ".join(self.option_values()[:12])
        return value, problem_when(value.is_null(), raw, f"is not one of the options ({allowed})")

    def display(self, value: object) -> str:
        return "" if value is None else self.label_of(str(value))


class MultiSelectField(_SelectBase):
    """Several options (tags); text input is split on , ， ; ； 、 | /."""

    kind: ClassVar[Kind] = "list"

    type: Literal["multi_select"] = "multi_select"
    widget = "multiselect"

    def polars_dtype(self) -> pl.DataType:
        return pl.List(pl.String)

    def quick_value(self, raw: Any) -> Any:
        if type(raw) is not list or not all(type(v) is str and v == v.strip() for v in raw):
            return NOT_QUICK
        mapping = self.lookup_map()
        values = [mapping.get(v.lower()) for v in raw if v]
        if None in values:
            return NOT_QUICK
        return list(dict.fromkeys(values)) or None

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        if isinstance(dtype, pl.List):
            items = raw.cast(pl.List(pl.String))
        else:
            items = as_text(raw, dtype).str.replace_all(LIST_SEPARATORS, ",").str.split(",")
        mapping = self.lookup_map()
        cleaned = items.list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != "")
        )
        mapped = cleaned.list.eval(
            pl.element().str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String)
        )
        unknown = mapped.list.eval(pl.element().is_null()).list.any()
        value = mapped.list.unique(maintain_order=True)
        allowed = ", ".join(self.option_values()[:12])
        problem = problem_when(
            unknown, cleaned.list.join(","), f"has a value that is not an option ({allowed})"
        )
        empty = value.list.len() == 0
        return pl.when(empty).then(None).otherwise(value), problem

    def display(self, value: object) -> str:
        return "" if value is None else "、".join(self.label_of(str(v)) for v in value)  # type: ignore[union-attr]
