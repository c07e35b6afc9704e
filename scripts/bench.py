#!/usr/bin/env python
"""`make bench`: how long the portal takes to render its PDFs and consent pages, on a throwaway database.

Builds a school with a class of 30 pupils and a completed pupil agreement (parent and pupil signed) in SQLite in a
temporary folder, then times:

- one signed PDF with its certificate of completion (``aup.documents.signed_document_create``: render, hash, store),
  median of 5;
- a class set of 30 blank forms with QR codes (``aup.documents.blank_forms_pdf``), median of 3.

Consent: the same class of 30 and a second school of 420 pupils (15 classes of 28) get the published photo and video
consent form; every pupil has one or two guardians with parental responsibility. About 70% of pupils have answers to
all eight questions (some refusing some or all, some with a second guardian who disagrees), the rest none, and a few
have a DSL measure. Times:

- the class grid page (``consent:class_grid``) through the test client as a signed-in teacher, for the class and for
  the whole school (``?school_class=`` empty means all classes), median of 5, with its SQL query count;
- ``consent.selectors.effective_answers`` alone for 30 and 420 pupils, median of 5, with its SQL query count;
- the do-not-photograph PDF (``consent.documents_staff.do_not_photograph_pdf``) for the class and the whole school,
  median of 3.

Prints two small tables in milliseconds. Nothing outside the temporary folder is touched. Later issues add rows.

The pages at trust scale (20 schools, 200,000 incidents), under production settings on Postgres with gunicorn and
concurrent clients, are measured by ``make bench-trust`` (``scripts/bench_trust.py``; results in docs/benchmark.md).
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGNED_PDF_RUNS = 5
BLANK_FORMS_RUNS = 3
CLASS_SIZE = 30
GRID_RUNS = 5
EFFECTIVE_ANSWERS_RUNS = 5
DNP_PDF_RUNS = 3
SCHOOL_CLASSES = 15
SCHOOL_CLASS_SIZE = 28
ANSWERED_SHARE = 0.7  # pupils with answers to all eight questions; the rest have none ("no response")
SECOND_GUARDIAN_SHARE = 0.4  # pupils with two guardians with parental responsibility
BOTH_ANSWER_SHARE = 0.3  # of answered pupils with two guardians: the second answers too (half of them disagree)
PAPER_SHARE = 0.2  # answers returned on paper and recorded by the office; the rest by invitation link
MEASURE_SHARE = 0.02  # pupils with a DSL photo measure (at least one per school)
SEED = 20240901


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
    return {
        "school": school,
        "office": office,
        "teacher": teacher,
        "school_class": school_class,
        "agreement": agreement,
        "request": request,
        "pupils": pupils,
    }


def _answers(rng, codes):
    """One guardian's answers to every question: mostly yes to everything, some refusing videos, some picking, a few
    refusing everything."""
    draw = rng.random()
    if draw < 0.65:
        return dict.fromkeys(codes, True)
    if draw < 0.85:
        return {code: code.startswith("images") for code in codes}
    if draw < 0.95:
        return {code: rng.random() < 0.6 for code in codes}
    return dict.fromkeys(codes, False)


def _consent_populate(*, school, pupils, office, dsl, rng):
    """Publish the consent form at ``school``; give each pupil 1-2 guardians with parental responsibility, answers
    for about 70% of them, and a DSL measure for a few."""
    from aup.evidence import content_sha256
    from consent import services
    from consent.models import ConsentResponse, PhotoMeasure
    from consent.tests.factories import published_form
    from safeguard.directory.models import PupilGuardian
    from safeguard.directory.tests import factories

    version = published_form(school)
    shown = content_sha256(services.form_content(version))
    codes = [p.code for p in version.purposes.order_by("order")]
    guardians = {}
    for pupil in pupils:
        current = [
            link.guardian
            for link in PupilGuardian.objects.filter(pupil=pupil, has_parental_responsibility=True).select_related(
                "guardian"
            )
        ]
        if not current:
            current.append(factories.PupilGuardianFactory(pupil=pupil).guardian)
        if len(current) == 1 and rng.random() < SECOND_GUARDIAN_SHARE:
            current.append(
                factories.PupilGuardianFactory(pupil=pupil, relationship=PupilGuardian.Relationship.FATHER).guardian
            )
        guardians[pupil.pk] = current

    def record(pupil, guardian, answers):
        paper = rng.random() < PAPER_SHARE
        services.consent_response_record(
            pupil=pupil,
            version=version,
            answers=answers,
            guardian=guardian,
            method=ConsentResponse.Method.PAPER if paper else ConsentResponse.Method.INVITATION_LINK,
            recorded_by=office if paper else None,
            typed_name=guardian.full_name,
            shown_sha256=shown,
            ip_address=None if paper else "203.0.113.9",
            user_agent="" if paper else "Mozilla/5.0 (bench)",
        )

    answered = responses = 0
    with services.notifications_deferred():
        for pupil in pupils:
            if rng.random() >= ANSWERED_SHARE:
                continue
            first, *others = guardians[pupil.pk]
            answers = _answers(rng, codes)
            record(pupil, first, answers)
            answered += 1
            responses += 1
            if others and rng.random() < BOTH_ANSWER_SHARE:
                if rng.random() < 0.5:  # the second guardian disagrees on a question or two
                    flipped = rng.sample(codes, rng.randint(1, 2))
                    answers = {code: (not value if code in flipped else value) for code, value in answers.items()}
                record(pupil, others[0], answers)
                responses += 1
        measures = [
            (PhotoMeasure.Measure.INTERNAL_ONLY, False),
            (PhotoMeasure.Measure.NO_PHOTOS, False),
            (PhotoMeasure.Measure.AS_USUAL, True),
        ]
        chosen = rng.sample(pupils, max(1, round(len(pupils) * MEASURE_SHARE)))
        for index, pupil in enumerate(chosen):
            measure, court_order = measures[index % len(measures)]
            services.photo_measure_set(
                actor=dsl, pupil=pupil, measure=measure, court_order=court_order, reason="Bench: looked-after child"
            )
    return {"version": version, "answered": answered, "responses": responses, "measures": len(chosen)}


def _build_consent(data):
    """The consent form and answers for the class of 30 (Bench Primary), and a second school of 420 pupils."""
    import datetime

    from safeguard.directory.models import Role
    from safeguard.directory.tests import factories

    rng = random.Random(SEED)
    small = data["school"]
    data["school_class"].teachers.add(data["teacher"])
    small_dsl = factories.UserFactory(email="dsl@bench.test")
    factories.StaffRoleFactory(user=small_dsl, school=small, role=Role.DSL)
    small_stats = _consent_populate(school=small, pupils=data["pupils"], office=data["office"], dsl=small_dsl, rng=rng)

    large = factories.SchoolFactory(name="Bench Community School", slug="bench-community")
    today = datetime.date.today()
    start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    year = factories.AcademicYearFactory(school=large, starts_on=start, ends_on=start.replace(year=start.year + 1))
    year_groups = [
        factories.YearGroupFactory(school=large, code=code, name=name, order=order)
        for order, (code, name) in enumerate([("R", "Reception")] + [(f"Y{n}", f"Year {n}") for n in range(1, 7)])
    ]
    pupils, classes = [], []
    for index in range(SCHOOL_CLASSES):
        year_group = year_groups[index % len(year_groups)]
        school_class = factories.SchoolClassFactory(
            school=large,
            academic_year=year,
            year_group=year_group,
            name=f"{year_group.name} {'ABC'[index // len(year_groups)]}",
        )
        classes.append(school_class)
        pupils += [
            factories.PupilFactory(school=large, year_group=year_group, school_class=school_class)
            for _ in range(SCHOOL_CLASS_SIZE)
        ]
    office = factories.UserFactory(email="office@community.bench.test")
    factories.StaffRoleFactory(user=office, school=large, role=Role.OFFICE)
    teacher = factories.UserFactory(email="teacher@community.bench.test")
    factories.StaffRoleFactory(user=teacher, school=large, role=Role.TEACHER)
    classes[0].teachers.add(teacher)
    dsl = factories.UserFactory(email="dsl@community.bench.test")
    factories.StaffRoleFactory(user=dsl, school=large, role=Role.DSL)
    large_stats = _consent_populate(school=large, pupils=pupils, office=office, dsl=dsl, rng=rng)
    return {
        "class": {"school": small, "teacher": data["teacher"], "school_class": data["school_class"], **small_stats},
        "school": {"school": large, "teacher": teacher, "school_class": None, **large_stats},
    }


def _time_ms(function):
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def _pages(data):
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _staff_pupils(school, school_class=None):
    """The on-roll pupils the staff pages show (``consent.views_staff._pupils``), optionally one class."""
    from django.utils import timezone

    from consent.views_staff import _pupils

    pupils = _pupils(school, school.today(timezone.now()))
    if school_class is not None:
        pupils = pupils.filter(school_class=school_class)
    return list(pupils)


def _count_queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = function()
    return len(queries), result


def _bench_consent(consent):
    """Time the class grid, effective_answers and the do-not-photograph PDF; return table rows."""
    from django.test import Client
    from django.urls import reverse

    from consent.documents_staff import do_not_photograph_pdf
    from consent.selectors import effective_answers
    from consent.views_staff import GRID_PAGE_SIZE

    rows = []
    for scope in ("class", "school"):
        case = consent[scope]
        school, school_class = case["school"], case["school_class"]
        pupils = _staff_pupils(school, school_class)
        label = f"class of {len(pupils)}" if school_class else f"whole school of {len(pupils)}"
        case["label"], case["pupils"] = label, pupils

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(case["teacher"])
        url = reverse("consent:class_grid", args=[school.slug])
        query = {"school_class": school_class.pk if school_class else ""}

        def get(client=client, url=url, query=query):
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code
            return response

        html = get().content.decode()  # warm the session, templates and caches
        cells = html.count('<td class="cell cell-')
        shown = min(len(pupils), GRID_PAGE_SIZE)  # the grid pages like the school's other pupil lists
        assert cells == shown * 8, (cells, shown)
        if shown < len(pupils):
            label += f", first page of {shown}"
        times = [_time_ms(get)[0] for _ in range(GRID_RUNS)]
        queries, _response = _count_queries(get)
        rows.append((f"class grid page ({label})", times, queries, None))

    for scope in ("class", "school"):
        case = consent[scope]

        def answers(case=case):
            return effective_answers(school=case["school"], pupils=case["pupils"])

        purposes, decisions = answers()
        assert len(purposes) == 8 and len(decisions) == len(case["pupils"])
        times = [_time_ms(answers)[0] for _ in range(EFFECTIVE_ANSWERS_RUNS)]
        queries, _result = _count_queries(answers)
        rows.append((f"effective_answers ({case['label']})", times, queries, None))

    for scope in ("class", "school"):
        case = consent[scope]
        title = case["school_class"].name if case["school_class"] else "Whole school"
        times, pages = [], 0
        for _ in range(DNP_PDF_RUNS):
            elapsed, pdf = _time_ms(
                lambda case=case, title=title: do_not_photograph_pdf(
                    school=case["school"], title=title, pupils=case["pupils"]
                )
            )
            times.append(elapsed)
            pages = _pages(pdf)
        rows.append((f"do-not-photograph PDF ({case['label']})", times, None, pages))
    return rows


def main():
    with tempfile.TemporaryDirectory(prefix="safeguard-bench-") as tmp:
        _setup_django(Path(tmp))
        from django.utils import timezone

        from aup.documents import blank_forms_pdf, signed_document_create
        from aup.models import SignedDocument

        data = _build()
        request = data["request"]
        build_started = time.perf_counter()
        consent = _build_consent(data)
        build_seconds = time.perf_counter() - build_started

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

        consent_rows = _bench_consent(consent)
        print()
        print(f"Consent benchmarks — published form of 8 questions, built in {build_seconds:.0f} s")
        for case in (consent["class"], consent["school"]):
            print(
                f"  {case['label']} ({case['school'].name}): {case['answered']} pupils answered, "
                f"{case['responses']} responses, {case['measures']} with a DSL measure"
            )
        print(f"{'what':<44} {'runs':>4} {'queries':>7} {'pages':>5} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
        for label, times, queries, pages in consent_rows:
            queries = "–" if queries is None else queries
            pages = "–" if pages is None else pages
            print(
                f"{label:<44} {len(times):>4} {queries:>7} {pages:>5} {statistics.median(times):>10.0f} "
                f"{min(times):>8.0f} {max(times):>8.0f}"
            )


if __name__ == "__main__":
    main()
