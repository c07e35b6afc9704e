"""Signing by every route through the pages people use: a parent's e-mailed link, a parent's account, a pupil in class
under a teacher's session, a new member of staff held at sign-in, and the headteacher's authorisation.

Also: a link for one pupil cannot sign for another, a parent without parental responsibility is refused, a second
submission makes no second signature, nothing is pre-ticked, and the page shows the SHA-256 it signs.
"""

import base64
import datetime
import html
import io
import re

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import Signature, SignatureRequest
from aup.tasks import send_agreement_reminders, send_signature_request
from aup.tests.factories import AgreementFactory, pupil_agreement, staff_agreement
from aup.tokens import signing_token
from safeguard import datacache, panels
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

STATEMENT_INPUT = re.compile(r'<input[^>]*name="statements"[^>]*>')


@pytest.fixture
def guardian_link(guardian_link):
    """The pupil's mother, Dana Whitfield: the name the tests type to sign (it is checked against the record)."""
    guardian = guardian_link.guardian
    guardian.first_name, guardian.last_name = "Dana", "Whitfield"
    guardian.save(update_fields=["first_name", "last_name"])
    return guardian_link


def _png_data_url():
    image = Image.new("RGBA", (60, 20), (255, 255, 255, 0))
    for x in range(5, 55):
        image.putpixel((x, 10), (11, 31, 77, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _form(agreement, **overrides):
    """What the signing page posts when every statement is ticked."""
    content = agreement_content(agreement)
    data = {
        "statements": [str(statement["number"]) for statement in content["statements"]],
        "typed_name": "Dana Whitfield",
        "shown_sha256": content_sha256(content),
        "drawn_signature": "",
    }
    data.update(overrides)
    return data


def _sign_with_service(request, **kwargs):
    content = agreement_content(request.agreement)
    return services.signature_record(
        request=request,
        typed_name=kwargs.pop("typed_name", "Someone Signing"),
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
        **kwargs,
    )


@pytest.fixture
def agreement(school):
    return pupil_agreement(school)


@pytest.fixture
def pupil_request(agreement, office, pupil):
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=pupil.school, pupil=pupil)
    return request


@pytest.fixture
def guardian(guardian_link):
    return guardian_link.guardian


@pytest.fixture
def link(pupil_request, guardian):
    return reverse("aup:sign_by_link", args=[signing_token(pupil_request, guardian)])


@pytest.fixture
def class_teacher(teacher, pupil):
    pupil.school_class.teachers.add(teacher)
    return teacher


@pytest.mark.django_db
class TestParentByLink:
    def test_parent_without_an_account_signs_from_the_emailed_link(self, client, link, pupil_request, guardian):
        page = client.get(link, HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
        assert page.status_code == 200
        assert "Pupil acceptable use agreement" in page.text
        assert "I will not share my password." in page.text
        pupil_request.refresh_from_db()
        assert pupil_request.first_viewed_at is not None

        response = client.post(
            link,
            _form(pupil_request.agreement, drawn_signature=_png_data_url()),
            HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
            REMOTE_ADDR="203.0.113.7",
        )

        assert response.status_code == 302
        signature = Signature.objects.get(request=pupil_request)
        assert signature.party == Signature.Party.PARENT
        assert signature.method == Signature.Method.INVITATION_LINK
        assert signature.signer_guardian == guardian
        assert signature.signer_user is None
        assert signature.ip_address == "203.0.113.7"
        assert signature.user_agent == "Mozilla/5.0 (iPhone)"
        assert signature.drawn_signature.startswith("data:image/png;base64,")
        assert signature.statements_confirmed == [1, 2, 3]
        done = client.get(response.url)
        assert "Waiting for your child to sign in class" in done.text
        assert "Download the signed PDF" not in done.text

    def test_emailed_request_carries_a_link_that_opens_the_signing_page(self, client, pupil_request, guardian):
        send_signature_request.run(pupil_request.pk)

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [guardian.email]
        assert "Pupil acceptable use agreement" in message.subject
        path = re.search(r"https?://[^/\s]+(/agreements/sign/link/[^/\s]+/)", message.body).group(1)
        assert client.get(path).status_code == 200

    def test_reminder_says_how_long_ago_and_links_to_the_same_page(self, client, pupil_request, guardian):
        send_signature_request.run(pupil_request.pk)
        pupil_request.refresh_from_db()

        send_agreement_reminders.run(now=pupil_request.sent_at + datetime.timedelta(days=8))

        reminder = mail.outbox[-1]
        assert reminder.subject.startswith("Reminder from Demo Primary School")
        assert "asked you 7 days ago" in reminder.body
        assert "concern" not in reminder.body.lower()
        path = re.search(r"https?://[^/\s]+(/agreements/sign/link/[^/\s]+/)", reminder.body).group(1)
        assert client.get(path).status_code == 200

    def test_tampered_link_is_refused_and_nothing_is_signed(self, client, pupil_request, guardian):
        token = signing_token(pupil_request, guardian)
        tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
        url = reverse("aup:sign_by_link", args=[tampered])

        assert client.get(url).status_code == 400
        response = client.post(url, _form(pupil_request.agreement))

        assert response.status_code == 400
        assert "This link is not valid" in response.text
        assert not Signature.objects.exists()

    def test_link_for_one_pupil_cannot_sign_for_another(self, client, school, agreement, office, pupil, guardian):
        sibling = factories.PupilFactory(school=school, legal_first_name="Noah", legal_last_name="Whitfield")
        other_request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=school, pupil=sibling
        )
        own_request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)
        # Swap the request inside a genuine link: without the key the signature cannot be redone.
        token = signing_token(own_request, guardian)
        forged_payload = signing.dumps(
            {"r": str(other_request.public_id), "g": str(guardian.public_id)}, salt="another-salt", compress=True
        )
        forged = forged_payload.split(":")[0] + ":" + ":".join(token.split(":")[1:])
        url = reverse("aup:sign_by_link", args=[forged])

        response = client.post(url, _form(agreement))

        assert response.status_code == 400
        assert not Signature.objects.exists()
        # The genuine link signs its own pupil's request and no other.
        client.post(reverse("aup:sign_by_link", args=[token]), _form(agreement))
        assert list(Signature.objects.values_list("request__pupil", flat=True)) == [pupil.pk]

    def test_a_genuine_link_whose_guardian_has_no_parental_responsibility_is_refused_clearly(
        self, client, school, pupil_request, pupil
    ):
        relative = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=False).guardian
        url = reverse("aup:sign_by_link", args=[signing_token(pupil_request, relative)])

        response = client.post(url, _form(pupil_request.agreement))

        assert response.status_code == 403
        assert "Only a parent or carer with parental responsibility" in response.text
        assert not Signature.objects.exists()

    def test_link_naming_a_guardian_of_another_school_is_not_valid(self, client, pupil_request, other_school):
        stranger = factories.GuardianFactory(school=other_school)
        url = reverse("aup:sign_by_link", args=[signing_token(pupil_request, stranger)])

        assert client.post(url, _form(pupil_request.agreement)).status_code == 400
        assert not Signature.objects.exists()

    def test_second_submission_of_the_same_form_makes_no_second_signature(self, client, link, pupil_request):
        first = client.post(link, _form(pupil_request.agreement) | {"party": "parent"})
        second = client.post(link, _form(pupil_request.agreement) | {"party": "parent"})

        assert first.status_code == second.status_code == 302
        assert Signature.objects.filter(request=pupil_request).count() == 1
        assert "already signed" in client.get(second.url).text


@pytest.mark.django_db
class TestTheSigningPage:
    def test_nothing_is_ticked_and_the_sha256_to_be_signed_is_shown(self, client, parent, pupil_request):
        client.force_login(parent)

        page = client.get(reverse("aup:sign", args=[pupil_request.public_id]))

        statements = STATEMENT_INPUT.findall(page.text)
        assert len(statements) == 3
        assert all("checked" not in tag for tag in statements)
        digest = content_sha256(agreement_content(pupil_request.agreement))
        assert f'name="shown_sha256" value="{digest}"' in page.text
        assert f"<code data-content-sha256>{digest}</code>" in page.text

    def test_policy_text_is_rendered_from_markdown_and_sanitised(self, client, parent, school, pupil):
        agreement = pupil_agreement(
            school,
            version__body_markdown="# Online safety\n\nWe **never** share passwords.\n\n<script>alert(1)</script>",
        )
        request, _ = services.signature_request_open(actor=None, agreement=agreement, school=school, pupil=pupil)
        client.force_login(parent)

        page = client.get(reverse("aup:sign", args=[request.public_id]))

        assert "<strong>never</strong>" in page.text
        assert "<script>alert(1)</script>" not in page.text

    def test_a_refused_signature_keeps_the_name_and_ticks(self, client, parent, pupil_request):
        client.force_login(parent)
        url = reverse("aup:sign", args=[pupil_request.public_id])

        response = client.post(url, _form(pupil_request.agreement, statements=["1", "3"]))

        assert response.status_code == 200
        assert "Please confirm every statement before signing." in response.text
        assert 'value="Dana Whitfield"' in response.text
        ticked = [tag for tag in STATEMENT_INPUT.findall(response.text) if "checked" in tag]
        assert len(ticked) == 2
        assert not Signature.objects.exists()

    def test_a_refused_signature_opens_with_the_error_summary(self, client, parent, pupil_request):
        client.force_login(parent)
        url = reverse("aup:sign", args=[pupil_request.public_id])

        response = client.post(url, _form(pupil_request.agreement, statements=["1"]))

        summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
        assert 'role="alert"' in response.text.split('class="error-summary"', 1)[1][:80]
        assert "There is a problem" in summary
        assert "Please confirm every statement before signing." in summary

    def test_a_changed_agreement_is_shown_again_with_its_new_hash(self, client, parent, pupil_request):
        client.force_login(parent)
        url = reverse("aup:sign", args=[pupil_request.public_id])
        data = _form(pupil_request.agreement)
        statement = pupil_request.agreement.statements.get(order=2)
        statement.text = "I will not share my password with anyone, even a friend."
        statement.save()

        response = client.post(url, data)

        assert "The agreement changed while you were reading it" in response.text
        assert content_sha256(agreement_content(pupil_request.agreement)) in response.text
        assert "even a friend" in response.text
        assert not Signature.objects.exists()


@pytest.mark.django_db
class TestParentAccount:
    def test_parent_signs_from_their_account(self, client, parent, guardian, pupil_request):
        client.force_login(parent)
        url = reverse("aup:sign", args=[pupil_request.public_id])

        assert client.get(url).status_code == 200
        response = client.post(url, _form(pupil_request.agreement), REMOTE_ADDR="198.51.100.4")

        assert response.url == reverse("aup:signed", args=[pupil_request.public_id])
        signature = Signature.objects.get(request=pupil_request)
        assert signature.method == Signature.Method.PASSWORD_SESSION
        assert (signature.signer_user, signature.signer_guardian) == (parent, guardian)
        assert signature.first_viewed_at is not None
        pupil_request.refresh_from_db()
        assert pupil_request.status == SignatureRequest.Status.PARTLY_SIGNED

    def test_parent_home_lists_the_form_to_sign_until_it_is_signed(self, client, parent, pupil_request):
        client.force_login(parent)

        home = client.get(reverse("directory:parent_home"))
        assert "Forms to sign" in home.text
        assert reverse("aup:sign", args=[pupil_request.public_id]) in home.text

        client.post(reverse("aup:sign", args=[pupil_request.public_id]), _form(pupil_request.agreement))
        home = client.get(reverse("directory:parent_home"))
        assert reverse("aup:sign", args=[pupil_request.public_id]) not in home.text

    def test_parent_without_parental_responsibility_gets_404_and_nothing_is_created(self, client, pupil, pupil_request):
        link = factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=False)
        user = factories.UserFactory(email=link.guardian.email)
        link.guardian.user = user
        link.guardian.save()
        client.force_login(user)
        url = reverse("aup:sign", args=[pupil_request.public_id])

        assert client.get(url).status_code == 404
        assert client.post(url, _form(pupil_request.agreement)).status_code == 404
        assert not Signature.objects.exists()
        assert (
            reverse("aup:sign", args=[pupil_request.public_id]) not in client.get(reverse("directory:parent_home")).text
        )

    def test_staff_of_the_school_cannot_sign_a_pupils_request(self, client, office, dsl, pupil_request):
        for user in (office, dsl):
            client.force_login(user)
            assert client.get(reverse("aup:sign", args=[pupil_request.public_id])).status_code == 404

    def test_parent_signs_for_a_young_pupil_then_as_parent(self, client, parent, school, pupil):
        agreement = pupil_agreement(school, parent_may_sign_for_pupil=True)
        request, _ = services.signature_request_open(actor=None, agreement=agreement, school=school, pupil=pupil)
        client.force_login(parent)
        url = reverse("aup:sign", args=[request.public_id])
        assert "I am signing on my child&#x27;s behalf" in client.get(url).text

        client.post(url, _form(agreement, on_behalf_of_pupil="on"))
        on_behalf = Signature.objects.get(request=request)
        assert (on_behalf.party, on_behalf.on_behalf_of_pupil) == (Signature.Party.PUPIL, True)
        done = client.get(reverse("aup:signed", args=[request.public_id]))
        assert "Continue signing" in done.text

        client.post(url, _form(agreement))
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.COMPLETED
        assert set(request.signatures.values_list("party", flat=True)) == {"pupil", "parent"}

    def test_the_on_behalf_tick_is_not_offered_when_the_agreement_does_not_allow_it(
        self, client, parent, pupil_request
    ):
        client.force_login(parent)
        url = reverse("aup:sign", args=[pupil_request.public_id])

        assert "on my child" not in client.get(url).text
        client.post(url, _form(pupil_request.agreement, on_behalf_of_pupil="on"))
        assert Signature.objects.get(request=pupil_request).party == Signature.Party.PARENT


@pytest.mark.django_db
class TestPupilInClass:
    def test_pupil_signs_under_the_teachers_session_and_the_parent_completes_it(
        self, client, class_teacher, agreement, pupil, guardian_link, django_capture_on_commit_callbacks
    ):
        client.force_login(class_teacher)
        class_list = reverse("aup:class_signing", args=[pupil.school.slug])
        query = {"agreement": str(agreement.public_id), "class": str(pupil.school_class.pk)}

        listing = client.get(class_list, query)
        assert "Amara Whitfield" in listing.text
        assert "Not signed" in listing.text
        sign_url = reverse("aup:pupil_sign", args=[pupil.school.slug, agreement.public_id, pupil.public_id])
        page = client.get(sign_url)
        assert page.status_code == 200
        assert f"Signing with {html.escape(class_teacher.get_full_name())} present" in page.text

        response = client.post(sign_url, _form(agreement, typed_name="Amara Whitfield"), REMOTE_ADDR="10.0.0.5")

        assert response.status_code == 302
        assert response.url.startswith(class_list)
        signature = Signature.objects.get(request__pupil=pupil)
        assert (signature.party, signature.method) == (Signature.Party.PUPIL, Signature.Method.TEACHER_PRESENT)
        assert signature.teacher_present == class_teacher
        assert signature.signer_pupil == pupil
        listing = client.get(response.url)
        assert "Well done, Amara! Your agreement is signed." in listing.text
        assert "Waiting for parent" in listing.text

        with django_capture_on_commit_callbacks():
            _sign_with_service(
                signature.request,
                party=Signature.Party.PARENT,
                method=Signature.Method.INVITATION_LINK,
                signer_guardian=guardian_link.guardian,
            )
        assert "Signed" in client.get(class_list, query).text
        assert SignatureRequest.objects.get(pupil=pupil).status == SignatureRequest.Status.COMPLETED

    def test_a_pupil_who_has_signed_is_sent_back_to_the_class(self, client, class_teacher, agreement, pupil):
        client.force_login(class_teacher)
        sign_url = reverse("aup:pupil_sign", args=[pupil.school.slug, agreement.public_id, pupil.public_id])
        client.post(sign_url, _form(agreement, typed_name="Amara Whitfield"))

        again = client.post(sign_url, _form(agreement, typed_name="Amara Whitfield"))

        assert again.status_code == 302
        assert Signature.objects.count() == 1

    def test_teacher_cannot_open_a_pupil_outside_their_classes_or_school(
        self, client, teacher, agreement, pupil, other_pupil
    ):
        client.force_login(teacher)  # teaches no class
        for target in (pupil, other_pupil):
            url = reverse("aup:pupil_sign", args=[pupil.school.slug, agreement.public_id, target.public_id])
            assert client.get(url).status_code == 404
        assert not SignatureRequest.objects.exists()

    def test_headteacher_may_choose_any_class(self, client, head, agreement, pupil):
        client.force_login(head)
        sign_url = reverse("aup:pupil_sign", args=[pupil.school.slug, agreement.public_id, pupil.public_id])
        assert client.get(sign_url).status_code == 200

    def test_class_list_costs_the_same_queries_for_3_and_30_pupils(self, client, class_teacher, agreement, pupil):
        client.force_login(class_teacher)
        url = reverse("aup:class_signing", args=[pupil.school.slug])
        query = {"agreement": str(agreement.public_id), "class": str(pupil.school_class.pk)}

        def count_for(size):
            existing = pupil.school_class.pupils.count()
            for _ in range(size - existing):
                extra = factories.PupilFactory(school=pupil.school, school_class=pupil.school_class)
                request, _ = services.signature_request_open(
                    actor=None, agreement=agreement, school=pupil.school, pupil=extra
                )
                _sign_with_service(
                    request,
                    party=Signature.Party.PUPIL,
                    method=Signature.Method.TEACHER_PRESENT,
                    teacher_present=class_teacher,
                )
            client.get(url, query)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, query)
            assert response.text.count("list-group-item d-flex") == size
            return len(queries)

        assert count_for(3) == count_for(30)


@pytest.mark.django_db
class TestStaffAtSignIn:
    def test_new_teacher_is_held_at_the_gate_signs_then_reaches_their_home(self, client, school, teacher):
        agreement = AgreementFactory(
            version__policy__school=school, audience="staff", title="Staff acceptable use agreement"
        )
        client.force_login(teacher)

        held = client.get(reverse("home"))
        assert held.status_code == 302
        assert held.url.startswith(reverse("aup:staff_gate"))
        assert client.get(reverse("directory:school_home", args=[school.slug])).status_code == 302
        gate = client.get(held.url)
        assert "You need to sign these before you can use Safeguard" in gate.text
        request = SignatureRequest.objects.get(user=teacher, agreement=agreement)
        sign_url = reverse("aup:sign", args=[request.public_id])
        assert sign_url in gate.text

        assert client.get(sign_url).status_code == 200
        signed = client.post(sign_url, _form(agreement, typed_name=teacher.full_name))
        assert signed.status_code == 302
        assert Signature.objects.get(request=request).party == Signature.Party.SIGNER

        home = client.get(reverse("home"), follow=True)
        assert home.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
        assert home.status_code == 200
        assert client.session[GATE_CLEAR_SESSION_KEY] is True

    def test_once_clear_the_gate_costs_no_queries(self, client, school, teacher, monkeypatch):
        client.force_login(teacher)
        client.get(reverse("directory:school_home", args=[school.slug]))  # checks once, finds nothing outstanding
        assert client.session[GATE_CLEAR_SESSION_KEY] is True
        staff_agreement(school)  # approved mid-session: met at the next sign-in
        checks = []
        real_check = services.staff_agreements_outstanding
        monkeypatch.setattr(services, "staff_agreements_outstanding", lambda user: checks.append(user) or [])

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("directory:school_home", args=[school.slug])).status_code == 200
        assert checks == []
        assert not any("aup_signaturerequest" in query["sql"] for query in queries.captured_queries)
        monkeypatch.setattr(services, "staff_agreements_outstanding", real_check)

        client.logout()
        client.force_login(teacher)
        assert client.get(reverse("home")).url.startswith(reverse("aup:staff_gate"))

    def test_held_staff_can_still_change_language_and_sign_out(self, client, school, governor):
        AgreementFactory(
            version__policy__school=school, audience="governor", title="Governor code of conduct", statements=["x"]
        )
        client.force_login(governor)
        assert client.get(reverse("home")).url.startswith(reverse("aup:staff_gate"))
        assert client.get(reverse("accounts:language")).status_code == 200
        assert client.post(reverse("accounts:logout")).status_code == 302

    def test_parents_are_never_held(self, client, school, parent, pupil_request):
        staff_agreement(school)
        client.force_login(parent)
        assert client.get(reverse("directory:parent_home")).status_code == 200


@pytest.mark.django_db
class TestHeadteacherAuthorisation:
    def _head_has_signed_their_own(self, head, school, agreement):
        own, _ = services.signature_request_open(actor=head, agreement=agreement, school=school, user=head)
        _sign_with_service(own, party="signer", method="password_session", signer_user=head)
        _sign_with_service(own, party="headteacher", method="password_session", signer_user=head)

    def test_headteacher_authorisation_completes_a_staff_agreement(
        self, client, school, teacher, head, django_capture_on_commit_callbacks
    ):
        agreement = staff_agreement(school)
        self._head_has_signed_their_own(head, school, agreement)
        client.force_login(teacher)
        client.get(reverse("home"))
        request = SignatureRequest.objects.get(user=teacher, agreement=agreement)
        done = client.post(
            reverse("aup:sign", args=[request.public_id]), _form(agreement, typed_name=teacher.full_name)
        )
        assert "Waiting for the headteacher to authorise it." in client.get(done.url).text

        client.force_login(head)
        home = client.get(reverse("directory:school_home", args=[school.slug]))
        assert "1 staff agreement awaits your authorisation." in home.text
        queue = client.get(reverse("aup:countersign_queue", args=[school.slug]))
        assert html.escape(teacher.get_full_name()) in queue.text
        sign_url = reverse("aup:sign", args=[request.public_id])
        assert sign_url in queue.text
        page = client.get(sign_url)
        assert "As headteacher, you authorise it by signing below." in page.text

        with django_capture_on_commit_callbacks() as callbacks:
            client.post(sign_url, _form(agreement, typed_name=head.full_name))

        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.COMPLETED
        authorisation = request.signatures.get(party=Signature.Party.HEADTEACHER)
        assert authorisation.signer_user == head
        assert len([c for c in callbacks if not datacache.is_version_bump(c)]) == 1  # the signed PDF is queued
        assert sign_url not in client.get(reverse("aup:countersign_queue", args=[school.slug])).text

    def test_headteacher_waits_for_the_member_of_staff(self, client, school, teacher, head):
        agreement = staff_agreement(school)
        self._head_has_signed_their_own(head, school, agreement)
        request, _ = services.signature_request_open(actor=teacher, agreement=agreement, school=school, user=teacher)
        client.force_login(head)

        response = client.post(reverse("aup:sign", args=[request.public_id]), _form(agreement))

        assert response.status_code == 302
        assert "has not signed this agreement yet" in client.get(response.url).text
        assert not request.signatures.exists()

    def test_another_schools_head_and_other_staff_cannot_authorise(self, client, school, other_school, teacher, slt):
        agreement = staff_agreement(school)
        request, _ = services.signature_request_open(actor=teacher, agreement=agreement, school=school, user=teacher)
        other_head = factories.UserFactory()
        factories.StaffRoleFactory(user=other_head, school=other_school, role=Role.HEADTEACHER)
        for user in (other_head, slt):
            client.force_login(user)
            assert client.get(reverse("aup:sign", args=[request.public_id])).status_code == 404


@pytest.mark.django_db
class TestPanels:
    def test_parent_panel_costs_the_same_queries_for_one_child_and_four(self, parent, guardian, school, agreement):
        def count():
            with CaptureQueriesContext(connection) as queries:
                found = panels.collect("parent_home", user=parent)
            return len(queries), len(found[0]["context"]["requests"])

        child = factories.PupilGuardianFactory(guardian=guardian, pupil__school=school).pupil
        services.signature_request_open(actor=None, agreement=agreement, school=school, pupil=child)
        one = count()
        for _ in range(3):
            child = factories.PupilGuardianFactory(guardian=guardian, pupil__school=school).pupil
            services.signature_request_open(actor=None, agreement=agreement, school=school, pupil=child)
        four = count()
        assert (one[1], four[1]) == (1, 4)
        assert one[0] == four[0]

    def test_teachers_see_class_signing_on_the_school_home(self, client, school, teacher, office):
        client.force_login(teacher)
        assert (
            reverse("aup:class_signing", args=[school.slug])
            in client.get(reverse("directory:school_home", args=[school.slug])).text
        )
        client.force_login(office)
        assert "Pupil agreements in class" not in client.get(reverse("directory:school_home", args=[school.slug])).text
