"""Test helpers for cases and incident links. Cases are opened through ``cases.services.cases.case_open`` (its rules
are what the tests are about); concerns and incidents come from ``incidents.tests.factories``."""

import datetime
import time

from django.utils import timezone

from incidents.tests.factories import IncidentFactory, concern
from safeguard.accounts import otp


def verify(client):
    """Mark the client's session as past the second factor just now."""
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


def concern_about(school, pupil, *, hours_ago, recorded_by, description="Came in hungry and tired."):
    """A safeguarding concern about ``pupil`` that happened ``hours_ago`` hours ago."""
    return concern(
        school,
        pupils=[pupil],
        recorded_by=recorded_by,
        description=description,
        occurred_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def behaviour_incident(school, pupil, *, recorded_by, hours_ago=2, description="Pushed in the lunch queue."):
    """A level 2 behaviour incident about ``pupil``."""
    return IncidentFactory(
        school=school,
        pupils=[pupil],
        recorded_by=recorded_by,
        description=description,
        occurred_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )
