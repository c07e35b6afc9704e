"""The small-number rule, table-driven: primary suppression of 1–4 and secondary suppression of totals."""

import pytest

from reports.suppression import FEWER_THAN, NOT_SHOWN, cell, suppress_table


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (1, FEWER_THAN), (2, FEWER_THAN), (4, FEWER_THAN), (5, "5"), (12, "12")],
)
def test_a_single_count_from_1_to_4_is_shown_as_fewer_than_5(count, shown):
    assert cell(count).display == str(shown)


@pytest.mark.parametrize(
    ("counts", "cells", "total"),
    [
        # nothing small: everything shown
        ({"a": 6, "b": 9}, {"a": "6", "b": "9"}, "15"),
        # zeros are shown and hide nothing
        ({"a": 0, "b": 7}, {"a": "0", "b": "7"}, "7"),
        # one hidden cell: the total would give it away (12 - 9 = 3) — withheld, "not shown" (not "fewer than 5")
        ({"a": 3, "b": 9}, {"a": "F", "b": "9"}, "N"),
        # two hidden cells that could be 2+3 or 1+4: the total reveals neither
        ({"a": 2, "b": 3, "c": 9}, {"a": "F", "b": "F", "c": "9"}, "14"),
        # two hidden cells that must both be 1 (sum 2): suppress the total
        ({"a": 1, "b": 1, "c": 9}, {"a": "F", "b": "F", "c": "9"}, "N"),
        # two hidden cells that must both be 4 (sum 8): suppress the total
        ({"a": 4, "b": 4, "c": 9}, {"a": "F", "b": "F", "c": "9"}, "N"),
        # issue 12 #15: rows 48 / 64 / 44 / 20 and one hidden: the total 179 reads "not shown", never "fewer than 5"
        ({"a": 48, "b": 64, "c": 44, "d": 20, "e": 3}, {"a": "48", "b": "64", "c": "44", "d": "20", "e": "F"}, "N"),
        # a small total is hidden whatever the cells
        ({"a": 0, "b": 0, "c": 0}, {"a": "0", "b": "0", "c": "0"}, "0"),
        ({"a": 2, "b": 0}, {"a": "F", "b": "0"}, "F"),
        # three hidden cells summing to 7: not pinned down
        ({"a": 1, "b": 2, "c": 4, "d": 10}, {"a": "F", "b": "F", "c": "F", "d": "10"}, "17"),
    ],
)
def test_tables_hide_small_counts_and_any_total_that_would_reveal_one(counts, cells, total):
    shown, total_cell = suppress_table(counts)
    expand = {"F": str(FEWER_THAN), "N": str(NOT_SHOWN)}
    assert {label: c.display for label, c in shown.items()} == {k: expand.get(v, v) for k, v in cells.items()}
    assert total_cell.display == expand.get(total, total)


def test_a_given_total_larger_than_the_visible_cells_is_still_checked():
    # "other" categories not listed: the total is given separately and is 1–4 → hidden.
    _cells, total_cell = suppress_table({"a": 0}, total=3)
    assert total_cell.suppressed
