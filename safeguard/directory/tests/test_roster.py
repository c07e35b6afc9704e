"""Roster import: upload → preview with every row's errors → confirm, all or nothing, idempotent."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, Pupil, PupilGuardian, Role, RosterImport, SchoolClass
from safeguard.directory.roster import roster_import_apply, roster_import_preview
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

HEADER = [
    "upn",
    "mis_id",
    "legal_first_name",
    "legal_last_name",
    "date_of_birth",
    "year_group",
    "class",
    "sen",
    "contact1_first_name",
    "contact1_last_name",
    "contact1_relationship",
    "contact1_parental_responsibility",
    "contact1_email",
    "contact1_phone",
    "contact2_first_name",
    "contact2_last_name",
    "contact2_relationship",
    "contact2_parental_responsibility",
    "contact2_email",
    "contact2_phone",
]

UPN_1, UPN_2, UPN_3 = factories.make_upn(901), factories.make_upn(902), factories.make_upn(903)


def _mother(**extra):
    return {
        "contact1_first_name": "Sarah",
        "contact1_last_name": "Hartwell",
        "contact1_relationship": "Mother",
        "contact1_parental_responsibility": "Y",
        "contact1_email": "sarah.hartwell@example.test",
        "contact1_phone": "07700 900123",
        **extra,
    }


def _rows():
    """Two siblings sharing their mother; the elder also has a father (no parental responsibility given)."""
    return [
        {
            "upn": UPN_1,
            "mis_id": "1001",
            "legal_first_name": "Amelia",
            "legal_last_name": "Hartwell",
            "date_of_birth": "2019-03-14",
            "year_group": "Y1",
            "class": "1 Oak",
            "sen": "N",
            **_mother(),
            "contact2_first_name": "Daniel",
            "contact2_last_name": "Hartwell",
            "contact2_relationship": "father",
            "contact2_parental_responsibility": "N",
            "contact2_phone": "07700 900456",
        },
        {
            "upn": UPN_2,
            "mis_id": "1002",
            "legal_first_name": "Oscar",
            "legal_last_name": "Hartwell",
            "date_of_birth": "21/06/2021",
            "year_group": "Reception",
            "class": "R Willow",
            "sen": "yes",
            **_mother(contact1_email="Sarah.Hartwell@EXAMPLE.test"),
        },
    ]


def csv_upload(rows, *, header=HEADER, delimiter=",", encoding="utf-8", bom=False, name="roster.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    data = buffer.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def year_groups(school):
    return {
        "R": factories.YearGroupFactory(school=school, code="R", name="Reception", order=0),
        "1": factories.YearGroupFactory(school=school, code="1", name="Year 1", order=1),
        "2": factories.YearGroupFactory(school=school, code="2", name="Year 2", order=2),
    }


@pytest.fixture
def academic_year(school):
    today = school.today()
    start_year = today.year if today.month >= 9 else today.year - 1
    return factories.AcademicYearFactory(
        school=school,
        name=f"{start_year}/{str(start_year + 1)[-2:]}",
        starts_on=datetime.date(start_year, 9, 1),
        ends_on=datetime.date(start_year + 1, 8, 31),
    )


@pytest.fixture
def setup(year_groups, academic_year):
    return year_groups


def preview(office, school, rows, **kwargs):
    return roster_import_preview(actor=office, school=school, uploaded_file=csv_upload(rows, **kwargs))


def import_file(office, school, rows, *, mark_absent_as_left=False, **kwargs):
    roster_import, plan = preview(office, school, rows, **kwargs)
    assert plan.errors == [], plan.errors
    return roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=mark_absent_as_left)


def _totals():
    return {
        "pupils": Pupil.objects.count(),
        "guardians": Guardian.objects.count(),
        "links": PupilGuardian.objects.count(),
        "classes": SchoolClass.objects.count(),
        "pupil_history": Pupil.history.count(),
        "guardian_history": Guardian.history.count(),
        "link_history": PupilGuardian.history.count(),
    }


# A valid file ----------------------------------------------------------------------------------------------------


def test_valid_file_creates_pupils_shared_guardian_links_and_classes(office, school, setup, academic_year):
    counts = import_file(office, school, _rows())

    amelia = Pupil.objects.get(school=school, upn=UPN_1)
    oscar = Pupil.objects.get(school=school, mis_id="1002")
    assert (amelia.legal_first_name, amelia.date_of_birth) == ("Amelia", datetime.date(2019, 3, 14))
    assert oscar.date_of_birth == datetime.date(2021, 6, 21)
    assert amelia.year_group == setup["1"] and oscar.year_group == setup["R"]
    assert amelia.school_class.name == "1 Oak" and amelia.school_class.academic_year == academic_year
    assert amelia.school_class.year_group == setup["1"]
    assert oscar.has_sen and not amelia.has_sen

    # Siblings sharing the mother's e-mail (any letter case) share one guardian record.
    mother = Guardian.objects.get(school=school, email__iexact="sarah.hartwell@example.test")
    assert Guardian.objects.filter(school=school).count() == 2
    assert set(mother.pupil_links.values_list("pupil__legal_first_name", flat=True)) == {"Amelia", "Oscar"}
    assert all(link.has_parental_responsibility for link in mother.pupil_links.all())
    father_link = PupilGuardian.objects.get(pupil=amelia, guardian__first_name="Daniel")
    assert father_link.relationship == PupilGuardian.Relationship.FATHER
    assert not father_link.has_parental_responsibility
    assert father_link.contact_order == 2

    assert counts["pupils_created"] == 2 and counts["guardians_created"] == 2 and counts["links_created"] == 3
    event = AuditEvent.objects.get(action="directory.roster.imported")
    assert event.actor == office and event.school == school
    assert event.data["counts"]["pupils_created"] == 2
    assert RosterImport.objects.get().status == RosterImport.Status.APPLIED


def test_headers_any_case_semicolons_bom_and_excel_encoding(office, school, setup):
    rows = _rows()
    rows[0]["legal_first_name"] = "Zoë"
    rows[1]["contact1_first_name"] = "Sarah"
    header = [column.upper() for column in HEADER]
    for column in list(HEADER):
        for row in rows:
            row[column.upper()] = row.pop(column, "")

    import_file(office, school, rows, header=header, delimiter=";", encoding="cp1252")
    assert Pupil.objects.get(upn=UPN_1).legal_first_name == "Zoë"

    Pupil.objects.filter(upn=UPN_1).update(legal_first_name="Zoe")
    import_file(office, school, rows, header=header, delimiter=";", bom=True)
    assert Pupil.objects.get(upn=UPN_1).legal_first_name == "Zoë"


def test_turkish_relationships_and_flags(office, school, setup):
    rows = _rows()
    rows[0]["contact1_relationship"] = "Anne"
    rows[0]["contact1_parental_responsibility"] = "Evet"
    rows[0]["contact2_relationship"] = "BABA"
    rows[0]["contact2_parental_responsibility"] = "Hayır"
    rows[1]["contact1_relationship"] = "anne"
    rows[1]["contact1_parental_responsibility"] = "evet"
    import_file(office, school, rows)
    links = {link.guardian.first_name: link for link in PupilGuardian.objects.filter(pupil__upn=UPN_1)}
    assert links["Sarah"].relationship == "mother" and links["Sarah"].has_parental_responsibility
    assert links["Daniel"].relationship == "father" and not links["Daniel"].has_parental_responsibility


# A file with errors ----------------------------------------------------------------------------------------------


def test_file_with_errors_writes_nothing_and_reports_every_row(office, school, setup):
    existing = factories.PupilFactory(school=school, legal_first_name="Kept", upn=UPN_3)
    before = _totals()
    rows = _rows()
    rows.append({**rows[0], "mis_id": "1003"})  # row 4: same UPN as row 2
    rows[0]["contact2_relationship"] = "Uncle Bob"  # row 2
    rows[1]["upn"] = "B" + UPN_2[1:] if UPN_2[0] != "B" else "C" + UPN_2[1:]  # row 3: wrong check letter
    rows[1]["year_group"] = "Year 9"  # row 3
    rows.append(
        {"mis_id": "1004", "legal_first_name": "Nia", "legal_last_name": "Okafor", "date_of_birth": "31/02/2020"}
    )  # row 5
    rows.append({"legal_first_name": "Ivo", "legal_last_name": "Brandt", "date_of_birth": "2020-01-01"})  # row 6
    rows.append({**_rows()[1], "upn": "", "mis_id": "1007", "contact1_parental_responsibility": "maybe"})  # row 7

    roster_import, plan = preview(office, school, rows)

    reported = {(error.row, error.column) for error in plan.errors}
    assert reported == {
        (2, "contact2_relationship"),
        (3, "upn"),
        (3, "year_group"),
        (4, "upn"),
        (5, "date_of_birth"),
        (6, "upn"),
        (7, "contact1_parental_responsibility"),
    }
    duplicate = next(error for error in plan.errors if error.row == 4)
    assert "row 2" in duplicate.message
    assert roster_import.status == RosterImport.Status.REJECTED
    assert roster_import.summary["counts"]["errors"] == 7
    with pytest.raises(DomainError):
        roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=True)
    assert _totals() == before
    existing.refresh_from_db()
    assert existing.left_on is None


def test_unknown_and_missing_columns_are_file_errors(office, school, setup):
    header = ["UPN", "Forename", "legal_last_name", "contact1_email", "date_of_birth"]
    _, plan = preview(office, school, [{"UPN": UPN_1}], header=header)
    messages = {error.column: error.message for error in plan.errors}
    assert all(error.row is None for error in plan.errors)
    assert "Forename" in messages["Forename"]
    assert "legal_first_name" in messages["legal_first_name"]
    assert "contact1_first_name" in messages["contact1_first_name, contact1_last_name, contact1_relationship"]
    assert Pupil.objects.count() == 0


def test_classes_need_the_current_academic_year(office, school, year_groups):
    _, plan = preview(office, school, _rows())
    assert [(error.row, error.column) for error in plan.errors] == [(None, "class")]
    assert "academic year" in plan.errors[0].message

    rows = [{**row, "class": ""} for row in _rows()]
    import_file(office, school, rows)
    assert Pupil.objects.filter(school=school, school_class__isnull=True).count() == 2


def test_oversized_file_is_refused(office, school, setup, settings):
    big = SimpleUploadedFile("roster.csv", b"upn\n" + b"x" * (5 * 1024 * 1024), content_type="text/csv")
    with pytest.raises(DomainError):
        roster_import_preview(actor=office, school=school, uploaded_file=big)
    assert RosterImport.objects.count() == 0


# Re-import and updates ---------------------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(office, school, setup):
    import_file(office, school, _rows())
    before = _totals()
    updated_at = {pupil.pk: pupil.updated_at for pupil in Pupil.objects.all()}

    _, plan = preview(office, school, _rows())
    assert not plan.has_changes
    assert plan.counts()["pupils_unchanged"] == 2 and plan.counts()["links_unchanged"] == 3
    counts = import_file(office, school, _rows())

    assert _totals() == before
    assert {pupil.pk: pupil.updated_at for pupil in Pupil.objects.all()} == updated_at
    assert counts["pupils_updated"] == counts["guardians_updated"] == counts["links_updated"] == 0


def test_updated_file_updates_pupil_in_place(office, school, setup, academic_year):
    import_file(office, school, _rows())
    amelia = Pupil.objects.get(upn=UPN_1)
    history_before = amelia.history.count()
    rows = _rows()
    rows[0].update({"legal_last_name": "Hartwell-Reyes", "year_group": "Year 2", "class": "2 Ash", "upn": ""})

    _, plan = preview(office, school, rows)
    assert [(change.row, change.fields) for change in plan.pupils_updated] == [
        (2, ["legal_last_name", "year_group", "school_class"])
    ]
    counts = import_file(office, school, rows)

    amelia.refresh_from_db()
    assert amelia.legal_last_name == "Hartwell-Reyes"
    assert amelia.upn == UPN_1  # matched by MIS id; a blank UPN never clears one
    assert amelia.school_class.name == "2 Ash" and amelia.year_group == setup["2"]
    assert amelia.history.count() == history_before + 1
    assert Pupil.objects.count() == 2
    assert counts["pupils_updated"] == 1 and counts["pupils_unchanged"] == 1 and counts["classes_created"] == 1


def test_contact_changes_update_links_and_end_missing_ones(office, school, setup):
    import_file(office, school, _rows())
    rows = _rows()
    for column in [c for c in HEADER if c.startswith("contact2_")]:
        rows[0][column] = ""  # the father is no longer a contact of Amelia
    rows[1]["contact1_parental_responsibility"] = "N"
    rows[0]["contact1_phone"] = rows[1]["contact1_phone"] = "07700 900999"  # the mother's new number

    _, plan = preview(office, school, rows)
    assert plan.errors == []
    assert [change.obj.guardian.first_name for change in plan.links_ended] == ["Daniel"]
    import_file(office, school, rows)

    father_link = PupilGuardian.objects.get(guardian__first_name="Daniel")
    assert father_link.ended_on == school.today()
    assert PupilGuardian.objects.count() == 3  # ended, not deleted
    oscar_link = PupilGuardian.objects.get(pupil__upn=UPN_2)
    assert not oscar_link.has_parental_responsibility
    assert Guardian.objects.get(first_name="Sarah").phone == "07700 900999"


def test_existing_guardian_is_matched_by_email_case_insensitively(office, school, setup):
    guardian = factories.GuardianFactory(
        school=school, first_name="Sarah", last_name="Hartwell", email="SARAH.HARTWELL@example.test"
    )
    other_school_guardian = factories.GuardianFactory(email="sarah.hartwell@example.test")
    import_file(office, school, _rows())
    assert Guardian.objects.filter(school=school, email__iexact="sarah.hartwell@example.test").get() == guardian
    guardian.refresh_from_db()
    assert guardian.email == "SARAH.HARTWELL@example.test" and guardian.phone == "07700 900123"
    assert other_school_guardian.pupil_links.count() == 0


def test_pupil_who_had_left_is_put_back_on_roll(office, school, setup):
    returning = factories.PupilFactory(
        school=school, upn=UPN_1, legal_first_name="Amelia", left_on=datetime.date(2020, 7, 20)
    )
    _, plan = preview(office, school, _rows())
    assert [change.obj.pk for change in plan.pupils_returning] == [returning.pk]
    counts = import_file(office, school, _rows())
    returning.refresh_from_db()
    assert returning.left_on is None and counts["pupils_returning"] == 1


def test_upn_and_mis_id_of_two_different_pupils_is_a_row_error(office, school, setup):
    factories.PupilFactory(school=school, upn=UPN_1, mis_id="")
    factories.PupilFactory(school=school, upn="", mis_id="1001")
    _, plan = preview(office, school, _rows())
    assert [(error.row, error.column) for error in plan.errors] == [(2, "mis_id")]


def test_same_email_with_different_names_is_a_row_error(office, school, setup):
    rows = _rows()
    rows[1]["contact1_first_name"] = "Susan"
    _, plan = preview(office, school, rows)
    assert [(error.row, error.column) for error in plan.errors] == [(3, "contact1_first_name")]
    assert "Row 2" in plan.errors[0].message


# Pupils missing from the file --------------------------------------------------------------------------------------


def test_absent_pupils_are_not_marked_left_without_confirmation(office, school, setup):
    absent = factories.PupilFactory(school=school, legal_first_name="Theo", legal_last_name="Marsh")
    _, plan = preview(office, school, _rows())
    assert plan.pupils_absent == [absent]
    counts = import_file(office, school, _rows(), mark_absent_as_left=False)
    absent.refresh_from_db()
    assert absent.left_on is None and counts["pupils_marked_left"] == 0


def test_absent_pupils_are_marked_left_when_confirmed(office, school, setup):
    absent = factories.PupilFactory(school=school, legal_first_name="Theo", legal_last_name="Marsh")
    already_left = factories.PupilFactory(school=school, left_on=datetime.date(2021, 7, 20))
    counts = import_file(office, school, _rows(), mark_absent_as_left=True)
    absent.refresh_from_db()
    already_left.refresh_from_db()
    assert absent.left_on == school.today()
    assert already_left.left_on == datetime.date(2021, 7, 20)
    assert counts["pupils_marked_left"] == 1
    assert Pupil.objects.filter(pk=absent.pk).exists()  # never deleted


def test_leavers_are_not_marked_if_the_absent_list_changed_since_the_preview(office, school, setup):
    roster_import, _ = preview(office, school, _rows())
    newcomer = factories.PupilFactory(school=school)
    with pytest.raises(DomainError):
        roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=True)
    newcomer.refresh_from_db()
    assert newcomer.left_on is None
    assert Pupil.objects.count() == 1
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PENDING


# Once only, and only for the right people ------------------------------------------------------------------------


def test_double_confirm_applies_once(office, school, setup):
    roster_import, _ = preview(office, school, _rows())
    roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=False)
    totals = _totals()
    with pytest.raises(DomainError):
        roster_import_apply(actor=office, roster_import=roster_import, mark_absent_as_left=False)
    assert _totals() == totals
    assert AuditEvent.objects.filter(action="directory.roster.imported").count() == 1


def test_new_upload_cancels_the_earlier_preview(office, school, setup):
    first, _ = preview(office, school, _rows())
    second, _ = preview(office, school, _rows())
    first.refresh_from_db()
    assert first.status == RosterImport.Status.CANCELLED
    with pytest.raises(DomainError):
        roster_import_apply(actor=office, roster_import=first, mark_absent_as_left=False)
    roster_import_apply(actor=office, roster_import=second, mark_absent_as_left=False)
    assert Pupil.objects.count() == 2


def test_services_refuse_a_teacher(teacher, office, school, setup):
    with pytest.raises(PermissionError):
        preview(teacher, school, _rows())
    roster_import, _ = preview(office, school, _rows())
    with pytest.raises(PermissionError):
        roster_import_apply(actor=teacher, roster_import=roster_import, mark_absent_as_left=False)
    assert Pupil.objects.count() == 0


# Through the pages -----------------------------------------------------------------------------------------------


def test_teacher_gets_404_on_every_roster_url(client, teacher, office, school, setup):
    roster_import, _ = preview(office, school, _rows())
    client.force_login(teacher)
    assert client.get(reverse("directory:roster_import", args=[school.slug])).status_code == 404
    assert client.get(reverse("directory:roster_template", args=[school.slug])).status_code == 404
    response = client.post(reverse("directory:roster_import", args=[school.slug]), {"file": csv_upload(_rows())})
    assert response.status_code == 404
    response = client.post(
        reverse("directory:roster_import_confirm", args=[school.slug]), {"import_id": roster_import.public_id}
    )
    assert response.status_code == 404
    assert Pupil.objects.count() == 0


def test_office_of_another_school_gets_404_for_this_schools_import(client, office, school, other_school, setup):
    roster_import, _ = preview(office, school, _rows())
    other_office = factories.UserFactory(email="office@elsewhere.test")
    factories.StaffRoleFactory(user=other_office, school=other_school, role=Role.OFFICE)
    client.force_login(other_office)
    for slug in (other_school.slug, school.slug):
        response = client.post(
            reverse("directory:roster_import_confirm", args=[slug]), {"import_id": roster_import.public_id}
        )
        assert response.status_code == 404
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PENDING
    assert Pupil.objects.count() == 0


def test_upload_page_lists_columns_and_offers_the_template(client, office, school, setup):
    client.force_login(office)
    response = client.get(reverse("directory:roster_import", args=[school.slug]))
    page = response.content.decode()
    assert "contact1_parental_responsibility" in page and "date_of_birth" in page
    assert reverse("directory:roster_template", args=[school.slug]) in page

    template = client.get(reverse("directory:roster_template", args=[school.slug]))
    assert template["Content-Disposition"] == 'attachment; filename="roster-template.csv"'
    upload = SimpleUploadedFile("template.csv", template.content, content_type="text/csv")
    _, plan = roster_import_preview(actor=office, school=school, uploaded_file=upload)
    assert plan.errors == [] and plan.counts()["pupils_created"] == 1 and plan.counts()["guardians_created"] == 2


def test_upload_with_errors_shows_each_row_then_a_good_file_imports(client, office, school, setup):
    factories.PupilFactory(school=school, legal_first_name="Theo", legal_last_name="Marsh")
    client.force_login(office)
    url = reverse("directory:roster_import", args=[school.slug])
    bad = _rows()
    bad[1]["date_of_birth"] = "yesterday"
    bad[0]["year_group"] = "Year 9"

    response = client.post(url, {"file": csv_upload(bad)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Row 2" in page and "year_group" in page and "Year 9" in page
    assert "Row 3" in page and "date_of_birth" in page
    assert "Nothing has been imported" in page
    assert reverse("directory:roster_import_confirm", args=[school.slug]) not in page
    assert Pupil.objects.count() == 1

    response = client.post(url, {"file": csv_upload(_rows())})
    page = response.content.decode()
    assert "To add: 2" in page
    assert "Theo Marsh" in page  # listed as on roll but missing from the file
    roster_import = RosterImport.objects.get(status=RosterImport.Status.PENDING)

    confirm = reverse("directory:roster_import_confirm", args=[school.slug])
    response = client.post(confirm, {"import_id": roster_import.public_id}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:pupil_list", args=[school.slug])
    page = response.content.decode()
    assert "Roster imported. Pupils: 2 added" in page and "0 marked as left" in page
    assert "Amelia" in page and "Theo" in page
    assert Pupil.objects.count() == 3

    response = client.post(confirm, {"import_id": roster_import.public_id}, follow=True)
    assert "already been applied" in response.content.decode().replace("\n", " ")
    assert Pupil.objects.count() == 3


def test_confirm_with_leavers_box_ticked_marks_them_left(client, office, school, setup):
    theo = factories.PupilFactory(school=school, legal_first_name="Theo", legal_last_name="Marsh")
    client.force_login(office)
    client.post(reverse("directory:roster_import", args=[school.slug]), {"file": csv_upload(_rows())})
    roster_import = RosterImport.objects.get(status=RosterImport.Status.PENDING)
    response = client.post(
        reverse("directory:roster_import_confirm", args=[school.slug]),
        {"import_id": roster_import.public_id, "mark_absent_as_left": "on"},
        follow=True,
    )
    assert "1 marked as left" in response.content.decode()
    theo.refresh_from_db()
    assert theo.left_on == school.today()


def test_confirm_is_post_only_and_without_an_import_sends_back_to_upload(client, office, school, setup):
    client.force_login(office)
    url = reverse("directory:roster_import_confirm", args=[school.slug])
    assert client.get(url).status_code == 405
    response = client.post(url, {}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:roster_import", args=[school.slug])
    assert "Upload the file again" in response.content.decode()


def test_excel_workbook_is_refused_with_a_clear_message(client, office, school, setup):
    client.force_login(office)
    workbook = SimpleUploadedFile("roster.xlsx", b"PK\x03\x04rest", content_type="application/vnd.ms-excel")
    response = client.post(reverse("directory:roster_import", args=[school.slug]), {"file": workbook})
    assert "Save it as CSV" in response.content.decode()
    assert RosterImport.objects.count() == 0


def test_parent_whose_email_changed_is_updated_in_place(office, school, setup):
    import_file(office, school, _rows())
    mother = Guardian.objects.get(first_name="Sarah")
    rows = _rows()
    for row in rows:
        row["contact1_email"] = "sarah.new@example.test"
    import_file(office, school, rows)
    mother.refresh_from_db()
    assert mother.email == "sarah.new@example.test"
    assert Guardian.objects.count() == 2 and PupilGuardian.objects.current().count() == 3


def test_contact_without_email_or_phone_is_shared_by_siblings_on_reimport(office, school, setup):
    rows = _rows()
    for row in rows:
        row.update(
            {
                "contact2_first_name": "Margaret",
                "contact2_last_name": "Hartwell",
                "contact2_relationship": "Grandmother",
                "contact2_parental_responsibility": "",
                "contact2_email": "",
                "contact2_phone": "",
            }
        )
    import_file(office, school, rows)
    before = _totals()
    _, plan = preview(office, school, rows)
    assert not plan.has_changes
    import_file(office, school, rows)
    assert _totals() == before


def test_conflicting_phone_for_one_parent_is_a_row_error(office, school, setup):
    rows = _rows()
    rows[1]["contact1_phone"] = "07700 900999"
    _, plan = preview(office, school, rows)
    assert [(error.row, error.column) for error in plan.errors] == [(3, "contact1_phone")]


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_spreadsheet(office, school, setup):
    rows = _rows()
    rows.insert(1, {})  # an empty line 3
    rows[2]["date_of_birth"] = "not a date"  # now spreadsheet row 4
    rows.append({})
    _, plan = preview(office, school, rows)
    assert plan.row_count == 2
    assert [(error.row, error.column) for error in plan.errors] == [(4, "date_of_birth")]


def test_too_many_rows_is_a_file_error(office, school, setup, monkeypatch):
    monkeypatch.setattr("safeguard.directory.roster.MAX_ROWS", 1)
    _, plan = preview(office, school, _rows())
    assert [error.row for error in plan.errors] == [None]
    assert "more than 1 pupils" in plan.errors[0].message


def test_duplicate_mis_id_names_the_other_row(office, school, setup):
    rows = _rows()
    rows[1]["mis_id"] = "1001"
    _, plan = preview(office, school, rows)
    assert [(error.row, error.column) for error in plan.errors] == [(3, "mis_id")]
    assert "row 2" in plan.errors[0].message


# Sex (DfE codes M/F, written into the pupil's CTF) ---------------------------------------------------------------


def test_sex_column_reads_codes_english_and_turkish_words_and_blank_keeps(office, school, setup):
    header = [*HEADER, "sex"]
    rows = _rows()
    rows[0]["sex"], rows[1]["sex"] = "female", "Erkek"
    rows.append({**_rows()[0], "upn": UPN_3, "mis_id": "1003", "legal_first_name": "Ada", "sex": "KIZ"})
    rows.append({**_rows()[1], "upn": "", "mis_id": "1004", "legal_first_name": "Eli", "sex": "m"})
    rows.append({**_rows()[1], "upn": "", "mis_id": "1005", "legal_first_name": "Ece", "sex": "kadın"})
    import_file(office, school, rows, header=header)
    assert dict(Pupil.objects.values_list("mis_id", "sex")) == {
        "1001": "F",
        "1002": "M",
        "1003": "F",
        "1004": "M",
        "1005": "F",
    }

    # Blank keeps what is recorded; a change shows in the preview like any other field.
    rows = _rows()
    rows[0]["sex"], rows[1]["sex"] = "", "F"
    _, plan = preview(office, school, rows, header=header)
    assert [(change.row, change.fields) for change in plan.pupils_updated] == [(3, ["sex"])]
    assert plan.pupils_updated[0].field_labels == ["sex"]
    import_file(office, school, rows, header=header)
    assert dict(Pupil.objects.filter(mis_id__in=["1001", "1002"]).values_list("mis_id", "sex")) == {
        "1001": "F",
        "1002": "F",
    }
    assert Pupil.history.filter(mis_id="1002").first().sex == "F"  # kept in the pupil's history


def test_a_sex_other_than_m_or_f_is_a_row_error_naming_the_column(office, school, setup):
    rows = _rows()
    rows[1]["sex"] = "X"
    roster_import, plan = preview(office, school, rows, header=[*HEADER, "sex"])
    assert [(error.row, error.column, error.message) for error in plan.errors] == [(3, "sex", "“X” is not M or F.")]
    assert roster_import.status == RosterImport.Status.REJECTED and not Pupil.objects.exists()
