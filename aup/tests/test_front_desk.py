"""The front desk (issue 13 item 7): visitors and volunteers sign the school's visitor agreement on the office's
tablet; the office lists them with the signed PDF; coverage counts them by day and month."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from aup import services_front_desk
from aup.evidence import agreement_content, content_sha256
from aup.models import Audience, Signature, SignatureRequest
from aup.services import SigningError, signature_record
from aup.tests.factories import AgreementFactory
from safeguard.audit.models import AuditEvent

STATEMENTS = [
    "I will wear my visitor badge at all times.",
    "I will not photograph pupils.",
    "I will report any concern about a child to the designated safeguarding lead.",
]


@pytest.fixture
def visitor_agreement(school):
    return AgreementFactory(
        version__policy__school=school,
        version__policy__title="Safeguarding Policy",
        audience=Audience.VISITOR,
        title="Visitor and volunteer agreement",
        introduction="Welcome. Please read and sign before you go further.",
        statements=STATEMENTS,
    )


def _kiosk_url(school, agreement):
    return reverse("aup:front_desk_kiosk", args=[school.slug, agreement.public_id])


def _form(agreement, **overrides):
    content = agreement_content(agreement)
    data = {
        "typed_name": "Priya Natarajan",
        "organisation": "Riverside Reading Volunteers",
        "role": "volunteer",
        "statements": [str(statement["number"]) for statement in content["statements"]],
        "shown_sha256": content_sha256(content),
        "drawn_signature": "",
    }
    data.update(overrides)
    return data


def _pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


class TestKiosk:
    def test_a_visitor_signs_with_the_evidence_and_the_office_downloads_the_pdf(
        self, client, school, office, visitor_agreement
    ):
        client.force_login(office)
        response = client.post(
            _kiosk_url(school, visitor_agreement),
            _form(visitor_agreement),
            HTTP_USER_AGENT="Tablet Browser/1.0",
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 302
        assert response["Location"] == _kiosk_url(school, visitor_agreement)
        request = SignatureRequest.objects.get(agreement=visitor_agreement)
        assert (request.visitor_name, request.visitor_organisation, request.visitor_role) == (
            "Priya Natarajan",
            "Riverside Reading Volunteers",
            "volunteer",
        )
        assert request.user is None and request.pupil is None
        assert request.status == SignatureRequest.Status.COMPLETED
        signature = request.signatures.get()
        assert signature.method == Signature.Method.FRONT_DESK
        assert signature.front_desk_by == office
        assert signature.typed_name == "Priya Natarajan"
        assert signature.ip_address == "203.0.113.9"
        assert signature.user_agent == "Tablet Browser/1.0"
        assert signature.content_sha256 == content_sha256(agreement_content(visitor_agreement))
        assert signature.statements_confirmed == [1, 2, 3]
        assert signature.signed_at.tzinfo is not None
        assert AuditEvent.objects.filter(action="aup.signature.recorded", actor=office).exists()

        download = client.get(reverse("aup:document_download", args=[school.slug, request.public_id]))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        text = _pdf_text(b"".join(download.streaming_content))
        assert "Priya Natarajan" in text
        assert "Riverside Reading Volunteers" in text
        assert f"Front desk, signed in by {office.full_name}" in text
        assert "203.0.113.9" in text
        assert signature.content_sha256 in text

    def test_after_a_signature_the_next_visitor_sees_an_empty_form(self, client, school, office, visitor_agreement):
        client.force_login(office)
        response = client.post(_kiosk_url(school, visitor_agreement), _form(visitor_agreement), follow=True)
        page = response.content.decode()
        assert "Thank you — you are signed in." in page
        assert "Priya Natarajan" not in page
        assert "Riverside Reading Volunteers" not in page
        assert not re.search(r'<input[^>]*name="statements"[^>]*checked', page)
        assert 'autocomplete="off"' in page
        # The browser keeps no copy to go back to.
        again = client.get(_kiosk_url(school, visitor_agreement))
        assert "no-store" in again["Cache-Control"]
        assert "Priya Natarajan" not in again.content.decode()

    def test_the_kiosk_shows_no_way_into_the_offices_pages(self, client, school, office, visitor_agreement):
        client.force_login(office)
        page = client.get(_kiosk_url(school, visitor_agreement)).content.decode()
        assert "Visitor and volunteer agreement" in page
        assert reverse("aup:front_desk", args=[school.slug]) not in page
        assert reverse("directory:school_home", args=[school.slug]) not in page
        assert "Sign out" not in page

    @pytest.mark.parametrize(
        ("field", "message"),
        [
            ("typed_name", "Please type your full name to sign."),
            ("organisation", "Please type the organisation you are with."),
        ],
    )
    def test_name_and_organisation_are_required(self, client, school, office, visitor_agreement, field, message):
        client.force_login(office)
        response = client.post(_kiosk_url(school, visitor_agreement), _form(visitor_agreement, **{field: "  "}))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not SignatureRequest.objects.filter(agreement=visitor_agreement).exists()

    def test_every_statement_must_be_ticked_and_nothing_is_left_behind(self, client, school, office, visitor_agreement):
        client.force_login(office)
        response = client.post(_kiosk_url(school, visitor_agreement), _form(visitor_agreement, statements=["1"]))
        assert "Please confirm every statement before signing." in response.content.decode()
        assert not SignatureRequest.objects.filter(agreement=visitor_agreement).exists()

    @pytest.mark.parametrize("persona", ["teacher", "dsl", "governor", "parent", "other_school_dsl"])
    def test_others_are_not_found(self, client, school, visitor_agreement, persona, request):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(_kiosk_url(school, visitor_agreement)).status_code == 404
        assert client.post(_kiosk_url(school, visitor_agreement), _form(visitor_agreement)).status_code == 404
        assert client.get(reverse("aup:front_desk", args=[school.slug])).status_code == 404
        assert not SignatureRequest.objects.filter(agreement=visitor_agreement).exists()

    def test_a_governor_agreement_has_no_kiosk(self, client, school, office):
        staff = AgreementFactory(version__policy__school=school, audience=Audience.GOVERNOR, title="Governor AUP")
        client.force_login(office)
        assert client.get(_kiosk_url(school, staff)).status_code == 404

    def test_a_visitor_request_cannot_be_signed_through_the_account_route(
        self, client, school, office, head, visitor_agreement
    ):
        services_front_desk.visitor_sign_in(
            actor=office,
            agreement=visitor_agreement,
            school=school,
            name="Sam Lee",
            organisation="Lee Electrical",
            role="visitor",
            statements_confirmed=[1, 2, 3],
            shown_sha256=content_sha256(agreement_content(visitor_agreement)),
        )
        request = SignatureRequest.objects.get(agreement=visitor_agreement)
        client.force_login(head)
        assert client.get(reverse("aup:sign", args=[request.public_id])).status_code == 404


class TestService:
    def _sign(self, actor, school, agreement, **overrides):
        kwargs = {
            "actor": actor,
            "agreement": agreement,
            "school": school,
            "name": "Sam Lee",
            "organisation": "Lee Electrical",
            "role": "visitor",
            "statements_confirmed": [1, 2, 3],
            "shown_sha256": content_sha256(agreement_content(agreement)),
        }
        kwargs.update(overrides)
        return services_front_desk.visitor_sign_in(**kwargs)

    def test_a_teacher_may_not_run_the_front_desk(self, school, teacher, visitor_agreement):
        with pytest.raises(PermissionError):
            self._sign(teacher, school, visitor_agreement)
        assert not SignatureRequest.objects.exists()

    def test_each_arrival_is_its_own_signature(self, school, office, visitor_agreement):
        first = self._sign(office, school, visitor_agreement)
        second = self._sign(office, school, visitor_agreement)
        assert first.request_id != second.request_id
        assert SignatureRequest.objects.filter(agreement=visitor_agreement, status="completed").count() == 2

    def test_a_visitor_signature_cannot_be_made_by_another_route(self, school, office, visitor_agreement):
        request = self._sign(office, school, visitor_agreement).request
        request.signatures.update(revoked_at=timezone.now())
        with pytest.raises(SigningError) as error:
            signature_record(
                request=request,
                party=Signature.Party.SIGNER,
                method=Signature.Method.PASSWORD_SESSION,
                signer_user=office,
                typed_name="Sam Lee",
                statements_confirmed=[1, 2, 3],
                shown_sha256=content_sha256(agreement_content(visitor_agreement)),
            )
        assert error.value.code == "not_allowed"

    def test_a_headteacher_countersignature_completes_a_visitor_agreement(self, school, office, head):
        agreement = AgreementFactory(
            version__policy__school=school,
            audience=Audience.VOLUNTEER,
            title="Volunteer agreement",
            countersignature="headteacher",
            statements=STATEMENTS,
        )
        signature = self._sign(office, school, agreement, role="volunteer")
        request = signature.request
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.PARTLY_SIGNED
        signature_record(
            request=request,
            party=Signature.Party.HEADTEACHER,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=head,
            typed_name=head.full_name,
            statements_confirmed=[1, 2, 3],
            shown_sha256=content_sha256(agreement_content(agreement)),
        )
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.COMPLETED

    def test_the_role_must_be_visitor_or_volunteer(self, school, office, visitor_agreement):
        with pytest.raises(SigningError) as error:
            self._sign(office, school, visitor_agreement, role="staff")
        assert error.value.code == "role"

    def test_another_schools_agreement_is_refused(self, school, other_school, office):
        theirs = AgreementFactory(version__policy__school=other_school, audience=Audience.VISITOR, title="Visitors")
        with pytest.raises(SigningError) as error:
            self._sign(office, school, theirs)
        assert error.value.code == "not_front_desk"


class TestOfficeList:
    def test_the_office_sees_todays_and_past_visitors_with_the_pdf(self, client, school, office, visitor_agreement):
        now = timezone.now()
        digest = content_sha256(agreement_content(visitor_agreement))
        common = {"actor": office, "agreement": visitor_agreement, "school": school, "statements_confirmed": [1, 2, 3]}
        today = services_front_desk.visitor_sign_in(
            name="Ana Costa", organisation="County Music", role="visitor", shown_sha256=digest, now=now, **common
        )
        services_front_desk.visitor_sign_in(
            name="Ben Okafor",
            organisation="Parents' association",
            role="volunteer",
            shown_sha256=digest,
            now=now - datetime.timedelta(days=3),
            **common,
        )
        client.force_login(office)
        page = client.get(reverse("aup:front_desk", args=[school.slug])).content.decode()
        assert "Ana Costa" in page and "County Music" in page
        assert "Ben Okafor" not in page
        assert reverse("aup:document_download", args=[school.slug, today.request.public_id]) in page
        assert _kiosk_url(school, visitor_agreement) in page
        past = client.get(reverse("aup:front_desk", args=[school.slug]), {"day": "all"}).content.decode()
        assert "Ana Costa" in past and "Ben Okafor" in past
        day = school.today(now - datetime.timedelta(days=3)).isoformat()
        that_day = client.get(reverse("aup:front_desk", args=[school.slug]), {"day": day}).content.decode()
        assert "Ben Okafor" in that_day and "Ana Costa" not in that_day

    def test_the_office_opens_a_visitors_evidence(self, client, school, office, visitor_agreement):
        signature = services_front_desk.visitor_sign_in(
            actor=office,
            agreement=visitor_agreement,
            school=school,
            name="Ana Costa",
            organisation="County Music",
            role="visitor",
            statements_confirmed=[1, 2, 3],
            shown_sha256=content_sha256(agreement_content(visitor_agreement)),
            ip_address="198.51.100.23",
        )
        client.force_login(office)
        url = reverse("aup:request_detail", args=[school.slug, signature.request.public_id])
        assert url in client.get(reverse("aup:front_desk", args=[school.slug])).content.decode()
        page = client.get(url).content.decode()
        assert "Ana Costa · County Music" in page
        assert "Front desk, signed in by" in page and escape(office.full_name) in page  # "O'Neill" is escaped
        assert "198.51.100.23" in page

    def test_the_school_home_links_to_the_front_desk(self, client, school, office):
        client.force_login(office)
        page = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
        assert reverse("aup:front_desk", args=[school.slug]) in page


class TestCoverage:
    def test_coverage_counts_visitors_by_day_and_month(self, client, school, office, visitor_agreement):
        now = timezone.now()
        digest = content_sha256(agreement_content(visitor_agreement))
        for index, role in enumerate(["visitor", "visitor", "volunteer"]):
            services_front_desk.visitor_sign_in(
                actor=office,
                agreement=visitor_agreement,
                school=school,
                name=f"Visitor {index}",
                organisation="Somewhere",
                role=role,
                statements_confirmed=[1, 2, 3],
                shown_sha256=digest,
                now=now,
            )
        client.force_login(office)
        response = client.get(reverse("aup:coverage", args=[school.slug, visitor_agreement.public_id]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "3 visitor and volunteer signatures at the front desk" in page
        assert "Visitor: 2" in page and "Volunteer: 1" in page
        counts = response.context["counts"]
        assert counts["by_day"][0] == (school.today(now), 3)
        assert counts["by_month"][0] == (school.today(now).replace(day=1), 3)
        assert "%" not in re.sub(r"<style.*?</style>", "", page.split('id="visitor-total"')[1], flags=re.S)
