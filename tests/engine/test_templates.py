"""Every template in forms/ loads, carries the domain's fields and flows, and the JSON Schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.schema import Workspace
from engine.schema_load import load_workspace_file
from engine.workspaces import FORMS_DIR, template_names

REASONS = {"包装破损", "物流延误", "发错商品", "商品瑕疵", "赠品缺失", "规格不符", "客户误购", "其他"}


def test_three_templates_ship() -> None:
    assert template_names() == ["auto_parts_chain", "hardware_wholesale", "home_ecommerce"]


@pytest.mark.parametrize("name", ["auto_parts_chain", "hardware_wholesale", "home_ecommerce"])
def test_template_loads_with_domain_shape(name: str) -> None:
    ws = load_workspace_file(FORMS_DIR / f"{name}.json")
    orders = ws.require_table("orders")
    for field in (
        "order_no",
        "channel",
        "customer_name",
        "phone",
        "address",
        "province",
        "city",
        "sku",
        "brand",
        "qty",
        "unit_price",
        "amount",
        "warehouse",
        "paid_at",
        "shipped_at",
        "signed_at",
        "promised_at",
        "carrier",
        "tracking_no",
        "priority_tags",
        "remarks",
    ):
        assert orders.field(field) is not None, field
    assert orders.business_key == "order_no"
    assert "after_sales" in orders.sub_tables
    reasons = {o.label for o in ws.require_table("after_sales").by_name["reason"].options}  # type: ignore[attr-defined]
    assert reasons == REASONS
    assert ws.table("customers") and ws.table("skus")
    assert orders.flow is not None and len(orders.flow.states) >= 5
    shipping = [t for t in orders.flow.transitions if t.to == "shipped"]
    assert shipping and all("tracking_no" in t.require_fields for t in shipping)
    assert all(
        (f.label and any("\u4e00" <= ch <= "\u9fff" for ch in f.label)) or f.label == "SKU"
        for f in orders.fields
    )


def test_committed_json_schema_is_generated_from_the_models() -> None:
    committed = json.loads(Path(FORMS_DIR / "workspace.schema.json").read_text(encoding="utf-8"))
    assert committed == Workspace.model_json_schema(by_alias=True)
