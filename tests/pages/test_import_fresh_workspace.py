"""A seller's first upload, on the Import page: a workspace made from a template with no sample data, a Taobao
export as the back office writes it, the platform recognised, the SKUs to create announced, every row landed,
and a flagged cell repaired from the queue."""

from __future__ import annotations

from pathlib import Path
from tempfile import mkdtemp

import pytest

from engine.auth import SYSTEM
from engine.importer.uploads import keep_upload
from engine.records.single import create_record
from engine.storage.sql import compose, qualified, row_dicts
from engine.workspaces import create_from_template, get_workspace
from hub.import_check import STATES, _same
from pages._ui import get_store
from sample_data.corpus import build
from tests.pages.conftest import signed_in


def _upload_stage_commit(at, store, workspace: str, export) -> None:
    """Upload a corpus file on the Import page of `workspace`, stage it (every row new, none refused), commit."""
    at.session_state["workspace"] = workspace
    at.switch_page("pages/importer.py").run()
    path = keep_upload(store.path, export.path.name, export.path.read_bytes())
    at.session_state["imp_path"] = str(path)
    at.session_state["imp_name"] = export.path.name
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    next(b for b in at.button if b.label == "检查并暂存").click().run()
    assert not at.error, [e.value for e in at.error]
    infos = [i.value for i in at.info]
    assert any(
        v.startswith(f"共 {export.rows} 行: 新增 {export.rows}, 更新 0, 不变 0, 拒收 0") for v in infos
    ), infos
    batch_id = int(next(s.value for s in at.success if s.value.startswith("已暂存批次")).split("#")[1])
    at.button(key=f"imp_commit_{batch_id}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_a_first_taobao_upload_lands_every_row(app_env, tmp_path) -> None:
    store = get_store()
    at = signed_in()
    create_from_template(store, "home_ecommerce", SYSTEM, name="first_shop", label="第一家店")
    corpus = {f.path.name: f for f in build(tmp_path / "corpus")}
    export = corpus["taobao_list_2017.csv"]
    _upload_stage_commit(at, store, "first_shop", export)
    assert any("识别为淘宝/天猫订单报表导出; 渠道: 淘宝" in i.value for i in at.info)  # the label, not taobao
    assert at.success[0].value.startswith(f"已导入: 新增 {export.rows}")
    landed = store.cursor().execute("SELECT count(*) FROM first_shop.orders").fetchone()[0]
    assert landed == export.rows
    # An order list has no SKU codes: each order's SKU waits in the repair queue; one is filled in.
    queue = at.dataframe[-1].value
    assert set(queue["字段"]) == {"SKU"}, set(queue["字段"])
    ws = get_workspace(store, "first_shop")
    create_record(store, ws, "skus", {"sku_code": "BP-1001", "name": "北欧风 加厚 收纳盒 大号"}, SYSTEM)
    at.text_input(key="imp_repair_value").set_value("BP-1001")
    next(b for b in at.button if b.label == "保存修复").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "已修复 1 个单元格"
    filled = (
        store.cursor().execute("SELECT count(*) FROM first_shop.orders WHERE sku = 'BP-1001'").fetchone()[0]
    )
    assert filled == 1


LAYOUTS = [f.path.name for f in build(Path(mkdtemp()) / "corpus")]


@pytest.mark.parametrize(
    ("name", "template"), [(n, list(STATES)[i % len(STATES)]) for i, n in enumerate(LAYOUTS)]
)
def test_every_corpus_layout_lands_value_for_value_from_the_page(app_env, tmp_path, name, template) -> None:
    # Each layout into a fresh workspace of one template, the templates in turn; `import-check` does them all.
    store = get_store()
    at = signed_in()
    ws = create_from_template(store, template, SYSTEM, name="fresh", label="新店")
    export = {f.path.name: f for f in build(tmp_path / "corpus")}[name]
    _upload_stage_commit(at, store, "fresh", export)
    table = ws.require_table("orders")
    stored = {
        str(r["order_no"]): r
        for r in row_dicts(
            store.cursor().execute(compose("SELECT * FROM {t}", t=qualified("fresh", "orders")))
        )
    }
    assert len(stored) == export.rows
    wrong = [
        (number, field, value, stored[number].get(field))
        for number, fields in export.expected.items()
        for field, value in fields.items()
        if table.field(field) is not None
        and not _same(STATES[template][value] if field == "status" else value, stored[number].get(field))
    ]
    assert wrong == []
