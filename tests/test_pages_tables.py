"""Tables keep every column in view: `column_widths` (pages/_common.py) on made-up columns,
and the wide tables of the shipped corpus under AppTest."""

from __future__ import annotations

import pytest
from comparison_pages import open_page

from etl.paths import Paths
from pages._common import (
    CELL_PADDING_PX,
    CHAR_PX,
    MAX_COLUMN_PX,
    SELECT_COLUMN_PX,
    TABLE_PX,
    WRAPPING_ROW_PX,
    column_widths,
)


def heading_px(text: str) -> float:
    return len(text) * CHAR_PX + CELL_PADDING_PX


def test_columns_that_fit_are_left_to_size_themselves() -> None:
    assert column_widths({"a": "City", "b": "Passages"}, {"a": 9, "b": 3}, {"a": 9, "b": 3}) == {}


def test_wide_columns_share_the_room_and_keep_their_headings_and_words_whole() -> None:
    headings = {"n": "No.", "city": "City", "text": "Activity", "organ": "Reported by"}
    longest = {"n": 2, "city": 9, "text": 900, "organ": 60}
    words = {"n": 2, "city": 9, "text": 21, "organ": 18}
    widths = column_widths(headings, longest, words)
    assert sum(widths.values()) <= TABLE_PX
    for column, heading in headings.items():
        assert widths[column] >= int(max(heading_px(heading), words[column] * CHAR_PX))
    assert widths["text"] <= MAX_COLUMN_PX < 900 * CHAR_PX
    assert widths["text"] > widths["organ"] > widths["city"]


def test_a_table_with_a_check_box_column_has_less_room() -> None:
    headings = {c: c for c in ("Commitment", "Coverage", "Derived from")}
    longest, words = dict.fromkeys(headings, 200), dict.fromkeys(headings, 10)
    room = TABLE_PX - SELECT_COLUMN_PX
    assert sum(column_widths(headings, longest, words, room).values()) <= room


@pytest.mark.parametrize(("page", "query"), [("city", {}), ("activities", {}), ("sources", {})])
def test_the_wide_tables_of_the_shipped_corpus_wrap_into_the_room(
    atlas_env: Paths, page: str, query: dict[str, str]
) -> None:
    at = open_page(page, lang="en", **query)
    wide = [frame for frame in at.dataframe if frame.proto.row_height == WRAPPING_ROW_PX]
    assert wide, "a table with long texts wraps them"
    for frame in wide:
        config = frame.proto.columns
        assert config, "and says how wide each column is"
