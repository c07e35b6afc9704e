"""The small-number rule for anything governors or a trust see: no child may be identifiable from a count.

Rule (issue 7; the DfE and ONS publish the same kind of rule): a count from 1 to 4 is shown as "fewer than 5"
(primary suppression). A total is suppressed too when, with the visible counts, it would let a hidden count be worked
out (secondary suppression): when exactly one count in the table is hidden, or when every hidden count would have to
be 1 (their sum equals their number) or 4 (their sum is four times their number). Zero is shown: it identifies no one.

``suppress_table`` works on one table (a row of counts and its total). Counts shown elsewhere on the same page must
come from the same suppressed cells, so a hidden figure cannot be recovered from another table.
"""

import dataclasses

from django.utils.translation import gettext_lazy as _

THRESHOLD = 5  # counts 1 .. THRESHOLD-1 are hidden
FEWER_THAN = _("fewer than 5")
NOT_SHOWN = _("not shown")
# The footnote wherever a figure reads "not shown" (issue 12 #15: a total of 176 read "fewer than 5").
NOT_SHOWN_NOTE = _(
    "“Not shown”: this figure is not small, but showing it would let a number shown as “fewer than 5” be worked "
    "out, so it is withheld."
)


@dataclasses.dataclass(frozen=True)
class Cell:
    """One figure as shown: ``value`` is None when suppressed; ``display`` is what the reader sees — "fewer than 5"
    for a small count, "not shown" for a figure ``withheld`` because it would reveal one (secondary suppression)."""

    value: int | None
    suppressed: bool
    withheld: bool = False

    @property
    def display(self):
        if self.withheld:
            return str(NOT_SHOWN)
        return str(FEWER_THAN) if self.suppressed else str(self.value)

    def __str__(self):
        return self.display


def is_small(count):
    """True for a count that must be hidden (1–4)."""
    return 0 < count < THRESHOLD


def cell(count):
    """A single figure with primary suppression only (a figure with no total beside it)."""
    return Cell(None, True) if is_small(count) else Cell(count, False)


def total_reveals(hidden):
    """Whether showing the total would reveal the hidden counts (list of ints, each 1–4)."""
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    return sum(hidden) in (len(hidden), (THRESHOLD - 1) * len(hidden))


def suppress_table(counts, total=None):
    """Suppress one table. Returns ``(cells, total_cell)``.

    Args:
        counts: mapping of label → int (≥ 0), e.g. ``{"racist": 3, "homophobic": 0, "disablist": 7}``.
        total: the table's total (int); defaults to the sum of ``counts``.

    ``cells`` has the same keys, each a ``Cell``; ``total_cell`` is suppressed when the total itself is 1–4 ("fewer
    than 5"), and withheld ("not shown", ``Cell.withheld``) when it is larger but showing it would reveal a hidden
    count (``total_reveals``) — a total of 176 never reads "fewer than 5".
    """
    total = sum(counts.values()) if total is None else total
    cells = {label: cell(count) for label, count in counts.items()}
    hidden = [count for count in counts.values() if is_small(count)]
    if is_small(total):
        total_cell = Cell(None, True)
    elif total_reveals(hidden):
        total_cell = Cell(None, True, withheld=True)
    else:
        total_cell = Cell(total, False)
    return cells, total_cell
