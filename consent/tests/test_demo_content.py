"""The photo consent demo: what a newcomer finds after `make demo`, and that loading it twice changes nothing."""

import pytest

from consent import demo_content
from consent.models import ConsentForm, ConsentFormVersion, ConsentResponse, PhotoMeasure
from consent.selectors import effective_answers
from consent.selectors_forms import coverage
from safeguard.directory import demo
from safeguard.directory.models import Guardian, Pupil, School

DOCUMENTATION_RANGES = ("192.0.2.", "198.51.100.", "203.0.113.")


@pytest.fixture
def loaded(full_demo):
    """The consent demo's summary lines, how long it took to load and the Celery tasks it queued (there should be
    none); the whole demo is loaded once for every demo test (``full_demo`` in the root conftest)."""
    part = full_demo.parts["consent"]
    return {"lines": part.lines, "seconds": part.seconds, "queued": part.queued}


def _reasons(school):
    pupils = list(Pupil.objects.on_roll(school.today()).filter(school=school))
    _purposes, decisions = effective_answers(school=school, pupils=pupils)
    return {pupil.pk: {code: d.reason for code, d in decisions[pupil.pk].items()} for pupil in pupils}


def test_each_school_has_its_published_form(loaded):
    primary = ConsentForm.objects.get(school__slug="demo-primary")
    history = list(primary.versions.order_by("number").values_list("number", "status"))
    assert history == [(1, "superseded"), (2, "published")]
    current = primary.versions.get(status=ConsentFormVersion.Status.PUBLISHED)
    codes = list(current.purposes.order_by("order").values_list("code", flat=True))
    assert len(codes) == 9 and codes[-1] == "first_name_with_image"
    assert current.duration == ConsentFormVersion.Duration.ACADEMIC_YEAR

    ornek = ConsentForm.objects.get(school__slug="ornek-ilkokulu")
    version = ornek.versions.get()
    assert version.status == ConsentFormVersion.Status.PUBLISHED
    assert version.duration == ConsentFormVersion.Duration.WHOLE_STAY
    assert version.purposes.get(code="images_website").wording.startswith("Çocuğunuzun")
    assert "yüzler gösterilmeden" in version.purposes.get(code="etwinning_faces_hidden").label


def test_the_answers_are_a_realistic_mix(loaded):
    primary = School.objects.get(slug="demo-primary")
    responses = ConsentResponse.objects.filter(school=primary)
    methods = set(responses.values_list("method", flat=True))
    assert {"invitation_link", "paper", "phone", "password_session"} <= methods
    assert responses.filter(kind="withdrawal").exists()
    assert not responses.filter(method="paper").exclude(paper_scan="").exists()
    online = responses.filter(method="invitation_link")
    assert all(ip.startswith(DOCUMENTATION_RANGES) for ip in online.values_list("ip_address", flat=True))
    assert not online.filter(user_agent="").exists()

    reasons = [reason for row in _reasons(primary).values() for reason in row.values()]
    for reason in ("consented", "refused", "guardians_disagree", "no_response", "expired", "internal_only"):
        assert reason in reasons, reason
    assert "court_order" in reasons and "no_photos" in reasons

    numbers = coverage(school=primary)["school"]
    assert 0.4 <= numbers.complete / numbers.total <= 0.85
    assert numbers.no_photos >= 5 and numbers.guardians_not_answered >= 20
    assert ConsentResponse.objects.filter(school__slug="ornek-ilkokulu").count() >= 60


def test_three_looked_after_pupils_have_dsl_measures(loaded):
    measures = PhotoMeasure.objects.filter(pupil__school__slug="demo-primary", ended_at__isnull=True)
    assert sorted(measures.values_list("measure", "court_order")) == [
        ("internal_only", False),
        ("no_photos", False),
        ("no_photos", True),
    ]
    assert all(measure.pupil.is_looked_after for measure in measures)
    assert set(measures.values_list("set_by__email", flat=True)) == {"dsl@demo.test"}


def test_the_demo_parent_has_one_child_left_to_answer(loaded):
    guardian = Guardian.objects.get(email=demo.PARENT_EMAIL)
    children = list(Pupil.objects.filter(guardian_links__guardian=guardian).order_by("date_of_birth"))
    assert len(children) == 2
    older, younger = children
    assert ConsentResponse.objects.filter(pupil=older, guardian=guardian, method="password_session").exists()
    assert not ConsentResponse.objects.filter(pupil=younger).exists()


def test_loading_queues_nothing_and_a_second_load_creates_nothing(loaded):
    # How long loading takes is measured by `make bench`, not asserted here: a wall-clock limit fails on a busy machine.
    assert loaded["queued"] == []
    before = (ConsentResponse.objects.count(), PhotoMeasure.objects.count(), ConsentFormVersion.objects.count())
    lines = demo_content.load()
    after = (ConsentResponse.objects.count(), PhotoMeasure.objects.count(), ConsentFormVersion.objects.count())
    assert after == before
    assert "Created this run: 0 consent responses, 0 photo measures." in lines


def test_the_demo_schools_have_naming_rules_by_year_group(loaded):
    from consent.models import NamingRule

    primary = [
        (r.year_from.name, r.year_to.name, r.naming, r.images)
        for r in NamingRule.objects.filter(school__slug="demo-primary").order_by("year_from__order")
    ]
    assert primary == [
        ("Reception", "Year 2", "no_name", "per_consent"),
        ("Year 3", "Year 6", "first_name", "per_consent"),
    ]
    ornek = NamingRule.objects.get(school__slug="ornek-ilkokulu")
    assert (ornek.naming, ornek.images) == ("first_name", "faces_hidden")
