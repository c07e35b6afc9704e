"""The governor termly report (issue 7): figures equal to direct counts, the small-number rule on the page and in the
PDF, no pupil identifiable, published reports kept as issued, who may see and do what, and the trust roll-up."""

import datetime
import hashlib
import io
import json
import re
import time
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from aup.selectors_library import coverage_summary
from aup.tests.factories import pupil_agreement
from consent.tests.factories import published_form
from incidents.models import Action, Incident, Sanction
from incidents.tests.factories import ActionFactory, IncidentFactory, concern
from reports import governor
from reports import services_governor as services
from reports.models import GovernorReport
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, Role, Term
from safeguard.directory.tests import factories

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)  # a Friday in the autumn term 2026/27
AUTUMN = (2026, Term.Kind.AUTUMN)
FEWER = "fewer than 5"
# Days on which the fixture's incidents happened: none of them may appear in a report.
INCIDENT_DAYS = [datetime.date(2026, 10, day) for day in (5, 6, 7, 8, 9, 12, 13, 14)]

CALENDAR = [
    (
        "2025/26",
        datetime.date(2025, 9, 1),
        datetime.date(2026, 8, 31),
        [
            (Term.Kind.AUTUMN, datetime.date(2025, 9, 3), datetime.date(2025, 12, 19)),
            (Term.Kind.SPRING, datetime.date(2026, 1, 5), datetime.date(2026, 3, 27)),
            (Term.Kind.SUMMER, datetime.date(2026, 4, 13), datetime.date(2026, 7, 22)),
        ],
    ),
    (
        "2026/27",
        datetime.date(2026, 9, 1),
        datetime.date(2027, 8, 31),
        [
            (Term.Kind.AUTUMN, datetime.date(2026, 9, 2), datetime.date(2026, 12, 18)),
            (Term.Kind.SPRING, datetime.date(2027, 1, 4), datetime.date(2027, 3, 26)),
        ],
    ),
]


def calendar(school):
    """The English calendar of the demo: three terms a year, 2025/26 and 2026/27."""
    terms = {}
    for name, starts, ends, year_terms in CALENDAR:
        year = AcademicYear.objects.get_or_create(
            school=school, starts_on=starts, defaults={"name": name, "ends_on": ends}
        )[0]
        for kind, term_start, term_end in year_terms:
            terms[(starts.year, kind)] = Term.objects.create(
                academic_year=year, kind=kind, starts_on=term_start, ends_on=term_end
            )
    return terms


def at(day, hour=11):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def incidents(school, count, day, **fields):
    return [IncidentFactory(school=school, occurred_at=at(day), **fields) for _ in range(count)]


NOT_BEHAVIOUR = {"is_behaviour": False, "behaviour_level": None}


@pytest.fixture
def governor_user(governor):
    """The governor persona (``governor`` is also the name of the module under test here)."""
    return governor


class Fixture:
    """A known term at Demo Primary School (see ``world``)."""


@pytest.fixture
def world(school, pupil, head):
    """Autumn term 2026/27 at the school, with counts chosen for the small-number rule:

    levels 1: 7, 2: 3, 3: 6 (total 16, hidden because only level 2 is hidden); bullying verbal 6, cyber 2 (total 8,
    hidden); racist 3; physical interventions 5; concerns 6, 4 still open; referrals early help 5, social care 2;
    suspensions 3 (one pupil 6 days over two suspensions, one 2 days); a voided level-1 incident. Summer 2026: level 1
    × 5. Autumn 2025: level 1 × 9.
    """
    f = Fixture()
    f.school, f.head = school, head
    f.terms = calendar(school)
    year = school.classes.get().academic_year  # the pupil fixture's class is in 2026/27
    names = [("Zebedee", "Quartermaine"), ("Ottoline", "Fairweather"), ("Barnaby", "Thistlewood")]
    f.pupils = [pupil] + [
        factories.PupilFactory(school=school, legal_first_name=first, legal_last_name=last) for first, last in names
    ]
    days = iter(INCIDENT_DAYS * 10)
    f.level1 = incidents(school, 7, next(days), behaviour_level=1, pupils=[f.pupils[0]])
    incidents(school, 3, next(days), behaviour_level=2, pupils=[f.pupils[1]])
    level3 = incidents(school, 6, next(days), behaviour_level=3)
    incidents(school, 6, next(days), is_bullying=True, bullying_type="verbal", **NOT_BEHAVIOUR)
    incidents(school, 2, next(days), is_bullying=True, bullying_type="cyber", **NOT_BEHAVIOUR)
    incidents(school, 3, next(days), is_prejudice=True, **NOT_BEHAVIOUR, pupils=[f.pupils[2]])
    incidents(school, 5, next(days), is_physical_intervention=True, **NOT_BEHAVIOUR)
    concerns = [concern(school, occurred_at=at(next(days)), pupils=[f.pupils[3]]) for _ in range(6)]
    for closed in concerns[:2]:
        closed.status, closed.closed_at = Incident.Status.CLOSED, at(datetime.date(2026, 10, 30))
        closed.save()
    for item in concerns[:5]:
        ActionFactory(incident=item, kind=Action.Kind.REFER_EARLY_HELP)
    for item in concerns[:2]:
        ActionFactory(incident=item, kind=Action.Kind.REFER_SOCIAL_CARE)
    voided = IncidentFactory(school=school, occurred_at=at(INCIDENT_DAYS[0]), behaviour_level=1)
    voided.voided_at = at(INCIDENT_DAYS[1])
    voided.save()
    for incident, pupil_, days_ in [
        (level3[0], f.pupils[0], 3),
        (level3[1], f.pupils[0], 3),
        (level3[2], f.pupils[1], 2),
    ]:
        Sanction.objects.create(
            incident=incident,
            pupil=pupil_,
            academic_year=year,
            kind=Sanction.Kind.SUSPENSION,
            starts_on=incident.occurred_at.date(),
            days=Decimal(days_),
            reason_1="PA",
            recorded_by=head,
        )
    incidents(school, 5, datetime.date(2026, 5, 12), behaviour_level=1)  # summer 2026
    incidents(school, 9, datetime.date(2025, 10, 14), behaviour_level=1)  # autumn 2025
    return f


def _table(report, key):
    return next(t for section in report["sections"] for t in section["tables"] if t["key"] == key)


def _row(table, label):
    return next(row for row in table["rows"] + table["footer"] if row[0] == label)


HIDDEN = {"k": "hidden"}
WITHHELD = {"k": "withheld"}


def n(value):
    return {"k": "n", "v": value}


def _without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# Figures ------------------------------------------------------------------------------------------------------------


def test_the_figures_equal_the_counts_made_directly_from_the_incidents(world):
    school = world.school
    term = world.terms[AUTUMN]
    period = governor.Period(2026, Term.Kind.AUTUMN, {school.pk: (term.starts_on, term.ends_on)})
    counts = governor.period_counts([school], period, now=NOW)[school.pk]

    in_term = Incident.objects.filter(
        school=school,
        voided_at__isnull=True,
        occurred_at__gte=at(term.starts_on, 0),
        occurred_at__lt=at(term.ends_on + datetime.timedelta(days=1), 0),
    )
    assert counts["levels"] == {level: in_term.filter(behaviour_level=level).count() for level in range(1, 6)}
    assert counts["levels"] == {1: 7, 2: 3, 3: 6, 4: 0, 5: 0}
    assert counts["bullying_total"] == in_term.filter(is_bullying=True).count() == 8
    assert counts["bullying"] == {"verbal": 6, "cyber": 2}
    assert counts["prejudice"]["racist"] == in_term.filter(categories__code="racist").count() == 3
    assert counts["physical_interventions"] == in_term.filter(is_physical_intervention=True).count() == 5
    assert counts["online_safety"] == 0
    assert counts["concerns"] == in_term.filter(is_safeguarding=True).count() == 6
    assert counts["open_cases"] == in_term.filter(is_safeguarding=True, closed_at__isnull=True).count() == 4
    referrals = Action.objects.filter(incident__in=in_term, kind__in=Action.REFERRALS)
    assert counts["referrals"]["refer_early_help"] == referrals.filter(kind="refer_early_help").count() == 5
    assert counts["referrals"]["refer_social_care"] == 2
    suspensions = Sanction.objects.filter(incident__in=in_term, kind=Sanction.Kind.SUSPENSION)
    assert counts["suspensions"] == suspensions.count() == 3
    assert counts["suspension_days"] == Decimal(8)
    assert counts["suspended_pupils"] == 2
    assert counts["pupils_over_5"] == 1  # 3 + 3 days for the same pupil
    assert counts["reasons"] == {"PA": 3}


def test_small_counts_are_hidden_and_a_total_that_would_reveal_one_is_hidden_too(world):
    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    levels = _table(report, "levels")
    assert _row(levels, "Level 1")[1] == n(7)
    assert _row(levels, "Level 2")[1] == HIDDEN  # 3 → "fewer than 5"
    assert _row(levels, "Level 3")[1] == n(6)
    assert _row(levels, "Level 4")[1] == n(0)  # zero identifies no one
    # 16 would give away level 2 (16 − 7 − 6 = 3): secondary suppression, "not shown" (it is not a small number).
    assert _row(levels, "All levels")[1] == WITHHELD
    bullying = _table(report, "bullying")
    assert _row(bullying, "Cyber-bullying")[1] == HIDDEN
    assert _row(bullying, "All bullying incidents")[1] == WITHHELD
    assert _row(_table(report, "referrals"), "All referrals")[1] == WITHHELD
    assert _row(_table(report, "prejudice"), "Racist")[1] == HIDDEN
    glance = _table(report, "at_a_glance")
    # The same cells wherever a figure appears: the hidden total is not given away in the summary.
    assert _row(glance, "Incidents with a behaviour level")[1] == WITHHELD
    assert _row(glance, "Physical interventions")[1] == n(5)
    facts = _table(report, "suspension_facts")
    assert _row(facts, "Days of suspension in total")[1] == HIDDEN  # hidden with the number of suspensions
    assert _row(facts, "Did any pupil pass 5 days of suspension in the term?")[1] == {"k": "text", "v": "Yes"}
    assert _row(facts, "Pupils who passed 5 days")[1] == HIDDEN
    json.dumps(report)  # what publishing stores


def test_a_trend_shows_a_difference_only_when_both_figures_are_shown(world):
    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    levels = _table(report, "levels")
    assert levels["columns"] == ["Level", "This term", "Summer term 2025/26", "Change", "Autumn term 2025/26", "Change"]
    assert _row(levels, "Level 1")[1:] == [n(7), n(5), {"k": "text", "v": "+2"}, n(9), {"k": "text", "v": "−2"}]
    assert _row(levels, "Level 2")[1:] == [HIDDEN, n(0), None, n(0), None]
    assert _row(levels, "Level 4")[1:] == [n(0), n(0), {"k": "text", "v": "0"}, n(0), {"k": "text", "v": "0"}]


def test_without_an_earlier_term_there_is_no_comparison(school):
    year = factories.AcademicYearFactory(school=school)  # 2026/27 only: the school's first year on the portal
    Term.objects.create(academic_year=year, kind="autumn", starts_on="2026-09-02", ends_on="2026-12-18")
    Term.objects.create(academic_year=year, kind="spring", starts_on="2027-01-04", ends_on="2027-03-26")
    first = governor.school_report(school, *AUTUMN, now=NOW)
    assert first["compare"] == {"previous": None, "last_year": None}
    assert _table(first, "levels")["columns"] == ["Level", "This term"]
    second = governor.school_report(school, 2026, "spring", now=datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC))
    assert second["compare"] == {"previous": "Autumn term 2026/27", "last_year": None}
    assert _table(second, "levels")["columns"] == ["Level", "This term", "Autumn term 2026/27", "Change"]
    assert governor.level_chart(second)["legend"][1]["colour"] == governor.PERIOD_COLOURS["previous"]


def test_coverage_is_given_as_percentages_of_the_whole_school(world):
    agreement = pupil_agreement(world.school)
    published_form(world.school)
    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    summary = coverage_summary(agreement=agreement, school=world.school, now=NOW)["total"]
    row = _table(report, "agreements")["rows"][0]
    assert row[0] == "Online Safety and Acceptable Use Policy — Pupils"
    assert row[1:] == [n(summary.total), {"k": "pct", "v": summary.percent}]
    consent = _table(report, "consent")["rows"]
    assert len(consent) == 8 and consent[0][1:] == [n(4), {"k": "pct", "v": 0}, {"k": "pct", "v": 0}]


def test_policies_reviewed_this_term_due_next_term_and_overdue(world):
    from aup.tests.factories import PolicyFactory

    PolicyFactory(school=world.school, title="Behaviour Policy", last_approved_on=datetime.date(2026, 10, 1))
    PolicyFactory(school=world.school, title="Charging Policy", next_review_on=datetime.date(2027, 2, 1))
    PolicyFactory(school=world.school, title="First Aid Policy", next_review_on=datetime.date(2026, 6, 1))
    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    assert [row[0] for row in _table(report, "policies_reviewed")["rows"]] == ["Behaviour Policy"]
    assert [row[0] for row in _table(report, "policies_due")["rows"]] == ["Charging Policy"]
    assert [row[0] for row in _table(report, "policies_overdue")["rows"]] == ["First Aid Policy"]


@pytest.mark.parametrize(
    ("counts", "hidden", "withheld"),
    [
        ({"a": 10, "b": 7}, set(), set()),
        ({"a": 10, "b": 3}, {"b"}, {"a"}),  # the total would give b away: a is withheld
        ({"a": 10, "b": 3, "c": 4}, {"b", "c"}, set()),  # two hidden, 7: could be 3+4 or 4+3
        ({"a": 10, "b": 1, "c": 1}, {"b", "c"}, {"a"}),  # both hidden must be 1
        ({"a": 5, "b": 1, "c": 9}, {"b"}, {"a", "c"}),  # 1 + 5 would give b away: one more withheld
        ({"a": 3}, {"a"}, set()),  # the total is itself hidden
        ({"a": 0, "b": 0}, set(), set()),
    ],
)
def test_a_table_whose_total_is_published_elsewhere_withholds_instead(counts, hidden, withheld):
    cells, kept_back = governor.suppress_linked(counts)
    assert {key for key, c in cells.items() if c.suppressed} == hidden
    assert kept_back == withheld


# Pages and PDF ------------------------------------------------------------------------------------------------------


def _no_pupil_or_date(text, world):
    for pupil in world.pupils:
        assert pupil.legal_first_name not in text
        assert pupil.legal_last_name not in text
        initials = f"{pupil.legal_first_name[0]}.{pupil.legal_last_name[0]}."
        assert initials not in text
    for day in INCIDENT_DAYS:
        for shown in (day.isoformat(), f"{day.day} October 2026", f"{day.day} Oct 2026", day.strftime("%d/%m/%Y")):
            assert shown not in text


def test_the_page_and_the_pdf_show_fewer_than_5_and_identify_no_pupil(client, world):
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="A calm term overall.")
    client.force_login(world.head)
    page = client.get(reverse("reports:governor_report", args=[world.school.slug, report.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert FEWER in html and "A calm term overall." in html
    assert 'id="chart-levels-title"' in html and "<desc" in html  # the chart, with its numbers in a table
    _no_pupil_or_date(html, world)

    # CPU time, not wall time: the 3-second target is for this work, not for a machine busy with other tests.
    started = time.process_time()
    response = client.get(reverse("reports:governor_report_pdf", args=[world.school.slug, report.public_id]))
    elapsed = time.process_time() - started
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment")
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert FEWER in text and "DRAFT" in text and "Prejudice-related incidents" in text
    _no_pupil_or_date(text, world)
    assert elapsed < 3, f"the PDF took {elapsed:.2f} s"


def test_a_published_report_is_kept_as_issued(client, world, governor_user):
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="A calm term overall.")
    published = services.governor_report_publish(actor=world.head, report=report, now=NOW)
    stored = published.pdf.open("rb").read()
    assert published.pdf_sha256 == hashlib.sha256(stored).hexdigest()
    assert "DRAFT" not in _pdf_text(stored)
    assert FEWER in _pdf_text(stored)
    issued = json.dumps(published.figures, sort_keys=True)
    client.force_login(governor_user)
    url = reverse("reports:governor_report", args=[world.school.slug, report.public_id])
    before = _without_csrf(client.get(url).content.decode())

    # A new level-1 incident and a late-recorded concern in the same term change nothing in the report.
    incidents(world.school, 4, datetime.date(2026, 11, 2), behaviour_level=1)
    concern(world.school, occurred_at=at(datetime.date(2026, 11, 3)))
    report.refresh_from_db()
    assert json.dumps(report.figures, sort_keys=True) == issued
    assert _row(_table(report.figures, "levels"), "Level 1")[1] == n(7)
    assert _without_csrf(client.get(url).content.decode()) == before
    pdf = client.get(reverse("reports:governor_report_pdf", args=[world.school.slug, report.public_id]))
    assert b"".join(pdf.streaming_content) == stored
    # The live figures did move: the snapshot is what kept the report.
    assert _row(_table(governor.school_report(world.school, *AUTUMN, now=NOW), "levels"), "Level 1")[1] == n(11)


# Services -----------------------------------------------------------------------------------------------------------


def test_drafting_twice_returns_the_same_report_and_writes_one_event(world, slt):
    first, created = services.governor_report_draft(actor=slt, school=world.school, year=2026, kind="autumn", now=NOW)
    again, created_again = services.governor_report_draft(
        actor=world.head, school=world.school, year=2026, kind="autumn", now=NOW
    )
    assert (created, created_again) == (True, False) and again == first
    assert first.status == GovernorReport.Status.DRAFT and first.term == world.terms[AUTUMN]
    assert AuditEvent.objects.filter(action="reports.governor_report.drafted").count() == 1


def test_a_term_not_started_or_not_in_the_calendar_is_refused(world):
    with pytest.raises(DomainError) as error:
        services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="spring", now=NOW)
    assert error.value.code == "term_not_started"
    with pytest.raises(DomainError) as error:
        services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="summer", now=NOW)
    assert error.value.code == "no_such_term"


@pytest.mark.parametrize("role", ["teacher", "dsl", "office", "governor", "trust_admin", "other_school_dsl"])
def test_only_slt_and_the_head_draft(world, role, request):
    with pytest.raises(PermissionError):
        services.governor_report_draft(
            actor=request.getfixturevalue(role), school=world.school, year=2026, kind="autumn", now=NOW
        )
    assert not GovernorReport.objects.exists()


def test_only_the_head_writes_the_commentary_and_publishes(world, slt):
    report, _ = services.governor_report_draft(actor=slt, school=world.school, year=2026, kind="autumn", now=NOW)
    with pytest.raises(PermissionError):
        services.governor_report_set_commentary(actor=slt, report=report, commentary="Fine.")
    with pytest.raises(DomainError) as error:
        services.governor_report_publish(actor=world.head, report=report, now=NOW)
    assert error.value.code == "commentary_required"
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="Fine.")
    with pytest.raises(PermissionError):
        services.governor_report_publish(actor=slt, report=report, now=NOW)
    published = services.governor_report_publish(actor=world.head, report=report, now=NOW)
    assert published.is_published and published.published_by == world.head and published.published_at == NOW
    events = list(AuditEvent.objects.filter(subject_id=str(report.public_id)).values_list("action", flat=True))
    assert sorted(events) == [
        "reports.governor_report.commentary_set",
        "reports.governor_report.drafted",
        "reports.governor_report.published",
    ]
    with pytest.raises(DomainError) as error:
        services.governor_report_publish(actor=world.head, report=published, now=NOW)
    assert error.value.code == "already_published"
    with pytest.raises(DomainError):
        services.governor_report_set_commentary(actor=world.head, report=published, commentary="Changed.")
    published.refresh_from_db()
    assert published.commentary == "Fine."


def test_the_same_commentary_again_changes_nothing(world):
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="Fine.")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="  Fine. ")
    assert AuditEvent.objects.filter(action="reports.governor_report.commentary_set").count() == 1


def test_a_commentary_naming_a_pupil_is_refused(client, world):
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    with pytest.raises(DomainError) as error:
        services.governor_report_set_commentary(
            actor=world.head, report=report, commentary="Sadly zebedee QUARTERMAINE was suspended twice."
        )
    assert error.value.code == "names_pupil"
    client.force_login(world.head)
    response = client.post(
        reverse("reports:governor_report_commentary", args=[world.school.slug, report.public_id]),
        {"commentary": "Ottoline Fairweather again."},
    )
    assert response.status_code == 200
    assert "The commentary names a pupil" in response.content.decode()
    report.refresh_from_db()
    assert report.commentary == ""


def test_the_head_publishes_from_the_page(client, world):
    client.force_login(world.head)
    response = client.post(reverse("reports:governor_reports", args=[world.school.slug]), {"term": "2026-autumn"})
    report = GovernorReport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{report.public_id}/")
    base = [world.school.slug, report.public_id]
    client.post(reverse("reports:governor_report_commentary", args=base), {"commentary": "Settled term."})
    response = client.post(reverse("reports:governor_report_publish", args=base), follow=True)
    assert "Published to governors" in response.content.decode()
    report.refresh_from_db()
    assert report.is_published and report.commentary == "Settled term."


# Who sees what ------------------------------------------------------------------------------------------------------


def _published_and_draft(world):
    published, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=published, commentary="Settled.")
    published = services.governor_report_publish(actor=world.head, report=published, now=NOW)
    draft, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2025, kind="summer")
    return published, draft


def test_governors_see_published_reports_only(client, world, governor_user):
    published, draft = _published_and_draft(world)
    client.force_login(governor_user)
    page = client.get(reverse("reports:governor_reports", args=[world.school.slug])).content.decode()
    assert "Autumn term 2026/27" in page and "Summer term" not in page and "Start a report" not in page
    for name in ("reports:governor_report", "reports:governor_report_pdf"):
        assert client.get(reverse(name, args=[world.school.slug, draft.public_id])).status_code == 404
        assert client.get(reverse(name, args=[world.school.slug, published.public_id])).status_code == 200
    html = client.get(reverse("reports:governor_report", args=[world.school.slug, published.public_id])).content
    assert b"Publish to governors" not in html and b'name="commentary"' not in html
    _no_pupil_or_date(html.decode(), world)


def test_slt_see_drafts_but_only_the_head_gets_the_commentary_form(client, world, slt):
    _published, draft = _published_and_draft(world)
    url = reverse("reports:governor_report", args=[world.school.slug, draft.public_id])
    client.force_login(slt)
    page = client.get(url).content.decode()
    assert "Draft" in page and "Publish to governors" not in page
    client.force_login(world.head)
    page = client.get(url).content.decode()
    assert 'name="commentary"' in page and "Publish to governors" in page


def test_a_report_of_another_school_looks_missing(client, world, other_school, other_school_dsl):
    published, _draft = _published_and_draft(world)
    head = factories.UserFactory(email="head@elsewhere.test")
    factories.StaffRoleFactory(user=head, school=other_school, role=Role.HEADTEACHER)
    client.force_login(head)
    theirs = client.get(reverse("reports:governor_report", args=[other_school.slug, published.public_id]))
    missing = client.get(reverse("reports:governor_report", args=[other_school.slug, uuid.uuid4()]))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


# The trust roll-up -------------------------------------------------------------------------------------------------


def test_the_trust_roll_up_adds_up_its_schools(client, world, trust, trust_admin):
    second = factories.SchoolFactory(organisation=trust, name="Second Primary School", slug="second")
    calendar(second)
    for _ in range(40):
        factories.PupilFactory(school=second)
    incidents(second, 5, datetime.date(2026, 10, 6), behaviour_level=1)
    incidents(second, 2, datetime.date(2026, 10, 7), is_physical_intervention=True, **NOT_BEHAVIOUR)
    report = governor.trust_report(trust, [world.school, second], *AUTUMN, now=NOW)

    glance = _table(report, "at_a_glance")
    assert _row(glance, "Incidents with a behaviour level")[1] == n(16 + 5)  # the total stays; cells withhold instead
    assert _row(glance, "Physical interventions")[1] == n(5 + 2)
    levels = _table(report, "levels")
    assert _row(levels, "Level 1")[1] == n(12)
    assert _row(levels, "Level 2")[1] == HIDDEN
    assert {"k": "withheld"} in [_row(levels, f"Level {level}")[1] for level in (1, 3)]
    schools = _table(report, "schools")
    by_name = {row[0]: row for row in schools["rows"]}
    assert by_name["Second Primary School"][1] == n(40)
    assert by_name["Second Primary School"][2] == {"k": "n", "v": 5, "rate": "12.5"}
    assert by_name["Demo Primary School"][2] == {"k": "n", "v": 16, "rate": "400.0"}  # 4 pupils on roll
    # Physical interventions: 5 and 2 — the 2 is hidden and the 5 withheld, since the trust total (7) is shown.
    assert by_name["Second Primary School"][7] == HIDDEN
    assert by_name["Demo Primary School"][7] == {"k": "withheld"}
    assert schools["footer"][0][7] == {"k": "n", "v": 7, "rate": "15.9"}

    client.force_login(trust_admin)
    response = client.post(reverse("reports:trust_governor_reports", args=[trust.slug]), {"term": "2026-autumn"})
    rollup = GovernorReport.objects.get(organisation=trust)
    assert response.status_code == 302
    base = [trust.slug, rollup.public_id]
    client.post(reverse("reports:trust_governor_report_commentary", args=base), {"commentary": "Both schools."})
    client.post(reverse("reports:trust_governor_report_publish", args=base))
    rollup.refresh_from_db()
    assert rollup.is_published
    page = client.get(reverse("reports:trust_governor_report", args=base)).content.decode()
    assert "School by school" in page and "Second Primary School" in page
    pdf = b"".join(client.get(reverse("reports:trust_governor_report_pdf", args=base)).streaming_content)
    assert "School by school" in _pdf_text(pdf)
    _no_pupil_or_date(page, world)


# Every URL, every persona ------------------------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "trust_admin",
    "other_school_dsl",
]


def _expect(allowed, status=200):
    return {role: (status if role in allowed else 404) for role in ROLES} | {"anonymous": "login"}


READERS = ["slt", "head", "governor", "trust_admin"]
PREPARERS = ["slt", "head"]
MATRIX = [
    ("reports:governor_reports", "school", "get", _expect(READERS)),
    ("reports:governor_reports", "school", "post", _expect(PREPARERS, 302)),
    ("reports:governor_report", "published", "get", _expect(READERS)),
    ("reports:governor_report", "draft", "get", _expect(PREPARERS)),
    ("reports:governor_report_pdf", "published", "get", _expect(READERS)),
    ("reports:governor_report_pdf", "draft", "get", _expect(PREPARERS)),
    ("reports:governor_report_commentary", "draft", "post", _expect(["head"], 302)),
    ("reports:governor_report_publish", "draft", "post", _expect(["head"], 302)),
    ("reports:governor_report_publish", "published", "post", _expect(["head"], 302)),
    ("reports:trust_governor_reports", "trust", "get", _expect(["trust_admin"])),
    ("reports:trust_governor_reports", "trust", "post", _expect(["trust_admin"], 302)),
    ("reports:trust_governor_report", "trust_report", "get", _expect(["trust_admin"])),
    ("reports:trust_governor_report_pdf", "trust_report", "get", _expect(["trust_admin"])),
    ("reports:trust_governor_report_commentary", "trust_report", "post", _expect(["trust_admin"], 302)),
    ("reports:trust_governor_report_publish", "trust_report", "post", _expect(["trust_admin"], 302)),
]
CASES = [(name, variant, method, role) for name, variant, method, _e in MATRIX for role in ROLES]


@pytest.fixture
def personas(request, world, trust, monkeypatch):
    # Statuses only here: a stand-in PDF keeps 165 cases quick (the real one is tested above).
    monkeypatch.setattr(services, "render_pdf", lambda template, context: b"%PDF-1.4 stand-in")
    users = {"anonymous": None}
    for role in ROLES[1:]:
        users[role] = request.getfixturevalue(role)
    published, draft = _published_and_draft(world)
    rollup, _ = services.governor_report_draft(actor=users["trust_admin"], organisation=trust, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=users["trust_admin"], report=rollup, commentary="Trust.")
    args = {
        "school": [world.school.slug],
        "published": [world.school.slug, published.public_id],
        "draft": [world.school.slug, draft.public_id],
        "trust": [trust.slug],
        "trust_report": [trust.slug, rollup.public_id],
    }
    return users, args


POST_DATA = {
    "reports:governor_reports": {"term": "2025-spring"},
    "reports:trust_governor_reports": {"term": "2025-summer"},
    "reports:governor_report_commentary": {"commentary": "Settled."},
    "reports:trust_governor_report_commentary": {"commentary": "Settled."},
}


@pytest.mark.parametrize(
    ("name", "variant", "method", "role"), CASES, ids=[f"{n}[{v}]-{m}-{r}" for n, v, m, r in CASES]
)
def test_every_url_for_every_persona(client, personas, name, variant, method, role):
    users, args = personas
    expected = next(e for n_, v, m, e in MATRIX if (n_, v, m) == (name, variant, method))[role]
    if users[role] is not None:
        client.force_login(users[role])
    url = reverse(name, args=args[variant])
    response = client.get(url) if method == "get" else client.post(url, POST_DATA.get(name, {}))
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, f"{role} {method} {url}"


# The demo -----------------------------------------------------------------------------------------------------------


def test_the_demo_has_a_published_autumn_report_a_draft_and_a_trust_roll_up(world, trust, trust_admin):
    from reports import demo_content

    lines = demo_content.load(now=NOW)
    published = GovernorReport.objects.get(school=world.school, term=world.terms[AUTUMN])
    assert published.is_published and published.published_by == world.head and published.commentary
    assert published.pdf_sha256 and published.figures["term"]["label"] == "Autumn term 2026/27"
    # Today is in the autumn term, so the draft is for the term before it.
    draft = GovernorReport.objects.get(school=world.school, term=world.terms[(2025, "summer")])
    assert draft.status == GovernorReport.Status.DRAFT
    rollup = GovernorReport.objects.get(organisation=trust)
    assert rollup.is_published and rollup.published_by == trust_admin
    assert any("published by the headteacher" in line for line in lines)
    again = demo_content.load(now=NOW)
    assert GovernorReport.objects.count() == 3 and any("already published" in line for line in again)


def _reports(school, head, years):
    for start in years:
        year = AcademicYear.objects.create(
            school=school,
            name=str(start),
            starts_on=datetime.date(start, 9, 1),
            ends_on=datetime.date(start + 1, 8, 31),
        )
        term = Term.objects.create(
            academic_year=year,
            kind="autumn",
            starts_on=datetime.date(start, 9, 3),
            ends_on=datetime.date(start, 12, 19),
        )
        GovernorReport.objects.create(
            school=school,
            term=term,
            academic_year_start=start,
            term_kind="autumn",
            created_by=head,
            status=GovernorReport.Status.PUBLISHED,
            published_at=NOW,
            published_by=head,
        )


def test_the_list_takes_the_same_number_of_queries_for_3_and_30_reports(client, school, head):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(head)
    url = reverse("reports:governor_reports", args=[school.slug])
    counted = []
    for years in (range(1990, 1993), range(1993, 2020)):
        _reports(school, head, years)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        counted.append((page.content.decode().count("Download</a>"), len(queries)))
    assert [reports for reports, _q in counted] == [3, 30]
    assert counted[0][1] == counted[1][1]


# Figures cache and PDF cache ----------------------------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` — the writes inside commit, so their on-commit callbacks run (the figures cache learns
    of them then, as it does in production)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _page_cell(html, label):
    """The first figure of the row ``label`` on a report page."""
    found = re.search(
        rf'<th scope="row" class="fw-normal">{re.escape(label)}</th><td class="text-end">(.*?)</td>', html
    )
    return found.group(1)


def test_an_incident_recorded_after_the_draft_was_viewed_is_in_the_next_view(client, world, committed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    client.force_login(world.head)
    url = reverse("reports:governor_report", args=[world.school.slug, report.public_id])
    assert _page_cell(client.get(url).content.decode(), "Level 4") == "0"
    # Viewed again with nothing changed: the incident figures come from the cache, not from the incidents.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content.decode()
    assert _page_cell(again, "Level 4") == "0"
    assert not [q for q in queries.captured_queries if "incidents_" in q["sql"]]

    with committed():
        incidents(world.school, 6, datetime.date(2026, 11, 2), behaviour_level=4)

    assert _page_cell(client.get(url).content.decode(), "Level 4") == "6"


def test_publishing_counts_afresh_whatever_the_draft_showed(client, world):
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="A calm term overall.")
    client.force_login(world.head)
    url = reverse("reports:governor_report", args=[world.school.slug, report.public_id])
    assert _page_cell(client.get(url).content.decode(), "Level 1") == "7"
    # A bulk change sends no signal: the draft may show the stored figures for a few minutes (datacache.MAX_AGE) …
    Incident.objects.filter(school=world.school, behaviour_level=1, voided_at__isnull=True).update(behaviour_level=5)
    assert _page_cell(client.get(url).content.decode(), "Level 1") == "7"
    # … but the report as issued is counted at the moment of publishing.
    published = services.governor_report_publish(actor=world.head, report=report)
    assert _row(_table(published.figures, "levels"), "Level 1")[1] == n(0)
    assert _row(_table(published.figures, "levels"), "Level 5")[1] == n(7)


def test_the_figures_follow_the_language_they_are_read_in(world):
    from django.utils import translation

    english = governor.school_report(world.school, *AUTUMN, now=NOW)
    with translation.override("tr"):
        turkish = governor.school_report(world.school, *AUTUMN, now=NOW)
    assert english["sections"][0]["title"] == "At a glance"
    assert turkish["sections"][0]["title"] == "Genel bakış"


def test_terms_compared_are_counted_together_even_when_their_dates_overlap(world):
    school = world.school
    day = datetime.date
    october = governor.Period(2026, "autumn", {school.pk: (day(2026, 10, 1), day(2026, 10, 31))})
    overlapping = governor.Period(2026, "autumn", {school.pk: (day(2026, 10, 7), day(2026, 11, 30))})
    together = governor.periods_counts([school], {"term": october, "previous": overlapping}, now=NOW)
    assert together["term"] == governor.period_counts([school], october, now=NOW)
    assert together["previous"] == governor.period_counts([school], overlapping, now=NOW)
    assert together["term"][school.pk]["levels"] != together["previous"][school.pk]["levels"]


def test_a_changed_commentary_makes_a_new_pdf_and_an_unchanged_draft_is_not_laid_out_again(client, world, monkeypatch):
    rendered = []

    def counting_render_pdf(template, context):
        rendered.append(template)
        return render_pdf(template, context)

    from safeguard.pdf import render_pdf

    monkeypatch.setattr(services, "render_pdf", counting_render_pdf)
    report, _ = services.governor_report_draft(actor=world.head, school=world.school, year=2026, kind="autumn")
    services.governor_report_set_commentary(actor=world.head, report=report, commentary="First thoughts on the term.")
    client.force_login(world.head)
    url = reverse("reports:governor_report_pdf", args=[world.school.slug, report.public_id])

    first = client.get(url).content
    assert "First thoughts on the term." in _pdf_text(first)
    assert client.get(url).content == first  # the same draft: the same PDF, not laid out again
    assert len(rendered) == 1

    services.governor_report_set_commentary(actor=world.head, report=report, commentary="Second thoughts instead.")
    second = client.get(url).content
    text = _pdf_text(second)
    assert "Second thoughts instead." in text and "First thoughts" not in text
    assert len(rendered) == 2


def test_a_policy_reviewed_after_the_draft_was_viewed_moves_in_the_next_view(world, committed):
    from aup.tests.factories import PolicyFactory

    policy = PolicyFactory(school=world.school, title="First Aid Policy", next_review_on=datetime.date(2026, 6, 1))
    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    assert [row[0] for row in _table(report, "policies_overdue")["rows"]] == ["First Aid Policy"]

    with committed():
        policy.last_approved_on = datetime.date(2026, 10, 1)
        policy.next_review_on = datetime.date(2027, 10, 1)
        policy.save()

    report = governor.school_report(world.school, *AUTUMN, now=NOW)
    assert [row[0] for row in _table(report, "policies_overdue")["rows"]] == []
    assert [row[0] for row in _table(report, "policies_reviewed")["rows"]] == ["First Aid Policy"]
