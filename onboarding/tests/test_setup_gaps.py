"""Issue 13's remaining set-up gaps: half-terms and other breaks, removing a term, renaming and removing a year
group, renaming a member of staff and changing their job title, ending a trust or district administrator's role."""

import datetime

import pytest
from django.urls import reverse

from onboarding.services import calendar as services
from onboarding.services.people import staff_member_update
from onboarding.services.schools import organisation_admin_end, organisation_admin_invite
from safeguard.audit.labels import audit_label
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.calendar import school_days_between
from safeguard.directory.models import OrganisationRole, StaffRole, Term, TermBreak, YearGroup
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def _english_year(school, actor, start=2026):
    return services.academic_year_create(actor=actor, school=school, **services.academic_year_preset("england", start))


def _messages(response):
    return " ".join(str(message) for message in response.context["messages"])


# Half-terms ----------------------------------------------------------------------------------------------------------


def test_the_english_preset_offers_three_half_terms_and_the_academic_year_page_shows_them(client, school, office):
    client.force_login(office)
    add = reverse("onboarding:academic_year_add", args=[school.slug]) + "?preset=england&start=2026"
    page = client.get(add).content.decode()
    assert "Autumn half-term: first day off" in page and 'value="2026-10-26"' in page
    assert 'value="2027-02-15"' in page and 'value="2027-05-31"' in page
    form = {
        "name": "2026/27",
        "starts_on": "2026-09-01",
        "ends_on": "2027-08-31",
        **{
            f"{kind}_{edge}": value
            for kind, edge, value in (
                ("autumn", "starts_on", "2026-09-03"),
                ("autumn", "ends_on", "2026-12-18"),
                ("spring", "starts_on", "2027-01-05"),
                ("spring", "ends_on", "2027-03-26"),
                ("summer", "starts_on", "2027-04-12"),
                ("summer", "ends_on", "2027-07-21"),
            )
        },  # fmt: skip
        "break_0_starts_on": "2026-10-26",
        "break_0_ends_on": "2026-10-30",
        "break_1_starts_on": "2027-02-15",
        "break_1_ends_on": "",  # one day only: refused, both or neither
        "break_2_starts_on": "",
        "break_2_ends_on": "",
    }
    assert "Give both days, or neither" in client.post(add, form).content.decode()
    form["break_1_ends_on"] = "2027-02-19"
    assert client.post(add, form).status_code == 302
    year = school.academic_years.get()
    assert list(year.breaks.values_list("name", "starts_on", "ends_on")) == [
        ("Autumn half-term", D(2026, 10, 26), D(2026, 10, 30)),
        ("Spring half-term", D(2027, 2, 15), D(2027, 2, 19)),
    ], "the summer half-term was left out"
    setup = client.get(reverse("onboarding:setup_home", args=[school.slug])).content.decode()
    assert "Autumn half-term: 26 Oct 2026 – 30 Oct 2026" in setup
    year_page = client.get(reverse("onboarding:academic_year_edit", args=[school.slug, year.pk])).content.decode()
    assert "Half-terms and other breaks" in year_page and "Spring half-term" in year_page
    assert reverse("onboarding:term_break_add", args=[school.slug, year.pk]) in year_page


def test_a_break_is_added_changed_and_removed_from_the_academic_year_page(client, school, head):
    year = _english_year(school, head)
    client.force_login(head)
    add = reverse("onboarding:term_break_add", args=[school.slug, year.pk])
    data = {"kind": "closure", "name": "Training day", "starts_on": "2026-11-06", "ends_on": "2026-11-06"}
    response = client.post(add, data, follow=True)
    assert "Training day has been saved." in _messages(response)
    assert "Training day" in response.content.decode() and "6 Nov 2026" in response.content.decode()
    training = TermBreak.objects.get(name="Training day")
    assert school_days_between(school, D(2026, 11, 5), D(2026, 11, 9)) == 1, "Friday off: only Monday counts"

    overlapping = client.post(add, {**data, "name": "Extra", "starts_on": "2026-10-30", "ends_on": "2026-11-02"})
    assert "Extra overlaps another break." in overlapping.content.decode()
    outside = client.post(add, {**data, "starts_on": "2027-09-06", "ends_on": "2027-09-06"})
    assert "within the academic year" in outside.content.decode()

    edit = reverse("onboarding:term_break_edit", args=[school.slug, year.pk, training.pk])
    moved = {**data, "starts_on": "2026-11-09", "ends_on": "2026-11-09"}
    assert "Training day has been saved." in _messages(client.post(edit, moved, follow=True))
    assert "Nothing was changed." in _messages(client.post(edit, moved, follow=True))
    training.refresh_from_db()
    assert training.starts_on == D(2026, 11, 9)

    remove = reverse("onboarding:term_break_remove", args=[school.slug, year.pk, training.pk])
    response = client.post(remove, follow=True)
    assert "Training day has been removed." in _messages(response)
    assert "Training day" not in response.content.decode().split("Half-terms and other breaks")[1]
    assert client.post(remove).status_code == 404, "a removed break is gone for the school"
    assert TermBreak.all_objects.get(pk=training.pk).removed_at is not None, "kept, not deleted"
    assert [row.history_type for row in TermBreak.all_objects.get(pk=training.pk).history.order_by("history_date")] == [
        "+",
        "~",
        "~",
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="onboarding.term_break").values_list("action", flat=True)
    )
    assert actions.count("onboarding.term_break.added") == 1 and "onboarding.term_break.removed" in actions
    assert actions.count("onboarding.term_break.updated") == 1, "the repeat changed nothing"
    assert str(audit_label("onboarding.term_break.removed")) == "Removed a half-term or other break"


def test_a_term_is_removed_but_never_the_last_one(client, school, office, other_school):
    year = _english_year(school, office)
    client.force_login(office)
    summer = year.terms.get(kind="summer")
    remove = reverse("onboarding:term_remove", args=[school.slug, year.pk, summer.pk])
    page = client.post(remove, follow=True)
    assert "Summer term has been removed." in _messages(page)
    assert list(year.terms.values_list("kind", flat=True)) == ["autumn", "spring"]
    assert Term.all_objects.filter(academic_year=year).count() == 3
    assert school_days_between(school, D(2027, 5, 7), D(2027, 5, 14)) == 0
    event = AuditEvent.objects.get(action="onboarding.term.removed")
    assert event.actor == office and event.data["kind"] == "summer"
    services.term_remove(actor=office, term=year.terms.get(kind="spring"))
    with pytest.raises(DomainError):
        services.term_remove(actor=office, term=year.terms.get(kind="autumn"))
    theirs = factories.AcademicYearFactory(school=other_school)
    their_term = Term.objects.create(
        academic_year=theirs, kind="autumn", starts_on=theirs.starts_on, ends_on=theirs.ends_on
    )
    assert (
        client.post(reverse("onboarding:term_remove", args=[school.slug, theirs.pk, their_term.pk])).status_code == 404
    )
    assert client.post(reverse("onboarding:term_remove", args=[school.slug, year.pk, their_term.pk])).status_code == 404


def test_teacher_may_not_change_the_calendar(school, head, teacher):
    year = _english_year(school, head)
    with pytest.raises(PermissionError):
        services.term_remove(actor=teacher, term=year.terms.first())
    with pytest.raises(PermissionError):
        services.term_break_save(
            actor=teacher, year=year, kind="holiday", name="x", starts_on=D(2026, 11, 2), ends_on=D(2026, 11, 2)
        )


# Year groups ---------------------------------------------------------------------------------------------------------


def test_a_year_group_is_renamed_and_one_in_use_is_not_removed(client, school, office):
    services.year_groups_add_preset(actor=office, school=school, preset="england_primary")
    year_3 = YearGroup.objects.get(school=school, code="3")
    pupil = factories.PupilFactory(school=school, year_group=year_3)
    client.force_login(office)
    setup = client.get(reverse("onboarding:setup_home", args=[school.slug])).content.decode()
    edit = reverse("onboarding:year_group_edit", args=[school.slug, year_3.pk])
    assert edit in setup

    response = client.post(edit, {"name": "Year 3 (Lower Key Stage 2)"}, follow=True)
    assert "The year group is now called Year 3 (Lower Key Stage 2)." in _messages(response)
    year_3.refresh_from_db()
    assert (year_3.code, year_3.name) == ("3", "Year 3 (Lower Key Stage 2)")
    assert AuditEvent.objects.get(action="onboarding.year_group.renamed").data["from"] == "Year 3"

    page = client.get(edit).content.decode()
    assert "1 pupil on roll is in it" in page and "move them to another year group first" in page
    refused = client.post(reverse("onboarding:year_group_remove", args=[school.slug, year_3.pk]), follow=True)
    assert "cannot be removed while it is in use: 1 pupils on roll and 0 classes" in _messages(refused)
    assert YearGroup.objects.filter(pk=year_3.pk).exists()

    pupil.left_on = D(2020, 7, 20)
    pupil.save()
    removed = client.post(reverse("onboarding:year_group_remove", args=[school.slug, year_3.pk]), follow=True)
    assert "Year 3 (Lower Key Stage 2) has been removed." in _messages(removed)
    assert "Year 3 (Lower Key Stage 2)</a>" not in removed.content.decode(), "no longer listed"
    assert YearGroup.all_objects.get(pk=year_3.pk).removed_at is not None, "kept, not deleted"
    pupil.refresh_from_db()
    assert pupil.year_group.name == "Year 3 (Lower Key Stage 2)", "the leaver's record still names it"
    assert client.get(edit).status_code == 404
    created = services.year_groups_add_preset(actor=office, school=school, preset="england_primary")
    assert [group.code for group in created] == ["3"], "its code is free for a new year group"


def test_a_year_group_with_a_class_is_not_removed(school, head):
    school_class = factories.SchoolClassFactory(school=school)
    group = school_class.year_group or factories.YearGroupFactory(school=school)
    school_class.year_group = group
    school_class.save()
    with pytest.raises(DomainError, match="0 pupils on roll and 1 classes"):
        services.year_group_remove(actor=head, year_group=group)


# Staff -------------------------------------------------------------------------------------------------------------


def test_office_renames_a_teacher_and_changes_their_job_title(client, school, office, teacher, dsl):
    client.force_login(office)
    staff = client.get(reverse("onboarding:staff_list", args=[school.slug])).content.decode()
    edit = reverse("onboarding:staff_edit", args=[school.slug, teacher.public_id])
    assert edit in staff
    assert reverse("onboarding:staff_edit", args=[school.slug, dsl.public_id]) not in staff
    response = client.post(edit, {"full_name": "Sam Okafor-Reid", "job_title": "Year 4 teacher"}, follow=True)
    assert "Sam Okafor-Reid's details have been saved." in _messages(response)
    assert "Sam Okafor-Reid" in response.content.decode() and "Year 4 teacher" in response.content.decode()
    teacher.refresh_from_db()
    assert teacher.full_name == "Sam Okafor-Reid"
    assert teacher.history.latest().full_name == "Sam Okafor-Reid"
    event = AuditEvent.objects.get(action="onboarding.staff.details_changed")
    assert event.actor == office and sorted(event.data["changed"]) == ["full_name", "job_title"]
    assert client.post(edit, {"full_name": "Sam Okafor-Reid", "job_title": "Year 4 teacher"}).status_code == 302
    assert AuditEvent.objects.filter(action="onboarding.staff.details_changed").count() == 1, "a repeat changes nothing"
    # The office does not give the DSL role, so may not rename the DSL.
    assert client.get(reverse("onboarding:staff_edit", args=[school.slug, dsl.public_id])).status_code == 404
    with pytest.raises(PermissionError):
        staff_member_update(actor=office, school=school, user=dsl, full_name="X", job_title="")


def test_someone_whose_roles_ended_is_not_renamed(school, head, teacher):
    StaffRole.objects.filter(user=teacher).update(ended_on=D(2026, 1, 1))
    with pytest.raises(PermissionError):
        staff_member_update(actor=head, school=school, user=teacher, full_name="New Name", job_title="")


# Trust or district administrators -----------------------------------------------------------------------------------


def test_a_trust_admin_ends_another_administrators_role_but_not_their_own(client, trust, school, trust_admin):
    colleague, _created = organisation_admin_invite(
        actor=trust_admin, organisation=trust, email="former@trust.example.test", full_name="Pat Former"
    )
    client.force_login(trust_admin)
    page = client.get(reverse("onboarding:administrators", args=[trust.slug])).content.decode()
    end = reverse("onboarding:administrator_end", args=[trust.slug, colleague.public_id])
    assert end in page
    assert reverse("onboarding:administrator_end", args=[trust.slug, trust_admin.public_id]) not in page
    response = client.post(end, follow=True)
    assert "Pat Former is no longer an administrator." in _messages(response)
    assert "Former administrators" in response.content.decode()
    role = OrganisationRole.objects.get(user=colleague)
    assert role.ended_on is not None and role.history.count() == 2
    assert AuditEvent.objects.get(action="onboarding.organisation_admin.ended").actor == trust_admin
    assert organisation_admin_end(actor=trust_admin, organisation=trust, user=colleague) is None, "a repeat"
    with pytest.raises(DomainError):
        organisation_admin_end(actor=trust_admin, organisation=trust, user=trust_admin)
    own = client.post(reverse("onboarding:administrator_end", args=[trust.slug, trust_admin.public_id]), follow=True)
    assert "You cannot end your own role" in _messages(own)
    client.force_login(colleague)
    assert client.get(reverse("onboarding:administrators", args=[trust.slug])).status_code == 404, "rights gone"
