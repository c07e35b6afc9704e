"""A 400-pupil school: a OneRoster zip and a CTF are imported, then a changed file (issue 14, "done when")."""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from interop.models import InteropImport
from safeguard.directory.models import Guardian, Pupil, PupilGuardian
from safeguard.directory.tests import factories
from safeguard.directory.validators import upn_check_letter

NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
PUPILS = 400


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def oneroster_school(pupils=PUPILS, renamed=()):
    """A generated bulk OneRoster 1.2 zip: one school, ``pupils`` students in 16 homerooms, one parent each.
    Students whose number is in ``renamed`` get a new family name."""
    stamp = "2026-08-21T09:00:00.000Z"
    users, roles, enrollments, demographics = [], [], [], []
    for n in range(pupils):
        grade = f"{n % 6 + 1:02d}"
        family = "Changed" if n in renamed else f"Family{n}"
        users.append([f"s{n}", "active", stamp, "true", f"Kid{n}", family, str(5000 + n), "", "", f"p{n}", grade])
        users.append([f"p{n}", "active", stamp, "true", f"Parent{n}", family, "", f"p{n}@example.org", "", "", ""])
        roles.append([f"rs{n}", "active", stamp, f"s{n}", "primary", "student", "org-s"])
        roles.append([f"rp{n}", "active", stamp, f"p{n}", "primary", "parent", "org-s"])
        enrollments.append([f"e{n}", "active", stamp, f"c{n % 16}", "org-s", f"s{n}", "student"])
        demographics.append([f"s{n}", "active", stamp, f"{2014 + n % 6}-0{n % 9 + 1}-1{n % 9}"])
    files = {
        "manifest.csv": _csv(["propertyName", "value"], [["manifest.version", "1.0"], ["oneroster.version", "1.2"]]),
        "orgs.csv": _csv(
            ["sourcedId", "status", "dateLastModified", "name", "type", "identifier"],
            [["org-s", "active", stamp, "Big School", "school", "BIG"]],
        ),
        "academicSessions.csv": _csv(
            ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "schoolYear"],
            [["sy", "active", stamp, "2026-2027", "schoolYear", "2026-08-24", "2027-06-11", "2027"]],
        ),
        "classes.csv": _csv(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "courseSourcedId",
                "classType",
                "schoolSourcedId",
                "termSourcedIds",
            ],
            [[f"c{k}", "active", stamp, f"Homeroom {k}", "course", "homeroom", "org-s", "sy"] for k in range(16)],
        ),
        "users.csv": _csv(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "enabledUser",
                "givenName",
                "familyName",
                "identifier",
                "email",
                "phone",
                "agentSourcedIds",
                "grades",
            ],
            users,
        ),
        "roles.csv": _csv(
            ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "orgSourcedId"], roles
        ),
        "enrollments.csv": _csv(
            ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
            enrollments,
        ),
        "demographics.csv": _csv(["sourcedId", "status", "dateLastModified", "birthDate"], demographics),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return SimpleUploadedFile("district.zip", buffer.getvalue())


def ctf_school(pupils=PUPILS, renamed=()):
    """A generated CTF 26 of ``pupils`` pupils (fictional UPNs in LA 999), each with one contact with parental
    responsibility, in the DfE CTF message structure (``docs/ctf.md``). Pupils whose number is in ``renamed`` get
    a new surname."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><CTfile><Header><DocumentName>Common Transfer File</DocumentName>'
        "<CTFversion>26.0</CTFversion><DateTime>2026-11-30T09:00:00</DateTime>"
        "<DocumentQualifier>full</DocumentQualifier><SupplierID>FictionalMIS</SupplierID>"
        "<SourceSchool><LEA>999</LEA><Estab>3001</Estab><SchoolName>Fictional Infants</SchoolName>"
        "<AcademicYear>2026</AcademicYear></SourceSchool><DestSchool><LEA>MMM</LEA><Estab>MMMM</Estab></DestSchool>"
        "</Header><CTFpupilData>"
    ]
    for n in range(pupils):
        body = f"99930012{n:04d}"
        family = "Changed" if n in renamed else f"Family{n}"
        parts.append(
            f"<Pupil><UPN>{upn_check_letter(body)}{body}</UPN><Surname>{family}</Surname><Forename>Kid{n}</Forename>"
            f"<DOB>{2015 + n % 6}-05-0{n % 9 + 1}</DOB><Sex>{'MF'[n % 2]}</Sex><BasicDetails>"
            f"<NCyearActual>{n % 6 + 1}</NCyearActual></BasicDetails><Contacts><Contact><Order>1</Order>"
            f"<Surname>{family}</Surname><Forename>Parent{n}</Forename><Relationship>PAR</Relationship>"
            f"<Responsibility>true</Responsibility><Email>p{n}@example.org</Email></Contact></Contacts></Pupil>"
        )
    parts.append("</CTFpupilData></CTfile>")
    return SimpleUploadedFile("school.xml", "".join(parts).encode())


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _import(client, school, url_name, file, capture, **confirm):
    """Upload ``file``, check the preview is pending, confirm it; the apply runs at once (``celery_eager`` and
    ``capture``, pytest-django's on-commit capture, running the queued task). Returns the preview page and counts."""
    response = client.post(reverse(url_name, args=[school.slug]), {"file": file})
    interop_import = InteropImport.objects.filter(school=school).order_by("-pk").first()
    assert interop_import.status == InteropImport.Status.PENDING, interop_import.summary["errors"][:3]
    page = response.content.decode()
    url = reverse("interop:import_confirm", args=[school.slug, interop_import.public_id])
    with capture(execute=True):
        client.post(url, {name: "on" for name in confirm})
    interop_import.refresh_from_db()
    return page, interop_import.summary["applied"]


@pytest.mark.django_db
def test_oneroster_school_of_400_then_a_changed_file(
    client, office, school, fixed_now, celery_eager, django_capture_on_commit_callbacks
):
    school.district_code = "BIG"
    school.save()
    factories.AcademicYearFactory(school=school)
    client.force_login(office)
    page, applied = _import(
        client, school, "interop:oneroster_import", oneroster_school(), django_capture_on_commit_callbacks
    )
    assert f"To add: {PUPILS}" in page and "New classes: 16" in page
    assert applied["pupils_created"] == PUPILS and applied["guardians_created"] == PUPILS
    assert Pupil.objects.filter(school=school).count() == PUPILS
    assert PupilGuardian.objects.filter(has_parental_responsibility=True).count() == PUPILS

    page, applied = _import(
        client,
        school,
        "interop:oneroster_import",
        oneroster_school(PUPILS - 1, renamed={7, 8}),
        django_capture_on_commit_callbacks,
    )
    assert "To update: 2" in page and "Leaving (not in the file or marked tobedeleted): 1" in page
    assert applied["pupils_updated"] == 2 and applied["pupils_unchanged"] == PUPILS - 3
    assert Pupil.objects.get(mis_id="5007").legal_last_name == "Changed"
    assert Pupil.objects.count() == PUPILS and Guardian.objects.count() == PUPILS


@pytest.mark.django_db
def test_ctf_school_of_400_then_a_changed_file(
    client, office, school, fixed_now, celery_eager, django_capture_on_commit_callbacks
):
    for year in range(1, 7):
        factories.YearGroupFactory(school=school, code=str(year), name=f"Year {year}", order=year)
    client.force_login(office)
    page, applied = _import(client, school, "interop:ctf_import", ctf_school(), django_capture_on_commit_callbacks)
    assert f"To add: {PUPILS}" in page
    assert applied["pupils_created"] == PUPILS and Pupil.objects.count() == PUPILS

    page, applied = _import(
        client, school, "interop:ctf_import", ctf_school(renamed={3}), django_capture_on_commit_callbacks
    )
    assert applied["pupils_updated"] == 1 and applied["pupils_unchanged"] == PUPILS - 1
    assert applied["pupils_marked_left"] == 0


@pytest.mark.django_db
def test_malformed_files_are_refused_whole(client, office, school, fixed_now):
    client.force_login(office)
    response = client.post(
        reverse("interop:oneroster_import", args=[school.slug]), {"file": SimpleUploadedFile("x.zip", b"not a zip")}
    )
    assert "This is not a zip file." in response.content.decode()
    response = client.post(
        reverse("interop:ctf_import", args=[school.slug]), {"file": SimpleUploadedFile("x.xml", b"<CTfile><Header>")}
    )
    assert "This is not well-formed XML" in response.content.decode()
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CTfile>&a;</CTfile>'
    response = client.post(
        reverse("interop:ctf_import", args=[school.slug]), {"file": SimpleUploadedFile("x.xml", entity)}
    )
    assert "declares a DTD or entities" in response.content.decode()
    assert not Pupil.objects.exists()
    assert set(InteropImport.objects.values_list("status", flat=True)) == {InteropImport.Status.REJECTED}
