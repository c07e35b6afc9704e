"""The policy library as people use it: a policy, its versions (Markdown or an uploaded PDF/DOCX), agreements,
approval making a version current, immutability of approved versions, and who may read and write."""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from aup import services_library
from aup.models import Agreement, AgreementStatement, Policy, PolicyVersion, SignatureRequest, private_storage
from aup.services import signature_request_open
from aup.tests.factories import AgreementFactory, PolicyFactory, PolicyVersionFactory, pupil_agreement
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.tests import factories

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def policy(school):
    return PolicyFactory(school=school, title="Online Safety Policy")


@pytest.fixture
def draft(policy):
    return PolicyVersionFactory(
        policy=policy, number="1", status=PolicyVersion.Status.DRAFT, approved_by="", approved_on=None
    )


def _docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Photography policy</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def _version_form(**overrides):
    data = {"number": "2", "author": "JEI/KHo", "summary_of_changes": "Annual review", "body_markdown": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestFromPolicyToCurrentVersion:
    def test_office_writes_a_policy_and_the_head_approves_it(self, client, school, office, head):
        client.force_login(office)
        response = client.post(
            reverse("aup:policy_create", args=[school.slug]),
            {
                "title": "Online Safety and Acceptable Use Policy",
                "category": Policy.Category.ONLINE_SAFETY,
                "approving_body": Policy.ApprovingBody.COMMITTEE,
                "approving_committee": "Curriculum Committee",
                "language": "en-gb",
                "signing_frequency": Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
            },
        )
        policy = Policy.objects.get(school=school)
        assert response.status_code == 302
        assert policy.approving_body_label() == "Curriculum Committee"

        markdown = "# Online safety\n\nPupils use the internet **with a teacher**.\n\n<script>alert('x')</script>\n"
        response = client.post(
            reverse("aup:version_create", args=[school.slug, policy.public_id]),
            _version_form(number="1", body_markdown=markdown),
        )
        assert response.status_code == 302
        version = policy.versions.get()
        assert version.status == PolicyVersion.Status.DRAFT
        assert "<h1>Online safety</h1>" in version.body_html
        assert "<strong>with a teacher</strong>" in version.body_html
        assert "<script" not in version.body_html and "alert" not in version.body_html

        response = client.post(
            reverse("aup:agreement_create", args=[school.slug, version.public_id]),
            {
                "audience": "pupil",
                "title": "Pupil acceptable use agreement",
                "introduction": "Read each statement.",
                "statements": "1. I will only use the internet when a teacher is present.\n\n"
                "2) I will not share my password.\n",
                "countersignature": Agreement.Countersignature.PARENT,
                "reminder_days": "14, 7",
            },
        )
        assert response.status_code == 302
        agreement = version.agreements.get()
        assert list(agreement.statements.values_list("order", "text")) == [
            (1, "I will only use the internet when a teacher is present."),
            (2, "I will not share my password."),
        ]
        assert agreement.reminder_offsets() == [7, 14]

        client.force_login(head)
        response = client.post(
            reverse("aup:version_approve", args=[school.slug, version.public_id]),
            {"approved_by": "Curriculum Committee", "approved_on": "2026-11-12"},
        )
        assert response.status_code == 302
        version.refresh_from_db()
        assert version.status == PolicyVersion.Status.APPROVED
        assert version.approved_on == datetime.date(2026, 11, 12)
        assert version.issue_date == datetime.date(2026, 11, 12)
        assert AuditEvent.objects.filter(action="aup.version.approved", subject_id=str(version.public_id)).exists()

        page = client.get(reverse("aup:policy_list", args=[school.slug])).text
        assert "Online Safety and Acceptable Use Policy" in page
        assert "Curriculum Committee" in page

    def test_approving_a_new_version_supersedes_the_current_one(self, school, head, office, policy, pupil):
        factories.AcademicYearFactory(school=school)
        first = PolicyVersionFactory(policy=policy, number="1")
        old_agreement = AgreementFactory(version=first)
        waiting, _ = signature_request_open(actor=office, agreement=old_agreement, school=school, pupil=pupil)
        second = services_library.policy_version_create(
            actor=office, policy=policy, number="2", author="JEI", body_markdown="Updated text."
        )

        services_library.policy_version_approve(
            actor=head, version=second, approved_by="Headteacher N. Smith", approved_on=TODAY, now=_now()
        )

        first.refresh_from_db()
        second.refresh_from_db()
        waiting.refresh_from_db()
        assert first.status == PolicyVersion.Status.SUPERSEDED
        assert second.status == PolicyVersion.Status.APPROVED
        assert list(policy.versions.filter(status=PolicyVersion.Status.APPROVED)) == [second]
        # The old agreement can no longer be signed, so its request stops waiting (and its reminders stop).
        assert waiting.status == SignatureRequest.Status.CANCELLED

    def test_approving_twice_changes_nothing(self, head, draft):
        services_library.policy_version_approve(actor=head, version=draft, approved_by="Governors", approved_on=TODAY)
        again = services_library.policy_version_approve(
            actor=head, version=draft, approved_by="Someone else", approved_on=TODAY
        )
        assert again.approved_by == "Governors"
        assert AuditEvent.objects.filter(action="aup.version.approved").count() == 1

    def test_the_database_allows_one_current_version_per_policy(self, policy):
        PolicyVersionFactory(policy=policy, number="1")
        with pytest.raises(IntegrityError), transaction.atomic():
            PolicyVersionFactory(policy=policy, number="2")

    def test_history_table_reads_like_a_policys_first_page(self, client, school, governor, policy):
        PolicyVersionFactory(
            policy=policy,
            number="Original",
            author="JEI",
            status=PolicyVersion.Status.SUPERSEDED,
            approved_on=datetime.date(2018, 4, 10),
            summary_of_changes="Schoolbus model policy. Approved as Chair's actions out of committee.",
        )
        PolicyVersionFactory(
            policy=policy,
            number="3",
            author="JEI/KHo",
            approved_on=datetime.date(2019, 7, 1),
            approved_by="Audit and Risk Committee",
            summary_of_changes="Annual review",
        )
        client.force_login(governor)
        page = client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])).text
        history = page[page.index('id="version-history"') :]
        for heading in ("Version", "Author", "Dated", "Status", "Details"):
            assert f"<th>{heading}</th>" in history
        assert history.index("Original") < history.index("JEI/KHo")
        assert "Apr 2018" in history and "Jul 2019" in history
        assert "Annual review" in history and "Superseded" in history
        assert "Our school keeps pupils safe online." in page  # the current version's text


@pytest.mark.django_db
class TestUploadedDocuments:
    def test_an_exe_renamed_pdf_is_refused(self, client, school, office, policy):
        client.force_login(office)
        fake = SimpleUploadedFile("policy.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf")
        response = client.post(
            reverse("aup:version_create", args=[school.slug, policy.public_id]), _version_form(document=fake)
        )
        assert response.status_code == 200
        assert "not a real PDF / Word (.docx) file" in response.text
        assert not policy.versions.exists()

    def test_a_docx_is_accepted_stored_privately_and_downloaded_as_an_attachment(
        self, client, school, office, teacher, policy
    ):
        data = _docx_bytes()
        client.force_login(office)
        upload = SimpleUploadedFile("Photography policy.docx", data, "application/octet-stream")
        response = client.post(
            reverse("aup:version_create", args=[school.slug, policy.public_id]), _version_form(document=upload)
        )
        assert response.status_code == 302
        version = policy.versions.get()
        assert version.document_name == "Photography policy.docx"
        assert version.document_type.endswith("wordprocessingml.document")
        assert version.document_sha256 == services_library.file_sha256(data)
        assert "Photography policy" not in version.document.name  # stored under a random name

        client.force_login(teacher)
        download = client.get(reverse("aup:version_document", args=[school.slug, version.public_id]))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content) == data

    def test_a_pdf_is_accepted_but_not_a_zip_without_a_word_document(self, office, policy):
        pdf = SimpleUploadedFile("p.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
        version = services_library.policy_version_create(
            actor=office, policy=policy, number="1", author="JEI", document=pdf
        )
        assert version.document_type == "application/pdf"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
        with pytest.raises(DomainError):
            services_library.policy_version_create(
                actor=office,
                policy=policy,
                number="2",
                author="JEI",
                document=SimpleUploadedFile("sheet.docx", buffer.getvalue()),
            )

    def test_a_file_over_10_mb_is_refused(self, office, policy):
        big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
        with pytest.raises(DomainError, match="larger than 10 MB"):
            services_library.policy_version_create(actor=office, policy=policy, number="1", author="A", document=big)


@pytest.mark.django_db
class TestAgreementsOfApprovedVersionsAreImmutable:
    def test_editing_an_approved_versions_agreement_is_refused(self, client, school, office):
        agreement = pupil_agreement(school)
        url = reverse("aup:agreement_edit", args=[school.slug, agreement.public_id])
        client.force_login(office)

        response = client.post(
            url,
            {
                "audience": "pupil",
                "title": "Changed",
                "statements": "I will do something else.",
                "countersignature": "parent",
                "reminder_days": "7",
            },
            follow=True,
        )

        assert "can no longer be changed" in response.text
        agreement.refresh_from_db()
        assert agreement.title == "Pupil acceptable use agreement"
        assert agreement.statements.count() == 3
        with pytest.raises(DomainError):
            services_library.agreement_save(
                actor=office,
                version=agreement.version,
                agreement=agreement,
                audience="pupil",
                title="X",
                statements=["Y"],
            )

    def test_a_draft_agreement_can_be_reworded(self, client, school, office, draft):
        agreement = AgreementFactory(version=draft)
        client.force_login(office)
        page = client.get(reverse("aup:agreement_edit", args=[school.slug, agreement.public_id]))
        assert "I will not share my password." in page.text
        response = client.post(
            reverse("aup:agreement_edit", args=[school.slug, agreement.public_id]),
            {
                "audience": "pupil",
                "title": "Pupil AUP",
                "statements": "I will ask before I go online.\nI will keep my password secret.",
                "countersignature": "none",
                "reminder_days": "7,14,28",
            },
        )
        assert response.status_code == 302
        assert list(AgreementStatement.objects.filter(agreement=agreement).values_list("text", flat=True)) == [
            "I will ask before I go online.",
            "I will keep my password secret.",
        ]

    def test_a_countersignature_must_fit_the_audience(self, office, draft):
        with pytest.raises(DomainError):
            services_library.agreement_save(
                actor=office,
                version=draft,
                audience="staff",
                title="Staff AUP",
                statements=["I will not share passwords."],
                countersignature=Agreement.Countersignature.PARENT,
            )


@pytest.mark.django_db
class TestWhoMayDoWhat:
    def test_teacher_reads_the_library_but_cannot_write(self, client, school, teacher, policy, draft):
        client.force_login(teacher)
        assert client.get(reverse("aup:policy_list", args=[school.slug])).status_code == 200
        assert client.get(reverse("aup:policy_create", args=[school.slug])).status_code == 404
        assert client.get(reverse("aup:version_create", args=[school.slug, policy.public_id])).status_code == 404
        assert client.get(reverse("aup:agreement_create", args=[school.slug, draft.public_id])).status_code == 404
        response = client.post(
            reverse("aup:policy_create", args=[school.slug]),
            {"title": "X", "category": "other", "approving_body": "headteacher", "language": "en-gb"},
        )
        assert response.status_code == 404
        assert Policy.objects.count() == 1

    def test_governor_reads_but_cannot_write_or_approve(self, client, school, governor, policy, draft):
        client.force_login(governor)
        page = client.get(reverse("aup:policy_list", args=[school.slug]))
        assert page.status_code == 200 and "Online Safety Policy" in page.text
        assert "Add a policy" not in page.text
        assert client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])).status_code == 200
        assert client.get(reverse("aup:policy_create", args=[school.slug])).status_code == 404
        response = client.post(
            reverse("aup:version_approve", args=[school.slug, draft.public_id]),
            {"approved_by": "Me", "approved_on": "2026-11-01"},
        )
        assert response.status_code == 404
        draft.refresh_from_db()
        assert draft.status == PolicyVersion.Status.DRAFT

    def test_office_writes_but_cannot_approve(self, client, school, office, draft):
        client.force_login(office)
        response = client.post(
            reverse("aup:version_approve", args=[school.slug, draft.public_id]),
            {"approved_by": "Me", "approved_on": "2026-11-01"},
        )
        assert response.status_code == 404
        with pytest.raises(PermissionError):
            services_library.policy_version_approve(actor=office, version=draft, approved_by="Me", approved_on=TODAY)

    def test_slt_records_a_committee_approval(self, client, school, slt, draft):
        client.force_login(slt)
        client.post(
            reverse("aup:version_approve", args=[school.slug, draft.public_id]),
            {"approved_by": "Audit and Risk Committee", "approved_on": "2026-11-01"},
        )
        draft.refresh_from_db()
        assert (draft.status, draft.approved_by) == (PolicyVersion.Status.APPROVED, "Audit and Risk Committee")

    def test_another_schools_policy_is_not_found(self, client, school, other_school, office, other_school_dsl):
        theirs = PolicyFactory(school=other_school, title="Their policy")
        version = PolicyVersionFactory(policy=theirs, document="policies/x.pdf", document_type="application/pdf")
        client.force_login(office)
        assert client.get(reverse("aup:policy_detail", args=[school.slug, theirs.public_id])).status_code == 404
        assert client.get(reverse("aup:policy_detail", args=[other_school.slug, theirs.public_id])).status_code == 404
        assert client.get(reverse("aup:version_document", args=[school.slug, version.public_id])).status_code == 404
        assert "Their policy" not in client.get(reverse("aup:policy_list", args=[school.slug])).text

    def test_trust_wide_policies_are_listed_but_not_changed_by_a_school(self, client, school, trust, office):
        shared = PolicyFactory(school=None, organisation=trust, title="Trust Data Protection Policy")
        client.force_login(office)
        page = client.get(reverse("aup:policy_list", args=[school.slug])).text
        assert "Trust Data Protection Policy" in page and "whole trust" in page
        response = client.get(reverse("aup:version_create", args=[school.slug, shared.public_id]), follow=True)
        assert "belongs to the whole trust" in response.text

    def test_the_list_filters_by_category(self, client, school, office, policy):
        PolicyFactory(school=school, title="Behaviour Policy", category=Policy.Category.BEHAVIOUR)
        client.force_login(office)
        page = client.get(reverse("aup:policy_list", args=[school.slug]), {"category": "behaviour"}).text
        assert "Behaviour Policy" in page and "Online Safety Policy" not in page


@pytest.mark.django_db
class TestServices:
    def test_policy_create_writes_an_audit_event_and_checks_the_actor(self, school, office, teacher):
        policy = services_library.policy_create(
            actor=office, school=school, title="Behaviour Policy", category="behaviour", approving_body="headteacher"
        )
        assert AuditEvent.objects.filter(action="aup.policy.created", subject_id=str(policy.public_id)).exists()
        assert policy.language == school.default_language
        with pytest.raises(PermissionError):
            services_library.policy_create(
                actor=teacher, school=school, title="X", category="behaviour", approving_body="headteacher"
            )

    def test_a_version_number_is_used_once(self, office, draft):
        with pytest.raises(DomainError, match="already has a version 1"):
            services_library.policy_version_create(
                actor=office, policy=draft.policy, number="1", author="A", body_markdown="Text"
            )

    def test_a_version_needs_text_or_a_document(self, office, policy):
        with pytest.raises(DomainError):
            services_library.policy_version_create(actor=office, policy=policy, number="1", author="A")

    def test_an_approval_date_in_the_future_is_refused(self, head, draft):
        with pytest.raises(DomainError):
            services_library.policy_version_approve(
                actor=head,
                version=draft,
                approved_by="Head",
                approved_on=TODAY + datetime.timedelta(days=3),
                now=_now(),
            )

    def test_markdown_links_cannot_run_script(self):
        html = services_library.render_markdown('[click](javascript:alert(1)) <img src=x onerror="alert(1)">')
        assert "javascript:" not in html and "onerror" not in html


@pytest.mark.django_db
def test_school_home_panel_links_to_the_library(school, office, teacher, policy, draft):
    from aup.selectors_library import library_panel

    template, context = library_panel(user=office, school=school)
    assert template == "aup/panels/library.html"
    assert context["policy_count"] == 1 and context["draft_count"] == 1 and context["can_manage"]
    assert not library_panel(user=teacher, school=school)[1]["can_manage"]
    assert library_panel(user=factories.UserFactory(), school=school) is None
    html = render_to_string(template, {"panel": context})
    assert reverse("aup:policy_list", args=[school.slug]) in html
    assert reverse("aup:policy_create", args=[school.slug]) in html


def _now():
    return datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
