"""JavaScript value semantics that JSONLogic inherits: truthiness, ToNumber, ToString, ==, <.

Values are JSON values in Python form: None, bool, int, float, str, list, dict.
"""

from __future__ import annotations

import math
import re
from typing import Any

NUMBER_LITERAL = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity)$")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JSONLogic truthiness: JavaScript's, except that an empty array is false."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value) if not isinstance(value, dict) else True


def to_number(value: Any) -> float:
    """JavaScript ToNumber."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
            return float(int(text, 16))
        if NUMBER_LITERAL.match(text):
            return float(text.replace("Infinity", "inf"))
        return math.nan
    if isinstance(value, list):
        return to_number(to_string(value))
    return math.nan


def parse_float(value: Any) -> float:
    """JavaScript parseFloat: the longest numeric prefix of the string form, else NaN."""
    if is_number(value):
        return float(value)
    match = re.match(r"^\s*([+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity))", to_string(value))
    return float(match.group(1).replace("Infinity", "inf")) if match else math.nan


def number_to_string(x: float) -> str:
    """JavaScript Number.prototype.toString for finite and special values."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    text = repr(float(x))
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa.rstrip('0').rstrip('.')}e{sign}{int(exponent.lstrip('+-'))}"
    return text


def to_string(value: Any) -> str:
    """JavaScript String(value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_to_string(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if v is None else to_string(v) for v in value)
    return "[object Object]"


def to_primitive(value: Any) -> Any:
    """JavaScript ToPrimitive for arrays and objects (their string form); primitives unchanged."""
    return to_string(value) if isinstance(value, list | dict) else value


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript ==."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list | dict) and isinstance(b, list | dict):
        return a is b
    if isinstance(a, bool):
        return loose_equals(to_number(a), b)
    if isinstance(b, bool):
        return loose_equals(a, to_number(b))
    if isinstance(a, list | dict):
        return loose_equals(to_primitive(a), b)
    if isinstance(b, list | dict):
        return loose_equals(a, to_primitive(b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return to_number(a) == to_number(b)


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript ===."""
    if is_number(a) and is_number(b):
        return float(a) == float(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list | dict):
        return a is b
    return a == b


def less_than(a: Any, b: Any) -> bool:
    """JavaScript <: strings compare as text, anything else as numbers (NaN compares false)."""
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.encode("utf-16-be") < b.encode("utf-16-be")
    x, y = to_number(a), to_number(b)
    return x < y


def less_equal(a: Any, b: Any) -> bool:
    """JavaScript <=: not (b < a), except that NaN makes it false."""
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.encode("utf-16-be") <= b.encode("utf-16-be")
    x, y = to_number(a), to_number(b)
    return x <= y


def js_number(x: float) -> int | float:
    """A float result as JSON would carry it: whole numbers as ints."""
    # -0.0 stays a float: JavaScript keeps the sign of zero (1 / -0 is -Infinity).
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 and math.copysign(1.0, x) > 0:
        return int(x)
    return x
