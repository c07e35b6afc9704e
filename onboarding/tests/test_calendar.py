"""School set-up by the head or office: years and terms, year groups, classes, roll-over (issue 13 item 3)."""

import datetime

import pytest
from django.urls import reverse

from onboarding.models import YearRollOver
from onboarding.services import calendar as services
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, Pupil, SchoolClass, Term, YearGroup
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def _year(school, actor, preset="england", start=2026):
    values = services.academic_year_preset(preset, start)
    return services.academic_year_create(actor=actor, school=school, **values)


def test_english_preset_gives_three_terms_and_the_us_preset_two_semesters(school, head):
    year = _year(school, head)
    assert (year.name, year.starts_on, year.ends_on) == ("2026/27", D(2026, 9, 1), D(2027, 8, 31))
    assert list(year.terms.values_list("kind", flat=True)) == ["autumn", "spring", "summer"]
    us = services.academic_year_preset("united_states", 2027)
    assert [kind for kind, _s, _e in us["terms"]] == [Term.Kind.SEMESTER_1, Term.Kind.SEMESTER_2]
    event = AuditEvent.objects.get(action="onboarding.academic_year.created")
    assert event.actor == head and event.data["name"] == "2026/27"


def test_overlapping_years_and_terms_outside_the_year_are_refused(school, office):
    _year(school, office)
    with pytest.raises(DomainError):
        _year(school, office)  # the same year again: overlaps, changes nothing
    assert AcademicYear.objects.filter(school=school).count() == 1
    with pytest.raises(DomainError):
        services.academic_year_create(
            actor=office,
            school=school,
            name="2027/28",
            starts_on=D(2027, 9, 1),
            ends_on=D(2028, 8, 31),
            terms=[("autumn", D(2027, 8, 1), D(2027, 12, 20))],
        )


def test_teacher_and_governor_may_not_set_the_school_up(school, teacher, governor, other_school_dsl):
    for actor in (teacher, governor, other_school_dsl):
        with pytest.raises(PermissionError):
            _year(school, actor)
        with pytest.raises(PermissionError):
            services.year_groups_add_preset(actor=actor, school=school, preset="england_primary")


def test_year_group_preset_adds_what_is_missing_once(school, office):
    factories.YearGroupFactory(school=school, code="3", name="Year 3", order=3)
    created = services.year_groups_add_preset(actor=office, school=school, preset="england_primary")
    assert [group.code for group in created] == ["R", "1", "2", "4", "5", "6"]
    assert services.year_groups_add_preset(actor=office, school=school, preset="england_primary") == []
    assert AuditEvent.objects.filter(action="onboarding.year_groups.added").count() == 1


def test_us_and_turkish_presets(school, office):
    names = [name for _c, name, _o in services.YEAR_GROUP_PRESETS["us_k5"]["groups"]]
    assert names == ["Kindergarten", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5"]
    assert services.YEAR_GROUP_PRESETS["turkey_1_12"]["groups"][-1][1] == "12. Sınıf"


def test_class_with_teachers_and_a_repeat_changes_nothing(school, head, teacher):
    year = _year(school, head)
    group = factories.YearGroupFactory(school=school, code="1", name="Year 1", order=1)
    school_class, changed = services.school_class_save(
        actor=head, school=school, academic_year=year, year_group=group, name="1 Oak", teachers=[teacher]
    )
    assert changed and list(school_class.teachers.all()) == [teacher]
    _same, changed = services.school_class_save(
        actor=head,
        school=school,
        academic_year=year,
        year_group=group,
        name="1 Oak",
        teachers=[teacher],
        school_class=school_class,
    )
    assert not changed
    with pytest.raises(DomainError):
        services.school_class_save(
            actor=head, school=school, academic_year=year, year_group=group, name="1 Oak", teachers=[]
        )
    assert AuditEvent.objects.filter(action__startswith="onboarding.school_class.").count() == 1


def test_roll_over_copies_classes_moves_pupils_up_and_marks_leavers_once(school, head, teacher):
    old = _year(school, head, start=2025)
    new = _year(school, head, start=2026)
    five = factories.YearGroupFactory(school=school, code="5", name="Year 5", order=5)
    six = factories.YearGroupFactory(school=school, code="6", name="Year 6", order=6)
    oak = factories.SchoolClassFactory(school=school, academic_year=old, year_group=five, name="5 Oak")
    oak.teachers.add(teacher)
    ash = factories.SchoolClassFactory(school=school, academic_year=old, year_group=six, name="6 Ash")
    moving = factories.PupilFactory(school=school, year_group=five, school_class=oak)
    leaving = factories.PupilFactory(school=school, year_group=six, school_class=ash)
    gone = factories.PupilFactory(school=school, year_group=five, left_on=D(2026, 3, 1))

    done = services.year_roll_over(actor=head, school=school, from_year=old, to_year=new)

    assert done.summary == {"classes_copied": 2, "pupils_moved_up": 1, "pupils_left": 1}
    copied = SchoolClass.objects.get(academic_year=new, name="5 Oak")
    assert copied.year_group == five and list(copied.teachers.all()) == [teacher]
    moving.refresh_from_db()
    assert (moving.year_group, moving.school_class, moving.left_on) == (six, None, None)
    leaving.refresh_from_db()
    assert leaving.left_on == old.ends_on and leaving.year_group == six
    gone.refresh_from_db()
    assert gone.year_group == five, "a pupil who had left is not moved"
    assert moving.history.count() >= 2 and moving.history.first().history_user == head
    with pytest.raises(DomainError):
        services.year_roll_over(actor=head, school=school, from_year=old, to_year=new)
    moving.refresh_from_db()
    assert moving.year_group == six, "a repeat moves nobody again"
    assert YearRollOver.objects.count() == 1
    assert AuditEvent.objects.filter(action="onboarding.year.rolled_over").count() == 1


def test_set_up_pages(client, school, office, teacher):
    client.force_login(office)
    home = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    assert reverse("onboarding:setup_home", args=[school.slug]) in home
    page = client.get(reverse("onboarding:academic_year_add", args=[school.slug]) + "?preset=england&start=2026")
    assert page.status_code == 200 and "Autumn term starts on" in page.content.decode()
    assert 'value="2026-09-03"' in page.content.decode(), "a date picker shows only ISO dates"
    data = {
        "name": "2026/27",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
        "autumn_starts_on": "2026-09-03",
        "autumn_ends_on": "2026-12-18",
        "spring_starts_on": "2027-01-05",
        "spring_ends_on": "2027-03-26",
        "summer_starts_on": "2027-04-12",
        "summer_ends_on": "2027-07-21",
    }
    bad = client.post(
        reverse("onboarding:academic_year_add", args=[school.slug]), {**data, "summer_ends_on": "2027-09-30"}
    )
    assert "must start before it ends, within the academic year" in bad.content.decode()
    assert client.post(reverse("onboarding:academic_year_add", args=[school.slug]), data).status_code == 302
    year = AcademicYear.objects.get(school=school)
    assert year.terms.get(kind="autumn").ends_on == D(2026, 12, 18)
    client.post(reverse("onboarding:year_groups_add", args=[school.slug]), {"preset": "england_primary"})
    assert YearGroup.objects.filter(school=school).count() == 7
    reception = YearGroup.objects.get(school=school, code="R")
    response = client.post(
        reverse("onboarding:class_add", args=[school.slug]),
        {"name": "R Robins", "academic_year": year.pk, "year_group": reception.pk, "teachers": [teacher.pk]},
    )
    assert response.status_code == 302
    robins = SchoolClass.objects.get(name="R Robins")
    assert list(robins.teachers.all()) == [teacher]
    setup = client.get(reverse("onboarding:setup_home", args=[school.slug])).content.decode()
    assert "R Robins" in setup and teacher.full_name in setup and "Reception" in setup
    assert reverse("incidents:lessons", args=[school.slug]) in setup, "lessons and subjects are set up here too"
    edit = client.post(
        reverse("onboarding:class_edit", args=[school.slug, robins.pk]),
        {"name": "R Robins", "academic_year": year.pk, "year_group": reception.pk, "teachers": [99999999999999999999]},
    )
    assert edit.status_code == 200, "an impossible teacher id is a form error, not a server error"
    assert Pupil.objects.count() == 0


@pytest.mark.parametrize("pupils", [3, 30])
def test_roll_over_takes_as_many_queries_for_30_pupils_as_for_3(school, head, pupils, django_assert_max_num_queries):
    old = _year(school, head, start=2025)
    new = _year(school, head, start=2026)
    groups = [factories.YearGroupFactory(school=school, code=str(n), name=f"Year {n}", order=n) for n in (5, 6)]
    for number in range(pupils):
        factories.PupilFactory(school=school, year_group=groups[number % 2])
    with django_assert_max_num_queries(20):
        done = services.year_roll_over(actor=head, school=school, from_year=old, to_year=new)
    assert done.summary["pupils_moved_up"] + done.summary["pupils_left"] == pupils


def test_editing_a_year_moves_its_term_dates_and_a_repeat_changes_nothing(client, school, head, other_school):
    year = _year(school, head)
    values = services.academic_year_preset("england", 2026)
    terms = [(kind, starts, ends) for kind, starts, ends in values["terms"]]
    terms[0] = ("autumn", D(2026, 9, 4), D(2026, 12, 18))
    kwargs = {"name": "2026/27", "starts_on": values["starts_on"], "ends_on": values["ends_on"], "terms": terms}
    assert services.academic_year_update(actor=head, year=year, **kwargs) == ["autumn"]
    assert services.academic_year_update(actor=head, year=year, **kwargs) == []
    assert year.terms.get(kind="autumn").starts_on == D(2026, 9, 4)
    assert AuditEvent.objects.filter(action="onboarding.academic_year.updated").count() == 1
    client.force_login(head)
    page = client.get(reverse("onboarding:academic_year_edit", args=[school.slug, year.pk])).content.decode()
    assert 'value="2026-09-04"' in page
    theirs = AcademicYear.objects.create(school=other_school, name="x", starts_on=D(2026, 9, 1), ends_on=D(2027, 8, 31))
    assert client.get(reverse("onboarding:academic_year_edit", args=[school.slug, theirs.pk])).status_code == 404
