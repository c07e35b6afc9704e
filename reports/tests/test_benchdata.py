"""The trust-scale benchmark's data (``reports.benchdata``, ``manage.py bench_build``): the ``--small`` preset builds
what it promises (and a second run nothing more), the bench accounts can use the portal at once, and two runs make
the same people and incidents. ``manage.py bench_history`` (``reports.benchhistory``) adds past years and their
leavers without changing the present, once."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from aup.models import Policy, SignatureRequest
from consent.models import ConsentAnswer, ConsentPurpose, ConsentResponse
from incidents.defaults import CATEGORIES
from incidents.models import Action, Incident, IncidentCategory, IncidentPupil, IncidentSearchDocument, Sanction
from reports import benchdata, benchhistory
from safeguard.directory.models import AcademicYear, Guardian, Pupil, PupilGuardian, School, Term

TODAY = datetime.date(2026, 11, 20)

pytestmark = pytest.mark.django_db


def _build():
    out = io.StringIO()
    call_command("bench_build", "--small", "--yes", "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


def _sign_in(client, email):
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": email, "password": benchdata.DEFAULT_PASSWORD})
    assert response.status_code == 302, response.status_code


def _fingerprint():
    """What two runs must share: the first pupils' names and the first incidents' times, places and levels."""
    pupils = list(
        Pupil.objects.order_by("school__slug", "mis_id").values_list("legal_first_name", "legal_last_name")[:20]
    )
    incidents = list(
        Incident.objects.order_by(
            "school__slug", "occurred_at", "location", "behaviour_level", "is_safeguarding"
        ).values_list("occurred_at", "location", "behaviour_level", "is_safeguarding")[:50]
    )
    return pupils, incidents, Incident.objects.filter(is_safeguarding=True).count()


def test_small_build_makes_the_promised_trust():
    output = _build()

    sizes = benchdata.SMALL
    assert "incidents: 2000" in output
    assert School.objects.filter(organisation__slug=benchdata.TRUST_SLUG).count() == sizes.schools
    assert Pupil.objects.count() == sizes.pupils
    assert Guardian.objects.count() == sizes.guardians
    assert PupilGuardian.objects.filter(has_parental_responsibility=True).count() == sizes.guardians
    assert Incident.objects.count() == sizes.incidents
    assert not Incident.objects.filter(categories__isnull=True).exists()
    assert IncidentPupil.objects.count() > sizes.incidents
    assert Incident.objects.filter(is_safeguarding=True).exists()
    assert Incident.objects.filter(occurred_at__date__gte=TODAY).count() == 0

    school = School.objects.get(slug=benchdata.school_slug(1))
    assert set(IncidentCategory.objects.filter(school=school).values_list("code", flat=True)) == {
        code for code, *_rest in CATEGORIES
    }

    # Consent: every pupil has answers this academic year, one per question of the school's form.
    questions = ConsentPurpose.objects.filter(version__form__school=school).count()
    this_year = ConsentResponse.objects.filter(
        kind=ConsentResponse.Kind.ANSWERS, academic_year__starts_on=datetime.date(2026, 9, 1)
    )
    assert set(this_year.values_list("pupil_id", flat=True)) == set(Pupil.objects.values_list("pk", flat=True))
    first = this_year.filter(pupil__school=school).order_by("pk").first()
    assert ConsentAnswer.objects.filter(response=first).count() == questions == 8

    # Agreements: a request for every pupil (pupil AUP and home–school agreement), most signed.
    for pupil in Pupil.objects.all()[:10]:
        assert SignatureRequest.objects.filter(pupil=pupil).count() == 2
    signed = SignatureRequest.objects.filter(pupil__isnull=False, status=SignatureRequest.Status.COMPLETED).count()
    assert signed > SignatureRequest.objects.filter(pupil__isnull=False).count() / 2

    # About 25 policies in each school's register: its own and the trust's.
    own = Policy.objects.filter(school=school).count()
    trust = Policy.objects.filter(organisation__slug=benchdata.TRUST_SLUG).count()
    assert own + trust == sizes.policies

    # A second run finds the bench trust and changes nothing.
    assert "already" in _build()
    assert (Pupil.objects.count(), Incident.objects.count()) == (sizes.pupils, sizes.incidents)


def test_bench_accounts_use_the_portal_at_once(client):
    _build()
    slug = benchdata.school_slug(1)

    _sign_in(client, benchdata.staff_email(slug, "head"))
    response = client.get(reverse("aup:register", args=[slug]))  # no staff agreement gate: already signed
    assert response.status_code == 200
    assert "Behaviour policy" in response.content.decode()

    _sign_in(client, benchdata.staff_email(slug, "teacher.01"))
    response = client.get(reverse("consent:class_grid", args=[slug]))
    assert response.status_code == 200
    assert response.content.decode().count('<td class="cell cell-') >= 8


def test_two_runs_make_the_same_trust():
    savepoint = transaction.savepoint()
    _build()
    first = _fingerprint()
    transaction.savepoint_rollback(savepoint)
    assert not School.objects.filter(slug=benchdata.school_slug(1)).exists()

    _build()

    assert _fingerprint() == first
    assert first[0][0] == tuple(
        Pupil.objects.filter(school__slug=benchdata.school_slug(1))
        .order_by("mis_id")
        .values_list("legal_first_name", "legal_last_name")
        .first()
    )


def test_refuses_a_database_not_named_for_benchmarks():
    with pytest.raises(CommandError, match="bench"):
        call_command("bench_build", "--small", stdout=io.StringIO())
    assert not School.objects.exists()


def _history(*args):
    out = io.StringIO()
    call_command("bench_history", "--years", "2", "--incidents", "600", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def _present():
    """The present's figures a history must not change: this academic year's incidents and sanctions, each current
    pupil's incidents, the pupils on roll and the present's academic years."""
    this_year = datetime.date(2026, 9, 1)
    return {
        "this_year": Incident.objects.filter(occurred_at__date__gte=this_year).count(),
        "sanctions": Sanction.objects.filter(academic_year__starts_on=this_year).count(),
        "per_pupil": dict(
            IncidentPupil.objects.filter(pupil__left_on__isnull=True)
            .values("pupil")
            .annotate(n=Count("pk"))
            .values_list("pupil", "n")
        ),
        "on_roll": Pupil.objects.on_roll(TODAY).count(),
        "open": Incident.objects.filter(status=Incident.Status.OPEN).count(),
        "years": sorted(
            AcademicYear.objects.filter(starts_on__gte=datetime.date(2024, 9, 1)).values_list("school__slug", "name")
        ),
    }


def test_history_adds_past_years_and_leavers_and_leaves_the_present_alone():
    _build()
    present, pupils = _present(), set(Pupil.objects.values_list("pk", flat=True))
    assert present["this_year"] > 0 and present["per_pupil"]

    output = _history("--yes")

    assert "incidents: 600" in output
    assert Incident.objects.count() == benchdata.SMALL.incidents + 600
    assert _present() == present
    # Two academic years before the oldest (2024/25), with their terms, in each school.
    for school in School.objects.filter(organisation__slug=benchdata.TRUST_SLUG):
        names = set(AcademicYear.objects.filter(school=school).values_list("name", flat=True))
        assert {"2022/23", "2023/24", "2024/25"} <= names and "2021/22" not in names
        assert Term.objects.filter(academic_year__school=school, academic_year__name="2022/23").count() == 3
    # Leavers: seven year groups in each history year, all gone before the present began.
    leavers = Pupil.objects.exclude(pk__in=pupils)
    assert leavers.count() == benchdata.SMALL.schools * 8 * 7  # 8 cohorts of 50 / 7 pupils per school
    assert not leavers.filter(left_on__isnull=True).exists()
    assert not leavers.filter(left_on__gte=datetime.date(2024, 9, 1)).exists()
    assert not leavers.filter(on_roll_from__isnull=True).exists()
    assert all(mis_id.startswith(benchhistory.LEAVER_MIS_PREFIX) for mis_id in leavers.values_list("mis_id", flat=True))
    # The history's incidents are about leavers only, in the history's years, closed, nothing overdue, searchable.
    history = Incident.objects.filter(occurred_at__date__lt=datetime.date(2024, 9, 1))
    assert history.count() == 600
    assert history.filter(occurred_at__date__lt=datetime.date(2023, 9, 1)).count() == 300
    assert set(IncidentPupil.objects.filter(incident__in=history).values_list("pupil_id", flat=True)) <= set(
        leavers.values_list("pk", flat=True)
    )
    assert not history.filter(status=Incident.Status.OPEN).exists()
    assert not Action.objects.filter(incident__in=history, completed_at__isnull=True).exists()
    assert IncidentSearchDocument.objects.count() == Incident.objects.count()
    assert not Incident.objects.filter(
        occurred_at__date__gte=datetime.date(2024, 9, 1), pk__gt=history.order_by("pk").first().pk
    ).exists()  # appended after the present, in time order

    # A second run refuses and changes nothing.
    with pytest.raises(CommandError, match="already"):
        _history("--yes")
    assert Incident.objects.count() == benchdata.SMALL.incidents + 600


def test_history_needs_a_built_bench_in_a_bench_database():
    with pytest.raises(CommandError, match="bench_build"):
        _history("--yes")
    _build()
    with pytest.raises(CommandError, match="bench"):
        _history()
    assert not benchhistory.is_added()
