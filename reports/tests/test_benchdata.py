"""The trust-scale benchmark's data (``reports.benchdata``, ``manage.py bench_build``): the ``--small`` preset builds
what it promises (and a second run nothing more), the bench accounts can use the portal at once, and two runs make
the same people and incidents."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from aup.models import Policy, SignatureRequest
from consent.models import ConsentAnswer, ConsentPurpose, ConsentResponse
from incidents.defaults import CATEGORIES
from incidents.models import Incident, IncidentCategory, IncidentPupil
from reports import benchdata
from safeguard.directory.models import Guardian, Pupil, PupilGuardian, School

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
