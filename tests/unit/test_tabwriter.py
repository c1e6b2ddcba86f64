"""Go text/tabwriter semantics with docker's settings (minwidth 10, padding 3, spaces)."""

from __future__ import annotations

import pytest

from dshell.render.tabwriter import TabWriter, display_width, tabulate


def test_columns_are_padded_to_the_widest_cell_plus_three_with_a_minimum_of_ten() -> None:
    text = "CONTAINER ID\tIMAGE\tNAMES\nabc\tbusybox\tx\n"
    assert tabulate(text) == (
        "CONTAINER ID   IMAGE     NAMES\n"
        "abc            busybox   x\n"
    )


def test_trailing_cell_is_not_padded_and_unterminated_text_is_kept() -> None:
    assert tabulate("a\tb") == "a         b"
    assert tabulate("a\tb\n") == "a         b\n"
    assert tabulate("") == ""
    assert tabulate("\n") == "\n"


def test_empty_cells_are_padded_like_others() -> None:
    assert tabulate("\tx\nlonger-than-ten\ty\n") == (
        "                  x\n"
        "longer-than-ten   y\n"
    )


def test_column_block_ends_at_a_line_without_that_column() -> None:
    # The example of Go's package documentation ('|' there is a tab here).
    writer = TabWriter(minwidth=0, padding=1)
    writer.write("aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n")
    assert writer.flush() == (
        "aaaa bbb d\n"
        "aa   b   dd\n"
        "a    \n"
        "aa   cccc eee\n"
    )


def test_a_line_with_a_single_cell_separates_independent_tables() -> None:
    text = "aaaaaaaaaaaaaa\tb\nsingle line\nc\td\n"
    assert tabulate(text) == (
        "aaaaaaaaaaaaaa   b\n"
        "single line\n"
        "c         d\n"
    )


def test_wide_characters_count_two_columns() -> None:
    assert tabulate("世界世界世界\tx\nab\ty\n") == (
        "世界世界世界   x\n"
        "ab             y\n"
    )


def test_combining_and_control_characters_count_zero() -> None:
    assert display_width("e\u0301") == 1
    assert display_width("a\x1bb") == 2
    assert display_width("…") == 1
    assert display_width("héllo 世界") == 10


def test_writes_in_pieces_give_the_same_result_as_one_write() -> None:
    text = "NAME\tVALUE\nsomething-long\t1\nx\t22222222222\n"
    writer = TabWriter()
    for piece in (text[:3], text[3:17], text[17:]):
        writer.write(piece)
    assert writer.flush() == tabulate(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\vb\n", "a         b\n"),  # a vertical tab terminates a cell too
        ("a\tb\fccccccccccc\td\n", "a         b\nccccccccccc   d\n"),  # form feed flushes
    ],
)
def test_vertical_tab_and_form_feed(text: str, expected: str) -> None:
    assert tabulate(text) == expected
