"""The import page's mapping editor round trip over every corpus layout: the proposed mapping shown as editor
rows (labels, value maps in option labels) and read back is the same mapping, value maps and dates included."""

from __future__ import annotations

import pytest

from engine.auth import SYSTEM
from engine.importer.mapping import editor_rows, mapping_from_rows, with_value_maps
from engine.importer.proposal import propose
from engine.importer.sources import column_values, sheet_layout
from engine.workspaces import create_from_template
from sample_data.corpus import build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("template", ["home_ecommerce"])
def test_every_layouts_mapping_reads_back_as_it_was_shown(store, corpus, template) -> None:
    ws = create_from_template(store, template, SYSTEM)
    table = ws.require_table("orders")
    differ = []
    for item in corpus:
        layout = sheet_layout(item.path)[2]
        samples = column_values(item.path)
        mapping, _ = propose(ws, table, layout.columns, samples)
        shown = with_value_maps(table, mapping, samples)
        back = mapping_from_rows(table, mapping.name, editor_rows(table, mapping, samples))
        for old, new in zip(shown.columns, back.columns, strict=True):
            if (old.column, old.field, old.value_map, old.date_format) != (
                new.column,
                new.field,
                new.value_map,
                new.date_format,
            ):
                differ.append((item.path.name, old.column, old.value_map, new.value_map))
    assert differ == []
