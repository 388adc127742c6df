"""Identifiers from labels: pinyin for Chinese, words for Latin text, unique, and valid for every label."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from engine.fields.base import NAME_PATTERN
from engine.identifiers import identifier_from_label


def test_chinese_labels_become_pinyin_and_latin_labels_words() -> None:
    assert identifier_from_label("是否含定制件") == "shi_fou_han_ding_zhi_jian"
    assert identifier_from_label("发货仓 A1") == "fa_huo_cang_a1"
    assert identifier_from_label("承运商（快递）") == "cheng_yun_shang_kuai_di"
    assert identifier_from_label("Delivery date") == "delivery_date"
    assert identifier_from_label("Carriers 承运商") == "carriers"  # its own Latin words name it
    assert identifier_from_label("2026年目标") == "field_2026_nian_mu_biao"
    assert identifier_from_label("🚚", fallback="state") == "state"


def test_a_taken_identifier_gets_a_number() -> None:
    assert identifier_from_label("备注", {"bei_zhu"}) == "bei_zhu_2"
    assert identifier_from_label("备注", {"bei_zhu", "bei_zhu_2"}) == "bei_zhu_3"


@given(st.text(max_size=80), st.sets(st.text(max_size=10), max_size=5))
def test_every_label_gives_a_valid_free_identifier(label: str, taken: set[str]) -> None:
    name = identifier_from_label(label, taken)
    assert re.fullmatch(NAME_PATTERN, name) and name not in taken
