"""The CTF as the DfE specifies it (issue 14 item 2): a file written from the specification's message structure
imports as it should, a leaver's exported CTF follows that structure and reads back, and the UPN check letter is
the CBDS rule. ``docs/ctf.md`` names the sources; ``interop/schemas/ctf_subset.xsd`` is our reconstruction of the
part of the schema we use (not the DfE's XSD, which could not be obtained)."""

import datetime
import random
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from interop.ctf_export import ctf_export_pupil
from interop.models import InteropImport
from interop.readers import ctf
from safeguard.directory.models import Guardian, Pupil, PupilGuardian
from safeguard.directory.tests import factories
from safeguard.directory.validators import upn_check_letter

DATA = Path(__file__).parent / "data"
SCHEMA = Path(__file__).parents[1] / "schemas" / "ctf_subset.xsd"
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def sample():
    return (DATA / "ctf_spec_sample.xml").read_bytes()


def schema():
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def assert_valid(payload):
    etree = pytest.importorskip("lxml.etree")
    checker = schema()
    document = etree.fromstring(payload)
    assert checker.validate(document), [str(error) for error in checker.error_log]
    return document


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def receiving(school):
    """The school the sample is addressed to (LAESTAB 999 2102), with years 3 and 4."""
    school.laestab = "9992102"
    school.save()
    for year in (3, 4):
        factories.YearGroupFactory(school=school, code=str(year), name=f"Year {year}", order=year)
    return school


def _import(client, user, school, payload, capture):
    """Upload ``payload`` as ``user`` and confirm the preview; the apply runs at once (eager). Returns the preview."""
    client.force_login(user)
    response = client.post(
        reverse("interop:ctf_import", args=[school.slug]), {"file": SimpleUploadedFile("in.xml", payload)}
    )
    pending = InteropImport.objects.filter(school=school).order_by("-pk").first()
    assert pending.status == InteropImport.Status.PENDING, pending.summary["errors"]
    with capture(execute=True):
        client.post(reverse("interop:import_confirm", args=[school.slug, pending.public_id]), {})
    pending.refresh_from_db()
    assert pending.status == InteropImport.Status.APPLIED, pending.summary
    return response.content.decode()


def test_the_sample_written_from_the_specification_passes_the_schema_subset():
    assert_valid(sample())


@pytest.mark.django_db
def test_a_specification_ctf_imports_pupils_contacts_and_flags(
    client, office, receiving, fixed_now, celery_eager, django_capture_on_commit_callbacks
):
    page = _import(client, office, receiving, sample(), django_capture_on_commit_callbacks)
    assert "To add: 4" in page and "Pupils leaving" not in page

    helen = Pupil.objects.get(upn="F999200126201")
    assert (helen.legal_first_name, helen.preferred_first_name, helen.year_group.code) == ("Helen", "Nell", "3")
    # EHC plan in force (the earlier SEN support ended), first language Polish, FSM since 2023.
    assert helen.has_sen and helen.is_eal and helen.is_pupil_premium and not helen.is_looked_after
    assert helen.sex == "F"  # <Sex> after <DOB>
    joan = PupilGuardian.objects.get(pupil=helen, guardian__first_name="Joan")
    assert (joan.relationship, joan.has_parental_responsibility, joan.contact_order) == ("parent", True, 1)
    assert (joan.guardian.phone, joan.guardian.email) == ("07700 900501", "joan.green@example.com")
    carl = PupilGuardian.objects.get(pupil=helen, guardian__first_name="Carl")
    assert (carl.relationship, carl.has_parental_responsibility) == ("step_parent", False)

    dylan = Pupil.objects.get(upn="V999200126202")
    assert dylan.sex == "M"
    assert dylan.is_looked_after and not dylan.is_eal and not dylan.has_sen and not dylan.is_pupil_premium
    carers = {link.guardian.first_name: link for link in PupilGuardian.objects.filter(pupil=dylan)}
    assert carers["Rachel"].relationship == "foster_carer" and not carers["Rachel"].has_parental_responsibility
    assert carers["Patrick"].relationship == "social_worker" and not carers["Patrick"].has_parental_responsibility

    cameron = Pupil.objects.get(upn="J999200126203")
    # SEN support ended in 2025; FSM ended in 2018, more than six years ago; language refused: nothing set.
    assert not cameron.has_sen and not cameron.is_pupil_premium and not cameron.is_eal
    parents = PupilGuardian.objects.filter(pupil=cameron).order_by("contact_order")
    assert [(p.guardian.first_name, p.has_parental_responsibility) for p in parents] == [
        ("Stephanie", True),
        ("Ryan", True),
    ]
    assert Pupil.objects.get(upn="R99920012620A").legal_last_name == "Atkins"  # a temporary UPN

    counts = (Pupil.objects.count(), Guardian.objects.count(), Pupil.history.count(), PupilGuardian.history.count())
    _import(client, office, receiving, sample(), django_capture_on_commit_callbacks)
    assert (Pupil.objects.count(), Guardian.objects.count()) == counts[:2]
    assert (Pupil.history.count(), PupilGuardian.history.count()) == counts[2:]


@pytest.mark.django_db
def test_the_exported_leaver_ctf_follows_the_structure_and_reads_back(office, school, other_school):
    school.laestab, school.urn = "9992101", "999101"
    school.save()
    body = "999200126301"
    pupil = factories.PupilFactory(
        school=school,
        upn=upn_check_letter(body) + body,
        legal_first_name="Rachael",
        legal_last_name="Atkins",
        preferred_first_name="Rae",
        date_of_birth=datetime.date(2017, 4, 23),
        year_group=factories.YearGroupFactory(school=school, code="4", name="Year 4", order=4),
        has_sen=True,
        is_looked_after=True,
        sex="M",
        left_on=datetime.date(2026, 12, 1),
    )
    factories.PupilGuardianFactory(
        pupil=pupil,
        guardian__title="Ms",
        guardian__first_name="Jayne",
        guardian__last_name="Atkins",
        guardian__email="jayne.atkins@example.com",
        guardian__phone="07700 900601",
        relationship="mother",
        has_parental_responsibility=True,
        contact_order=1,
    )
    factories.PupilGuardianFactory(
        pupil=pupil,
        guardian__first_name="Gregory",
        guardian__last_name="Moran",
        guardian__email="",
        guardian__phone="",
        relationship="grandparent",
        has_parental_responsibility=False,
        contact_order=2,
    )

    content = ctf_export_pupil(actor=office, pupil=pupil, now=NOW)
    document = assert_valid(content)
    header = document.find("Header")
    assert [child.tag for child in header] == [
        "DocumentName",
        "CTFversion",
        "DateTime",
        "DocumentQualifier",
        "SupplierID",
        "SourceSchool",
        "DestSchool",
    ]
    assert header.findtext("CTFversion") == "26.0" and header.findtext("SourceSchool/AcademicYear") == "2026"
    assert [header.findtext(f"SourceSchool/{tag}") for tag in ("LEA", "Estab", "URN")] == ["999", "2101", "999101"]
    assert [header.findtext(f"DestSchool/{tag}") for tag in ("LEA", "Estab")] == ["MMM", "MMMM"]
    element = document.find("CTFpupilData/Pupil")
    assert [child.tag for child in element][:6] == ["UPN", "Surname", "Forename", "DOB", "Sex", "BasicDetails"]
    assert b"<Sex>M</Sex>" in content
    assert element.findtext("LookedAfter/InCare") == "true" and element.find("BasicDetails/InCare") is None
    assert element.findtext("SENhistory/SEN/SENprovision") == "K"

    # The new school reads it back: everything written comes back as it was.
    conversion = ctf.convert(school=other_school, payload=content, today=TODAY)
    assert conversion.errors == []
    (row,) = conversion.rows
    assert {key: row[key] for key in ("upn", "legal_first_name", "legal_last_name", "preferred_first_name")} == {
        "upn": pupil.upn,
        "legal_first_name": "Rachael",
        "legal_last_name": "Atkins",
        "preferred_first_name": "Rae",
    }
    assert (row["date_of_birth"], row["year_group"], row["sen"], row["looked_after"]) == ("2017-04-23", "4", "Y", "Y")
    assert row["sex"] == "M" and "sex" in conversion.columns
    assert [row[f"contact1_{field}"] for field in ("first_name", "parental_responsibility", "email", "phone")] == [
        "Jayne",
        "Y",
        "jayne.atkins@example.com",
        "07700 900601",
    ]
    assert row["contact1_relationship"] == "Parent"  # the CTF has one code, PAR, for a mother or father
    assert (row["contact2_first_name"], row["contact2_parental_responsibility"], row["contact2_relationship"]) == (
        "Gregory",
        "N",
        "Grandparent",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("version", "accepted"),
    [("26.0", True), ("25.0", True), ("17.0", True), ("27.0", True), ("16.0", False), ("28.0", False), ("x", False)],
)
def test_the_versions_read(school, version, accepted):
    payload = sample().replace(b"<CTFversion>26.0</CTFversion>", f"<CTFversion>{version}</CTFversion>".encode())
    errors = ctf.convert(school=school, payload=payload, today=TODAY).errors
    assert (not any(error.field == "CTFversion" for error in errors)) is accepted


@pytest.mark.django_db
def test_a_file_without_a_header_version_is_refused(school):
    payload = sample().replace(b"<CTFversion>26.0</CTFversion>", b"")
    (error,) = ctf.convert(school=school, payload=payload, today=TODAY).errors
    assert error.field == "CTFversion"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE CTfile [<!ENTITY a "aaaa">]><CTfile>&a;</CTfile>'.encode(
            "utf-16"
        ),
        b'<?xml version="1.0"?><!DOCTYPE CTfile SYSTEM "http://example.com/ctf.dtd"><CTfile/>',
        b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]><CTfile>&x;</CTfile>',
    ],
    ids=["utf-16 internal entity", "external DTD", "external entity"],
)
def test_a_dtd_or_entity_is_refused_in_any_encoding(school, payload):
    (error,) = ctf.convert(school=school, payload=payload, today=TODAY).errors
    assert "declares a DTD or entities" in error.message


def _cbds_check_letter(upn_body):
    """The CBDS rule, written out again from its text: characters 2–13 weighted 2–13, summed, remainder on division
    by 23 → A B C D E F G H J K L M N P Q R T U V W X Y Z; a letter in position 13 counts as its place in that list."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(
        weight * (int(char) if char.isdigit() else letters.index(char))
        for weight, char in zip(range(2, 14), upn_body, strict=True)
    )
    return letters[total % 23]


def test_the_upn_check_letter_is_the_cbds_rule():
    # Worked by hand: 9·2 + 9·3 + 9·4 + 2·5 + 0·6 + 0·7 + 1·8 + 2·9 + 6·10 + 2·11 + 0·12 + 1·13 = 212 = 9·23 + 5 → F.
    assert upn_check_letter("999200126201") == "F"
    assert upn_check_letter("99920012620A") == "R"  # 199 = 8·23 + 15 → R (A counts 0)
    chance = random.Random(14)  # noqa: S311 - test data
    for _ in range(500):
        body = "".join(chance.choice("0123456789") for _ in range(11)) + chance.choice("0123456789ABCDEFGHJKLMN")
        assert upn_check_letter(body) == _cbds_check_letter(body)
    assert not {upn_check_letter(f"{n:012d}") for n in range(0, 2300, 7)} & {"I", "O", "S"}


@pytest.mark.django_db
def test_a_wrong_check_letter_and_an_unknown_sen_code_name_pupil_and_element(school):
    payload = sample().replace(b"F999200126201", b"A999200126201").replace(b">E</SENprovision>", b">X</SENprovision>")
    errors = ctf.convert(school=school, payload=payload, today=TODAY).errors
    assert {(error.record, error.field, error.message) for error in errors} == {
        ("Pupil 1, UPN A999200126201", "UPN", "The check letter of UPN A999200126201 should be F."),
        ("Pupil 1, UPN A999200126201", "SENprovision", "“X” is not N, K or E."),
    }


@pytest.mark.django_db
def test_files_safeguard_wrote_before_the_fix_are_still_read(school):
    """Until December 2026 Safeguard's export put the looked-after flag at BasicDetails/InCare/InCare."""
    looked_after = b"<InCare>true</InCare>\n        <CareAuthority>999</CareAuthority>"
    payload = sample().replace(b"<LookedAfter>\n        " + looked_after + b"\n      </LookedAfter>", b"")
    payload = payload.replace(
        b"<NCyearActual>3</NCyearActual>\n        <Languages>\n          <Type>\n            <LanguageType>FLA"
        b"</LanguageType>\n            <Language>ENG",
        b"<NCyearActual>3</NCyearActual><InCare><InCare>true</InCare></InCare>\n        <Languages>\n          <Type>"
        b"\n            <LanguageType>FLA</LanguageType>\n            <Language>ENG",
    )
    conversion = ctf.convert(school=school, payload=payload, today=TODAY)
    assert conversion.errors == [] and conversion.rows[1]["looked_after"] == "Y"


@pytest.mark.django_db
def test_a_leaver_without_a_recorded_sex_is_exported_without_sex(office, school, other_school):
    """Not recorded: no <Sex> at all (never guessed); the file still passes the schema subset and reads back."""
    school.laestab = "9992101"
    school.save()
    pupil = factories.PupilFactory(school=school, sex="", left_on=datetime.date(2026, 12, 1))
    content = ctf_export_pupil(actor=office, pupil=pupil, now=NOW)
    document = assert_valid(content)
    assert document.find("CTFpupilData/Pupil/Sex") is None
    conversion = ctf.convert(school=other_school, payload=content, today=TODAY)
    assert conversion.errors == [] and "sex" not in conversion.columns


@pytest.mark.django_db
def test_sex_is_read_from_gender_before_ctf_24_and_from_basic_details(school):
    payload = sample().replace(b"<Sex>F</Sex>", b"<Gender>F</Gender>", 1)
    # Pupil 2: no <Sex> after <DOB>, one in <BasicDetails> instead.
    head, year, tail = payload.replace(b"<Sex>M</Sex>", b"", 1).partition(b"<NCyearActual>3</NCyearActual>")
    payload = head + year + tail.replace(year, year + b"<Sex>M</Sex>", 1)
    conversion = ctf.convert(school=school, payload=payload, today=TODAY)
    assert conversion.errors == []
    assert [row["sex"] for row in conversion.rows] == ["F", "M", "M", "F"]


@pytest.mark.django_db
def test_a_sex_other_than_m_or_f_names_pupil_and_element(school):
    payload = sample().replace(b"<Sex>F</Sex>", b"<Sex>X</Sex>", 1)
    errors = ctf.convert(school=school, payload=payload, today=TODAY).errors
    assert {(error.record, error.field, error.message) for error in errors} == {
        ("Pupil 1, UPN F999200126201", "Sex", "“X” is not M or F."),
    }
