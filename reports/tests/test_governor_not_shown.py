"""Issue 12 #15: a governor report whose behaviour rows read 48 / 64 / 44 / 20 showed "fewer than 5" for their total.
A total withheld because it would reveal a hidden number reads "not shown", with a footnote saying why — the same on
the page and in the PDF; only a count from 1 to 4 reads "fewer than 5"."""

import datetime
import re

from django.urls import reverse

from reports import governor
from reports import services_governor as services
from reports.tests.test_governor_report import AUTUMN, NOW, _pdf_text, _row, _table, calendar, incidents

FOOTNOTE = (
    "“Not shown”: this figure is not small, but showing it would let a number shown as “fewer than 5” be worked out"
)


def _levels_of_179(school):
    calendar(school)
    day = datetime.date(2026, 10, 6)
    for level, count in ((1, 48), (2, 64), (3, 44), (4, 20), (5, 3)):
        incidents(school, count, day, behaviour_level=level)


def _words(text):
    return re.sub(r"\s+", " ", text)


def test_a_large_total_that_would_reveal_a_hidden_row_reads_not_shown_with_a_footnote(client, school, head):
    _levels_of_179(school)
    report = governor.school_report(school, *AUTUMN, now=NOW)
    levels = _table(report, "levels")
    assert [_row(levels, f"Level {n}")[1] for n in (1, 2, 3, 4)] == [{"k": "n", "v": v} for v in (48, 64, 44, 20)]
    assert _row(levels, "Level 5")[1] == {"k": "hidden"}
    assert _row(levels, "All levels")[1] == {"k": "withheld"}  # 179 − 176 = 3: withheld, not "fewer than 5"

    draft, _created = services.governor_report_draft(actor=head, school=school, year=2026, kind="autumn")
    client.force_login(head)
    html = client.get(reverse("reports:governor_report", args=[school.slug, draft.public_id])).content.decode()
    footer = html.split('id="table-levels"', 1)[1].split("</table>", 1)[0].split("<tfoot>", 1)[1]
    assert "not shown" in footer and "fewer than 5" not in footer
    assert FOOTNOTE in _words(html.replace("&ldquo;", "“").replace("&rdquo;", "”"))

    response = client.get(reverse("reports:governor_report_pdf", args=[school.slug, draft.public_id]))
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    text = _words(_pdf_text(pdf))
    assert re.search(r"All levels (?:[^\n]*?)not shown", text)
    assert "All levels fewer than 5" not in text
    assert FOOTNOTE in text
