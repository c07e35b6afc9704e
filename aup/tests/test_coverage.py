"""Coverage and chasing through the office's pages: who has signed by class, year group and staff role, the CSV,
one request's evidence, paper returns and revoking — and no N+1 on the coverage page."""

import csv
import datetime
import io

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest, private_storage
from aup.selectors_library import coverage_summary
from aup.tests.factories import pupil_agreement, staff_agreement
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_media(tmp_path, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school)


def _new_class(school, academic_year, name, year_code, size):
    year = factories.YearGroupFactory(
        school=school, code=year_code, name=f"Year {year_code[1:]}", order=int(year_code[1:])
    )
    school_class = factories.SchoolClassFactory(school=school, academic_year=academic_year, year_group=year, name=name)
    pupils = [factories.PupilFactory(school=school, year_group=year, school_class=school_class) for _ in range(size)]
    return school_class, pupils


def _open(agreement, office, pupil):
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=pupil.school, pupil=pupil)
    return request


def _paper(request, office, **names):
    names = names or {"parent": "Dana Whitfield", "pupil": "Amara Whitfield"}
    return services.paper_return_record(
        actor=office,
        request=request,
        returned_on=datetime.date(2026, 11, 18),
        returned_by="Mother",
        names=names,
    )


def _sign(request, **kwargs):
    content = agreement_content(request.agreement)
    return services.signature_record(
        request=request,
        typed_name=kwargs.pop("typed_name", "Someone Signing"),
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
        ip_address="203.0.113.9",
        user_agent="Mozilla/5.0 (Android)",
        **kwargs,
    )


@pytest.mark.django_db
class TestPupilCoverage:
    @pytest.fixture
    def oak(self, school, academic_year, agreement, office):
        """Class 4 Oak: one pupil signed in full, one waiting for the pupil, two not signed."""
        school_class, pupils = _new_class(school, academic_year, "4 Oak", "Y4", 4)
        _paper(_open(agreement, office, pupils[0]), office)
        _paper(_open(agreement, office, pupils[1]), office, parent="Sam Parent")
        _open(agreement, office, pupils[2])
        return school_class, pupils

    def test_counts_and_percentages_by_class_and_year_group(self, client, school, office, agreement, pupil, oak):
        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))
        assert page.status_code == 200
        summary = page.context["summary"]
        assert (summary["total"].total, summary["total"].completed, summary["total"].partly_signed) == (5, 1, 1)
        by_class = {row.label: row for row in dict(summary["groups"])["By class"]}
        assert (by_class["4 Oak"].total, by_class["4 Oak"].completed, by_class["4 Oak"].percent) == (4, 1, 25)
        assert (by_class["3 Oak"].total, by_class["3 Oak"].not_signed, by_class["3 Oak"].percent) == (1, 1, 0)
        by_year = {row.label: row for row in dict(summary["groups"])["By year group"]}
        assert by_year["Year 4"].partly_signed == 1
        assert "1 of 5 signed (20%)" in page.text

    def test_the_list_filters_by_class_and_status(self, client, school, office, agreement, pupil, oak):
        school_class, pupils = oak
        client.force_login(office)
        url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
        page = client.get(url, {"school_class": school_class.pk, "status": "not_signed"})
        names = [row.display_name for row in page.context["rows"]]
        assert sorted(names) == sorted([pupils[2].display_name, pupils[3].display_name])
        assert pupil.display_name not in names
        signed = client.get(url, {"status": "completed"}).context["rows"]
        assert [row.display_name for row in signed] == [pupils[0].display_name]
        assert signed[0].methods == ["Paper form returned to the office"]

    def test_summary_orders_classes_and_year_groups_and_counts_pupils_without_either(
        self, school, academic_year, office, agreement
    ):
        _new_class(school, academic_year, "6 Elm", "Y6", 2)
        oak, _oak_pupils = _new_class(school, academic_year, "2 Oak", "Y2", 1)
        ash = factories.SchoolClassFactory(
            school=school, academic_year=academic_year, year_group=oak.year_group, name="2 Ash"
        )
        ash_pupils = [
            factories.PupilFactory(school=school, year_group=oak.year_group, school_class=ash) for _ in range(2)
        ]
        unplaced = factories.PupilFactory(school=school)
        _paper(_open(agreement, office, unplaced), office)
        _paper(_open(agreement, office, ash_pupils[0]), office, parent="Sam Parent")
        summary = coverage_summary(agreement=agreement, school=school)
        groups = dict(summary["groups"])
        # Pupils without a class or year group come first or last, as the database sorts an empty value.
        by_class = [(row.label, row.total, row.completed, row.partly_signed) for row in groups["By class"]]
        assert [row for row in by_class if row[0] != "No class"] == [
            ("2 Ash", 2, 0, 1),
            ("2 Oak", 1, 0, 0),
            ("6 Elm", 2, 0, 0),
        ]
        assert ("No class", 1, 1, 0) in (by_class[0], by_class[-1])
        by_year = [(row.label, row.total) for row in groups["By year group"]]
        assert [row for row in by_year if row[0] != "No year group"] == [("Year 2", 3), ("Year 6", 2)]
        assert ("No year group", 1) in (by_year[0], by_year[-1])
        total = summary["total"]
        assert (total.total, total.completed, total.partly_signed, total.not_signed) == (6, 1, 1, 4)

    def test_summary_queries_do_not_grow_with_the_school(self, school, academic_year, office, agreement):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                coverage_summary(agreement=agreement, school=school)
            return len(captured)

        _new_class(school, academic_year, "1 Ash", "Y1", 2)
        one_class = queries()
        for name, code in (("3 Ash", "Y3"), ("4 Ash", "Y4"), ("5 Ash", "Y5")):
            _school_class, pupils = _new_class(school, academic_year, name, code, 5)
            _paper(_open(agreement, office, pupils[0]), office)
        assert queries() == one_class

    def test_a_left_pupil_does_not_count(self, client, school, office, agreement, pupil, oak):
        _school_class, pupils = oak
        pupils[3].left_on = datetime.date(2026, 10, 1)
        pupils[3].save()
        assert coverage_summary(agreement=agreement, school=school)["total"].total == 4

    def test_csv_has_one_row_per_pupil_with_status_date_and_method(self, client, school, office, agreement, pupil, oak):
        _school_class, pupils = oak
        pupils[3].legal_first_name = "=HYPERLINK(1)"
        pupils[3].save()
        client.force_login(office)
        response = client.get(reverse("aup:coverage_csv", args=[school.slug, agreement.public_id]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["Pupil", "Year group", "Class", "Status", "Signed on", "How", "Sent on"]
        assert len(rows) == 1 + 5
        by_name = {row[0]: row for row in rows[1:]}
        signed = by_name[pupils[0].display_name]
        assert signed[3:6] == ["Signed", "2026-11-18", "Paper form returned to the office"]
        assert by_name[pupils[1].display_name][3] == "Partly signed"
        assert by_name[pupil.display_name][3] == "Not signed"
        assert any(name.startswith("'=HYPERLINK") for name in by_name)  # never a live formula

    def test_query_count_is_the_same_for_a_class_of_3_and_of_30(self, client, school, academic_year, office, agreement):
        small, small_pupils = _new_class(school, academic_year, "5 Ash", "Y5", 3)
        large, large_pupils = _new_class(school, academic_year, "6 Elm", "Y6", 30)
        for pupils in (small_pupils, large_pupils):
            for index, pupil in enumerate(pupils):
                if index % 3 == 0:
                    _paper(_open(agreement, office, pupil), office)
                elif index % 3 == 1:
                    _open(agreement, office, pupil)
        client.force_login(office)
        url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
        client.get(url)  # warm the session and the staff gate

        def count(school_class):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, {"school_class": school_class.pk})
            assert response.status_code == 200
            return len(queries.captured_queries), response

        small_count, small_page = count(small)
        large_count, large_page = count(large)
        assert small_count == large_count
        assert len(small_page.context["rows"]) == 3 and len(large_page.context["rows"]) == 30
        assert large_page.text.count("Paper form returned to the office") == 10


@pytest.mark.django_db
class TestStaffCoverage:
    def test_counts_by_staff_role(self, client, school, academic_year, office, teacher, dsl, head):
        agreement = staff_agreement(school)
        office_request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=school, user=office
        )
        _sign(
            office_request, party=Signature.Party.SIGNER, method=Signature.Method.PASSWORD_SESSION, signer_user=office
        )
        _sign(
            office_request,
            party=Signature.Party.HEADTEACHER,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=head,
        )
        teacher_request, _ = services.signature_request_open(
            actor=office, agreement=agreement, school=school, user=teacher
        )
        _sign(
            teacher_request, party=Signature.Party.SIGNER, method=Signature.Method.PASSWORD_SESSION, signer_user=teacher
        )

        client.force_login(office)
        page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))
        assert page.status_code == 200
        rows = {row.key: row for row in dict(page.context["summary"]["groups"])["By staff role"]}
        assert set(rows) == {Role.OFFICE, Role.TEACHER, Role.DSL, Role.HEADTEACHER}
        assert (rows[Role.OFFICE].completed, rows[Role.OFFICE].percent) == (1, 100)
        assert rows[Role.TEACHER].partly_signed == 1
        assert rows[Role.DSL].not_signed == 1
        assert page.context["summary"]["total"].total == 4
        only_teachers = client.get(
            reverse("aup:coverage", args=[school.slug, agreement.public_id]), {"role": Role.TEACHER}
        )
        assert [row.email for row in only_teachers.context["rows"]] == [teacher.email]
        csv_rows = list(
            csv.reader(
                io.StringIO(
                    client.get(reverse("aup:coverage_csv", args=[school.slug, agreement.public_id])).content.decode(
                        "utf-8-sig"
                    )
                )
            )
        )
        assert csv_rows[0][:3] == ["Name", "E-mail address", "Roles"]
        assert {row[1]: row[3] for row in csv_rows[1:]}[office.email] == "Signed"


@pytest.mark.django_db
class TestWhoSeesCoverage:
    def test_only_office_and_leaders_see_coverage(self, client, school, agreement, teacher, governor, slt, head):
        url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
        for person, status in ((teacher, 404), (governor, 404), (slt, 200), (head, 200)):
            client.force_login(person)
            assert client.get(url).status_code == status

    def test_another_schools_agreement_and_requests_are_not_found(
        self, client, school, other_school, office, other_pupil
    ):
        factories.AcademicYearFactory(school=other_school)
        theirs = pupil_agreement(other_school)
        their_office = factories.UserFactory()
        factories.StaffRoleFactory(user=their_office, school=other_school, role=Role.OFFICE)
        their_request = _open(theirs, their_office, other_pupil)
        signature = _paper(their_request, their_office, parent="Their Parent")[0]
        client.force_login(office)
        assert client.get(reverse("aup:coverage", args=[school.slug, theirs.public_id])).status_code == 404
        assert client.get(reverse("aup:request_detail", args=[school.slug, their_request.public_id])).status_code == 404
        assert client.get(reverse("aup:paper_return", args=[school.slug, their_request.public_id])).status_code == 404
        response = client.post(
            reverse("aup:signature_revoke", args=[school.slug, signature.public_id]), {"reason": "Mistake"}
        )
        assert response.status_code == 404
        signature.refresh_from_db()
        assert signature.revoked_at is None


@pytest.mark.django_db
class TestPaperReturnAndRevoke:
    @pytest.fixture
    def signature_request(self, agreement, office, pupil):
        return _open(agreement, office, pupil)

    def test_office_records_a_paper_return_with_a_scan(self, client, school, office, signature_request):
        client.force_login(office)
        url = reverse("aup:paper_return", args=[school.slug, signature_request.public_id])
        form = client.get(url)
        assert "name_parent" in form.text and "name_pupil" in form.text
        response = client.post(
            url,
            {
                "returned_on": "2026-11-18",
                "returned_by": "Amara's mother",
                "name_parent": "Dana Whitfield",
                "name_pupil": "Amara Whitfield",
                "scan": SimpleUploadedFile("IMG_2041.png", PNG, "image/png"),
            },
        )
        assert response.status_code == 302
        signature_request.refresh_from_db()
        assert signature_request.status == SignatureRequest.Status.COMPLETED
        signatures = list(signature_request.signatures.order_by("party"))
        assert {s.typed_name for s in signatures} == {"Dana Whitfield", "Amara Whitfield"}
        assert all(s.paper_returned_by == "Amara's mother" for s in signatures)
        assert signatures[0].paper_scan and "IMG_2041" not in signatures[0].paper_scan.name
        scan = client.get(reverse("aup:paper_scan", args=[school.slug, signatures[0].public_id]))
        assert scan["Content-Disposition"].startswith("attachment")
        assert b"".join(scan.streaming_content) == PNG
        detail = client.get(reverse("aup:request_detail", args=[school.slug, signature_request.public_id]))
        assert "Paper form returned to the office" in detail.text
        assert "Record a paper return" not in detail.text

    def test_a_scan_that_is_not_an_image_or_pdf_is_refused(self, client, school, office, signature_request):
        client.force_login(office)
        response = client.post(
            reverse("aup:paper_return", args=[school.slug, signature_request.public_id]),
            {
                "returned_on": "2026-11-18",
                "returned_by": "Mother",
                "name_parent": "Dana Whitfield",
                "scan": SimpleUploadedFile("scan.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg"),
            },
        )
        assert response.status_code == 200
        assert "not a real PDF / JPEG / PNG file" in response.text
        assert not signature_request.signatures.exists()

    def test_a_return_date_in_the_future_is_refused(self, client, school, office, signature_request):
        client.force_login(office)
        response = client.post(
            reverse("aup:paper_return", args=[school.slug, signature_request.public_id]),
            {"returned_on": "2099-01-01", "returned_by": "Mother", "name_parent": "Dana Whitfield"},
        )
        assert response.status_code == 200
        assert "cannot be in the future" in response.text

    def test_revoking_needs_a_reason_and_keeps_the_signature(self, client, school, office, signature_request):
        signature = _paper(signature_request, office)[0]
        client.force_login(office)
        url = reverse("aup:signature_revoke", args=[school.slug, signature.public_id])
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": ""})
        assert response.status_code == 200
        signature.refresh_from_db()
        assert signature.revoked_at is None

        response = client.post(url, {"reason": "Signed for the wrong pupil"})
        assert response.status_code == 302
        signature.refresh_from_db()
        signature_request.refresh_from_db()
        assert signature.revoked_reason == "Signed for the wrong pupil"
        assert signature_request.status == SignatureRequest.Status.PARTLY_SIGNED
        assert AuditEvent.objects.filter(action="aup.signature.revoked").count() == 1
        detail = client.get(reverse("aup:request_detail", args=[school.slug, signature_request.public_id])).text
        assert "Revoked" in detail and "Signed for the wrong pupil" in detail

    def test_request_page_shows_the_evidence_of_an_online_signature(
        self, client, school, office, signature_request, parent, guardian_link
    ):
        signature, _ = _sign(
            signature_request,
            party=Signature.Party.PARENT,
            method=Signature.Method.PASSWORD_SESSION,
            signer_user=parent,
            signer_guardian=guardian_link.guardian,
            typed_name="Dana Whitfield",
            now=datetime.datetime(2026, 11, 20, 9, 30, 5, tzinfo=datetime.UTC),
        )
        client.force_login(office)
        page = client.get(reverse("aup:request_detail", args=[school.slug, signature_request.public_id])).text
        for evidence in (
            "Dana Whitfield",
            "Signed in with e-mail and password",
            "2026-11-20 09:30:05",
            "203.0.113.9",
            "Mozilla/5.0 (Android)",
            signature.content_sha256,
            "1, 2, 3",
        ):
            assert evidence in page
