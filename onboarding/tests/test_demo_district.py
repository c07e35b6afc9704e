"""The US district in the demo (issue 13: "`load_demo` adds a small US district beside the English trust and the
Turkish school"): three campuses with their grades, principals who read American English, the district admin's
campuses side by side, coverage per campus, a written objection that reads "no", and a second load that changes
nothing."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from aup.models import Agreement, Policy, Signature, SignatureRequest
from consent.models import ConsentForm, ConsentPurpose, ConsentResponse
from consent.selectors import effective_answers
from onboarding import demo_content
from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import (
    AcademicYear,
    Guardian,
    Organisation,
    Pupil,
    PupilGuardian,
    Role,
    SchoolClass,
    StaffRole,
    Term,
)

CAMPUSES = {
    "demo-elementary-school": ("principal.elementary@demo.test", ["K", "1", "2", "3", "4", "5"]),
    "demo-middle-school": ("principal.middle@demo.test", ["6", "7", "8"]),
    "demo-high-school": ("principal.high@demo.test", ["9", "10", "11", "12"]),
}


@pytest.fixture
def loaded(full_demo):
    """What ``manage.py load_demo`` printed; the whole demo is loaded once for every demo test (``full_demo`` in the
    root conftest)."""
    return full_demo


def _sign_in(client, email):
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": demo.DEFAULT_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    return response


def _district():
    return Organisation.objects.get(slug="demo-usd")


def test_the_district_has_three_campuses_with_their_grades_semesters_and_people(loaded):
    district = _district()
    assert district.name == "Demo Unified School District"
    assert district.kind == Organisation.Kind.DISTRICT
    schools = {school.slug: school for school in district.schools.all()}
    assert set(schools) == set(CAMPUSES)
    for slug, (principal, grades) in CAMPUSES.items():
        school = schools[slug]
        assert school.country == "united_states"
        assert school.time_zone == "America/Chicago"
        assert list(school.year_groups.order_by("order").values_list("code", flat=True)) == grades
        year = AcademicYear.objects.get(school=school, starts_on__lte=school.today(), ends_on__gte=school.today())
        semesters = list(year.terms.order_by("starts_on").values_list("kind", "starts_on", "ends_on"))
        assert [kind for kind, _s, _e in semesters] == [Term.Kind.SEMESTER_1, Term.Kind.SEMESTER_2]
        assert semesters[0][1].month == 8 and semesters[0][2].month == 12
        assert semesters[1][1].month == 1 and semesters[1][2].month == 5
        assert StaffRole.objects.current().filter(school=school, role=Role.HEADTEACHER, user__email=principal).exists()
        classes = SchoolClass.objects.filter(school=school, academic_year=year)
        assert classes.count() == len(grades)
        assert all(school_class.teachers.count() == 1 for school_class in classes)
        students = Pupil.objects.filter(school=school)
        assert 20 <= students.count() <= 40
        assert not students.exclude(upn="").exists()  # no UK pupil numbers in a US school
        guardians = Guardian.objects.filter(school=school)
        assert guardians.filter(email__endswith=".test").count() == guardians.exclude(email="").count()
        assert all(
            re.fullmatch(r"\d{3}-555-01\d\d", p) for p in guardians.exclude(phone="").values_list("phone", flat=True)
        )
        # Some students have two parents with parental responsibility.
        two = (
            PupilGuardian.objects.current()
            .filter(pupil__school=school, has_parental_responsibility=True)
            .values("pupil_id")
            .order_by()
        )
        assert len(list(two)) > students.count()
    parent = Guardian.objects.get(email="parent.us@demo.test")
    assert parent.user.email == "parent.us@demo.test"
    assert parent.pupil_links.get().pupil.school.slug == "demo-elementary-school"


def test_each_principal_signs_in_to_their_campus_home_in_american_english(client, loaded):
    for slug, (principal, _grades) in CAMPUSES.items():
        client.logout()
        response = _sign_in(client, principal)
        assert response.redirect_chain[-1][0] == f"/school/{slug}/"
        page = response.content.decode()
        assert response["Content-Language"] == "en-us"
        assert "Principal" in page
        assert "Headteacher" not in page
        roster = client.get(reverse("directory:pupil_list", args=[slug])).content.decode()
        assert "Grade" in roster and "Students" in roster
        assert "Year group" not in roster and "Pupils" not in roster


def test_the_district_admin_sees_the_three_campuses_side_by_side(client, loaded):
    response = _sign_in(client, "district@demo.test")
    assert response.redirect_chain[-1][0] == "/trust/demo-usd/"
    page = response.content.decode()
    for name in ("Demo Elementary School", "Demo Middle School", "Demo High School"):
        assert name in page


def test_coverage_per_campus_shows_figures(client, loaded):
    district = _district()
    policy = Policy.objects.get(organisation=district)
    assert policy.school is None and policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR
    assert set(Agreement.objects.filter(version__policy=policy).values_list("audience", flat=True)) == {
        "pupil",
        "parent",
        "staff",
    }
    for slug in CAMPUSES:
        signed = Signature.objects.filter(request__school__slug=slug)
        assert signed.filter(party="pupil").exists() and signed.filter(party="parent").exists()
        assert signed.filter(party="signer").exists()
        assert SignatureRequest.objects.filter(school__slug=slug, status=SignatureRequest.Status.PENDING).exists() or (
            SignatureRequest.objects.filter(school__slug=slug).exclude(status="completed").exists()
        )
    _sign_in(client, "district@demo.test")
    page = client.get(reverse("reports:trust_coverage_dashboard", args=["demo-usd"])).content.decode()
    for name in ("Demo Elementary School", "Demo Middle School", "Demo High School"):
        assert name in page
    assert re.search(r"\d+\s*%", page), "no percentages on the district's coverage page"


def test_the_written_objection_reads_no_and_silence_reads_yes(client, loaded):
    pupil = demo_content.objecting_pupil()
    assert pupil is not None and pupil.school.slug == "demo-elementary-school"
    response = ConsentResponse.objects.get(pupil=pupil)
    assert response.method == ConsentResponse.Method.PAPER and response.recorded_by.email == "office.us@demo.test"
    form = ConsentForm.objects.get(school=pupil.school)
    purposes = form.versions.get(status="published").purposes.all()
    assert {purpose.if_unanswered for purpose in purposes} == {ConsentPurpose.IfUnanswered.OPT_OUT}

    _purposes, decisions = effective_answers(school=pupil.school, pupils=[pupil])
    assert decisions[pupil.pk]["images_website"].allowed is False
    assert decisions[pupil.pk]["images_local_press"].allowed is True  # not objected to: opt-out means yes
    silent = Pupil.objects.filter(school=pupil.school, consent_responses__isnull=True).exclude(pk=pupil.pk).first()
    _purposes, decisions = effective_answers(school=pupil.school, pupils=[silent])
    assert decisions[silent.pk]["images_website"].allowed is True

    _sign_in(client, "office.us@demo.test")
    url = reverse("consent:may_i", args=[pupil.school.slug])
    query = {"name": pupil.legal_last_name, "purpose": "images_website", "pupil": str(pupil.public_id)}
    page = client.get(url, query).content.decode()
    rows = re.findall(r'<li class="list-group-item[^"]*list-group-item-(success|danger)">(.*?)</li>', page, re.S)
    assert len(rows) == 1, page
    colour, row = rows[0]
    assert colour == "danger" and pupil.display_name in row
    answer = re.search(r'class="may-i-answer[^"]*">\s*([^<]*)<', row).group(1)
    assert answer.strip().startswith("No"), answer


def test_load_demo_prints_the_district_accounts(loaded):
    for email in (
        "district@demo.test",
        "principal.elementary@demo.test",
        "principal.middle@demo.test",
        "principal.high@demo.test",
        "office.us@demo.test",
        "parent.us@demo.test",
        "student.us@demo.test",
    ):
        assert email in loaded.output
    # Its speed (about 4 s on an idle laptop) is not asserted: timings belong to the benchmark scripts.
    assert loaded.parts["onboarding"].queued == []


def test_loading_the_district_twice_changes_nothing(loaded):
    models = (User, Pupil, Guardian, PupilGuardian, SchoolClass, Signature, SignatureRequest, ConsentResponse)
    before = {model.__name__: model.objects.count() for model in models}
    lines = demo_content.load()
    call_command("load_demo", stdout=io.StringIO())
    assert {model.__name__: model.objects.count() for model in models} == before
    assert lines[-1] == "Created this run (US district): nothing."


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("office.us@demo.test", "/school/demo-elementary-school/"),
        ("parent.us@demo.test", "/parent/"),
        ("student.us@demo.test", "/student/"),
    ],
)
def test_the_office_and_the_parent_sign_in_and_land_home(client, loaded, email, landing):
    response = _sign_in(client, email)
    assert response.redirect_chain[-1][0] == landing
    if email == "parent.us@demo.test":
        child = Guardian.objects.get(email=email).pupil_links.get().pupil
        assert child.display_name in response.content.decode()
    if email == "student.us@demo.test":
        student = Pupil.objects.get(user__email=email)
        assert student.school.slug == "demo-high-school"
        assert "Acceptable" in response.content.decode(), "their own agreement waits for them"
