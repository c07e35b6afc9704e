"""Events of the incident log that other apps act on without the incident log knowing them (dependencies point one
way: platform ← features ← reports). Sent by ``incidents.services`` inside the change's transaction; a receiver that
queues work does so through the outbox (``safeguard.jobs.services.enqueue``), so nothing runs for a change that
rolled back.

- ``incident_corrected(sender=Incident, incident, amendment)``: a record was corrected (``incident_amend``) — its
  level, categories or date may have changed.
- ``incident_voided(sender=Incident, incident)``: a record was voided (``incident_void``) — it leaves every count.

``reports.apps`` checks the behaviour thresholds again on both (issue 16 item 10).
"""

from django.dispatch import Signal

incident_corrected = Signal()
incident_voided = Signal()
