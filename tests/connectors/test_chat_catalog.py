"""Products named against a real catalog of long SKU names: brand and model words pick one SKU, a bare
category word leaves candidates, a known word inside a longer unknown product is no match."""

from __future__ import annotations

from connectors.chat_accuracy import load_catalog, routed_to_order
from connectors.chat_parser import parse

PARTS, NOW = load_catalog("catalog_parts.json")
SHOP, _ = load_catalog()


def test_brand_and_model_pick_one_sku():
    got = parse("李老板 博世刹车片A100 20套 周五前", PARTS, NOW)
    assert [(i.sku, i.qty, i.unit) for i in got.items] == [("BP-A100", 20, "套")] and routed_to_order(got)


def test_a_bare_category_word_gives_candidates_for_a_person():
    got = parse("李老板 刹车片 20套", PARTS, NOW)
    [item] = got.items
    assert item.sku is None and item.candidates == ["BP-A100", "BP-B200", "FR-F30"]
    assert not routed_to_order(got) and "3 SKUs fit" in " ".join(got.reasons)
    narrowed = parse("李老板 博世刹车片 8套", PARTS, NOW).items[0]
    assert narrowed.candidates == ["BP-A100", "BP-B200"]


def test_short_words_of_a_name_are_not_dates():
    got = parse("顺达 美孚1号 5W-30 十二桶 下周一", PARTS, NOW)
    assert [(i.sku, i.qty) for i in got.items] == [("OIL-M1", 12)] and str(got.due) == "2026-03-16"


def test_an_alias_inside_a_longer_unknown_product_is_no_match():
    for text in ("王总 雨刮电机 2个", "李姐 机油泵 3个", "刘经理 电瓶线 10根"):
        got = parse(text, SHOP, NOW)
        assert got.items == [] and got.is_order and not routed_to_order(got), text
        assert any("is not in the catalog" in r for r in got.reasons), got.reasons
    # Nor is a one-character "typo" that changes the part (刹车油 is brake fluid, not 刹车片).
    assert parse("孙姐 刹车油 6瓶", SHOP, NOW).items == []
    # The real 雨刮电机 of the parts catalog is matched, not its wiper blades.
    assert [i.sku for i in parse("王经理 雨刮电机 1个", PARTS, NOW).items] == ["WM-01"]
