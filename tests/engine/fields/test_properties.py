"""Round trips that must hold for all inputs: a stored value coerces back to itself."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from engine.fields import AnyField

ADAPTER = TypeAdapter(AnyField)


def field(type_: str, **extra: object):
    return ADAPTER.validate_python({"type": type_, "name": "f", "label": "F", **extra})


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integer_round_trip_through_text(n: int) -> None:
    assert field("integer").coerce(f"{n:,}").value == n


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False))
def test_money_round_trip_through_yuan_text(amount: Decimal) -> None:
    text = f"¥{amount:,.2f}"
    assert field("money").coerce(text).value == amount


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2099, 12, 31)))
def test_datetime_round_trip_through_iso_text(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert field("datetime").coerce(moment.strftime("%Y-%m-%d %H:%M:%S")).value == moment


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=40
    )
)
def test_text_is_kept_as_typed(text: str) -> None:
    result = field("text").coerce(text)
    assert result.value == text.strip(" \t\r\n\u3000\u00a0")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_survive_spaces(number: str) -> None:
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    assert field("phone").coerce(spaced).value == number
