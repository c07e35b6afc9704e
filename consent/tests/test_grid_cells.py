"""Issue 15 item 6: a grid cell tells its answer by a word (and an icon), not only by its colour, and an unanswered
question reads apart from a parent's no."""

from consent.rules import Decision
from consent.views_staff import _grid_cell


def test_a_parents_no_a_yes_and_no_answer_are_three_different_cells():
    yes, no, unanswered = (
        _grid_cell(Decision(True, "consented")),
        _grid_cell(Decision(False, "refused")),
        _grid_cell(Decision(False, "no_response")),
    )

    assert 'class="cell cell-yes"' in yes and "<strong>Yes</strong>" in yes
    assert 'class="cell cell-no"' in no and "<strong>No</strong>" in no
    assert 'class="cell cell-no cell-none"' in unanswered and "No response" in unanswered
