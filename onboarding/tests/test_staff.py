"""Staff: invite with several roles and a job title, end a role with history, set a password from the invitation
(issue 13 item 4)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from onboarding.models import StaffInvitation
from onboarding.services import invitations
from onboarding.services.people import role_label, staff_invite, staff_role_end
from onboarding.tasks import send_staff_invitation
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role, School, StaffRole

from .helpers import NEW_PASSWORD, accept_form, invitation_path, path_from

pytestmark = pytest.mark.django_db


def _invite(actor, school, capture, **kwargs):
    with capture(execute=True):
        return staff_invite(actor=actor, school=school, **kwargs)


def test_head_invites_a_teacher_with_two_roles_who_sets_a_password_and_signs_in(
    client, school, head, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    user, created = _invite(
        head,
        school,
        django_capture_on_commit_callbacks,
        email="Kim.Lee@Example.test",
        full_name="Kim Lee",
        roles=[Role.TEACHER, Role.DEPUTY_DSL],
        job_title="Year 2 teacher",
    )
    assert created == ["deputy_dsl", "teacher"]
    assert set(StaffRole.objects.current().filter(user=user).values_list("role", "job_title")) == {
        ("teacher", "Year 2 teacher"),
        ("deputy_dsl", "Year 2 teacher"),
    }
    assert not user.has_usable_password()
    (message,) = mailoutbox
    assert message.to == ["kim.lee@example.test"]
    assert "Demo Primary School invites you to Safeguard" in message.subject
    event = AuditEvent.objects.get(action="onboarding.staff.roles_given")
    assert event.actor == head and event.data["roles"] == ["deputy_dsl", "teacher"]

    path = path_from(message)
    response = client.post(path, accept_form("Kim Lee", "short"))
    assert response.status_code == 200 and not User.objects.get(pk=user.pk).has_usable_password()
    response = client.post(path, accept_form("Kim Lee"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="onboarding.staff_invitation.accepted", actor=user).exists()
    client.logout()
    assert client.get(path).status_code == 410, "a used link cannot be used again"
    assert "already been used" in client.get(path).content.decode()


def test_a_repeat_invitation_changes_nothing_and_sends_nothing(
    school, head, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    kwargs = {"email": "kim@example.test", "full_name": "Kim", "roles": [Role.TEACHER]}
    _invite(head, school, django_capture_on_commit_callbacks, **kwargs)
    user, created = _invite(head, school, django_capture_on_commit_callbacks, **kwargs)
    assert created == []
    assert StaffRole.objects.filter(user=user).count() == 1
    assert len(mailoutbox) == 1 and StaffInvitation.objects.count() == 1


def test_someone_with_an_account_gets_the_role_and_no_invitation(school, head, parent, mailoutbox):
    user, created = staff_invite(actor=head, school=school, email=parent.email, full_name="x", roles=[Role.GOVERNOR])
    assert user == parent and created == ["governor"]
    assert not StaffInvitation.objects.exists()


def test_office_may_give_everyday_roles_but_not_dsl_or_head(school, office, teacher):
    staff_invite(actor=office, school=school, email="new@example.test", full_name="New", roles=[Role.TEACHER])
    for role in (Role.DSL, Role.HEADTEACHER, Role.SLT):
        with pytest.raises(PermissionError):
            staff_invite(actor=office, school=school, email="x@example.test", full_name="X", roles=[role])
    with pytest.raises(PermissionError):
        staff_invite(actor=teacher, school=school, email="y@example.test", full_name="Y", roles=[Role.TEACHER])
    assert not User.objects.filter(email__in=["x@example.test", "y@example.test"]).exists()


def test_ending_a_role_keeps_it_as_history_and_removes_the_rights(client, school, head, teacher):
    ended = staff_role_end(actor=head, school=school, user=teacher, role=Role.TEACHER)
    assert ended.ended_on == school.today()
    assert staff_role_end(actor=head, school=school, user=teacher, role=Role.TEACHER) is None, "a repeat does nothing"
    assert StaffRole.objects.filter(user=teacher).count() == 1
    assert AuditEvent.objects.filter(action="onboarding.staff.role_ended").count() == 1
    client.force_login(teacher)
    assert client.get(reverse("directory:school_home", args=[school.slug])).status_code == 404
    client.force_login(head)
    page = client.get(reverse("onboarding:staff_list", args=[school.slug])).content.decode()
    assert escape(teacher.full_name) in page and "ended" in page  # a Faker name may hold an apostrophe


def test_nobody_ends_their_own_role(school, head):
    from safeguard.base import DomainError

    with pytest.raises(DomainError):
        staff_role_end(actor=head, school=school, user=head, role=Role.HEADTEACHER)


def test_staff_pages_invite_and_end(
    client, school, head, teacher, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(head)
    page = client.get(reverse("onboarding:staff_add", args=[school.slug])).content.decode()
    assert "Designated safeguarding lead" in page and "Headteacher" in page
    assert (
        client.post(reverse("onboarding:staff_add", args=[school.slug]), {"email": "a@example.test"}).status_code == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding:staff_add", args=[school.slug]),
            {
                "full_name": "Pat Green",
                "email": "pat@example.test",
                "roles": ["office", "governor"],
                "job_title": "Clerk",
            },
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    listing = client.get(reverse("onboarding:staff_list", args=[school.slug])).content.decode()
    assert "Pat Green" in listing and "has not chosen a password yet" in listing and "Clerk" in listing
    response = client.post(reverse("onboarding:staff_role_end", args=[school.slug, teacher.public_id, "teacher"]))
    assert response.status_code == 302
    assert not StaffRole.objects.current().filter(user=teacher).exists()


def test_role_names_follow_the_country():
    assert str(role_label(Role.HEADTEACHER, School.Country.UNITED_STATES)) == "Principal"
    assert str(role_label(Role.GOVERNOR, School.Country.UNITED_STATES)) == "Board member"
    assert str(role_label(Role.HEADTEACHER, School.Country.ENGLAND)) == "Headteacher"


def test_expired_link_asks_for_a_new_one_sent_to_the_address_on_record(
    client, school, head, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    user, _ = _invite(
        head, school, django_capture_on_commit_callbacks, email="k@example.test", full_name="K", roles=["teacher"]
    )
    invitation = StaffInvitation.objects.get(user=user)
    StaffInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(invitation_path(invitation))
    assert page.status_code == 410 and "This invitation has expired" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding:invitation_renew", args=[invitation_path(invitation).split("/")[-2]])
        )
    assert response.status_code == 200 and "A new link is on its way" in response.content.decode()
    assert [m.to for m in mailoutbox] == [["k@example.test"], ["k@example.test"]]
    newest = StaffInvitation.objects.filter(user=user).order_by("-created_at").first()
    assert newest != invitation and invitations.staff_invitation_status(newest) == "valid"
    invitation.refresh_from_db()
    assert client.get(invitation_path(invitation)).status_code == 410


def test_sending_twice_sends_once(school, head, mailoutbox):
    staff_invite(actor=head, school=school, email="z@example.test", full_name="Z", roles=["teacher"])
    invitation = StaffInvitation.objects.get()
    assert send_staff_invitation.run(invitation.pk) is True
    assert send_staff_invitation.run(invitation.pk) is False
    assert len(mailoutbox) == 1


def test_forged_link_is_refused(client):
    assert client.get(reverse("onboarding:invitation_accept", args=["forged"])).status_code == 400


@pytest.mark.parametrize("people", [3, 30])
def test_staff_page_takes_as_many_queries_for_30_people_as_for_3(
    client, school, head, people, django_assert_max_num_queries
):
    for number in range(people):
        staff_invite(
            actor=head, school=school, email=f"p{number}@example.test", full_name=f"P {number}", roles=["teacher"]
        )
    client.force_login(head)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("onboarding:staff_list", args=[school.slug]))
    assert response.content.decode().count("has not chosen a password yet") == people


def test_inviting_again_with_a_new_job_title_changes_it(school, head):
    kwargs = {"email": "kim@example.test", "full_name": "Kim", "roles": [Role.TEACHER]}
    staff_invite(actor=head, school=school, job_title="Class teacher", **kwargs)
    staff_invite(actor=head, school=school, job_title="Year 6 lead", **kwargs)
    assert StaffRole.objects.get(user__email="kim@example.test").job_title == "Year 6 lead"
    assert AuditEvent.objects.filter(action="onboarding.staff.job_title_changed").count() == 1
