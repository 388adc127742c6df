"""Phone, email and link fields.

Phones: CN mobiles (138 0013 8000, +86 13800138000), landlines (021-62345678, 0755-8888888-123), platform
privacy numbers (17012345678-1234) and masked mobiles from platform exports (138****1234), which are kept
masked: the real number is unknown.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import quote

import polars as pl
from pydantic import Field, field_validator

from engine.fields.base import NOT_QUICK, StringField, problem_when
from engine.fields.text import as_text, code_text, is_clean_code, quick_code

MOBILE = r"^1[3-9]\d{9}$"
# Every masking platforms use: 138****2222 (Taobao, Douyin), 1******6198 (JD), *******6198, 186******05 (Youzan).
MASKED_MOBILE = r"^(?:1[3-9]\d\*{4}\d{4}|1\*{6}\d{4}|\*{7}\d{4}|1[3-9]\d\*{6}\d{2})$"
# A platform's privacy number: a relay mobile plus an extension (17012345678-1234), kept as given.
VIRTUAL_MOBILE = r"^1[3-9]\d{9}-\d{1,6}$"
LANDLINE = r"^0\d{2,3}-\d{7,8}(-\d{1,6})?$"
EMAIL = r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$"
# Inputs already in stored form, for the single-record shortcut (normalisation would leave them unchanged).
_CLEAN_PHONE = re.compile(
    r"1[3-9]\d{9}(-\d{1,6})?|0\d{2,3}-\d{7,8}(-\d{1,6})?|1[3-9]\d\*{4}\d{4}|1\*{6}\d{4}|\*{7}\d{4}|1[3-9]\d\*{6}\d{2}"
)
_CLEAN_PHONE_UNMASKED = re.compile(r"1[3-9]\d{9}(-\d{1,6})?|0\d{2,3}-\d{7,8}(-\d{1,6})?")
_EMAIL = re.compile(EMAIL)
FULLWIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}


def normalise_phone(text: pl.Expr) -> pl.Expr:
    """Half-width digits, no spaces or brackets, no +86/0086 prefix; mobiles lose their dashes."""
    out = text.str.replace_many(list(FULLWIDTH_DIGITS), list(FULLWIDTH_DIGITS.values()))
    out = out.str.replace(r"^[(（](0\d{2,3})[)）]", "${1}-")
    out = out.str.replace_all(r"[\s()（）]", "").str.replace_all("－", "-", literal=True)
    out = out.str.replace(r"^(\+86|0086)-?", "")
    no_dash = out.str.replace_all("-", "", literal=True)
    is_mobile_like = no_dash.str.contains(r"^1[3-9][\d*]{9}$")
    # A landline without a dash after its area code: 02162345678 → 021-62345678 is ambiguous, keep as typed.
    return pl.when(is_mobile_like).then(no_dash).otherwise(out)


class PhoneField(StringField):
    """A Chinese mobile or landline number; masked mobiles are allowed unless `allow_masked` is false."""

    type: Literal["phone"] = "phone"
    widget = "text"
    allow_masked: bool = True

    def quick_value(self, raw: Any) -> Any:
        shapes = _CLEAN_PHONE if self.allow_masked else _CLEAN_PHONE_UNMASKED
        return raw if type(raw) is str and shapes.fullmatch(raw) else NOT_QUICK

    def is_clean_column(self, column: pl.Series) -> bool:
        shapes = _CLEAN_PHONE if self.allow_masked else _CLEAN_PHONE_UNMASKED
        if column.dtype != pl.String:
            return False
        return bool(column.drop_nulls().str.contains(f"^(?:{shapes.pattern})$").all())

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        value = normalise_phone(as_text(raw, dtype))
        shapes = [MOBILE, VIRTUAL_MOBILE, LANDLINE]
        shapes += [MASKED_MOBILE] if self.allow_masked else []
        ok = value.str.contains("|".join(f"(?:{s})" for s in shapes))
        return value, problem_when(~ok, raw, "is not a phone number (e.g. 13800138000 or 021-62345678)")


class EmailField(StringField):
    """An e-mail address, stored lowercase."""

    type: Literal["email"] = "email"
    widget = "text"

    def quick_value(self, raw: Any) -> Any:
        return raw if type(raw) is str and raw == raw.lower() and _EMAIL.fullmatch(raw) else NOT_QUICK

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        value = as_text(raw, dtype).str.to_lowercase()
        return value, problem_when(~value.str.contains(EMAIL), raw, "is not an e-mail address")


class LinkField(StringField):
    """A value shown as a link built from a URL template, e.g. a tracking number → the carrier's page."""

    type: Literal["link"] = "link"
    widget = "text"
    url_template: str = Field(description="URL with {value} where the field's value goes.")

    @field_validator("url_template")
    @classmethod
    def _has_placeholder(cls, template: str) -> str:
        if "{value}" not in template:
            raise ValueError(f"url_template {template!r} must contain {{value}}")
        if not template.startswith(("https://", "http://")):
            raise ValueError(f"url_template {template!r} must start with https:// or http://")
        return template

    def is_clean_column(self, column: pl.Series) -> bool:
        return is_clean_code(column)

    def quick_value(self, raw: Any) -> Any:
        return quick_code(raw)

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        return code_text(raw, dtype)

    def url(self, value: str | None) -> str | None:
        """The link for one value, the value URL-quoted."""
        return None if not value else self.url_template.replace("{value}", quote(str(value), safe=""))
