"""Pupils and carers in the pages: add, edit, mark as left, parental responsibility, with history (item 5)."""

import datetime

import pytest
from django.urls import reverse

from onboarding.services import pupils as services
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, Pupil, PupilGuardian
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def test_office_adds_and_edits_a_pupil_and_a_repeat_changes_nothing(school, office):
    pupil, _ = services.pupil_save(
        actor=office,
        school=school,
        fields={"legal_first_name": "Noor", "legal_last_name": "Haddad", "date_of_birth": D(2019, 5, 2)},
    )
    assert pupil.school == school
    _same, changed = services.pupil_save(
        actor=office, school=school, pupil=pupil, fields={"preferred_first_name": "Nu"}
    )
    assert changed == ["preferred_first_name"]
    assert services.pupil_save(actor=office, school=school, pupil=pupil, fields={"preferred_first_name": "Nu"})[1] == []
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "onboarding.pupil.added",
        "onboarding.pupil.updated",
    ]
    assert pupil.history.first().history_user == office


def test_teacher_and_other_school_may_not(school, pupil, teacher, other_school_dsl):
    for actor in (teacher, other_school_dsl):
        with pytest.raises(PermissionError):
            services.pupil_mark_left(actor=actor, pupil=pupil, left_on=D(2026, 7, 20))
    pupil.refresh_from_db()
    assert pupil.left_on is None


def test_mark_left_once(school, pupil, head):
    assert services.pupil_mark_left(actor=head, pupil=pupil, left_on=D(2026, 7, 20)) is True
    assert services.pupil_mark_left(actor=head, pupil=pupil, left_on=D(2026, 7, 20)) is False
    assert AuditEvent.objects.filter(action="onboarding.pupil.marked_left").count() == 1


def test_parental_responsibility_changes_with_history_and_a_sibling_shares_the_parent(school, pupil, office):
    link = services.guardian_link_add(
        actor=office,
        pupil=pupil,
        guardian_fields={"first_name": "Rana", "last_name": "Haddad", "email": "Rana@Example.test", "phone": ""},
        link_fields={"relationship": "mother", "has_parental_responsibility": False, "contact_order": 1},
    )
    assert services.guardian_link_update(
        actor=office, link=link, link_fields={"has_parental_responsibility": True}
    ) == ["has_parental_responsibility"]
    assert (
        services.guardian_link_update(actor=office, link=link, link_fields={"has_parental_responsibility": True}) == []
    )
    link.refresh_from_db()
    assert link.has_parental_responsibility and link.history.count() == 2
    with pytest.raises(DomainError):
        services.guardian_link_add(
            actor=office,
            pupil=pupil,
            guardian_fields={"first_name": "R", "last_name": "H", "email": "rana@example.test", "phone": ""},
            link_fields={"relationship": "mother"},
        )
    sibling = factories.PupilFactory(school=school)
    services.guardian_link_add(
        actor=office,
        pupil=sibling,
        guardian_fields={"first_name": "R", "last_name": "H", "email": "rana@example.test", "phone": ""},
        link_fields={"relationship": "mother", "has_parental_responsibility": True},
    )
    assert Guardian.objects.filter(email="rana@example.test").count() == 1
    services.guardian_link_update(actor=office, link=link, link_fields={}, ended_on=D(2026, 12, 1))
    assert not PupilGuardian.objects.current().filter(pk=link.pk).exists()


def test_pages(client, school, pupil, office):
    client.force_login(office)
    detail = client.get(reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])).content.decode()
    edit_url = reverse("onboarding:pupil_edit", args=[school.slug, pupil.public_id])
    assert edit_url in detail
    response = client.post(
        reverse("onboarding:pupil_add", args=[school.slug]),
        {"legal_first_name": "Ali", "legal_last_name": "Kaya", "date_of_birth": "2018-03-04", "upn": "bad"},
    )
    assert response.status_code == 200 and not Pupil.objects.filter(legal_first_name="Ali").exists()
    response = client.post(
        reverse("onboarding:pupil_add", args=[school.slug]),
        {"legal_first_name": "Ali", "legal_last_name": "Kaya", "date_of_birth": "2018-03-04"},
    )
    ali = Pupil.objects.get(legal_first_name="Ali")
    assert response["Location"] == reverse("onboarding:pupil_edit", args=[school.slug, ali.public_id])
    client.post(
        reverse("onboarding:guardian_add", args=[school.slug, ali.public_id]),
        {
            "first_name": "Elif",
            "last_name": "Kaya",
            "email": "elif@example.test",
            "relationship": "mother",
            "contact_order": 1,
        },
    )
    link = PupilGuardian.objects.get(pupil=ali)
    assert not link.has_parental_responsibility
    client.post(
        reverse("onboarding:guardian_edit", args=[school.slug, ali.public_id, link.guardian.public_id]),
        {"relationship": "mother", "has_parental_responsibility": "on", "contact_order": 1},
    )
    link.refresh_from_db()
    assert link.has_parental_responsibility
    client.post(reverse("onboarding:pupil_left", args=[school.slug, ali.public_id]), {"left_on": "2026-07-20"})
    ali.refresh_from_db()
    assert ali.left_on == D(2026, 7, 20)
    page = client.get(reverse("onboarding:pupil_edit", args=[school.slug, ali.public_id])).content.decode()
    assert "Elif Kaya" in page and "— parental responsibility" in page and "— left on" in page


def test_uk_only_fields_are_hidden_elsewhere(client, db):
    us = factories.SchoolFactory(country="united_states", slug="maple")
    user = factories.UserFactory()
    factories.StaffRoleFactory(user=user, school=us, role="office")
    client.force_login(user)
    page = client.get(reverse("onboarding:pupil_add", args=[us.slug])).content.decode()
    assert "Legal first name" in page and 'name="upn"' not in page and "Pupil premium" not in page


def test_sex_shows_on_the_pupil_page_and_is_not_offered_elsewhere(client, school, pupil, office):
    """The pupil page shows the sex (DfE M/F, for the CTF) with the other details; "Not recorded" when blank."""
    client.force_login(office)
    url = reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])
    assert "Sex</dt>" in (page := client.get(url).content.decode()) and "Not recorded" in page
    Pupil.objects.filter(pk=pupil.pk).update(sex="F")
    assert "Female" in client.get(url).content.decode()

    us = factories.SchoolFactory(country="united_states", slug="maple")
    user = factories.UserFactory()
    factories.StaffRoleFactory(user=user, school=us, role="office")
    client.force_login(user)
    page = client.get(reverse("onboarding:pupil_add", args=[us.slug])).content.decode()
    assert 'name="sex"' not in page


def test_the_edit_form_offers_sex_in_england_once_the_pupil_service_saves_it(
    client, school, pupil, office, monkeypatch
):
    """The form never offers a field the service would drop: ``sex`` appears when it is in ``PUPIL_FIELDS``."""
    client.force_login(office)
    url = reverse("onboarding:pupil_edit", args=[school.slug, pupil.public_id])
    if "sex" not in services.PUPIL_FIELDS:
        assert 'name="sex"' not in client.get(url).content.decode()
        monkeypatch.setattr(services, "PUPIL_FIELDS", (*services.PUPIL_FIELDS, "sex"))
    page = client.get(url).content.decode()
    assert 'name="sex"' in page and "Sex" in page
    data = {
        "legal_first_name": pupil.legal_first_name,
        "legal_last_name": pupil.legal_last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "upn": pupil.upn,
        "sex": "M",
    }
    client.post(url, data)
    pupil.refresh_from_db()
    assert pupil.sex == "M"
    assert pupil.history.first().sex == "M"
