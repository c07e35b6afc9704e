"""The child protection file laid out in parts (issue 18 item 2): each part is laid out and freed before the next,
the parts are joined, and the pages are numbered across the whole file — the reader sees one file."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents import documents
from incidents import selectors_chronology as selectors
from incidents.models import Action, DSLNote, Incident, IncidentCategory, IncidentPupil

INCIDENTS = 11


def _pages(data):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def long_record(school, teacher, dsl, pupil):
    """``INCIDENTS`` incidents of ``pupil``, one a day (the oldest first: "Incident 01" … "Incident 11"), every
    third a concern with a DSL note, every other one with an action done the next day."""
    behaviour = IncidentCategory.objects.get(school=school, code="low-level-disruption")
    neglect = IncidentCategory.objects.get(school=school, code="neglect")
    start = timezone.now() - datetime.timedelta(days=INCIDENTS + 5)
    for number in range(1, INCIDENTS + 1):
        concern = number % 3 == 0
        occurred_at = start + datetime.timedelta(days=number)
        incident = Incident.objects.create(
            school=school,
            recorded_by=teacher,
            occurred_at=occurred_at,
            description=f"Incident {number:02d} happened. " + "Details of what was seen and said. " * 12,
            location="playground",
            is_safeguarding=concern,
            is_behaviour=not concern,
            behaviour_level=None if concern else 2,
        )
        incident.categories.set([neglect if concern else behaviour])
        IncidentPupil.objects.create(incident=incident, pupil=pupil, role=IncidentPupil.Role.SUBJECT)
        if concern:
            DSLNote.objects.create(incident=incident, author=dsl, text=f"Note on incident {number:02d}")
        if number % 2 == 0:
            Action.objects.create(
                incident=incident,
                kind=Action.Kind.choices[0][0],
                description=f"Follow-up of incident {number:02d}",
                assignee=dsl,
                created_by=dsl,
                due_on=(occurred_at + datetime.timedelta(days=7)).date(),
                completed_at=occurred_at + datetime.timedelta(days=1),
                completed_by=dsl,
            )


def test_parts_hold_at_most_so_many_incidents_and_every_entry_in_order():
    class Entry:
        def __init__(self, kind, name):
            self.kind, self.name = kind, name

    incident, action = selectors.EntryKind.INCIDENT, selectors.EntryKind.ACTION
    entries = [Entry(kind, name) for kind, name in [(action, "a0"), (incident, "i1"), (action, "a1")]]
    entries += [Entry(incident, "i2"), Entry(incident, "i3"), Entry(action, "a3"), Entry(incident, "i4")]

    parts = documents.cp_file_parts(entries, per_part=2)

    assert [[entry.name for entry in part] for part in parts] == [["a0", "i1", "a1", "i2"], ["i3", "a3", "i4"]]
    assert documents.cp_file_parts([], per_part=2) == [[]]
    assert len(documents.cp_file_parts(entries, per_part=40)) == 1


@pytest.mark.django_db
def test_a_file_of_several_parts_reads_as_one(school, dsl, pupil, long_record):
    data = documents.cp_file_pdf(school=school, pupil=pupil, actor=dsl, part_incidents=4)  # 3 parts

    pages = _pages(data)
    total = len(pages)
    assert total >= 4  # the front sheet, then at least a page a part
    for number, text in enumerate(pages, start=1):
        # Every page: the running title, "Confidential — child protection" and "page / pages" across the file.
        assert text.endswith(f"{number} / {total}"), text[-80:]
        assert "Confidential — child protection" in text
        assert pupil.display_name in text
        assert len(re.findall(r"\b\d+ / \d+$", text)) == 1
    whole = " ".join(pages)
    found = [int(number) for number in re.findall(r"Incident (\d\d) happened", whole)]
    assert found == list(range(1, INCIDENTS + 1))  # every incident once, in the order they happened
    assert whole.count("Note on incident") == INCIDENTS // 3
    assert whole.count("Follow-up of incident") == INCIDENTS // 2
    assert whole.count("Child protection file:") == 1 and whole.count("Chronology") == 1  # the front sheet once
    assert "11 incidents and concerns, in the order they happened." in whole
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title.startswith("Child protection file")


@pytest.mark.django_db
def test_the_parts_hold_what_one_part_holds(school, dsl, pupil, long_record):
    now = timezone.now()
    in_parts = _pages(documents.cp_file_pdf(school=school, pupil=pupil, actor=dsl, now=now, part_incidents=3))
    whole = _pages(documents.cp_file_pdf(school=school, pupil=pupil, actor=dsl, now=now, part_incidents=100))

    def words(pages):
        # What the pages hold, without what every page repeats (each part starts on a page of its own): the page
        # number, the running title, "Confidential — child protection" and the table's column headings.
        text = " ".join(re.sub(r"\d+ / \d+$", "", text) for text in pages)
        for repeated in (pupil.display_name, "Confidential — child protection", "Date What Role Details"):
            text = text.replace(repeated, " ")
        return text.split()

    assert words(in_parts) == words(whole)
    assert len(in_parts) >= len(whole)


@pytest.mark.django_db
def test_a_pupil_with_nothing_recorded_has_a_file_of_one_part(school, dsl, pupil):
    pages = _pages(documents.cp_file_pdf(school=school, pupil=pupil, actor=dsl))

    assert "Nothing is recorded for this pupil." in " ".join(pages)
    assert pages[-1].endswith(f"{len(pages)} / {len(pages)}")


@pytest.mark.django_db
def test_only_the_dsl_team_has_the_file(school, slt, pupil):
    with pytest.raises(PermissionError):
        documents.cp_file_pdf(school=school, pupil=pupil, actor=slt)
