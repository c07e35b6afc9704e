"""Positive behaviour as staff meet it (issue 16 item 6): praise recorded the quick way for one pupil or several,
points on the pupil's page, another school's staff turned away, withdrawing that keeps the record and its history,
and the dashboard setting praise beside the incidents of the same period."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from achievements import defaults, services
from achievements.models import Achievement, AchievementCategory
from achievements.tests.factories import AchievementFactory, calendar_around_today, category
from incidents.tests.factories import IncidentFactory
from safeguard import datacache
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def classmate(pupil):
    return factories.PupilFactory(
        school=pupil.school,
        legal_first_name="Benedict",
        legal_last_name="Okonjo",
        school_class=pupil.school_class,
        year_group=pupil.year_group,
    )


@pytest.fixture
def class_teacher(teacher, pupil):
    pupil.school_class.teachers.add(teacher)
    return teacher


def _record_url(school):
    return reverse("achievements:record", args=[school.slug])


# Recording -----------------------------------------------------------------------------------------------------------


def test_every_school_starts_with_the_default_categories_once(school):
    codes = set(AchievementCategory.objects.filter(school=school).values_list("code", flat=True))
    assert codes == {code for code, *_rest in defaults.CATEGORIES}
    assert category(school, "certificate").default_points == 5
    assert defaults.load_defaults(school) == 0  # a repeat load adds nothing


def test_a_teacher_records_praise_for_two_pupils_at_once(client, class_teacher, pupil, classmate):
    client.force_login(class_teacher)
    page = client.get(_record_url(pupil.school)).content.decode()
    assert "Amara Whitfield — 3 Oak" in page and "Postcard home (3 points)" in page

    response = client.post(
        _record_url(pupil.school),
        {
            "pupils": [str(pupil.public_id), str(classmate.public_id)],
            "category": category(pupil.school, "postcard-home").pk,
            "note": "Helped a new classmate find their way all week.",
            "awarded_on": pupil.school.today().isoformat(),
        },
        follow=True,
    )

    assert "Praise recorded for 2 pupils." in response.content.decode()
    praise = Achievement.objects.filter(school=pupil.school).order_by("pupil__legal_last_name")
    assert [(a.pupil, a.points, a.recorded_by) for a in praise] == [
        (classmate, 3, class_teacher),
        (pupil, 3, class_teacher),
    ]
    events = AuditEvent.objects.filter(action="achievements.achievement.recorded")
    assert events.count() == 2 and all("Helped" not in str(event.data) for event in events)
    listing = client.get(reverse("achievements:list", args=[pupil.school.slug])).content.decode()
    assert "Amara Whitfield" in listing and "Benedict Okonjo" in listing


def test_the_form_says_what_is_missing_and_saves_nothing(client, office, school):
    client.force_login(office)
    page = client.post(_record_url(school), {"awarded_on": "not a date"}).content.decode()
    assert "There is a problem" in page
    assert "Choose at least one pupil." in page and "Choose what the praise is for." in page
    assert not Achievement.objects.exists()


def test_praise_cannot_be_dated_in_the_future(office, pupil):
    with pytest.raises(DomainError) as error:
        services.achievement_record(
            actor=office,
            school=pupil.school,
            pupils=[pupil],
            category=category(pupil.school),
            awarded_on=pupil.school.today() + datetime.timedelta(days=1),
        )
    assert error.value.code == "awarded_on"


def test_a_governor_may_not_record_praise(client, governor, pupil):
    with pytest.raises(PermissionError):
        services.achievement_record(
            actor=governor, school=pupil.school, pupils=[pupil], category=category(pupil.school)
        )
    client.force_login(governor)
    assert client.get(_record_url(pupil.school)).status_code == 404


def test_a_teacher_of_another_school_gets_not_found(client, pupil, other_school):
    elsewhere = factories.UserFactory()
    factories.StaffRoleFactory(user=elsewhere, school=other_school, role="teacher")
    praise = AchievementFactory(pupil=pupil)
    client.force_login(elsewhere)
    assert client.get(_record_url(pupil.school)).status_code == 404
    assert client.get(reverse("achievements:list", args=[pupil.school.slug])).status_code == 404
    # Another school's praise under their own school answers as a missing one does.
    detail = reverse("achievements:detail", args=[other_school.slug, praise.public_id])
    assert client.get(detail).status_code == 404
    withdraw = reverse("achievements:withdraw", args=[other_school.slug, praise.public_id])
    assert client.post(withdraw, {"reason": "mine now"}).status_code == 404
    # A pupil of another school cannot be praised through the form either.
    client.force_login(factories.StaffRoleFactory(school=pupil.school, role="teacher").user)
    response = client.post(
        _record_url(pupil.school),
        {
            "pupils": [str(factories.PupilFactory(school=other_school).public_id)],
            "category": category(pupil.school).pk,
            "awarded_on": pupil.school.today().isoformat(),
        },
    )
    assert response.status_code == 200 and Achievement.objects.count() == 1


# The pupil's page ----------------------------------------------------------------------------------------------------


def test_the_pupil_page_shows_points_this_term_and_this_year(client, class_teacher, pupil):
    year, term = calendar_around_today(pupil.school)
    today = pupil.school.today()
    AchievementFactory(pupil=pupil, category=category(pupil.school, "certificate"), points=5, note="Star of the week")
    AchievementFactory(pupil=pupil, points=2, awarded_on=term.starts_on - datetime.timedelta(days=5))  # last term
    AchievementFactory(pupil=pupil, points=4, awarded_on=year.starts_on - datetime.timedelta(days=1))  # last year
    AchievementFactory(pupil=pupil, points=3, withdrawn_at=datetime.datetime.now(datetime.UTC), withdraw_reason="x")
    assert today >= term.starts_on

    client.force_login(class_teacher)
    page = client.get(reverse("directory:pupil_detail", args=[pupil.school.slug, pupil.public_id])).content.decode()

    assert 'id="pupil-praise"' in page
    card = page[page.index('id="pupil-praise-points"') :]
    term_row, year_row = card.split("</dd>")[:2]
    assert "5 points" in term_row and "1 piece of praise" in term_row
    assert "7 points" in year_row and "2 pieces of praise" in year_row
    assert "Star of the week" in page
    assert "Record praise" in page


def test_office_staff_do_not_see_the_pupils_praise_card(client, office, pupil):
    AchievementFactory(pupil=pupil, note="Star of the week")
    client.force_login(office)
    page = client.get(reverse("directory:pupil_detail", args=[pupil.school.slug, pupil.public_id])).content.decode()
    assert 'id="pupil-praise"' not in page and "Star of the week" not in page


def test_staff_home_page_offers_record_praise(client, office, school):
    client.force_login(office)
    page = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    assert _record_url(school) in page and "Record praise" in page


# Withdrawing ---------------------------------------------------------------------------------------------------------


def test_withdrawing_keeps_the_praise_and_its_history(client, class_teacher, pupil):
    calendar_around_today(pupil.school)
    [praise] = services.achievement_record(
        actor=class_teacher, school=pupil.school, pupils=[pupil], category=category(pupil.school, "certificate")
    )
    client.force_login(class_teacher)
    url = reverse("achievements:withdraw", args=[pupil.school.slug, praise.public_id])

    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and "Say why this praise is being withdrawn." in empty.content.decode()

    response = client.post(url, {"reason": "Given to the wrong pupil."}, follow=True)
    page = response.content.decode()
    assert "The praise has been withdrawn." in page
    assert "Given to the wrong pupil." in page and "Recorded" in page

    praise.refresh_from_db()
    assert praise.withdrawn_at is not None and praise.withdrawn_by == class_teacher
    assert Achievement.objects.filter(pk=praise.pk).exists()  # never deleted
    assert [row.history_type for row in praise.history.order_by("history_date")] == ["+", "~"]
    assert AuditEvent.objects.filter(action="achievements.achievement.withdrawn", subject_id=str(praise.public_id))

    # It no longer counts on the pupil's page, and a second withdrawal changes nothing.
    detail = client.get(reverse("directory:pupil_detail", args=[pupil.school.slug, pupil.public_id])).content.decode()
    card = detail[detail.index('id="pupil-praise-points"') :]
    assert "0 points" in card.split("</dd>")[0]
    with pytest.raises(DomainError):
        services.achievement_withdraw(actor=class_teacher, achievement=praise, reason="again")
    assert praise.history.count() == 2


def test_only_the_giver_or_behaviour_managers_may_withdraw(client, teacher, slt, pupil):
    praise = AchievementFactory(pupil=pupil)
    praise.pupil.school_class.teachers.add(teacher)  # the teacher reads it, but did not give it
    client.force_login(teacher)
    url = reverse("achievements:withdraw", args=[pupil.school.slug, praise.public_id])
    assert client.post(url, {"reason": "not mine"}).status_code == 404
    client.force_login(slt)
    assert client.post(url, {"reason": "Recorded twice."}).status_code == 302
    praise.refresh_from_db()
    assert praise.withdraw_reason == "Recorded twice."


# The dashboard -------------------------------------------------------------------------------------------------------


def _dashboard(client, school, **query):
    params = {"date_from": (school.today() - datetime.timedelta(days=30)).isoformat()}
    params["date_to"] = school.today().isoformat()
    params.update(query)
    return client.get(reverse("reports:incident_dashboard", args=[school.slug]), params)


def test_the_dashboard_shows_praise_beside_incidents(client, slt, pupil, classmate):
    school = pupil.school
    IncidentFactory(school=school, pupils=[pupil])
    AchievementFactory(pupil=pupil, category=category(school, "postcard-home"), points=3)
    AchievementFactory(pupil=classmate, points=1)
    AchievementFactory(pupil=classmate, points=1)
    AchievementFactory(pupil=classmate, points=9, withdrawn_at=datetime.datetime.now(datetime.UTC), withdraw_reason="x")
    AchievementFactory(pupil=pupil, points=1, awarded_on=school.today() - datetime.timedelta(days=90))  # outside

    client.force_login(slt)
    response = _dashboard(client, school)
    section = response.content.decode()
    section = section[section.index('id="figure-positives"') :]
    section = section[: section.index("</section>")]
    assert "Praise beside incidents" in section
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1]: row for row in section.split("<tr")[1:]}
    assert ">1<" in rows["Incidents"].replace("</a>", "<")
    assert ">3<" in rows["Praise given"].replace("</a>", "<")
    assert ">5<" in rows["Achievement points"].replace("</a>", "<")
    assert ">2<" in rows["Pupils praised"]
    assert "3.0" in rows["Praise for each incident"]
    assert "Postcard home" in section and "Effort" in section

    # The dashboard's pupil filters narrow the praise as they narrow the incidents.
    other_year = factories.YearGroupFactory(school=school, code="Y5", name="Year 5")
    filtered = _dashboard(client, school, year_group=other_year.code).content.decode()
    filtered = filtered[filtered.index('id="figure-positives"') :]
    assert "No praise in this period." in filtered[: filtered.index("</section>")]


def test_the_dashboard_csv_has_the_praise_table(client, slt, pupil):
    AchievementFactory(pupil=pupil, points=2)
    client.force_login(slt)
    url = reverse("reports:incident_dashboard_csv", args=[pupil.school.slug])
    response = client.get(url, {"view": "positives"})
    body = response.content.decode("utf-8-sig")
    assert "Praise given" in body and "Achievement points" in body


def test_praise_adds_no_query_per_year_group_or_category(client, slt, school):
    def count_queries():
        datacache.forget_all()  # the incident figures counted afresh both times, as praise always is
        client.force_login(slt)
        with CaptureQueriesContext(connection) as queries:
            assert _dashboard(client, school).status_code == 200
        return len(queries)

    factories.PupilFactory(school=school)
    AchievementFactory(pupil=factories.PupilFactory(school=school))
    count_queries()  # the first request of the process fills caches of its own (content types, translations)
    few = count_queries()
    for _index in range(6):
        year = factories.YearGroupFactory(school=school)
        for code in ("effort", "certificate", "kindness", "attendance"):
            AchievementFactory(
                pupil=factories.PupilFactory(school=school, year_group=year), category=category(school, code)
            )
    assert count_queries() == few


def test_record_praise_from_the_pupil_page_ticks_the_pupil(client, class_teacher, pupil, classmate):
    client.force_login(class_teacher)
    page = client.get(_record_url(pupil.school), {"pupil": str(pupil.public_id)}).content.decode()
    ticked = [tag for tag in page.split("<input") if 'name="pupils"' in tag and "checked" in tag]
    assert len(ticked) == 1 and str(pupil.public_id) in ticked[0]


def test_the_trust_sees_praise_counts_but_no_pupil(client, trust_admin, pupil):
    AchievementFactory(pupil=pupil, points=2)
    client.force_login(trust_admin)
    url = reverse("reports:trust_school_dashboard", args=[pupil.school.organisation.slug, pupil.school.slug])
    page = client.get(url).content.decode()
    section = page[page.index('id="figure-positives"') :]
    section = section[: section.index("</section>")]
    assert "Praise given" in section and pupil.legal_first_name not in section
    assert reverse("achievements:list", args=[pupil.school.slug]) not in section


def test_the_list_makes_as_many_queries_for_30_praise_as_for_3(client, slt, school):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("achievements:list", args=[school.slug]))
        assert response.status_code == 200
        return len(queries), response.content.decode().count('href="/school/')

    client.force_login(slt)
    for _index in range(3):
        AchievementFactory(pupil=factories.PupilFactory(school=school))
    count_queries()  # the process's first request fills caches of its own
    few, _links = count_queries()
    for _index in range(27):
        year = factories.YearGroupFactory(school=school)
        school_class = factories.SchoolClassFactory(school=school, year_group=year)
        AchievementFactory(pupil=factories.PupilFactory(school=school, school_class=school_class, year_group=year))
    many, _links = count_queries()
    assert many == few
