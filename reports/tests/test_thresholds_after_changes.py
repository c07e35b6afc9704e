"""Issue 16 item 10 with item 2: a corrected incident is checked against the behaviour thresholds again (a raised
level may reach a rule), and a voided one leaves the counts — its pupils are checked again without it."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Action, IncidentPupil
from reports.models import ThresholdAlert
from reports.services_thresholds import threshold_rules, threshold_save
from reports.tests.test_cohorts_and_thresholds import _recent_days, record
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db

P = IncidentPupil.Role.ALLEGED_PERPETRATOR


def open_actions(school):
    """The open actions SLT see on the actions page (voided incidents' are left out)."""
    return Action.objects.filter(incident__school=school, incident__voided_at__isnull=True, completed_at__isnull=True)


def test_a_level_corrected_upwards_reaches_a_rule(
    client, school, teacher, slt, head, celery_eager, django_capture_on_commit_callbacks
):
    (default,) = threshold_rules(school)
    threshold_save(actor=head, school=school, rule=default, incidents=5, school_days=10, is_active=False)
    threshold_save(actor=head, school=school, incidents=3, school_days=10, min_level=3)
    pupil = factories.PupilFactory(school=school)
    moments = _recent_days(3)
    for moment, level in zip(moments, (3, 3, 1), strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            last = record(teacher, school, moment, [(pupil, P)], level=level)
    assert not open_actions(school).exists()  # the third was recorded as level 1: below the rule
    # SLT correct the third to level 3 on its page: the rule is reached now.
    client.force_login(slt)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_amend(
            actor=slt, incident=last, reason="It was a level 3: he swore at staff.", behaviour_level=3
        )
    action = open_actions(school).get()
    assert action.incident == last and "3 behaviour incidents within 10 school days" in action.description
    page = client.get(reverse("incidents:my_actions", args=[school.slug])).content.decode()
    assert pupil.display_name in page
    # A correction that changes nothing more raises nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_amend(actor=slt, incident=last, reason="Typo", description="Swore at a member of staff.")
    assert open_actions(school).count() == 1


def test_a_voided_incident_leaves_the_counts(
    school, teacher, slt, head, celery_eager, django_capture_on_commit_callbacks
):
    pupil = factories.PupilFactory(school=school)
    moments = _recent_days(6)
    incidents = []
    for moment in moments[:5]:
        with django_capture_on_commit_callbacks(execute=True):
            incidents.append(record(teacher, school, moment, [(pupil, P)]))
    fifth = incidents[4]
    assert open_actions(school).get().incident == fifth
    # The fifth was recorded in error: voided, its action leaves the lists, and four incidents reach nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_void(actor=slt, incident=fifth, reason="Recorded against the wrong pupil.")
    assert not open_actions(school).exists()
    # A real fifth incident reaches the rule again (the alert of the voided one no longer stands in its way).
    with django_capture_on_commit_callbacks(execute=True):
        new_fifth = record(teacher, school, moments[5], [(pupil, P)])
    assert open_actions(school).get().incident == new_fifth
    assert ThresholdAlert.objects.get(pupil=pupil).incident == new_fifth  # one raise per window, moved


def test_voiding_the_incident_that_raised_the_action_raises_it_again_when_the_pupil_is_still_over(
    school, teacher, slt, head, celery_eager, django_capture_on_commit_callbacks
):
    pupil = factories.PupilFactory(school=school)
    moments = _recent_days(6)
    incidents = []
    for moment in moments:
        with django_capture_on_commit_callbacks(execute=True):
            incidents.append(record(teacher, school, moment, [(pupil, P)]))
    assert open_actions(school).get().incident == incidents[4]  # raised by the fifth; the sixth raised nothing more
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_void(actor=slt, incident=incidents[4], reason="Duplicate of another record.")
    # Still five incidents without it: the action is raised again, on the latest.
    action = open_actions(school).get()
    assert action.incident == incidents[5]
    assert "5 behaviour incidents within 10 school days" in action.description
