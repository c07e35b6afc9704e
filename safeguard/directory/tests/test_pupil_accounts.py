"""Pupils' own accounts (issue 14 item 1): the school turns them on, the office invites a pupil, the pupil sets a
password, signs their own agreement and sees what they signed — and nothing else; a leaver loses access."""

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from aup.models import Signature, SignatureRequest
from aup.tests.factories import pupil_agreement
from safeguard import permissions
from safeguard.accounts import services as account_services
from safeguard.accounts.models import Invitation, User
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import PupilAccountSetting
from safeguard.directory.pupil_accounts import age_on, pupil_is_eligible
from safeguard.directory.tests import factories

PASSWORD = "violet-harbour-compass-77"


def _years_ago(school, years):
    today = school.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def accounts_on(school, head):
    """The school gives pupils accounts from 13 (set through the service, as the set-up page does)."""
    from onboarding.services.pupil_accounts import pupil_accounts_set

    setting, _changed = pupil_accounts_set(actor=head, school=school, from_age=13)
    return setting


@pytest.fixture
def teen(school):
    """A pupil of 14 with their own e-mail address on record."""
    year = factories.YearGroupFactory(school=school, code="Y9", name="Year 9", order=9)
    school_class = factories.SchoolClassFactory(school=school, year_group=year, name="9 Ash")
    return factories.PupilFactory(
        school=school,
        legal_first_name="Priya",
        legal_last_name="Okafor",
        date_of_birth=_years_ago(school, 14),
        year_group=year,
        school_class=school_class,
        email="priya.okafor@pupils.example.test",
    )


@pytest.fixture
def classmate(school, teen):
    return factories.PupilFactory(
        school=school,
        legal_first_name="Owen",
        legal_last_name="Baptiste",
        date_of_birth=_years_ago(school, 14),
        year_group=teen.year_group,
        school_class=teen.school_class,
        email="owen.baptiste@pupils.example.test",
    )


def _link_from(message):
    match = re.search(r"https?://[^/\s]+(/accounts/invitation/[^\s?\"]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _invite_and_accept(client, office, pupil, mailoutbox, django_capture_on_commit_callbacks):
    """The office invites ``pupil`` from the pupil page; the pupil follows the e-mailed link and sets a password."""
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:student_invite", args=[pupil.school.slug, pupil.public_id]))
    assert response.status_code == 302
    (message,) = [m for m in mailoutbox if m.to == [pupil.email]]
    client.logout()
    link = _link_from(message)
    page = client.get(link)
    assert "your own account on Safeguard" in page.content.decode()
    response = client.post(
        link, {"full_name": pupil.display_name, "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    pupil.refresh_from_db()
    return response


@pytest.fixture
def pupil_user(school, teen, accounts_on):
    """``teen`` with an account already made (as an accepted invitation leaves it)."""
    user = User.objects.create_user(teen.email, PASSWORD, full_name=teen.display_name)
    teen.user = user
    teen.save()
    return user


# The setting ----------------------------------------------------------------------------------------------------


def test_accounts_are_off_by_default_so_nobody_can_be_invited(office, teen):
    assert not pupil_is_eligible(teen)
    with pytest.raises(DomainError) as error:
        account_services.pupil_invitation_create(actor=office, pupil=teen)
    assert error.value.code == "not_eligible"
    assert not Invitation.objects.exists()


def test_head_turns_accounts_on_from_an_age_on_the_set_up_page_with_history_and_audit(client, head, school, teen):
    client.force_login(head)
    url = reverse("onboarding:pupil_accounts", args=[school.slug])
    page = client.get(url).content.decode()
    assert "UK GDPR Article 8" in page and "Gillick" in page and "COPPA" in page

    response = client.post(url, {"basis": "age", "from_age": "13"}, follow=True)

    assert "The setting for pupils&#x27; own accounts has been saved." in response.content.decode()
    setting = PupilAccountSetting.objects.get(school=school)
    assert setting.from_age == 13 and setting.changed_by == head
    assert setting.history.count() == 1 and setting.history.first().history_user == head
    event = AuditEvent.objects.get(action="onboarding.pupil_accounts.changed")
    assert event.actor == head and event.data["from_age"] == 13
    assert pupil_is_eligible(teen)
    # The same again changes nothing and writes nothing.
    client.post(url, {"basis": "age", "from_age": "13"})
    assert AuditEvent.objects.filter(action="onboarding.pupil_accounts.changed").count() == 1


def test_accounts_from_a_year_group_cover_that_year_group_and_later_ones(client, office, school, teen):
    younger_year = factories.YearGroupFactory(school=school, code="Y7", name="Year 7", order=7)
    younger = factories.PupilFactory(school=school, year_group=younger_year, date_of_birth=_years_ago(school, 12))
    client.force_login(office)
    client.post(
        reverse("onboarding:pupil_accounts", args=[school.slug]),
        {"basis": "year_group", "from_year_group": str(teen.year_group.pk)},
    )
    assert PupilAccountSetting.objects.get(school=school).from_year_group == teen.year_group
    assert pupil_is_eligible(teen)
    assert not pupil_is_eligible(younger)


@pytest.mark.parametrize("persona", ["teacher", "dsl", "slt", "governor", "trust_admin", "other_school_dsl"])
def test_only_the_head_and_office_may_open_the_setting(client, school, persona, request):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("onboarding:pupil_accounts", args=[school.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"basis": "age", "from_age": "13"}).status_code == 404
    assert not PupilAccountSetting.objects.exists()


def test_age_rule_counts_whole_years():
    assert age_on(datetime.date(2013, 12, 5), datetime.date(2026, 12, 4)) == 12
    assert age_on(datetime.date(2013, 12, 4), datetime.date(2026, 12, 4)) == 13


# Invitation and account -----------------------------------------------------------------------------------------


def test_invited_pupil_creates_their_account_and_lands_on_their_own_home(
    client, office, teen, accounts_on, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(office)
    detail = client.get(reverse("directory:pupil_detail", args=[teen.school.slug, teen.public_id])).content.decode()
    assert "Invite the pupil to their own account" in detail
    client.logout()

    response = _invite_and_accept(client, office, teen, mailoutbox, django_capture_on_commit_callbacks)

    assert teen.user is not None and teen.user.email == teen.email
    assert client.session[SESSION_KEY] == str(teen.user.pk)
    assert response.redirect_chain[-1][0] == reverse("directory:student_home")
    assert "Waiting for your signature" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.invitation.pupil_created", actor=office).exists()
    assert AuditEvent.objects.filter(action="accounts.invitation.pupil_accepted", actor=teen.user).exists()
    invitation = Invitation.objects.get(pupil=teen)
    assert invitation.guardian is None and invitation.accepted_at is not None


def test_invitation_refused_for_a_pupil_too_young_without_email_or_whose_address_is_an_account(
    office, school, teen, accounts_on, parent
):
    young = factories.PupilFactory(school=school, date_of_birth=_years_ago(school, 11), email="young@pupils.test")
    no_email = factories.PupilFactory(school=school, date_of_birth=_years_ago(school, 15), email="")
    shared = factories.PupilFactory(school=school, date_of_birth=_years_ago(school, 15), email=parent.email)
    for pupil, code in ((young, "not_eligible"), (no_email, "no_email"), (shared, "email_taken")):
        with pytest.raises(DomainError) as error:
            account_services.pupil_invitation_create(actor=office, pupil=pupil)
        assert error.value.code == code
    assert not Invitation.objects.exists()


def test_inviting_twice_in_a_row_sends_one_invitation_and_a_teacher_may_not_invite(
    office, teacher, teen, accounts_on, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = account_services.pupil_invitation_create(actor=office, pupil=teen, ip_address="203.0.113.5")
        again = account_services.pupil_invitation_create(actor=office, pupil=teen)
    assert first == again
    assert len([m for m in mailoutbox if m.to == [teen.email]]) == 1
    assert "Your own account at Demo Primary School" in mailoutbox[-1].subject
    event = AuditEvent.objects.get(action="accounts.invitation.pupil_created")
    assert event.actor == office and event.ip_address == "203.0.113.5" and event.data == {"pupil": str(teen.public_id)}
    with pytest.raises(PermissionError):
        account_services.pupil_invitation_create(actor=teacher, pupil=teen)
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("persona", ["teacher", "dsl", "governor", "trust_admin", "parent", "other_school_dsl"])
def test_only_the_office_and_head_invite_a_pupil(client, teen, accounts_on, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("directory:student_invite", args=[teen.school.slug, teen.public_id]))
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_the_pupil_page_card_is_for_the_office_only_and_only_when_accounts_are_on(client, office, teacher, teen):
    url = reverse("directory:pupil_detail", args=[teen.school.slug, teen.public_id])
    client.force_login(office)
    assert "The pupil's own account" not in client.get(url).content.decode()  # off: no card
    PupilAccountSetting.objects.create(school=teen.school, from_age=13)
    assert "The pupil's own account" in client.get(url).content.decode()
    client.force_login(teacher)
    assert "The pupil's own account" not in client.get(url).content.decode()


# Signing ----------------------------------------------------------------------------------------------------------


def test_pupil_signs_their_agreement_with_their_own_account(client, school, teen, pupil_user):
    agreement = pupil_agreement(school)
    client.force_login(pupil_user)

    home = client.get(reverse("directory:student_home")).content.decode()
    assert agreement.title in home
    signature_request = SignatureRequest.objects.get(pupil=teen, agreement=agreement)
    sign_url = reverse("directory:student_sign", args=[signature_request.public_id])
    page = client.get(sign_url)
    assert page.status_code == 200
    sha = page.context["shown"]["sha256"]

    response = client.post(
        sign_url,
        {"statements": ["1", "2", "3"], "typed_name": "Priya Okafor", "shown_sha256": sha, "drawn_signature": ""},
        follow=True,
    )

    assert "Your agreement is signed." in response.content.decode()
    signature = Signature.objects.get(request=signature_request)
    assert signature.party == Signature.Party.PUPIL
    assert signature.method == Signature.Method.PASSWORD_SESSION
    assert signature.signer_user == pupil_user and signature.signer_pupil == teen
    signature_request.refresh_from_db()
    assert signature_request.status == SignatureRequest.Status.PARTLY_SIGNED  # the parent countersigns
    home = client.get(reverse("directory:student_home")).content.decode()
    assert "Nothing is waiting for you." in home
    assert "Signed on" in home
    # Signing again changes nothing.
    client.post(sign_url, {"statements": ["1", "2", "3"], "typed_name": "Priya Okafor", "shown_sha256": sha})
    assert Signature.objects.filter(request=signature_request).count() == 1


def test_a_wrong_name_or_missing_tick_is_a_clear_error_and_nothing_is_signed(client, school, teen, pupil_user):
    agreement = pupil_agreement(school)
    client.force_login(pupil_user)
    client.get(reverse("directory:student_home"))
    signature_request = SignatureRequest.objects.get(pupil=teen, agreement=agreement)
    sign_url = reverse("directory:student_sign", args=[signature_request.public_id])
    sha = client.get(sign_url).context["shown"]["sha256"]

    response = client.post(sign_url, {"statements": ["1"], "typed_name": "Priya Okafor", "shown_sha256": sha})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Signature.objects.exists()


def test_another_pupils_agreement_is_never_shown_nor_signable(client, school, teen, classmate, pupil_user):
    agreement = pupil_agreement(school)
    theirs, _created = SignatureRequest.objects.get_or_create(
        agreement=agreement, school=school, pupil=classmate, defaults={"status": SignatureRequest.Status.PENDING}
    )
    client.force_login(pupil_user)

    home = client.get(reverse("directory:student_home")).content.decode()

    assert classmate.legal_first_name not in home and classmate.legal_last_name not in home
    assert str(theirs.public_id) not in home
    assert client.get(reverse("directory:student_sign", args=[theirs.public_id])).status_code == 404
    assert client.post(reverse("directory:student_sign", args=[theirs.public_id]), {}).status_code == 404
    assert client.get(reverse("directory:student_signed", args=[theirs.public_id])).status_code == 404


# Nothing else ---------------------------------------------------------------------------------------------------


def test_a_pupil_cannot_open_the_roster_incidents_or_staff_pages(client, school, teen, classmate, pupil_user):
    client.force_login(pupil_user)
    slug = school.slug
    for url in (
        reverse("directory:school_home", args=[slug]),
        reverse("directory:pupil_list", args=[slug]),
        reverse("directory:pupil_detail", args=[slug, teen.public_id]),
        reverse("directory:pupil_detail", args=[slug, classmate.public_id]),
        reverse("directory:safeguarding_home", args=[slug]),
        reverse("directory:parent_home"),
        reverse("incidents:list", args=[slug]),
        reverse("incidents:record", args=[slug]),
        reverse("incidents:chronology", args=[slug, teen.public_id]),
        reverse("onboarding:setup_home", args=[slug]),
        reverse("onboarding:pupil_accounts", args=[slug]),
        reverse("aup:class_signing", args=[slug]),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("home")).url == reverse("directory:student_home")


# Leaving ----------------------------------------------------------------------------------------------------------


def test_a_leaver_cannot_sign_in_and_an_open_session_opens_nothing(client, school, teen, pupil_user):
    client.force_login(pupil_user)
    assert client.get(reverse("directory:student_home")).status_code == 200
    teen.left_on = school.today() - datetime.timedelta(days=1)
    teen.save()
    permissions.forget_roles(pupil_user)

    assert client.get(reverse("directory:student_home")).status_code == 404
    assert client.get(reverse("home")).status_code == 200  # "not linked to a school", no redirect to a pupil page
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": teen.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "This account has been closed." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_pupil_leaving_in_the_future_keeps_access_until_then(client, school, teen, pupil_user):
    teen.left_on = school.today() + datetime.timedelta(days=3)
    teen.save()
    response = client.post(reverse("accounts:login"), {"username": teen.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("directory:student_home")).status_code == 200


def test_turning_accounts_off_ends_every_pupils_access(client, school, head, teen, pupil_user):
    from onboarding.services.pupil_accounts import pupil_accounts_set

    pupil_accounts_set(actor=head, school=school)
    response = client.post(reverse("accounts:login"), {"username": teen.email, "password": PASSWORD})
    assert "This account has been closed." in response.content.decode()


def test_a_leaver_cannot_accept_an_invitation_sent_before_they_left(office, school, teen, accounts_on):
    invitation = account_services.pupil_invitation_create(actor=office, pupil=teen)
    teen.left_on = school.today()
    teen.save()
    with pytest.raises(DomainError) as error:
        account_services.invitation_accept(invitation=invitation, full_name="Priya Okafor", password=PASSWORD)
    assert error.value.code == "left"
    teen.refresh_from_db()
    assert teen.user is None
    assert not User.objects.filter(email=teen.email).exists()
