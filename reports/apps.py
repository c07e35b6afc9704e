from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _policy_schools(policy):
    """The school a policy is of, or every school of the trust for a trust-wide one (ints)."""
    if policy.school_id is not None:
        return policy.school_id
    from safeguard.directory.models import School

    return list(School.objects.filter(organisation_id=policy.organisation_id).values_list("pk", flat=True))


def _queue_threshold_check(sender, instance, created, raw=False, **kwargs):
    """Queue ``reports.tasks.behaviour_thresholds_check`` for a newly recorded incident (not for fixtures loaded
    raw; concerns and incidents without a behaviour level never count towards a threshold)."""
    if not created or raw or instance.is_safeguarding or instance.behaviour_level is None:
        return
    from safeguard.jobs.services import enqueue

    from .tasks import behaviour_thresholds_check

    enqueue(behaviour_thresholds_check, instance.pk)


def _queue_check_after_correction(sender, incident, **kwargs):
    """Queue ``behaviour_thresholds_check`` for a corrected incident: a raised level, or a behaviour category added,
    may reach a rule the record did not reach as first written (``thresholds_check`` is idempotent)."""
    if incident.is_safeguarding or incident.behaviour_level is None:
        return
    from safeguard.jobs.services import enqueue

    from .tasks import behaviour_thresholds_check

    enqueue(behaviour_thresholds_check, incident.pk)


def _queue_check_after_void(sender, incident, **kwargs):
    """Queue ``behaviour_thresholds_recheck_after_void`` for a voided incident: it leaves every count, and an action
    raised on it leaves the lists with it, so its pupils are checked again without it."""
    if incident.is_safeguarding or incident.behaviour_level is None:
        return
    from safeguard.jobs.services import enqueue

    from .tasks import behaviour_thresholds_recheck_after_void

    enqueue(behaviour_thresholds_recheck_after_void, incident.pk)


class ReportsConfig(AppConfig):
    """Dashboards for senior leaders, governor termly reports and the trust roll-up."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        """Cached figures follow their data (``safeguard.datacache``):

        - incidents: a saved incident, or anything recorded on one;
        - consent: a response or answer, a photo measure, a published form version, a guardian link, an academic year;
        - agreements: a signature request or signature, an agreement, a guardian link, a staff role, an academic year;
        - policies: a policy (a trust's bumps all its schools), a version, a review;
        - a pupil's change (class, characteristics) bumps every topic.
        """
        from aup import models as aup
        from consent import models as consent
        from incidents import models as incidents
        from safeguard import datacache
        from safeguard.directory.models import AcademicYear, Pupil, PupilGuardian, StaffRole

        datacache.watch(incidents.Incident, datacache.INCIDENTS, lambda incident: incident.school_id)
        for model in (
            incidents.IncidentPupil,
            incidents.Action,
            incidents.Sanction,
            incidents.PhysicalIntervention,
            incidents.ParentContact,
            incidents.DSLNote,
        ):
            datacache.watch(model, datacache.INCIDENTS, lambda record: record.incident.school_id)

        datacache.watch(consent.ConsentResponse, datacache.CONSENT, lambda response: response.school_id)
        datacache.watch(consent.ConsentAnswer, datacache.CONSENT, lambda answer: answer.response.school_id)
        datacache.watch(consent.PhotoMeasure, datacache.CONSENT, lambda measure: measure.pupil.school_id)
        datacache.watch(consent.ConsentFormVersion, datacache.CONSENT, lambda version: version.form.school_id)

        datacache.watch(aup.SignatureRequest, datacache.AGREEMENTS, lambda request: request.school_id)
        datacache.watch(aup.Signature, datacache.AGREEMENTS, lambda signature: signature.request.school_id)
        datacache.watch(aup.Agreement, datacache.AGREEMENTS, lambda record: _policy_schools(record.version.policy))

        datacache.watch(aup.Policy, datacache.POLICIES, _policy_schools)
        for model in (aup.PolicyVersion, aup.PolicyReview):
            datacache.watch(model, datacache.POLICIES, lambda record: _policy_schools(record.policy))
        datacache.watch(aup.PolicyVersion, datacache.AGREEMENTS, lambda version: _policy_schools(version.policy))

        for topic in (datacache.CONSENT, datacache.AGREEMENTS):
            datacache.watch(PupilGuardian, topic, lambda link: link.pupil.school_id)
            # Which academic year is current decides which answers and yearly signatures still count.
            datacache.watch(AcademicYear, topic, lambda year: year.school_id)
        # Staff and governor agreements ask whoever holds a matching role now.
        datacache.watch(StaffRole, datacache.AGREEMENTS, lambda role: role.school_id)
        for topic in datacache.TOPICS:
            datacache.watch(Pupil, topic, lambda pupil: pupil.school_id)

        # Behaviour thresholds ("5 incidents in 10 school days", issue 16 item 10): a newly recorded incident is
        # checked by a task queued through the outbox in the recording's own transaction, so the check runs once the
        # incident and its pupils are committed, and never for a recording that rolled back.
        post_save.connect(
            _queue_threshold_check, sender=incidents.Incident, dispatch_uid="reports.behaviour_thresholds_check"
        )
        # A correction and a void check again (the incident log sends these from its services: incidents.signals).
        from incidents.signals import incident_corrected, incident_voided

        incident_corrected.connect(
            _queue_check_after_correction, dispatch_uid="reports.behaviour_thresholds_check_corrected"
        )
        incident_voided.connect(_queue_check_after_void, dispatch_uid="reports.behaviour_thresholds_check_voided")
