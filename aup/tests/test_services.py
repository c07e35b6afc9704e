"""Signing services: every route, countersignatures, repeats, tampering, revoking, paper returns."""

import datetime

import pytest
from django.urls import reverse

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest
from aup.tests.factories import pupil_agreement, staff_agreement
from safeguard import datacache
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories

NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school)


@pytest.fixture
def request_for_pupil(agreement, office, pupil):
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=pupil.school, pupil=pupil)
    return request


def _sign(request, **kwargs):
    content = agreement_content(request.agreement)
    defaults = {
        "typed_name": "Jane Whitfield",
        "statements_confirmed": [s["number"] for s in content["statements"]],
        "shown_sha256": content_sha256(content),
        "ip_address": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (iPhone)",
        "now": NOW,
    }
    defaults.update(kwargs)
    return services.signature_record(request=request, **defaults)


@pytest.mark.django_db
class TestPupilAgreementWithParentCountersignature:
    def test_parent_signature_alone_leaves_it_waiting_for_the_pupil(self, request_for_pupil, parent, guardian_link):
        signature, created = _sign(
            request_for_pupil,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
        )
        assert created
        request_for_pupil.refresh_from_db()
        assert request_for_pupil.status == SignatureRequest.Status.PARTLY_SIGNED
        assert signature.ip_address == "203.0.113.9"
        assert signature.content_sha256 == content_sha256(signature.content)

    def test_teacher_led_pupil_signature_completes_it(
        self, request_for_pupil, parent, guardian_link, teacher, django_capture_on_commit_callbacks
    ):
        _sign(
            request_for_pupil,
            party=Signature.Party.PARENT,
            method=Signature.Method.INVITATION_LINK,
            signer_guardian=guardian_link.guardian,
        )
        with django_capture_on_commit_callbacks() as callbacks:
            signature, _ = _sign(
                request_for_pupil,
                party=Signature.Party.PUPIL,
                method=Signature.Method.TEACHER_PRESENT,
                teacher_present=teacher,
                typed_name="Amara Whitfield",
            )
        request_for_pupil.refresh_from_db()
        assert request_for_pupil.status == SignatureRequest.Status.COMPLETED
        assert signature.teacher_present == teacher
        assert signature.signer_pupil == request_for_pupil.pupil
        assert len([c for c in callbacks if not datacache.is_version_bump(c)]) == 1  # the PDF is rendered after commit

    def test_a_second_submission_makes_no_second_signature(self, request_for_pupil, parent, guardian_link):
        kwargs = dict(
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
        )
        first, _ = _sign(request_for_pupil, **kwargs)
        again, created = _sign(request_for_pupil, **kwargs)
        assert not created and again == first
        assert Signature.objects.count() == 1

    def test_a_parent_without_parental_responsibility_cannot_sign(self, request_for_pupil, parent, guardian_link):
        guardian_link.has_parental_responsibility = False
        guardian_link.save()
        with pytest.raises(services.SigningError) as error:
            _sign(
                request_for_pupil,
                party=Signature.Party.PARENT,
                method=Signature.Method.PASSWORD_SESSION,
                signer_user=parent,
                signer_guardian=guardian_link.guardian,
            )
        assert error.value.code == "no_parental_responsibility"
        assert not Signature.objects.exists()

    def test_a_parent_of_another_pupil_cannot_sign(self, request_for_pupil, school):
        stranger = factories.PupilGuardianFactory(pupil=factories.PupilFactory(school=school)).guardian
        with pytest.raises(services.SigningError):
            _sign(
                request_for_pupil,
                party=Signature.Party.PARENT,
                method=Signature.Method.INVITATION_LINK,
                signer_guardian=stranger,
            )

    def test_a_pupil_cannot_sign_without_a_teacher_present(self, request_for_pupil, governor):
        with pytest.raises(services.SigningError):
            _sign(
                request_for_pupil,
                party=Signature.Party.PUPIL,
                method=Signature.Method.TEACHER_PRESENT,
                teacher_present=governor,
            )

    def test_every_statement_must_be_confirmed(self, request_for_pupil, parent, guardian_link):
        with pytest.raises(services.SigningError) as error:
            _sign(
                request_for_pupil,
                party=Signature.Party.PARENT,
                method=Signature.Method.PASSWORD_SESSION,
                signer_user=parent,
                signer_guardian=guardian_link.guardian,
                statements_confirmed=[1, 2],
            )
        assert error.value.code == "statements"

    def test_text_changed_while_reading_is_not_signed(self, request_for_pupil, parent, guardian_link):
        with pytest.raises(services.SigningError) as error:
            _sign(
                request_for_pupil,
                party=Signature.Party.PARENT,
                method=Signature.Method.PASSWORD_SESSION,
                signer_user=parent,
                signer_guardian=guardian_link.guardian,
                shown_sha256="0" * 64,
            )
        assert error.value.code == "changed"

    def test_a_forged_drawing_is_refused(self, request_for_pupil, parent, guardian_link):
        with pytest.raises(services.SigningError):
            _sign(
                request_for_pupil,
                party=Signature.Party.PARENT,
                method=Signature.Method.PASSWORD_SESSION,
                signer_user=parent,
                signer_guardian=guardian_link.guardian,
                drawn_signature="data:image/png;base64,PHNjcmlwdD4=",
            )

    def test_signing_writes_an_audit_event(self, request_for_pupil, parent, guardian_link):
        _sign(
            request_for_pupil,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
        )
        event = AuditEvent.objects.get(action="aup.signature.recorded")
        assert event.actor == parent and event.data["party"] == "parent"


@pytest.mark.django_db
class TestStaffAgreement:
    def test_new_staff_are_held_until_they_sign_and_the_head_completes_it(self, school, academic_year, teacher, head):
        agreement = staff_agreement(school)
        outstanding = services.staff_agreements_outstanding(teacher)
        assert [r.agreement for r in outstanding] == [agreement]
        request = outstanding[0]
        _sign(request, party=Signature.Party.SIGNER, method=Signature.Method.PASSWORD_SESSION, signer_user=teacher)
        assert services.staff_agreements_outstanding(teacher) == []
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.PARTLY_SIGNED
        _sign(request, party=Signature.Party.HEADTEACHER, method=Signature.Method.PASSWORD_SESSION, signer_user=head)
        request.refresh_from_db()
        assert request.status == SignatureRequest.Status.COMPLETED

    def test_only_the_headteacher_authorises(self, school, academic_year, teacher, slt):
        request = services.staff_agreements_outstanding(teacher)[0] if staff_agreement(school) else None
        _sign(request, party=Signature.Party.SIGNER, method=Signature.Method.PASSWORD_SESSION, signer_user=teacher)
        with pytest.raises(services.SigningError):
            _sign(request, party=Signature.Party.HEADTEACHER, method=Signature.Method.PASSWORD_SESSION, signer_user=slt)

    def test_nobody_signs_for_someone_else(self, school, academic_year, teacher, office):
        staff_agreement(school)
        request = services.staff_agreements_outstanding(teacher)[0]
        with pytest.raises(services.SigningError):
            _sign(request, party=Signature.Party.SIGNER, method=Signature.Method.PASSWORD_SESSION, signer_user=office)


@pytest.mark.django_db
class TestPaperReturnAndRevoke:
    def test_paper_return_completes_with_every_party(self, request_for_pupil, office):
        created = services.paper_return_record(
            actor=office,
            request=request_for_pupil,
            returned_on=datetime.date(2026, 11, 19),
            returned_by="Mother, at the school gate",
            names={"pupil": "Amara W", "parent": "Jane Whitfield"},
            now=NOW,
        )
        assert {s.party for s in created} == {"pupil", "parent"}
        assert all(s.method == Signature.Method.PAPER_RETURN for s in created)
        request_for_pupil.refresh_from_db()
        assert request_for_pupil.status == SignatureRequest.Status.COMPLETED

    def test_a_teacher_cannot_record_paper_returns(self, request_for_pupil, teacher):
        with pytest.raises(PermissionError):
            services.paper_return_record(
                actor=teacher,
                request=request_for_pupil,
                returned_on=datetime.date(2026, 11, 19),
                returned_by="x",
                names={"parent": "y"},
                now=NOW,
            )

    def test_revoking_reopens_the_request_and_keeps_the_signature(
        self, request_for_pupil, office, parent, guardian_link
    ):
        signature, _ = _sign(
            request_for_pupil,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
        )
        services.signature_revoke(actor=office, signature=signature, reason="Signed for the wrong child", now=NOW)
        services.signature_revoke(actor=office, signature=signature, reason="again", now=NOW)  # changes nothing
        signature.refresh_from_db()
        request_for_pupil.refresh_from_db()
        assert signature.revoked_reason == "Signed for the wrong child"
        assert request_for_pupil.status == SignatureRequest.Status.PENDING
        assert Signature.objects.count() == 1
        assert signature.history.count() == 2
        again, created = _sign(
            request_for_pupil,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
        )
        assert created and again != signature


@pytest.mark.django_db
class TestRequests:
    def test_opening_twice_opens_one_request(self, agreement, office, pupil):
        first, created = services.signature_request_open(
            actor=office, agreement=agreement, school=pupil.school, pupil=pupil
        )
        again, created_again = services.signature_request_open(
            actor=office, agreement=agreement, school=pupil.school, pupil=pupil
        )
        assert created and not created_again and first == again

    def test_a_teacher_cannot_send_requests(self, agreement, teacher, pupil):
        with pytest.raises(PermissionError):
            services.signature_request_open(actor=teacher, agreement=agreement, school=pupil.school, pupil=pupil)

    def test_unused_reverse_import(self):
        assert reverse  # keeps the import used for later view tests


@pytest.mark.django_db
def test_bulk_loads_defer_the_pdf_to_first_download(request_for_pupil, office, django_capture_on_commit_callbacks):
    with services.signed_documents_on_demand(), django_capture_on_commit_callbacks() as callbacks:
        services.paper_return_record(
            actor=office,
            request=request_for_pupil,
            returned_on=datetime.date(2026, 11, 19),
            returned_by="Father",
            names={"pupil": "A W", "parent": "J W"},
            now=NOW,
        )
    request_for_pupil.refresh_from_db()
    assert request_for_pupil.status == SignatureRequest.Status.COMPLETED
    assert [c for c in callbacks if not datacache.is_version_bump(c)] == []
