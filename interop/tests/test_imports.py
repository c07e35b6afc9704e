"""OneRoster 1.2 CSV and CTF imports, through the pages the office uses: preview, apply, re-apply, errors."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from interop.models import ExternalId, InteropImport
from onboarding.models import StaffInvitation
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Guardian, Pupil, PupilGuardian, SchoolClass, StaffRole, YearGroup
from safeguard.directory.tests import factories
from safeguard.directory.validators import upn_check_letter

DATA = Path(__file__).parent / "data"
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


def oneroster_zip(changes=None):
    """The sample district zip; ``changes`` maps a file name to a function (text → text) or None (left out)."""
    changes = changes or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((DATA / "oneroster_district").iterdir()):
            text = path.read_text()
            if path.name in changes:
                if changes[path.name] is None:
                    continue
                text = changes[path.name](text)
            archive.writestr(path.name, text)
    return SimpleUploadedFile("district.zip", buffer.getvalue(), content_type="application/zip")


def ctf_file(change=None):
    text = (DATA / "ctf_sample.xml").read_text()
    if change:
        text = change(text)
    return SimpleUploadedFile("incoming.xml", text.encode(), content_type="text/xml")


@pytest.fixture
def lincoln(school):
    """The demo school as Lincoln Elementary of the sample district (district code LES), with a current year."""
    school.district_code = "LES"
    school.country = "us"
    school.save()
    factories.AcademicYearFactory(school=school)
    return school


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def upload(client, user, school, url_name, file):
    client.force_login(user)
    return client.post(reverse(url_name, args=[school.slug]), {"file": file})


pytestmark = pytest.mark.usefixtures("celery_eager")


def confirm(client, school, interop_import, **fields):
    """Tick ``fields`` and confirm; the queued apply task runs when the request's transaction commits (eager)."""
    url = reverse("interop:import_confirm", args=[school.slug, interop_import.public_id])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {name: "on" for name, value in fields.items() if value})


def latest(school):
    return InteropImport.objects.filter(school=school).order_by("-pk").first()


def history_counts():
    return {model.__name__: model.history.count() for model in (Pupil, Guardian, PupilGuardian, YearGroup, SchoolClass)}


@pytest.mark.django_db
def test_oneroster_preview_shows_counts_and_writes_nothing(client, office, teacher, lincoln, fixed_now):
    response = upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Pupils in the file: 4" in page  # Zoe Park is at Washington Middle School
    assert "To add: 4" in page and "New classes: 2" in page and "New year groups: 2" in page
    assert "Class teachers to add: 2" in page
    assert "Staff to add: 1" in page and "Staff unchanged: 1" in page
    assert "Chidi Okafor · chidi.okafor@example.org · Teacher" in page  # no account yet: listed to add
    assert latest(lincoln).status == InteropImport.Status.PENDING
    assert not Pupil.objects.exists() and not Guardian.objects.exists() and not YearGroup.objects.exists()
    assert not User.objects.filter(email="chidi.okafor@example.org").exists()


@pytest.mark.django_db
def test_oneroster_apply_creates_exactly_the_records(client, office, teacher, lincoln, fixed_now):
    upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    response = confirm(client, lincoln, latest(lincoln))
    assert response.status_code == 302

    pupils = {p.mis_id: p for p in Pupil.objects.filter(school=lincoln)}
    assert set(pupils) == {"1001", "1002", "1003", "1004"}
    ava, noah, mia = pupils["1001"], pupils["1002"], pupils["1003"]
    assert (ava.legal_first_name, ava.legal_last_name, ava.date_of_birth) == (
        "Ava",
        "Brooks",
        datetime.date(2021, 3, 14),
    )
    assert noah.preferred_first_name == "Noe"
    assert ava.year_group.code == "KG" and ava.year_group.name == "Kindergarten"
    assert noah.year_group.code == "01"
    assert ava.school_class.name == "K Rivera"  # the homeroom, not Art
    assert mia.school_class.name == "1 Okafor"
    assert sorted(YearGroup.objects.filter(school=lincoln).values_list("code", flat=True)) == ["01", "KG"]

    links = {
        (link.pupil.mis_id, link.guardian.first_name): link
        for link in PupilGuardian.objects.select_related("pupil", "guardian")
    }
    assert set(links) == {("1001", "Dana"), ("1001", "Sam"), ("1002", "Dana"), ("1003", "Rosa")}
    assert links[("1001", "Dana")].guardian_id == links[("1002", "Dana")].guardian_id  # siblings share a parent
    assert links[("1001", "Dana")].has_parental_responsibility  # parent
    assert links[("1001", "Sam")].has_parental_responsibility  # guardian
    assert not links[("1003", "Rosa")].has_parental_responsibility  # relative
    assert Guardian.objects.filter(school=lincoln).count() == 3
    assert Guardian.objects.get(first_name="Sam").phone == "555-0102"  # sms when there is no phone

    rivera = SchoolClass.objects.get(school=lincoln, name="K Rivera")
    assert list(rivera.teachers.all()) == [teacher]  # matched by e-mail to existing staff
    okafor = User.objects.get(email="chidi.okafor@example.org")  # created from the file, no password
    assert not okafor.has_usable_password() and okafor.full_name == "Chidi Okafor"
    assert list(SchoolClass.objects.get(school=lincoln, name="1 Okafor").teachers.all()) == [okafor]
    assert list(StaffRole.objects.filter(user=okafor).values_list("school", "role")) == [(lincoln.pk, "teacher")]
    assert not StaffInvitation.objects.exists()  # the box was not ticked
    kinds = sorted(ExternalId.objects.filter(school=lincoln).values_list("kind", "source_id"))
    assert ("pupil", "stu-1001") in kinds and ("guardian", "par-2002") in kinds and ("class", "class-k-rivera") in kinds
    assert ("staff", "tea-3001") in kinds and ("staff", "tea-3002") in kinds
    assert len(kinds) == 4 + 3 + 2 + 2
    assert AuditEvent.objects.filter(action="interop.oneroster.imported", school=lincoln).count() == 1
    detail = client.get(response.url)
    assert detail.status_code == 200 and "Applied" in detail.content.decode()


@pytest.mark.django_db
def test_oneroster_reimport_changes_nothing(client, office, teacher, lincoln, fixed_now):
    upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    confirm(client, lincoln, latest(lincoln))
    before = history_counts()
    external_ids = ExternalId.objects.count()

    response = upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    page = response.content.decode()
    assert "This file matches the roster: importing it changes nothing." in page
    assert "Unchanged: 4" in page
    confirm(client, lincoln, latest(lincoln))
    assert latest(lincoln).status == InteropImport.Status.APPLIED
    assert history_counts() == before
    assert ExternalId.objects.count() == external_ids
    assert Pupil.objects.count() == 4


@pytest.mark.django_db
def test_oneroster_renamed_student_is_matched_by_sourced_id(client, office, lincoln, fixed_now):
    upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    confirm(client, lincoln, latest(lincoln))
    # The SIS changes the student number and the family name: the sourcedId still finds the same pupil.
    renamed = oneroster_zip({"users.csv": lambda text: text.replace("Mia,Santos,,1003", "Mia,Santos-Reyes,,9003")})
    upload(client, office, lincoln, "interop:oneroster_import", renamed)
    confirm(client, lincoln, latest(lincoln))
    mia = Pupil.objects.get(school=lincoln, legal_first_name="Mia")
    assert mia.legal_last_name == "Santos-Reyes" and Pupil.objects.count() == 4


@pytest.mark.django_db
def test_oneroster_bad_rows_are_reported_by_file_line_and_field_and_nothing_is_written(
    client, office, lincoln, fixed_now
):
    bad = oneroster_zip(
        {
            "users.csv": lambda text: text.replace("sam.brooks@example.org", "sam.brooks-at-example").replace(
                ",01,,,,Noe", ",1st,,,,Noe"
            ),
            "demographics.csv": lambda text: text.replace("2021-03-14", "03/14/2021"),
        }
    )
    response = upload(client, office, lincoln, "interop:oneroster_import", bad)
    page = response.content.decode()
    interop_import = latest(lincoln)
    assert interop_import.status == InteropImport.Status.REJECTED
    errors = {(e["file"], e["line"], e["field"]) for e in interop_import.summary["errors"]}
    assert ("users.csv", 8, "email") in errors
    assert ("users.csv", 3, "grades") in errors
    assert ("demographics.csv", 2, "birthDate") in errors
    assert "Line 8" in page and "“03/14/2021” is not an ISO 8601 date" in page
    assert "Nothing has been imported" in page
    response = confirm(client, lincoln, interop_import)
    assert response.status_code == 302
    assert not Pupil.objects.exists() and not Guardian.objects.exists() and not YearGroup.objects.exists()


@pytest.mark.django_db
def test_oneroster_demographics_sex_becomes_m_or_f_and_other_or_unspecified_records_none(
    client, office, lincoln, fixed_now
):
    first = oneroster_zip(
        {"demographics.csv": lambda text: text.replace("2020-01-30,female", "2020-01-30,unspecified")}
    )
    upload(client, office, lincoln, "interop:oneroster_import", first)
    confirm(client, lincoln, latest(lincoln))
    assert dict(Pupil.objects.filter(school=lincoln).values_list("mis_id", "sex")) == {
        "1001": "F",
        "1002": "M",
        "1003": "",  # unspecified: not recorded, never guessed
        "1004": "M",
    }

    # "other" later: the recorded sex is not guessed over, it stays as it was.
    later = oneroster_zip({"demographics.csv": lambda text: text.replace("2019-11-02,male", "2019-11-02,other")})
    upload(client, office, lincoln, "interop:oneroster_import", later)
    assert latest(lincoln).status == InteropImport.Status.PENDING, latest(lincoln).summary["errors"]
    confirm(client, lincoln, latest(lincoln))
    assert Pupil.objects.get(school=lincoln, mis_id="1002").sex == "M"


@pytest.mark.django_db
def test_oneroster_demographics_sex_outside_the_enumeration_is_an_error(client, office, lincoln, fixed_now):
    bad = oneroster_zip({"demographics.csv": lambda text: text.replace("2021-03-14,female", "2021-03-14,F")})
    upload(client, office, lincoln, "interop:oneroster_import", bad)
    interop_import = latest(lincoln)
    assert interop_import.status == InteropImport.Status.REJECTED
    assert ("demographics.csv", 2, "sex") in {
        (e["file"], e["line"], e["field"]) for e in interop_import.summary["errors"]
    }
    assert not Pupil.objects.exists()


@pytest.mark.django_db
def test_oneroster_missing_roles_file_and_duplicate_identifier(client, office, lincoln, fixed_now):
    response = upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip({"roles.csv": None}))
    assert "The zip has no roles.csv" in response.content.decode()
    duplicate = oneroster_zip(
        {"users.csv": lambda text: text.replace("Noah,Brooks,James,1002", "Noah,Brooks,James,1001")}
    )
    upload(client, office, lincoln, "interop:oneroster_import", duplicate)
    errors = {(e["file"], e["line"], e["field"]) for e in latest(lincoln).summary["errors"]}
    assert errors == {("users.csv", 3, "identifier")}


@pytest.mark.django_db
def test_tobedeleted_marks_a_leaver_only_on_confirm(client, office, lincoln, fixed_now):
    upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    confirm(client, lincoln, latest(lincoln))

    def leaving():
        return oneroster_zip({"users.csv": lambda text: text.replace("stu-1004,active", "stu-1004,tobedeleted")})

    response = upload(client, office, lincoln, "interop:oneroster_import", leaving())
    assert "Liam Nguyen" in response.content.decode()  # listed as leaving
    confirm(client, lincoln, latest(lincoln))  # box not ticked
    assert Pupil.objects.get(mis_id="1004").left_on is None

    upload(client, office, lincoln, "interop:oneroster_import", leaving())
    confirm(client, lincoln, latest(lincoln), mark_absent_as_left=True)
    assert Pupil.objects.get(mis_id="1004").left_on == datetime.date(2026, 12, 4)
    assert Pupil.objects.get(mis_id="1001").left_on is None


@pytest.mark.django_db
def test_oneroster_invites_new_parents_when_asked(client, office, lincoln, fixed_now):
    upload(client, office, lincoln, "interop:oneroster_import", oneroster_zip())
    confirm(client, lincoln, latest(lincoln), invite_guardians=True)
    assert latest(lincoln).summary["applied"]["invitations_sent"] == 2  # Dana and Sam; Rosa has no e-mail or PR


@pytest.mark.django_db
def test_ctf_import_reads_pupils_contacts_and_flags(client, office, school, fixed_now):
    factories.YearGroupFactory(school=school, code="2", name="Year 2", order=2)
    factories.YearGroupFactory(school=school, code="3", name="Year 3", order=3)
    response = upload(client, office, school, "interop:ctf_import", ctf_file())
    page = response.content.decode()
    assert "To add: 2" in page and "Pupils leaving" not in page
    assert not Pupil.objects.exists()
    confirm(client, school, latest(school), mark_absent_as_left=True)

    amelia = Pupil.objects.get(upn="U999200126101")
    assert (amelia.legal_first_name, amelia.preferred_first_name, amelia.year_group.code) == ("Amelia", "Millie", "2")
    assert amelia.has_sen and amelia.is_eal and amelia.is_pupil_premium and not amelia.is_looked_after
    daniel = Pupil.objects.get(upn="H999200126102")
    assert daniel.is_looked_after and not daniel.is_eal and not daniel.has_sen
    sarah = PupilGuardian.objects.get(pupil=amelia, guardian__first_name="Sarah")
    assert sarah.has_parental_responsibility and sarah.relationship == "parent" and sarah.contact_order == 1
    grandmother = PupilGuardian.objects.get(pupil=amelia, guardian__first_name="Margaret")
    assert not grandmother.has_parental_responsibility and grandmother.relationship == "grandparent"
    assert PupilGuardian.objects.get(pupil=daniel, guardian__first_name="Joanne").relationship == "foster_carer"

    before = history_counts()
    upload(client, office, school, "interop:ctf_import", ctf_file())
    confirm(client, school, latest(school))
    assert history_counts() == before


@pytest.mark.django_db
def test_ctf_wrong_check_letter_is_reported_and_nothing_written(client, office, school, fixed_now):
    factories.YearGroupFactory(school=school, code="2", name="Year 2", order=2)
    factories.YearGroupFactory(school=school, code="3", name="Year 3", order=3)
    bad = ctf_file(
        lambda text: text.replace("H999200126102", "A999200126102").replace("<DOB>2019-03-14", "<DOB>14/03/2019")
    )
    response = upload(client, office, school, "interop:ctf_import", bad)
    page = response.content.decode()
    errors = latest(school).summary["errors"]
    assert {(e["record"], e["field"]) for e in errors} == {
        ("Pupil 1, UPN U999200126101", "DOB"),
        ("Pupil 2, UPN A999200126102", "UPN"),
    }
    assert "The check letter of UPN A999200126102 should be H." in page
    assert not Pupil.objects.exists()


@pytest.mark.django_db
def test_ctf_unknown_year_group_names_the_element(client, office, school, fixed_now):
    response = upload(client, office, school, "interop:ctf_import", ctf_file())
    errors = latest(school).summary["errors"]
    assert errors[0]["record"] == "Pupil 1, UPN U999200126101" and errors[0]["field"] == "NCyearActual"
    assert response.status_code == 200


@pytest.mark.django_db
def test_another_schools_import_answers_404(client, office, school, other_school, other_school_dsl, fixed_now):
    other_office = factories.UserFactory()
    factories.StaffRoleFactory(user=other_office, school=other_school, role="office")
    upload(client, other_office, other_school, "interop:ctf_import", ctf_file())
    theirs = latest(other_school)
    client.force_login(office)
    assert client.get(reverse("interop:import_detail", args=[school.slug, theirs.public_id])).status_code == 404
    assert confirm(client, school, theirs).status_code == 404
    assert client.get(reverse("interop:import_detail", args=[other_school.slug, theirs.public_id])).status_code == 404


@pytest.mark.django_db
def test_office_may_import_teacher_may_not(client, office, teacher, school):
    client.force_login(office)
    assert client.get(reverse("interop:oneroster_import", args=[school.slug])).status_code == 200
    assert client.get(reverse("interop:ctf_import", args=[school.slug])).status_code == 200
    client.force_login(teacher)
    assert client.get(reverse("interop:oneroster_import", args=[school.slug])).status_code == 404
    response = client.post(reverse("interop:ctf_import", args=[school.slug]), {"file": ctf_file()})
    assert response.status_code == 404 and not InteropImport.objects.exists()


@pytest.mark.django_db
def test_leavers_ctf_exports_and_imports_at_the_new_school(client, office, school, other_school, fixed_now):
    year = factories.YearGroupFactory(school=school, code="4", name="Year 4", order=4)
    body = "999200126104"
    pupil = factories.PupilFactory(
        school=school,
        upn=upn_check_letter(body) + body,
        legal_first_name="Iris",
        legal_last_name="Penhallow",
        year_group=year,
        has_sen=True,
        is_looked_after=True,
    )
    factories.PupilGuardianFactory(
        pupil=pupil,
        guardian__first_name="Ruth",
        guardian__last_name="Penhallow",
        relationship="foster_carer",
        has_parental_responsibility=False,
    )
    url = reverse("interop:pupil_ctf", args=[school.slug, pupil.public_id])
    client.force_login(office)
    assert client.get(url).status_code == 302  # still on roll: no CTF yet
    pupil.left_on = datetime.date(2026, 12, 1)
    pupil.save()
    assert (
        "Download the Common Transfer File"
        in client.get(reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])).content.decode()
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="interop.ctf.exported", school=school).count() == 1

    # The receiving school imports it: same pupil, same contact, parental responsibility kept as it was.
    factories.YearGroupFactory(school=other_school, code="4", name="Year 4", order=4)
    their_office = factories.UserFactory()
    factories.StaffRoleFactory(user=their_office, school=other_school, role="office")
    upload(client, their_office, other_school, "interop:ctf_import", SimpleUploadedFile("in.xml", response.content))
    confirm(client, other_school, latest(other_school))
    arrived = Pupil.objects.get(school=other_school, upn=pupil.upn)
    assert (arrived.legal_first_name, arrived.year_group.code, arrived.has_sen, arrived.is_looked_after) == (
        "Iris",
        "4",
        True,
        True,
    )
    link = PupilGuardian.objects.get(pupil=arrived)
    assert link.relationship == "foster_carer" and not link.has_parental_responsibility


@pytest.mark.django_db
def test_teacher_may_not_download_a_ctf(client, teacher, school):
    pupil = factories.PupilFactory(school=school, left_on=datetime.date(2026, 12, 1))
    client.force_login(teacher)
    assert client.get(reverse("interop:pupil_ctf", args=[school.slug, pupil.public_id])).status_code == 404
