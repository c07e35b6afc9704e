"""Labels of the set-up pages' audit actions added for issue 13's remaining gaps (merged into
``safeguard.audit.labels.AUDIT_LABELS``)."""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "onboarding.pupil_accounts.changed": _("Changed which pupils have their own accounts"),
    "onboarding.organisation_admin.ended": _("Ended a trust or district administrator's role"),
    "onboarding.staff.details_changed": _("Changed a member of staff's name or job title"),
    "onboarding.term.removed": _("Removed a term"),
    "onboarding.term_break.added": _("Added a half-term or other break"),
    "onboarding.term_break.removed": _("Removed a half-term or other break"),
    "onboarding.term_break.updated": _("Changed a half-term or other break"),
    "onboarding.year_group.removed": _("Removed a year group"),
    "onboarding.year_group.renamed": _("Renamed a year group"),
}
