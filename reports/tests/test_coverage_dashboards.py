"""The consent and agreements dashboards and the policy-register dashboards (issue 7, "Other dashboards"): figures
equal direct counts, governors get counts through the small-number rule and no name, senior leaders exact figures with
links to the lists, the trust its schools side by side, a fixed number of queries, and who may open which page."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import Policy, PolicyReview, SignatureRequest
from aup.selectors_library import coverage_summary
from aup.tests.factories import PolicyFactory, pupil_agreement, staff_agreement
from consent import selectors_forms
from consent.models import ConsentAnswer, ConsentResponse
from consent.tests.factories import published_form
from reports import selectors_coverage as selectors
from safeguard.directory.models import AcademicYear, Role, StaffRole, Term
from safeguard.directory.tests import factories

FEWER = "fewer than 5"
NOT_SHOWN = "not shown"
WEBSITE = "images_website"  # one of the default questions (consent.services.DEFAULT_PURPOSES)


def this_year(school):
    """The academic year containing today, and a term around today (whenever the tests run)."""
    today = school.today()
    starts = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    year, _created = AcademicYear.objects.get_or_create(
        school=school,
        starts_on=starts,
        defaults={
            "name": f"{starts.year}/{starts.year + 1 - 2000}",
            "ends_on": starts.replace(year=starts.year + 1) - datetime.timedelta(days=1),
        },
    )
    term_start = max(year.starts_on, today - datetime.timedelta(days=35))
    term = Term.objects.create(
        academic_year=year, kind=Term.Kind.AUTUMN, starts_on=term_start, ends_on=today + datetime.timedelta(days=30)
    )
    return year, term


def _response(version, pupil, guardian, year, answers, *, kind=ConsentResponse.Kind.ANSWERS, when=None):
    response = ConsentResponse.objects.create(
        version=version,
        school=pupil.school,
        pupil=pupil,
        academic_year=year,
        guardian=guardian,
        kind=kind,
        method=ConsentResponse.Method.PAPER,
        typed_name=f"{guardian.first_name} {guardian.last_name}",
        content={},
        content_sha256="0" * 64,
        submitted_at=when or timezone.now() - datetime.timedelta(hours=1 if kind != "answers" else 72),
    )
    purposes = {purpose.code: purpose for purpose in version.purposes.all()}
    ConsentAnswer.objects.bulk_create(
        [ConsentAnswer(response=response, purpose=purposes[code], answer=value) for code, value in answers.items()]
    )
    return response


class World:
    """Demo Primary School with three classes, a pupil and a staff agreement, and the consent form (see ``world``)."""


def add_pupils(world, school_class, count, *, signed=0, answered_yes=0, answered_no=0):
    """``count`` pupils in ``school_class``: the first ``signed`` have signed the pupil agreement; the first
    ``answered_yes`` answered yes to everything, the next ``answered_no`` no to everything."""
    pupils = []
    for index in range(count):
        pupil = factories.PupilFactory(
            school=world.school, school_class=school_class, year_group=school_class.year_group
        )
        pupils.append(pupil)
        if index < signed:
            SignatureRequest.objects.create(
                agreement=world.pupil_agreement,
                school=world.school,
                academic_year=world.year,
                pupil=pupil,
                status=SignatureRequest.Status.COMPLETED,
            )
        if index < answered_yes + answered_no:
            link = factories.PupilGuardianFactory(pupil=pupil)
            value = index < answered_yes
            _response(world.version, pupil, link.guardian, world.year, dict.fromkeys(world.codes, value))
    return pupils


@pytest.fixture
def world(school, pupil, head, slt, office, teacher):
    """3 Oak: 5 pupils (the ``pupil`` fixture among them), 3 signed the pupil agreement, 2 answered consent (yes).
    4 Ash: 6 pupils, all signed, all answered (4 yes, 2 no). 5 Elm: 8 pupils, 7 signed, none answered.
    Staff agreement: the SLT member signed. This term: in 4 Ash one family withdrew website consent and one changed
    website consent to yes; a withdrawal before the term does not count."""
    w = World()
    w.school = school
    w.year, w.term = this_year(school)
    w.pupil_agreement = pupil_agreement(school)
    w.staff_agreement = staff_agreement(school)
    w.version = published_form(school)
    w.codes = list(w.version.purposes.values_list("code", flat=True))
    w.oak = pupil.school_class
    w.ash = factories.SchoolClassFactory(
        school=school,
        academic_year=w.oak.academic_year,
        name="4 Ash",
        year_group=factories.YearGroupFactory(school=school, code="Y4", order=4),
    )
    w.elm = factories.SchoolClassFactory(
        school=school,
        academic_year=w.oak.academic_year,
        name="5 Elm",
        year_group=factories.YearGroupFactory(school=school, code="Y5", order=5),
    )
    SignatureRequest.objects.create(
        agreement=w.pupil_agreement,
        school=school,
        academic_year=w.year,
        pupil=pupil,
        status=SignatureRequest.Status.COMPLETED,
    )
    link = factories.PupilGuardianFactory(pupil=pupil)
    _response(w.version, pupil, link.guardian, w.year, dict.fromkeys(w.codes, True))
    w.pupils = [pupil]
    w.pupils += add_pupils(w, w.oak, 4, signed=2, answered_yes=1)
    w.ash_pupils = add_pupils(w, w.ash, 6, signed=6, answered_yes=4, answered_no=2)
    w.pupils += w.ash_pupils
    w.pupils += add_pupils(w, w.elm, 8, signed=7)
    SignatureRequest.objects.create(
        agreement=w.staff_agreement,
        school=school,
        academic_year=w.year,
        user=slt,
        status=SignatureRequest.Status.COMPLETED,
    )
    # Changes: the first (yes) family of 4 Ash withdraws website consent; a "no" family changes it to yes.
    first, changer = w.ash_pupils[0], w.ash_pupils[4]
    w.withdrawing = _guardian(first)
    w.changing = _guardian(changer)
    _response(w.version, first, w.withdrawing, w.year, {WEBSITE: False}, kind=ConsentResponse.Kind.WITHDRAWAL)
    _response(w.version, changer, w.changing, w.year, {WEBSITE: True}, kind=ConsentResponse.Kind.CHANGE)
    before_term = timezone.make_aware(
        datetime.datetime.combine(w.term.starts_on - datetime.timedelta(days=3), datetime.time(12))
    )
    _response(
        w.version,
        w.ash_pupils[1],
        _guardian(w.ash_pupils[1]),
        w.year,
        {WEBSITE: False},
        kind=ConsentResponse.Kind.WITHDRAWAL,
        when=before_term,
    )
    return w


def _guardian(pupil):
    from safeguard.directory.models import PupilGuardian

    return PupilGuardian.objects.filter(pupil=pupil).select_related("guardian").get().guardian


def _url(name, *args):
    return reverse(f"reports:{name}", args=args)


def _login(client, user):
    """Sign in; the staff agreement of the fixture is taken as signed (the sign-in gate is tested in ``aup``)."""
    client.force_login(user)
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True
    session.save()


def _get(client, user, url):
    _login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _row(html, table_id, label):
    """The cells (text, tags stripped) of the row of ``table_id`` whose first cell is ``label``."""
    table = re.search(rf'<table[^>]*id="table-{re.escape(table_id)}".*?</table>', html, re.S).group(0)
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} in {table_id}")


def _names(world):
    """Each pupil's full and display names (a single first name could also be a member of staff's, shown in the
    navigation as "Sign out (Thomas)")."""
    for pupil in world.pupils:
        yield f"{pupil.legal_first_name} {pupil.legal_last_name}"
        yield pupil.display_name


# Figures ------------------------------------------------------------------------------------------------------------


def test_the_figures_equal_the_counts_made_directly(world):
    now = timezone.now()
    found = {item.agreement.pk: item for item in selectors.agreement_coverage(school=world.school, now=now)}
    assert set(found) == {world.pupil_agreement.pk, world.staff_agreement.pk}
    pupils = found[world.pupil_agreement.pk]
    direct = {
        school_class.name: (
            school_class.pupils.count(),
            SignatureRequest.objects.filter(
                agreement=world.pupil_agreement, pupil__school_class=school_class, status="completed"
            ).count(),
        )
        for school_class in (world.oak, world.ash, world.elm)
    }
    assert direct == {"3 Oak": (5, 3), "4 Ash": (6, 6), "5 Elm": (8, 7)}
    assert {row.label: (row.total, row.completed) for row in pupils.rows} == direct
    assert (pupils.total.total, pupils.total.completed) == (19, 16)
    staff = found[world.staff_agreement.pk]
    roles = StaffRole.objects.filter(school=world.school).exclude(role=Role.GOVERNOR)
    assert staff.total.total == roles.values("user").distinct().count() and staff.total.completed == 1
    assert staff.rows == coverage_summary(agreement=world.staff_agreement, school=world.school, now=now)["groups"][0][1]

    consent = selectors.consent_coverage(school=world.school, now=now)
    assert {row.label: (row.total, row.answered) for row in consent.classes} == {
        "3 Oak": (5, 2),
        "4 Ash": (6, 6),
        "5 Elm": (8, 0),
    }
    page = selectors_forms.coverage(school=world.school, now=now)  # the consent coverage page says the same
    assert [(str(row.label), row.complete) for row in page["classes"]] == [
        (row.label, row.answered) for row in consent.classes
    ]
    by_code = {row.code: row for row in consent.purposes}
    # Yes to everything: 2 in 3 Oak and 4 in 4 Ash; one of those withdrew website consent, a "no" family changed it.
    assert by_code[WEBSITE].consented == 6 and by_code[WEBSITE].total == 19
    assert all(row.consented == 6 for code, row in by_code.items() if code != WEBSITE)

    period = selectors.current_periods([world.school], now=now)[world.school.pk]
    assert period.term == world.term and period.starts_on == world.term.starts_on
    changes = selectors.consent_changes(school=world.school, period=period, labels={WEBSITE: "Website"})
    assert changes.totals == {"change": 1, "withdrawal": 1}
    assert sum(changes.by_week.values()) == 2
    assert changes.weeks[0] <= period.starts_on and changes.weeks[-1] <= period.today == world.school.today()
    assert changes.purposes == [(WEBSITE, "Website", {"to_yes": 1, "to_no": 0, "withdrawn": 1})]


def test_slt_see_exact_figures_linking_to_the_lists(client, world, slt):
    html = _get(client, slt, _url("coverage_dashboard", world.school.slug))
    table = "agreement-1"  # the pupil agreement comes first
    assert _row(html, table, "3 Oak") == ["3 Oak", "5", "3", "60%"]
    assert _row(html, table, "4 Ash") == ["4 Ash", "6", "6", "100%"]
    assert _row(html, table, "Everyone asked") == ["Everyone asked", "19", "16", "84%"]
    assert _row(html, "consent", "3 Oak") == ["3 Oak", "5", "2", "40%"]
    assert _row(html, "changes", "This term")[1:] == ["1", "1"]
    coverage = reverse("aup:coverage", args=[world.school.slug, world.pupil_agreement.public_id])
    assert f'href="{coverage}?school_class={world.oak.pk}&amp;status=completed"' in html
    assert f'href="{reverse("consent:coverage", args=[world.school.slug])}"' in html
    assert f"{reverse('consent:class_grid', args=[world.school.slug])}?school_class=&amp;purpose={WEBSITE}" in html
    assert 'id="chart-agreement-1-title"' in html and "<desc" in html and "#0072B2" in html  # Okabe–Ito blue
    assert FEWER not in html
    for name in _names(world):
        assert name not in html


def test_a_governor_sees_fewer_than_5_no_percentage_of_it_no_names_and_no_links(client, world, governor):
    html = _get(client, governor, _url("coverage_dashboard", world.school.slug))
    table = "agreement-1"
    assert _row(html, table, "3 Oak") == ["3 Oak", "5", FEWER, "—"]
    # 16 signed in all is shown, so one more class is withheld or 3 could be worked out: 16 − 7 − 6.
    assert _row(html, table, "4 Ash") == ["4 Ash", "6", NOT_SHOWN, "—"]
    assert _row(html, table, "5 Elm") == ["5 Elm", "8", "7", "88%"]
    assert _row(html, table, "Everyone asked") == ["Everyone asked", "19", "16", "84%"]
    assert _row(html, "consent", "3 Oak")[2:] == [FEWER, "—"]
    assert _row(html, "consent", "5 Elm")[2:] == ["0", "0%"]
    # One change and one withdrawal this term: the week's counts and the term's are hidden (no chart is drawn).
    assert _row(html, "changes", _row_label_with_changes(html))[1:] == [FEWER, FEWER]
    assert _row(html, "changes", "This term")[1:] == [FEWER, FEWER]
    assert 'id="chart-consent-changes-title"' not in html
    assert _row(html, "changes-by-question", "All questions")[1:] == [FEWER, "0", FEWER]
    assert reverse("aup:coverage", args=[world.school.slug, world.pupil_agreement.public_id]) not in html
    assert reverse("consent:coverage", args=[world.school.slug]) not in html
    assert reverse("consent:class_grid", args=[world.school.slug]) not in html
    for name in _names(world):
        assert name not in html


def _row_label_with_changes(html):
    """The label of the week row that has a hidden count."""
    table = re.search(r'<table[^>]*id="table-changes".*?</table>', html, re.S).group(0)
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        if FEWER in row:
            return re.sub(r"<[^>]+>", "", re.findall(r"<th[^>]*>(.*?)</th>", row, re.S)[0]).strip()
    raise AssertionError("no week with a hidden count")


def test_a_trust_admin_opens_a_schools_dashboard_with_counts_only(client, world, trust_admin):
    html = _get(client, trust_admin, _url("coverage_dashboard", world.school.slug))
    assert _row(html, "agreement-1", "3 Oak")[2] == FEWER
    for name in _names(world):
        assert name not in html


@pytest.fixture
def sister(trust):
    sister = factories.SchoolFactory(organisation=trust, name="Second Trust Academy", slug="second-academy")
    this_year(sister)
    for _ in range(4):
        factories.PupilFactory(school=sister)
    return sister


def test_the_trust_sees_its_schools_side_by_side_with_rates(client, world, sister, other_school, trust, trust_admin):
    html = _get(client, trust_admin, _url("trust_coverage_dashboard", trust.slug))
    demo = _row(html, "schools", world.school.name)
    assert demo[1] == "19"
    assert demo[2] == "84% (16 of 19)"  # pupil agreements
    assert demo[4] == "25% (1 of 4)"  # staff agreement: the SLT member of head, SLT, office and teacher
    assert demo[6] == "42%"  # 8 of 19 pupils answered every question
    assert demo[7] == "1 5.3 per 100" and demo[8] == "1 5.3 per 100"
    second = _row(html, "schools", sister.name)
    assert second[1] == "4" and second[2] == "—" and second[6] == "—"
    assert f'href="{_url("coverage_dashboard", world.school.slug)}"' in html
    assert f'href="{_url("coverage_dashboard", sister.slug)}"' in html
    assert other_school.name not in html
    for name in _names(world):
        assert name not in html
    # The trust admin may open the sister school's dashboard too.
    assert client.get(_url("coverage_dashboard", sister.slug)).status_code == 200


# The policy register ------------------------------------------------------------------------------------------------


@pytest.fixture
def policies(school, trust, head, sister):
    today = school.today()

    def policy(title, days, owner_school=school, **fields):
        return PolicyFactory(
            school=owner_school,
            title=title,
            next_review_on=today + datetime.timedelta(days=days) if days is not None else None,
            **fields,
        )

    policy("Behaviour", -10)
    policy("Attendance", -3)
    policy("Safeguarding", 12)
    policy("Curriculum", 200)
    reviewed = policy("Charging", -40)
    PolicyReview.objects.create(policy=reviewed, status=PolicyReview.Status.IN_REVIEW)
    policy("Uniform", None)
    policy("Sister behaviour", -1, owner_school=sister)
    PolicyFactory(
        school=None, organisation=trust, title="Trust complaints", next_review_on=today + datetime.timedelta(days=400)
    )
    return Policy.objects.all()


def test_the_policy_dashboard_counts_the_register(client, school, governor, policies):
    html = _get(client, governor, _url("policies_dashboard", school.slug))
    # The school's own six and the trust's one; the sister school's is not here.
    assert _row(html, "policies", "Overdue")[1] == "2"
    assert _row(html, "policies", "Due within 30 days")[1] == "1"
    assert _row(html, "policies", "In review")[1] == "1"
    assert _row(html, "policies", "Up to date")[1] == "2"
    assert _row(html, "policies", "Not scheduled")[1] == "1"
    assert _row(html, "policies", "All policies")[1] == "7"
    assert f'href="{reverse("aup:register", args=[school.slug])}?status=overdue"' in html
    assert 'id="chart-policies-title"' in html


def test_the_trust_policy_dashboard_puts_the_schools_side_by_side(client, school, sister, trust, trust_admin, policies):
    html = _get(client, trust_admin, _url("trust_policies_dashboard", trust.slug))
    assert _row(html, "policies", school.name)[1:] == ["2", "1", "1", "1", "1", "6"]
    assert _row(html, "policies", sister.name)[1:] == ["1", "0", "0", "0", "0", "1"]
    assert _row(html, "policies", "Whole-trust policies")[1:] == ["0", "0", "0", "1", "0", "1"]
    assert _row(html, "policies", "All schools")[1:] == ["3", "1", "1", "2", "1", "8"]
    assert f'href="{reverse("aup:register", args=[sister.slug])}?status=overdue"' in html
    assert f"{reverse('aup:register_trust', args=[trust.slug])}?school=~trust&amp;status=up_to_date" in html
    assert 'id="chart-trust-policies-title"' in html


# Queries ------------------------------------------------------------------------------------------------------------


def _queries(client, user, url):
    _login(client, user)
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["slt", "governor"])
def test_the_school_dashboard_makes_as_many_queries_for_60_pupils_as_for_10(client, request, world, persona):
    user = request.getfixturevalue(persona)
    url = _url("coverage_dashboard", world.school.slug)
    few = _queries(client, user, url)
    for school_class in (world.oak, world.ash, world.elm):
        add_pupils(world, school_class, 14, signed=9, answered_yes=5, answered_no=3)
    many = _queries(client, user, url)
    assert many == few


def test_the_trust_dashboard_makes_as_many_queries_for_60_pupils_as_for_10(client, world, sister, trust, trust_admin):
    url = _url("trust_coverage_dashboard", trust.slug)
    few = _queries(client, trust_admin, url)
    add_pupils(world, world.ash, 42, signed=20, answered_yes=10, answered_no=10)
    assert _queries(client, trust_admin, url) == few


# Who may open which page --------------------------------------------------------------------------------------------

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


def _expect(allowed):
    return {role: (200 if role in allowed else 404) for role in ROLES} | {"anonymous": "login"}


MATRIX = [
    ("reports:coverage_dashboard", "school", _expect(["slt", "head", "governor", "trust_admin"])),
    ("reports:policies_dashboard", "school", _expect(["slt", "head", "governor", "trust_admin"])),
    ("reports:trust_coverage_dashboard", "trust", _expect(["trust_admin"])),
    ("reports:trust_policies_dashboard", "trust", _expect(["trust_admin"])),
]
CASES = [(name, variant, role) for name, variant, _e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("name", "variant", "role"), CASES, ids=[f"{n}-{r}" for n, _v, r in CASES])
def test_every_url_for_every_persona(client, request, world, trust, name, variant, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    expected = next(e for n, _v, e in MATRIX if n == name)[role]
    if user is not None:
        _login(client, user)
    url = reverse(name, args=[world.school.slug if variant == "school" else trust.slug])
    response = client.get(url)
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, f"{role} {url}"
    assert client.post(url).status_code in (302, 405)  # read-only pages


def test_another_schools_dashboard_looks_missing(client, world, other_school, slt, other_school_dsl):
    _login(client, slt)
    assert client.get(_url("coverage_dashboard", other_school.slug)).status_code == 404
    assert client.get(_url("coverage_dashboard", "no-such-school")).status_code == 404
    assert client.get(_url("trust_coverage_dashboard", "no-such-trust")).status_code == 404
