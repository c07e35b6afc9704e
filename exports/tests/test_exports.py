"""Issue 14 item 5: every list a school keeps downloads as CSV, and the headteacher can take the whole school away
as one zip of CSVs and PDFs — built once in the background, e-mailed, downloaded only by the head."""

import csv
import datetime
import hashlib
import io
import time
import zipfile

import pytest
from django.core import mail
from django.urls import reverse

from aup import services as aup_services
from aup.evidence import content_sha256
from aup.models import Signature
from aup.tests.factories import pupil_agreement
from consent import services as consent_services
from consent.models import ConsentResponse
from consent.tests.factories import published_form
from exports import services, tasks
from exports.models import SchoolExport
from exports.writing import csv_cell
from incidents.models import IncidentPupil
from incidents.tests.factories import IncidentFactory, concern
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import School
from safeguard.directory.tests import factories

NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
INJECTION = '=HYPERLINK("http://evil.example","click")'


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def rows_of(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def known(school, pupil, guardian_link, office, head):
    """A pupil with a carer, a consent answer, a paper-signed agreement, a behaviour incident and a concern; and a
    classmate whose name is a formula."""
    factories.AcademicYearFactory(school=school)
    classmate = factories.PupilFactory(
        school=school, legal_first_name=INJECTION, legal_last_name="Cole", school_class=pupil.school_class
    )
    version = published_form(school)
    codes = list(version.purposes.order_by("order").values_list("code", flat=True))
    guardian = guardian_link.guardian
    response = consent_services.consent_response_record(
        pupil=pupil,
        version=version,
        answers={code: True for code in codes},
        guardian=guardian,
        method=ConsentResponse.Method.INVITATION_LINK,
        typed_name=guardian.full_name,
        shown_sha256=content_sha256(consent_services.form_content(version)),
        now=NOW,
        ip_address="192.0.2.4",
    )
    agreement = pupil_agreement(school, title="Pupil acceptable use agreement")
    request, _created = aup_services.signature_request_open(
        actor=office, agreement=agreement, school=school, pupil=pupil
    )
    aup_services.paper_return_record(
        actor=office,
        request=request,
        returned_on=datetime.date(2026, 11, 2),
        returned_by="Mother",
        names={"pupil": pupil.display_name, "parent": guardian.full_name},
        now=NOW,
    )
    incident = IncidentFactory(school=school, pupils=[pupil], description="Threw a pencil case across the room.")
    worry = concern(school, pupils=[(pupil, IncidentPupil.Role.SUBJECT)], description="Came in hungry again.")
    return {
        "pupil": pupil,
        "classmate": classmate,
        "guardian": guardian,
        "codes": codes,
        "response": response,
        "request": request,
        "incident": incident,
        "concern": worry,
    }


def download(client, school, kind):
    return client.get(reverse("exports:download", args=[school.slug, kind]))


# CSV lists -------------------------------------------------------------------------------------------------------


def test_roster_csv_has_translated_header_and_the_pupils_row(client, school, office, known):
    pupil = known["pupil"]
    client.force_login(office)
    response = download(client, school, "roster")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="roster-demo-primary-')
    rows = rows_of(response)
    header = rows[0]
    assert header[:7] == [
        "Pupil id",
        "Legal first name",
        "Legal last name",
        "Preferred first name",
        "Preferred last name",
        "Date of birth",
        "UPN",
    ]
    assert header[-5:] == ["Looked after (CLA)", "Previously looked after or adopted", "SEN", "EAL", "Pupil premium"]
    row = dict(zip(header, next(r for r in rows[1:] if r[0] == str(pupil.public_id)), strict=True))
    assert row["Legal last name"] == "Whitfield"
    assert row["Date of birth"] == "2018-05-04"
    assert row["UPN"] == pupil.upn
    assert row["Year group"] == "Year 3"
    assert row["Class"] == "3 Oak"
    assert row["Looked after (CLA)"] == "No"
    assert AuditEvent.objects.filter(action="exports.roster.downloaded", actor=office, data__rows=2).exists()


def test_roster_has_no_upn_column_outside_england(client, school, office, known):
    School.objects.filter(pk=school.pk).update(country=School.Country.WALES)
    client.force_login(office)
    header = rows_of(download(client, school, "roster"))[0]
    assert "UPN" not in header
    assert "MIS id" in header


def test_a_formula_in_a_name_is_neutralised(client, school, office, known):
    client.force_login(office)
    rows = rows_of(download(client, school, "roster"))
    row = next(r for r in rows if r[0] == str(known["classmate"].public_id))
    assert row[1] == "'" + INJECTION  # shown as text, never run
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(start + "1") == "'" + start + "1"
    assert csv_cell("Amara") == "Amara"
    assert csv_cell(None) == ""


def test_carers_csv_has_one_row_per_link_with_parental_responsibility(client, school, office, known):
    guardian = known["guardian"]
    client.force_login(office)
    rows = rows_of(download(client, school, "carers"))
    header = rows[0]
    assert header[:3] == ["Pupil id", "Pupil", "Carer id"]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Pupil"] == known["pupil"].display_name
    assert row["Last name"] == guardian.last_name
    assert row["Parental responsibility"] == "Yes"
    assert row["E-mail address"] == guardian.email
    assert len(rows) == 2


def test_teacher_governor_and_trust_admin_get_no_roster_export(client, school, teacher, governor, trust_admin, known):
    for user in (teacher, governor, trust_admin):
        client.force_login(user)
        assert download(client, school, "roster").status_code == 404
        assert client.get(reverse("exports:index", args=[school.slug])).status_code == 404
    assert not AuditEvent.objects.filter(action="exports.roster.downloaded").exists()


def test_consent_csv_gives_the_effective_answer_and_each_recorded_answer(client, school, office, known):
    client.force_login(office)
    rows = rows_of(download(client, school, "consent"))
    header = rows[0]
    assert header[:7] == ["Pupil id", "Pupil", "Class", "Question code", "Question", "Effective answer", "Reason"]
    code = known["codes"][0]
    answered = [
        dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == str(known["pupil"].public_id) and r[3] == code
    ]
    assert len(answered) == 1
    row = answered[0]
    assert row["Effective answer"] == "Yes"
    assert row["Reason"] == "Consent given"
    assert row["Answer"] == "Yes"
    assert row["Answered by"] == known["guardian"].full_name
    assert row["Respondent"] == "Parent or carer"
    assert row["How"] == "Personal link sent by e-mail"
    assert row["Submitted at (UTC)"] == "2026-11-20T09:30:00Z"
    assert row["SHA-256 of what was shown"] == known["response"].content_sha256
    silent = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == str(known["classmate"].public_id)]
    assert len(silent) == len(known["codes"])  # one row per question, nothing recorded
    assert {(r["Effective answer"], r["Reason"], r["Answer"]) for r in silent} == {("No", "No response", "")}


def test_signatures_csv_has_signer_method_and_the_hash_of_what_was_signed(client, school, office, known):
    client.force_login(office)
    rows = rows_of(download(client, school, "signatures"))
    header = rows[0]
    assert "SHA-256 of what was signed" in header
    signatures = Signature.objects.filter(request=known["request"]).order_by("signed_at", "pk")
    assert len(rows) == 1 + signatures.count()
    by_signer = {r[header.index("Signer")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    parent = by_signer[known["guardian"].full_name]
    signature = signatures.get(party="parent")
    assert parent["Agreement"] == "Pupil acceptable use agreement"
    assert parent["Signed as"] == "Parent or carer"
    assert parent["How the signer was identified"] == "Paper form returned to the office"
    assert parent["Signed at (UTC)"] == "2026-11-20T09:30:00Z"
    assert parent["Paper form returned on"] == "2026-11-02"
    assert parent["SHA-256 of what was signed"] == signature.content_sha256
    assert parent["Pupil"] == known["pupil"].display_name


def test_behaviour_csv_for_slt_holds_no_concern(client, school, slt, known):
    client.force_login(slt)
    rows = rows_of(download(client, school, "behaviour"))
    assert rows[0][:3] == ["Reference", "When it happened (UTC)", "Where"]
    assert [r[0] for r in rows[1:]] == [str(known["incident"].public_id)]
    assert "Threw a pencil case across the room." in rows[1]
    assert f"{known['pupil'].display_name} (Subject of concern)" in rows[1]
    assert "Came in hungry again." not in str(rows)


def test_concerns_csv_needs_the_dsl_team_and_the_second_factor_and_names_each_pupil(
    client, school, slt, office, dsl, known
):
    for user in (slt, office):
        client.force_login(user)
        assert download(client, school, "concerns").status_code == 404
    client.force_login(dsl)
    first = download(client, school, "concerns")
    assert first.status_code == 302 and reverse("accounts:otp_enrol") in first["Location"]
    assert not AuditEvent.objects.filter(action="exports.concerns.downloaded").exists()
    verify(client)
    rows = rows_of(download(client, school, "concerns"))
    assert rows[0][-4] == "Reason for the outcome"
    assert [r[0] for r in rows[1:]] == [str(known["concern"].public_id)]
    assert "Came in hungry again." in rows[1]
    events = AuditEvent.objects.filter(action="exports.concerns.downloaded")
    assert [(e.actor, e.subject_type, e.subject_id) for e in events] == [
        (dsl, "directory.pupil", str(known["pupil"].public_id))
    ]
    assert events[0].data["incidents"] == [str(known["concern"].public_id)]


def test_exports_page_lists_what_the_viewer_may_download(client, school, office, slt, head, known):
    client.force_login(office)
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert reverse("exports:download", args=[school.slug, "roster"]) in page
    assert reverse("exports:download", args=[school.slug, "concerns"]) not in page
    assert reverse("aup:register_csv", args=[school.slug]) in page
    assert "Prepare a full export" not in page
    client.force_login(slt)
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert reverse("exports:download", args=[school.slug, "behaviour"]) in page
    assert reverse("exports:download", args=[school.slug, "roster"]) not in page
    client.force_login(head)
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert "Prepare a full export" in page
    assert reverse("exports:download", args=[school.slug, "concerns"]) in page
    home = client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    assert reverse("exports:index", args=[school.slug]) in home


# The full school export -------------------------------------------------------------------------------------------


def _request_and_build(client, school, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:school_export_request", args=[school.slug]))
    assert response.status_code == 302
    return SchoolExport.objects.get(school=school)


def test_full_export_builds_a_zip_of_csvs_and_pdfs_once_and_emails_the_head(
    client, school, head, known, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(head)
    verify(client)
    export = _request_and_build(client, school, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == SchoolExport.Status.READY, export.error
    assert export.include_concerns
    data = export.file.read()
    export.file.close()
    assert hashlib.sha256(data).hexdigest() == export.sha256
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    for csv_name in (
        "roster.csv",
        "carers.csv",
        "consent-answers.csv",
        "signatures.csv",
        "behaviour-incidents.csv",
        "policy-register.csv",
        "safeguarding-concerns.csv",
        "README.txt",
    ):
        assert csv_name in names
    signed = [name for name in names if name.startswith("signed-agreements/")]
    assert signed and archive.read(signed[0]).startswith(b"%PDF-")
    copies = [name for name in names if name.startswith("consent-copies/")]
    assert len(copies) == 1 and archive.read(copies[0]).startswith(b"%PDF-")
    assert archive.read("roster.csv").decode("utf-8").startswith("\ufeffPupil id,")
    assert "Came in hungry again." in archive.read("safeguarding-concerns.csv").decode("utf-8")
    readme = archive.read("README.txt").decode("utf-8")
    assert "Safeguarding concerns are included" in readme
    assert hashlib.sha256(archive.read("roster.csv")).hexdigest() in readme
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [head.email]
    assert reverse("exports:index", args=[school.slug]) in mail.outbox[0].body
    assert "Whitfield" not in mail.outbox[0].body  # no data in the e-mail
    # Running either task again changes nothing: built once, e-mailed once.
    assert tasks.build_school_export(export.pk) is None
    assert tasks.send_school_export_ready(export.pk) == 0
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="exports.school_export.built").count() == 1
    assert AuditEvent.objects.filter(action="exports.school_export.requested", actor=head).count() == 1
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert "Ready" in page
    assert reverse("exports:school_export_download", args=[school.slug, export.public_id]) in page


def test_full_export_without_the_second_factor_leaves_concerns_out_and_says_so(
    client, school, head, known, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(head)
    export = _request_and_build(client, school, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == SchoolExport.Status.READY
    assert not export.include_concerns
    archive = zipfile.ZipFile(export.file.open("rb"))
    assert "safeguarding-concerns.csv" not in archive.namelist()
    assert "Safeguarding concerns are not included" in archive.read("README.txt").decode("utf-8")
    assert "Came in hungry again." not in "".join(
        archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".csv")
    )
    export.file.close()


def test_asking_twice_while_it_is_prepared_queues_one_export(client, school, head, known):
    client.force_login(head)
    client.post(reverse("exports:school_export_request", args=[school.slug]))
    response = client.post(reverse("exports:school_export_request", args=[school.slug]), follow=True)
    assert "already being prepared" in response.content.decode()
    assert SchoolExport.objects.filter(school=school).count() == 1
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert "Being prepared" in page


def test_only_the_headteacher_may_ask_for_the_full_export(client, school, office, slt, dsl, trust_admin, known):
    for user in (office, slt, dsl, trust_admin):
        client.force_login(user)
        assert client.post(reverse("exports:school_export_request", args=[school.slug])).status_code == 404
    assert not SchoolExport.objects.exists()
    with pytest.raises(services.DomainError):
        services.school_export_request(actor=slt, school=school, verified=True)


def test_the_download_is_permission_checked_and_logged(
    client, school, head, slt, dsl, other_school, known, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(head)
    verify(client)
    export = _request_and_build(client, school, django_capture_on_commit_callbacks)
    url = reverse("exports:school_export_download", args=[school.slug, export.public_id])
    for user in (slt, dsl):
        client.force_login(user)
        verify(client)
        assert client.get(url).status_code == 404
    other_head = factories.UserFactory(email="head@elsewhere.test")
    factories.StaffRoleFactory(user=other_head, school=other_school, role="headteacher")
    client.force_login(other_head)
    verify(client)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("exports:school_export_download", args=[other_school.slug, export.public_id])).status_code
        == 404
    )
    client.force_login(head)
    first = client.get(url)
    assert first.status_code == 302  # the export holds concerns: the second factor first
    verify(client)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="demo-primary-export-')
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert AuditEvent.objects.filter(action="exports.school_export.downloaded", subject_type="exports.schoolexport")
    assert AuditEvent.objects.filter(
        action="exports.school_export.downloaded",
        subject_type="directory.pupil",
        subject_id=str(known["pupil"].public_id),
    ).exists()


def test_a_stored_signed_pdf_goes_in_as_it_is_and_once(school, head, known):
    from aup.documents import signed_document_create

    document = signed_document_create(request=known["request"])
    stored = document.pdf.read()
    document.pdf.close()
    export, _created = services.school_export_request(actor=head, school=school, verified=False)
    export = services.school_export_build(export_id=export.pk)
    archive = zipfile.ZipFile(export.file.open("rb"))
    signed = [name for name in archive.namelist() if name.startswith("signed-agreements/")]
    assert signed == [f"signed-agreements/pupil-acceptable-use-agreement-{known['request'].public_id}.pdf"]
    assert archive.read(signed[0]) == stored
    assert {"name": signed[0], "sha256": document.sha256, "rows": None} in export.contents
    export.file.close()


def test_an_export_asked_for_by_someone_no_longer_head_fails_and_the_page_says_so(client, school, head, known):
    from safeguard import permissions

    export, _created = services.school_export_request(actor=head, school=school, verified=False)
    head.staff_roles.update(ended_on=datetime.date(2026, 1, 1))
    permissions.forget_roles(head)
    export = services.school_export_build(export_id=export.pk)
    assert export.status == SchoolExport.Status.FAILED
    assert not export.file
    assert AuditEvent.objects.filter(action="exports.school_export.failed").count() == 1
    assert not mail.outbox
    new_head = factories.UserFactory(email="new.head@example.test")
    factories.StaffRoleFactory(user=new_head, school=school, role="headteacher")
    client.force_login(new_head)
    page = client.get(reverse("exports:index", args=[school.slug])).content.decode()
    assert "Failed" in page


def test_an_export_stuck_being_prepared_does_not_block_the_school_for_ever(school, head, known):
    first, _created = services.school_export_request(actor=head, school=school, verified=False, now=NOW)
    again, created = services.school_export_request(
        actor=head, school=school, verified=False, now=NOW + datetime.timedelta(hours=1)
    )
    assert (again, created) == (first, False)
    later, created = services.school_export_request(
        actor=head, school=school, verified=False, now=NOW + services.STALE_AFTER + datetime.timedelta(minutes=1)
    )
    assert created and later != first
    first.refresh_from_db()
    assert first.status == SchoolExport.Status.FAILED


def test_the_lists_take_the_same_number_of_queries_for_3_and_30_pupils(school, known):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exports import selectors

    def count():
        counts = []
        for build in (
            lambda: selectors.roster_table(school=school),
            lambda: selectors.carers_table(school=school),
            lambda: selectors.consent_table(school=school, now=NOW),
            lambda: selectors.signatures_table(school=school),
            lambda: selectors.incidents_table(school=school, concerns=False),
            lambda: selectors.incidents_table(school=school, concerns=True),
        ):
            with CaptureQueriesContext(connection) as queries:
                build()
            counts.append(len(queries))
        return counts

    factories.PupilFactory(school=school)
    few = count()
    for _n in range(27):
        extra = factories.PupilGuardianFactory(pupil=factories.PupilFactory(school=school)).pupil
        IncidentFactory(school=school, pupils=[extra])
        concern(school, pupils=[extra])
    assert count() == few


def test_a_signed_pdf_missing_from_storage_is_named_in_the_readme_not_a_failed_export(school, head, known):
    from aup.documents import signed_document_create

    document = signed_document_create(request=known["request"])
    document.pdf.storage.delete(document.pdf.name)
    export, _created = services.school_export_request(actor=head, school=school, verified=False)
    export = services.school_export_build(export_id=export.pk)
    assert export.status == SchoolExport.Status.READY
    archive = zipfile.ZipFile(export.file.open("rb"))
    readme = archive.read("README.txt").decode("utf-8")
    assert "could not be found" in readme
    assert f"pupil-acceptable-use-agreement-{known['request'].public_id}.pdf" in readme
    export.file.close()


def test_behaviour_csv_names_the_lesson_and_subject_where_the_school_uses_them(client, school, slt, known):
    from incidents.models import LessonPeriod, Subject

    incident = known["incident"]
    incident.period = LessonPeriod.objects.create(school=school, name="Period 3")
    incident.subject = Subject.objects.create(school=school, name="Science")
    incident.save()
    client.force_login(slt)
    rows = rows_of(download(client, school, "behaviour"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Lesson or period"], row["Subject"]) == ("Period 3", "Science")
