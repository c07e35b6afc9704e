from . import (
    views_bulk,
    views_chronology,
    views_incidents,
    views_lessons,
    views_record,
    views_safeguarding,
    views_saved_filters,
)

app_name = "incidents"

urlpatterns = [
    # Recording an incident or a concern (views_record)
    *views_record.urlpatterns,
    # Lists, an incident's record and its follow-up, alerts, actions, attachments (views_incidents)
    *views_incidents.urlpatterns,
    # A pupil's chronology, the child protection file, transfers, printable forms (views_chronology)
    *views_chronology.urlpatterns,
    # The DSL team's pupil flags and a concern's external referrals (views_safeguarding)
    *views_safeguarding.urlpatterns,
    # The incident list's tools: saved filters and acting on selected records; a school's lessons and subjects
    # (issue 16 items 7, 9)
    *views_saved_filters.urlpatterns,
    *views_bulk.urlpatterns,
    *views_lessons.urlpatterns,
]
