"""Creating a board: a name is checked at once, made from the title when left empty, and an existing one
is refused — creating never replaces a board."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.boards.design import create_board
from engine.errors import AuthoringError
from engine.fields.base import NAME_PATTERN

DOC = {"boards": [{"name": "morning_meeting", "title": "早会看板", "widgets": [{"id": "w1"}]}]}


def test_an_existing_name_is_refused_and_the_board_kept():
    with pytest.raises(AuthoringError) as err:
        create_board(DOC, "morning_meeting", "另一个")
    assert err.value.text == ("board_exists", {"name": "morning_meeting", "title": "早会看板"})
    assert DOC["boards"][0]["widgets"] == [{"id": "w1"}]


@pytest.mark.parametrize("name", ["早会", "Morning", "1board", "a-b", "x" * 64])
def test_a_name_that_cannot_be_saved_is_refused_at_create(name):
    with pytest.raises(AuthoringError) as err:
        create_board(DOC, name, "标题")
    assert err.value.text[0] == "board_name_bad"


def test_an_empty_name_is_made_from_the_title():
    doc, name = create_board(DOC, " ", "Carriers 承运商")
    assert name == "carriers"
    assert [b["name"] for b in doc["boards"]] == ["morning_meeting", name]
    doc, second = create_board(doc, "", "早会看板")
    doc, third = create_board(doc, "", "早会看板")
    assert (second, third) == ("zao_hui_kan_ban", "zao_hui_kan_ban_2")


@given(st.text(max_size=60))
def test_any_title_gives_a_fresh_valid_name(title):
    import re

    doc, name = create_board(DOC, "", title)
    assert re.fullmatch(NAME_PATTERN, name) and name != "morning_meeting"
    assert len(doc["boards"]) == 2
