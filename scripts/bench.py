#!/usr/bin/env python
"""`make bench`: how long the portal takes to render its PDFs, on a throwaway database.

Builds a school with a class of 30 pupils and a completed pupil agreement (parent and pupil signed) in SQLite in a
temporary folder, then times:

- one signed PDF with its certificate of completion (``aup.documents.signed_document_create``: render, hash, store),
  median of 5;
- a class set of 30 blank forms with QR codes (``aup.documents.blank_forms_pdf``), median of 3.

Prints a small table in milliseconds. Nothing outside the temporary folder is touched. Later issues add rows.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGNED_PDF_RUNS = 5
BLANK_FORMS_RUNS = 3
CLASS_SIZE = 30


def _setup_django(folder):
    """Point every setting that writes somewhere at ``folder``, then start Django and migrate."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "safeguard.settings"
    os.environ["SAFEGUARD_VAR_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the render task queued on completion goes nowhere
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build():
    """A school, a class of 30, a pupil agreement countersigned by a parent, and one completed request."""
    import datetime

    from aup import services
    from aup.evidence import agreement_content, content_sha256
    from aup.models import Signature
    from aup.tests.factories import pupil_agreement
    from safeguard.directory.models import Role
    from safeguard.directory.tests import factories

    school = factories.SchoolFactory(name="Bench Primary School", slug="bench-primary")
    today = datetime.date.today()
    start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    year = factories.AcademicYearFactory(school=school, starts_on=start, ends_on=start.replace(year=start.year + 1))
    year_group = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    school_class = factories.SchoolClassFactory(school=school, academic_year=year, year_group=year_group, name="4 Ash")
    pupils = [
        factories.PupilFactory(school=school, year_group=year_group, school_class=school_class)
        for _ in range(CLASS_SIZE)
    ]
    office = factories.UserFactory(email="office@bench.test")
    factories.StaffRoleFactory(user=office, school=school, role=Role.OFFICE)
    teacher = factories.UserFactory(email="teacher@bench.test")
    factories.StaffRoleFactory(user=teacher, school=school, role=Role.TEACHER)
    guardian = factories.PupilGuardianFactory(pupil=pupils[0], has_parental_responsibility=True).guardian
    agreement = pupil_agreement(
        school,
        statements=[
            "I will only use the internet when a teacher is present.",
            "I will only use my own login and password, and keep my password secret.",
            "I will only open or delete my own files.",
            "I will not bring files into school without permission.",
            "I will only e-mail and message people I know, or that my teacher has approved.",
            "I will be polite and responsible when I communicate with others.",
            "I will not give out my home address or phone number, or arrange to meet someone.",
            "I will tell a teacher if I see anything I am unhappy with.",
        ],
    )

    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupils[0])
    content = agreement_content(agreement)
    common = {
        "statements_confirmed": [s["number"] for s in content["statements"]],
        "shown_sha256": content_sha256(content),
        "ip_address": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (bench)",
    }
    services.signature_record(
        request=request,
        party=Signature.Party.PARENT,
        method=Signature.Method.INVITATION_LINK,
        signer_guardian=guardian,
        typed_name=guardian.full_name,
        **common,
    )
    services.signature_record(
        request=request,
        party=Signature.Party.PUPIL,
        method=Signature.Method.TEACHER_PRESENT,
        teacher_present=teacher,
        typed_name=pupils[0].display_name,
        **common,
    )
    request.refresh_from_db()
    assert request.status == request.Status.COMPLETED, request.status
    return {"school": school, "office": office, "agreement": agreement, "request": request, "pupils": pupils}


def _time_ms(function):
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def _pages(data):
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def main():
    with tempfile.TemporaryDirectory(prefix="safeguard-bench-") as tmp:
        _setup_django(Path(tmp))
        from django.utils import timezone

        from aup.documents import blank_forms_pdf, signed_document_create
        from aup.models import SignedDocument

        data = _build()
        request = data["request"]

        signed_times, signed_pages = [], 0
        for _ in range(SIGNED_PDF_RUNS):
            # Each run renders afresh: mark the previous copy superseded, as a revoked signature would.
            SignedDocument.objects.filter(request=request).update(superseded_at=timezone.now())
            elapsed, document = _time_ms(lambda: signed_document_create(request=request))
            signed_times.append(elapsed)
            signed_pages = _pages(document.pdf.read())

        blank_times, blank_pages = [], 0
        for _ in range(BLANK_FORMS_RUNS):
            elapsed, pdf = _time_ms(
                lambda: blank_forms_pdf(
                    agreement=data["agreement"], school=data["school"], pupils=data["pupils"], actor=data["office"]
                )
            )
            blank_times.append(elapsed)
            blank_pages = _pages(pdf)

        import weasyprint

        rows = [
            ("signed PDF with certificate (1 request)", signed_times, signed_pages),
            (f"blank forms with QR codes (class of {CLASS_SIZE})", blank_times, blank_pages),
        ]
        print(f"Safeguard PDF benchmarks — WeasyPrint {weasyprint.__version__}, SQLite in a temporary folder")
        print(f"{'what':<44} {'runs':>4} {'pages':>5} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
        for label, times, pages in rows:
            print(
                f"{label:<44} {len(times):>4} {pages:>5} {statistics.median(times):>10.0f} "
                f"{min(times):>8.0f} {max(times):>8.0f}"
            )


if __name__ == "__main__":
    main()
