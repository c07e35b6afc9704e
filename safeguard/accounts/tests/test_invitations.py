"""Parent invitations: office sends one, the parent follows the link, sets a password and sees their child."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from safeguard import datacache
from safeguard.accounts import services
from safeguard.accounts.models import Invitation, User
from safeguard.accounts.tasks import send_invitation
from safeguard.accounts.tokens import invitation_token
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError

from .conftest import invitation_path_from

NEW_PASSWORD = "plum-orchard-lantern-42"


def _accept_form(name="Dana Whitfield", password=NEW_PASSWORD):
    return {"full_name": name, "password1": password, "password2": password}


def _invite(actor, guardian, capture, **kwargs):
    """Create an invitation as ``actor`` and run what was queued after commit (the e-mail task, eagerly)."""
    with capture(execute=True):
        return services.invitation_create(actor=actor, guardian=guardian, **kwargs)


def _path(invitation):
    return reverse("accounts:invitation_accept", args=[invitation_token(invitation)])


def _age(invitation, minutes):
    """Make ``invitation`` look ``minutes`` older, beyond the window in which a repeat is ignored."""
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=invitation.created_at - datetime.timedelta(minutes=minutes)
    )


# Sending --------------------------------------------------------------------------------------------------------------


def test_office_invites_guardian_and_email_with_link_goes_out_after_commit(
    office, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invitation_create(actor=office, guardian=guardian)
    assert mailoutbox == [], "nothing may be sent before the transaction commits"
    (send,) = [c for c in callbacks if not datacache.is_version_bump(c)]

    send()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [guardian.email]
    assert "Demo Primary School invites you to Safeguard" in message.subject
    assert f"Dear {guardian.full_name}," in message.body
    assert invitation_path_from(message) == _path(invitation)
    html = message.alternatives[0][0]
    assert _path(invitation) in html
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_office_invites_through_the_pupil_page(
    client, office, school, pupil, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(office)
    next_url = reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:guardian_invite", args=[school.slug, guardian.public_id]),
            {"next": next_url},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == next_url
    assert f"An invitation is on its way to {guardian.email}." in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [guardian.email]
    invitation = Invitation.objects.get(guardian=guardian)
    assert invitation_path_from(mailoutbox[0]) == _path(invitation)
    assert invitation.created_by == office


def test_creating_an_invitation_writes_an_audit_event(office, guardian, school):
    invitation = services.invitation_create(actor=office, guardian=guardian, ip_address="203.0.113.9")

    event = AuditEvent.objects.get(action="accounts.invitation.created")
    assert event.actor == office
    assert event.school == school
    assert event.subject_id == str(invitation.public_id)
    assert event.ip_address == "203.0.113.9"


def test_teacher_cannot_invite_through_the_service(teacher, guardian):
    with pytest.raises(PermissionError):
        services.invitation_create(actor=teacher, guardian=guardian)
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.invitation.created").exists()


def test_teacher_cannot_invite_through_the_view(client, teacher, school, guardian, mailoutbox):
    client.force_login(teacher)
    response = client.post(reverse("directory:guardian_invite", args=[school.slug, guardian.public_id]))
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_office_of_another_school_cannot_invite(other_school, guardian):
    from safeguard.directory.models import Role
    from safeguard.directory.tests import factories

    stranger = factories.UserFactory(email="office@elsewhere.test")
    factories.StaffRoleFactory(user=stranger, school=other_school, role=Role.OFFICE)
    with pytest.raises(PermissionError):
        services.invitation_create(actor=stranger, guardian=guardian)


def test_guardian_without_email_cannot_be_invited(office, guardian):
    guardian.email = ""
    guardian.save()
    with pytest.raises(DomainError) as error:
        services.invitation_create(actor=office, guardian=guardian)
    assert error.value.code == "no_email"
    assert not Invitation.objects.exists()


def test_guardian_with_an_account_is_not_invited_again(office, parent, guardian):
    guardian.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.invitation_create(actor=office, guardian=guardian)
    assert error.value.code == "has_account"


def test_running_the_send_task_twice_sends_one_email(office, guardian, mailoutbox):
    invitation = services.invitation_create(actor=office, guardian=guardian)

    assert send_invitation.apply(args=[invitation.pk]).get() is True
    assert send_invitation.apply(args=[invitation.pk]).get() is False

    assert len(mailoutbox) == 1


def test_a_failed_send_is_released_for_the_retry(office, guardian, mailoutbox, monkeypatch):
    invitation = services.invitation_create(actor=office, guardian=guardian)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("safeguard.accounts.tasks.send_templated_email", broken)
    with pytest.raises(OSError):
        send_invitation.run(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.sent_at is None

    monkeypatch.undo()
    assert send_invitation.run(invitation.pk) is True
    assert len(mailoutbox) == 1


def test_a_replaced_invitation_is_not_sent(office, guardian, mailoutbox):
    first = services.invitation_create(actor=office, guardian=guardian)
    _age(first, 60)
    second = services.invitation_create(actor=office, guardian=guardian)

    assert send_invitation.run(first.pk) is False
    assert send_invitation.run(second.pk) is True
    assert len(mailoutbox) == 1
    assert invitation_path_from(mailoutbox[0]) == _path(second)


def test_email_is_written_in_the_guardians_language_and_schools_time_zone(office, guardian, school, mailoutbox):
    school.time_zone = "Europe/Istanbul"
    school.save()
    guardian.preferred_language = "tr"
    guardian.save()
    now = datetime.datetime(2026, 1, 10, 9, 30, tzinfo=datetime.UTC)
    invitation = services.invitation_create(actor=office, guardian=guardian, now=now)

    send_invitation.run(invitation.pk)

    # 72 hours later, 12:30 in Istanbul; Turkish month names come from Django's own Turkish catalogue.
    assert "13 Ocak 2026 12:30" in mailoutbox[0].body


# Following the link ---------------------------------------------------------------------------------------------------


def test_following_the_link_creates_the_account_and_shows_the_child(
    client, office, guardian, pupil, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    _invite(office, guardian, django_capture_on_commit_callbacks)
    path = invitation_path_from(mailoutbox[0])

    page = client.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Set up your account" in content
    assert 'name="password1"' in content and 'name="password2"' in content
    assert guardian.email in content

    response = client.post(path, _accept_form(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("directory:parent_home")
    content = response.content.decode()
    assert "Welcome! Your account is ready." in content
    assert "Amara Whitfield" in content
    user = User.objects.get(email=guardian.email)
    assert user.full_name == "Dana Whitfield"
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session[SESSION_KEY]) == user.pk
    guardian.refresh_from_db()
    assert guardian.user == user


def test_accepting_writes_an_audit_event(client, office, guardian, school):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    client.post(_path(invitation), _accept_form())

    event = AuditEvent.objects.get(action="accounts.invitation.accepted")
    assert event.actor == User.objects.get(email=guardian.email)
    assert event.school == school
    assert event.subject_id == str(invitation.public_id)
    assert event.ip_address == "127.0.0.1"


def test_accepting_with_mismatched_passwords_shows_the_error(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    response = client.post(
        _path(invitation), {"full_name": "Dana", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.filter(email=guardian.email).exists()


def test_a_password_like_the_email_address_is_refused_on_the_form(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    local_part = guardian.email.split("@")[0]  # e.g. "carer12": too similar to the e-mail address
    password = f"{local_part}example"
    response = client.post(_path(invitation), _accept_form(password=password))
    assert response.status_code == 200
    assert "too similar to the e-mail address" in response.content.decode()
    assert not User.objects.filter(email=guardian.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None, "a refused password must leave the link usable"


def test_submitting_the_same_form_twice_creates_one_account(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    path = _path(invitation)

    first = client.post(path, _accept_form())
    second = client.post(path, _accept_form())

    assert first.status_code == 302
    assert second.status_code == 410
    assert "This invitation has already been used" in second.content.decode()
    assert User.objects.filter(email=guardian.email).count() == 1


def test_used_link_says_already_used(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    client.post(_path(invitation), _accept_form())
    client.logout()

    response = client.get(_path(invitation))

    assert response.status_code == 410
    content = response.content.decode()
    assert "This invitation has already been used" in content
    assert reverse("accounts:login") in content
    assert reverse("accounts:password_reset") in content


def test_accepting_twice_through_the_service_is_refused(office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    services.invitation_accept(invitation=invitation, full_name="Dana", password=NEW_PASSWORD)

    stale = Invitation.objects.get(pk=invitation.pk)
    stale.accepted_at = None  # as another request would still have it in memory
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(invitation=stale, full_name="Dana", password="another-password-99")
    assert error.value.code == "used"
    assert User.objects.filter(email=guardian.email).count() == 1
    assert User.objects.get(email=guardian.email).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="accounts.invitation.accepted").count() == 1


@pytest.mark.parametrize("where", ["public id", "signature"])
def test_tampered_link_is_not_valid_and_creates_nothing(client, office, guardian, where):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    token = invitation_token(invitation)
    position = 3 if where == "public id" else len(token) - 5
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    path = reverse("accounts:invitation_accept", args=[tampered])

    page = client.get(path)
    assert page.status_code == 400
    assert "This link is not valid" in page.content.decode()

    response = client.post(path, _accept_form())
    assert response.status_code == 400
    assert not User.objects.filter(email=guardian.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_expired_link_says_so_and_offers_a_new_one(client, office, guardian, school):
    invitation = services.invitation_create(
        actor=office, guardian=guardian, now=timezone.now() - datetime.timedelta(days=10)
    )

    response = client.get(_path(invitation))

    assert response.status_code == 410
    content = response.content.decode()
    assert "This invitation has expired" in content
    assert "Send me a new link" in content
    assert reverse("accounts:invitation_renew", args=[invitation_token(invitation)]) in content
    assert school.name in content

    response = client.post(_path(invitation), _accept_form())
    assert response.status_code == 410
    assert not User.objects.filter(email=guardian.email).exists()


def test_expired_link_is_refused_by_the_service(office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    later = invitation.expires_at + datetime.timedelta(seconds=1)
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(invitation=invitation, full_name="Dana", password=NEW_PASSWORD, now=later)
    assert error.value.code == "expired"
    assert not User.objects.filter(email=guardian.email).exists()


def test_renewing_sends_a_new_link_to_the_address_on_record_and_retires_the_old_one(
    client, office, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    old = services.invitation_create(actor=office, guardian=guardian)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    guardian.email = "dana.new@example.test"  # the school updated the address since the first invitation
    guardian.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation_renew", args=[invitation_token(old)]))

    assert response.status_code == 200
    assert "A new link is on its way" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["dana.new@example.test"]
    new_path = invitation_path_from(mailoutbox[0])
    assert new_path != _path(old)
    assert AuditEvent.objects.filter(action="accounts.invitation.renewed").count() == 1

    old_page = client.get(_path(old))
    assert old_page.status_code == 410
    assert "A newer invitation replaced this one" in old_page.content.decode()

    new_page = client.get(new_path)
    assert new_page.status_code == 200
    assert "Set up your account" in new_page.content.decode()


def test_renewing_a_used_invitation_sends_nothing(
    client, office, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    client.post(_path(invitation), _accept_form())
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation_renew", args=[invitation_token(invitation)]))

    assert response.status_code == 410
    assert "This invitation has already been used" in response.content.decode()
    assert mailoutbox == []


def test_renewing_when_the_school_has_no_address_says_to_contact_the_office(client, office, guardian, school):
    old = services.invitation_create(actor=office, guardian=guardian)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    guardian.email = ""
    guardian.save()

    response = client.post(reverse("accounts:invitation_renew", args=[invitation_token(old)]))

    assert response.status_code == 410
    content = response.content.decode()
    assert "The school has no e-mail address for you" in content
    assert f"Contact the office at {school.name}" in content
    assert Invitation.objects.count() == 1


def test_renewing_needs_a_genuine_link(client, office, guardian, mailoutbox):
    services.invitation_create(actor=office, guardian=guardian)
    response = client.post(reverse("accounts:invitation_renew", args=["not-a-real-token"]))
    assert response.status_code == 400
    assert Invitation.objects.count() == 1


def test_renewing_is_post_only(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    response = client.get(reverse("accounts:invitation_renew", args=[invitation_token(invitation)]))
    assert response.status_code == 405
    assert Invitation.objects.count() == 1


def test_a_new_invitation_replaces_the_old_link(client, office, guardian):
    old = services.invitation_create(actor=office, guardian=guardian)
    _age(old, 60)
    services.invitation_create(actor=office, guardian=guardian)

    response = client.get(_path(old))

    assert response.status_code == 410
    assert "A newer invitation replaced this one" in response.content.decode()


def test_office_clicking_invite_twice_sends_one_email_whose_link_works(
    client, office, school, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(office)
    url = reverse("directory:guardian_invite", args=[school.slug, guardian.public_id])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
    client.logout()

    assert len(mailoutbox) == 1
    assert Invitation.objects.filter(guardian=guardian).count() == 1
    assert AuditEvent.objects.filter(action="accounts.invitation.created").count() == 1
    assert client.get(invitation_path_from(mailoutbox[0])).status_code == 200


def test_a_new_address_gets_a_new_invitation_at_once(office, guardian):
    first = services.invitation_create(actor=office, guardian=guardian)
    guardian.email = "dana.corrected@example.test"
    guardian.save()

    second = services.invitation_create(actor=office, guardian=guardian)

    assert second.pk != first.pk
    assert second.email == "dana.corrected@example.test"
    first.refresh_from_db()
    assert first.revoked_at is not None


def test_asking_for_a_new_link_twice_sends_one_email(
    client, office, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    old = services.invitation_create(actor=office, guardian=guardian)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    renew = reverse("accounts:invitation_renew", args=[invitation_token(old)])

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(renew)
        assert response.status_code == 200

    assert len(mailoutbox) == 1
    assert client.get(invitation_path_from(mailoutbox[0])).status_code == 200


def test_signed_in_user_following_an_invitation_for_someone_else_gets_the_new_account(client, office, guardian):
    invitation = services.invitation_create(actor=office, guardian=guardian)
    client.force_login(office)

    client.post(_path(invitation), _accept_form())

    parent = User.objects.get(email=guardian.email)
    assert int(client.session[SESSION_KEY]) == parent.pk
