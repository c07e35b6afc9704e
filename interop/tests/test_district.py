"""District-wide OneRoster import and staff from the file (issue 14 item 1), through the pages people use: one zip of
three schools previewed, applied off the request, changed and imported again; new staff created and invited; a
tobedeleted teacher's role ended only on confirmation; a malformed district file refused whole."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from interop import services_staff
from interop.models import DistrictImport, ExternalId, InteropImport
from interop.tasks import apply_district_import, apply_interop_import, send_import_result
from onboarding.models import StaffInvitation
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent
from safeguard.directory.models import Guardian, Pupil, PupilGuardian, Role, SchoolClass, StaffRole, YearGroup
from safeguard.directory.tests import factories

DATA = Path(__file__).parent / "data" / "oneroster_district3"
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 12, 4)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def district_zip(changes=None, name="mvsd.zip"):
    """The three-school zip; ``changes`` maps a file name to a function (text → text)."""
    changes = changes or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(DATA.glob("*.csv")):
            text = path.read_text()
            if path.name in changes:
                text = changes[path.name](text)
            archive.writestr(f"oneroster/{path.name}", text)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def district(trust, school):
    """The trust as Maple Valley: Lincoln (code LES), Washington (no code: found by name), Jefferson (code JHS)."""
    trust.name, trust.kind = "Maple Valley School District", "district"
    trust.save()
    school.name, school.district_code, school.country = "Lincoln Elementary School", "LES", "united_states"
    school.save()
    washington = factories.SchoolFactory(
        organisation=trust, name="Washington Middle School", slug="wms", country="united_states"
    )
    jefferson = factories.SchoolFactory(
        organisation=trust, name="Jefferson High School", slug="jhs", district_code="JHS", country="united_states"
    )
    for each in (school, washington, jefferson):
        factories.AcademicYearFactory(school=each)
    return {"les": school, "wms": washington, "jhs": jefferson}


def district_upload(client, user, trust, file):
    client.force_login(user)
    return client.post(reverse("interop:district_import", args=[trust.slug]), {"file": file})


def district_confirm(client, trust, district_import, **fields):
    url = reverse("interop:district_import_confirm", args=[trust.slug, district_import.public_id])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {name: "on" for name, value in fields.items() if value})


def latest_district():
    return DistrictImport.objects.order_by("-pk").first()


def school_upload(client, user, school, file):
    client.force_login(user)
    return client.post(reverse("interop:oneroster_import", args=[school.slug]), {"file": file})


def school_confirm(client, school, interop_import, **fields):
    url = reverse("interop:import_confirm", args=[school.slug, interop_import.public_id])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {name: "on" for name, value in fields.items() if value})


def latest_import(school):
    return InteropImport.objects.filter(school=school).order_by("-pk").first()


def history_counts():
    models = (Pupil, Guardian, PupilGuardian, YearGroup, SchoolClass, StaffRole)
    return {model.__name__: model.history.count() for model in models}


def roles_at(school):
    return sorted(
        StaffRole.objects.current()
        .filter(school=school)
        .exclude(user__email__endswith="example.test")
        .values_list("user__email", "role", "job_title")
    )


def test_district_zip_preview_apply_change_and_reimport(client, trust_admin, district, fixed_now):
    les, wms, jhs = district["les"], district["wms"], district["jhs"]
    trust = les.organisation

    response = district_upload(client, trust_admin, trust, district_zip())
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 schools in the file." in page
    rows = {item["slug"]: item for item in latest_district().summary["schools"]}
    assert {slug: rows[slug]["matched_by"] for slug in rows} == {
        "demo-primary": "identifier",
        "wms": "name",
        "jhs": "identifier",
    }
    assert rows["demo-primary"]["counts"]["pupils_created"] == 2 and rows["jhs"]["counts"]["pupils_created"] == 2
    assert rows["wms"]["counts"]["staff_created"] == 2  # Wei Chen and the principal (the district may appoint)
    assert "Robert King · robert.king@mvsd.example · Principal" in page  # a US headteacher is a principal
    assert "Karen Lee" not in page  # a district administrator gets no school role from the file
    assert not Pupil.objects.exists() and not User.objects.filter(email__endswith="mvsd.example").exists()

    response = district_confirm(client, trust, latest_district(), invite_staff=True)
    assert response.status_code == 302
    district_import = latest_district()
    assert district_import.status == InteropImport.Status.APPLIED
    assert sorted(Pupil.objects.filter(school=les).values_list("mis_id", flat=True)) == ["5001", "5002"]
    assert list(Pupil.objects.filter(school=wms).values_list("mis_id", flat=True)) == ["6001"]
    assert sorted(Pupil.objects.filter(school=jhs).values_list("mis_id", flat=True)) == ["7001", "7002"]
    assert Guardian.objects.get(email="min.park@example.org").school == wms
    assert roles_at(les) == [
        ("maria.rivera@mvsd.example", "teacher", ""),
        ("tom.ellis@mvsd.example", "teacher", "Aide"),
    ]
    assert "Tom Ellis · tom.ellis@mvsd.example · Teacher (Aide)" in page
    assert roles_at(wms) == [("robert.king@mvsd.example", "headteacher", ""), ("wei.chen@mvsd.example", "teacher", "")]
    assert roles_at(jhs) == [
        ("grace.hall@mvsd.example", "office", "Administrator"),
        ("sofia.diaz@mvsd.example", "teacher", ""),
    ]
    assert not StaffRole.objects.filter(role__in=[Role.DSL, Role.DEPUTY_DSL], user__email__endswith="mvsd.example")
    assert not User.objects.filter(email="karen.lee@mvsd.example").exists()
    diaz = User.objects.get(email="sofia.diaz@mvsd.example")
    assert list(SchoolClass.objects.get(school=jhs, name="9 Diaz").teachers.all()) == [diaz]
    # Every new member of staff was invited, once, to the school they joined.
    invited = sorted(StaffInvitation.objects.values_list("email", "school__slug"))
    assert ("wei.chen@mvsd.example", "wms") in invited and len(invited) == 6
    assert {m.to[0] for m in mail.outbox} >= {"sofia.diaz@mvsd.example", "trust@example.test"}
    result = [m for m in mail.outbox if m.to == ["trust@example.test"]]
    assert len(result) == 1 and "Roster imported at Maple Valley School District" in result[0].subject
    assert AuditEvent.objects.filter(action="interop.oneroster.imported").count() == 3
    assert AuditEvent.objects.filter(action="interop.district_import.applied", actor=trust_admin).count() == 1
    assert ExternalId.objects.filter(kind=ExternalId.Kind.SCHOOL).count() == 3
    detail = client.get(reverse("interop:district_import_detail", args=[trust.slug, district_import.public_id]))
    assert "Applied" in detail.content.decode() and "Refresh" not in detail

    # The SIS renames Washington's org and changes a family name; Jefferson gets a new student.
    def changed_users(text):
        text = text.replace("Zoe,Park,,6001", "Zoe,Park-Lee,,6001")
        return text.replace(
            "stu-5,active",
            "stu-6,active,2026-08-20T08:00:00.000Z,true,ben.ortiz,,Ben,Ortiz,,7003,,,,,09,,,,,,,org-jhs,\nstu-5,active",
            1,
        )

    changed = {
        "users.csv": changed_users,
        "orgs.csv": lambda text: text.replace("Washington Middle School", "George Washington Middle School"),
        "roles.csv": lambda text: (
            text + "r-stu-6,active,2026-08-20T08:00:00.000Z,stu-6,primary,student,2026-08-24,,org-jhs,\n"
        ),
        "enrollments.csv": lambda text: (
            text + "e-10,active,2026-08-20T08:00:00.000Z,cls-jhs-9,org-jhs,stu-6,student,false,2026-08-24,\n"
        ),
        "demographics.csv": lambda text: text + "stu-6,active,2026-08-20T08:00:00.000Z,2011-05-01,male\n",
    }
    district_upload(client, trust_admin, trust, district_zip(changed))
    rows = {item["slug"]: item for item in latest_district().summary["schools"]}
    assert rows["wms"]["matched_by"] == "sourcedId"  # remembered from the first import, though renamed
    assert rows["wms"]["counts"]["pupils_updated"] == 1 and rows["jhs"]["counts"]["pupils_created"] == 1
    assert rows["demo-primary"]["counts"]["pupils_unchanged"] == 2
    assert (
        rows["demo-primary"]["counts"]["staff_created"] == 0 and rows["demo-primary"]["counts"]["staff_unchanged"] == 2
    )
    district_confirm(client, trust, latest_district())
    assert Pupil.objects.get(mis_id="6001").legal_last_name == "Park-Lee"
    assert Pupil.objects.filter(school=jhs).count() == 3

    # The same file again: nothing changes in any school, no history row is written.
    before, external = history_counts(), ExternalId.objects.count()
    response = district_upload(client, trust_admin, trust, district_zip(changed))
    assert latest_district().summary["counts"]["pupils_unchanged"] == 6
    district_confirm(client, trust, latest_district())
    assert latest_district().status == InteropImport.Status.APPLIED
    assert history_counts() == before and ExternalId.objects.count() == external


def test_district_import_is_the_district_admins_only(client, trust_admin, office, head, district, other_school_dsl):
    trust = district["les"].organisation
    url = reverse("interop:district_import", args=[trust.slug])
    for user in (office, head, other_school_dsl):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(trust_admin)
    assert client.get(url).status_code == 200
    other_trust = factories.OrganisationFactory()
    assert client.get(reverse("interop:district_import", args=[other_trust.slug])).status_code == 404


def test_malformed_district_file_is_refused_whole(client, trust_admin, district, fixed_now):
    trust = district["les"].organisation
    bad = district_zip(
        {
            "demographics.csv": lambda text: text.replace("2011-09-30", "09/30/2011"),
            "users.csv": lambda text: text.replace("grace.hall@mvsd.example", "grace.hall-at-mvsd"),
            "orgs.csv": lambda text: (
                text + "org-roosevelt,active,2026-08-20T08:00:00.000Z,Roosevelt Academy,school,RA,org-mvsd\n"
            ),
        }
    )
    response = district_upload(client, trust_admin, trust, bad)
    page = response.content.decode()
    district_import = latest_district()
    assert district_import.status == InteropImport.Status.REJECTED
    errors = {(e["file"], e["line"], e["field"]) for e in district_import.summary["errors"]}
    assert errors == {("demographics.csv", 5, "birthDate"), ("users.csv", 14, "email")}
    assert "Nothing has been imported in any school" in page and "Line 5" in page

    # The file is well formed but names a school the district does not have: refused, not created.
    unknown = district_zip(
        {
            "orgs.csv": lambda text: (
                text + "org-roosevelt,active,2026-08-20T08:00:00.000Z,Roosevelt Academy,school,RA,org-mvsd\n"
            )
        }
    )
    page = district_upload(client, trust_admin, trust, unknown).content.decode()
    errors = [(e["file"], e["line"], e["field"]) for e in latest_district().summary["errors"]]
    assert errors == [("orgs.csv", 6, "identifier")]
    assert "The school “Roosevelt Academy” (identifier “RA”) is not a school of Maple Valley School District" in page
    assert district_confirm(client, trust, latest_district()).status_code == 302  # refused: a message
    assert not Pupil.objects.exists() and not StaffRole.objects.filter(user__email__endswith="mvsd.example")
    assert latest_district().status == InteropImport.Status.REJECTED


def test_a_crash_while_applying_applies_nothing_and_says_so(client, trust_admin, district, fixed_now, monkeypatch):
    trust = district["les"].organisation
    district_upload(client, trust_admin, trust, district_zip())
    calls = []

    def crash(**kwargs):  # the first school's pupils are written by now; the crash comes after
        calls.append(kwargs["school"])
        raise RuntimeError("disk full")

    monkeypatch.setattr("interop.services.write_staff_plan", crash)
    district_confirm(client, trust, latest_district())
    district_import = latest_district()
    assert calls and district_import.status == InteropImport.Status.FAILED
    assert not Pupil.objects.exists() and not Guardian.objects.exists() and not YearGroup.objects.exists()
    detail = client.get(reverse("interop:district_import_detail", args=[trust.slug, district_import.public_id]))
    assert "Nothing was applied in any school." in detail.content.decode()
    (message,) = [m for m in mail.outbox if m.to == ["trust@example.test"]]
    assert "nothing was applied" in message.subject
    # The task again (a redelivery): the import is no longer being applied, nothing happens, nobody is e-mailed.
    assert apply_district_import(district_import.pk) is None
    assert len([m for m in mail.outbox if m.to == ["trust@example.test"]]) == 1


def test_being_applied_page_reloads_itself(client, trust_admin, office, district, fixed_now):
    les = district["les"]
    school_upload(client, office, les, district_zip())
    url = reverse("interop:import_confirm", args=[les.slug, latest_import(les).public_id])
    with TestCase.captureOnCommitCallbacks(execute=False):  # the task is queued, not yet run
        response = client.post(url)
    detail = client.get(response.url)
    assert "Being applied…" in detail.content.decode() and detail["Refresh"] == "3"
    assert latest_import(les).status == InteropImport.Status.APPLYING
    assert not Pupil.objects.exists()
    assert client.post(url).status_code == 302  # a second click queues nothing more
    assert latest_import(les).status == InteropImport.Status.APPLYING


def test_office_import_creates_and_invites_new_teachers(client, office, district, fixed_now):
    les = district["les"]
    page = school_upload(client, office, les, district_zip()).content.decode()
    assert "Staff to add: 2" in page
    assert "Maria Rivera · maria.rivera@mvsd.example · Teacher" in page
    assert "Sofia Diaz" not in page  # another school's teacher
    school_confirm(client, les, latest_import(les), invite_staff=True)
    rivera = User.objects.get(email="maria.rivera@mvsd.example")
    assert not rivera.has_usable_password()
    assert list(StaffInvitation.objects.filter(user=rivera).values_list("school", flat=True)) == [les.pk]
    invitation_mails = [m for m in mail.outbox if m.to == ["maria.rivera@mvsd.example"]]
    assert len(invitation_mails) == 1
    assert latest_import(les).summary["applied"]["staff_invitations_sent"] == 2
    assert AuditEvent.objects.filter(action="interop.staff.roles_given", school=les, actor=office).count() == 2
    result = [m for m in mail.outbox if m.to == [office.email]]
    assert len(result) == 1 and "Roster imported at Lincoln Elementary School" in result[0].subject
    # A redelivered task applies nothing twice and e-mails nobody twice.
    sent = len(mail.outbox)
    assert apply_interop_import(latest_import(les).pk) is None
    assert send_import_result("interop.InteropImport", latest_import(les).pk) == 0
    assert len(mail.outbox) == sent and User.objects.filter(email__endswith="mvsd.example").count() == 2


def test_office_may_not_appoint_the_principal(client, office, district, fixed_now):
    wms = district["wms"]
    factories.StaffRoleFactory(user=office, school=wms, role=Role.OFFICE)
    page = school_upload(client, office, wms, district_zip()).content.decode()
    # A US campus: the message reads in American English (en_US catalogue).
    assert "Robert King (principal: only the principal or the district may appoint a principal)" in page
    school_confirm(client, wms, latest_import(wms))
    assert not User.objects.filter(email="robert.king@mvsd.example").exists()
    assert roles_at(wms) == [("wei.chen@mvsd.example", "teacher", "")]


def test_tobedeleted_teacher_loses_the_role_only_on_confirm(client, office, head, district, fixed_now):
    les = district["les"]
    school_upload(client, office, les, district_zip())
    school_confirm(client, les, latest_import(les))
    rivera = User.objects.get(email="maria.rivera@mvsd.example")
    factories.StaffRoleFactory(user=rivera, school=les, role=Role.DSL)  # the head made her DSL in the product

    def leaving():
        return district_zip({"users.csv": lambda text: text.replace("tea-1,active", "tea-1,tobedeleted")})

    page = school_upload(client, office, les, leaving()).content.decode()
    assert "Staff leaving: 1" in page
    assert "Maria Rivera · Teacher · keeps Designated safeguarding lead: end it on the staff page" in page
    assert StaffRole.objects.current().filter(user=rivera, school=les, role=Role.TEACHER).exists()  # preview only

    school_confirm(client, les, latest_import(les))  # box not ticked
    assert StaffRole.objects.current().filter(user=rivera, school=les, role=Role.TEACHER).exists()

    school_upload(client, office, les, leaving())
    school_confirm(client, les, latest_import(les), end_staff_roles=True)
    ended = StaffRole.objects.get(user=rivera, school=les, role=Role.TEACHER)
    assert ended.ended_on == TODAY
    assert StaffRole.objects.current().filter(user=rivera, school=les, role=Role.DSL).exists()  # not the file's to end
    assert User.objects.filter(pk=rivera.pk, is_active=True).exists()  # the account stays
    assert AuditEvent.objects.filter(action="interop.staff.roles_ended", school=les).count() == 1
    assert latest_import(les).summary["applied"]["staff_roles_ended"] == 1


def test_file_roles_never_include_safeguarding_roles(head, trust_admin, office, school):
    assert services_staff.allowed_roles(office, school) == {Role.TEACHER, Role.OFFICE}
    assert services_staff.allowed_roles(head, school) == {Role.TEACHER, Role.OFFICE, Role.HEADTEACHER}
    assert services_staff.allowed_roles(trust_admin, school) == {Role.TEACHER, Role.OFFICE, Role.HEADTEACHER}
    mapped = {role for role, _title in services_staff.STAFF_ROLE_MAP.values()}
    assert not mapped & {Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.GOVERNOR}


@pytest.mark.django_db
def test_the_district_home_links_the_district_wide_import(client, trust, trust_admin):
    client.force_login(trust_admin)

    page = client.get(reverse("directory:trust_home", args=[trust.slug])).content.decode()

    assert reverse("interop:district_import", args=[trust.slug]) in page
