"""What each audit event is called on a page: the dotted action name (``incidents.attachment.added``) → a short
translatable label ("Added an attachment"). Every page that lists audit events — an incident's record, "who viewed
this pupil's record", the admin — shows ``audit_label(event.action)``, never the code (issue 12 #20).

Every action a service or view writes must be here: ``safeguard/audit/tests/test_labels.py`` reads the source tree
for ``action="…"`` and fails on one without a label. Names built at run time (``f"aup.review.{step}"``,
``f"consent.response.{kind}"``) are listed in full below.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    # Accounts and the second factor
    "accounts.invitation.accepted": _("Accepted an invitation"),
    "accounts.invitation.created": _("Sent an invitation"),
    "accounts.invitation.renewed": _("Sent an invitation again"),
    "accounts.otp.enrolled": _("Set up a second factor"),
    "accounts.otp.locked_out": _("Locked out after too many second-factor attempts"),
    "accounts.otp.recovery_code_used": _("Used a recovery code"),
    "accounts.otp.recovery_codes_generated": _("Made new recovery codes"),
    "accounts.otp.removed": _("Removed a second factor"),
    "accounts.otp.verification_failed": _("Entered a wrong second-factor code"),
    "accounts.otp.verified": _("Confirmed the second factor"),
    "accounts.user.language_changed": _("Changed their language"),
    "accounts.user.password_reset": _("Reset their password"),
    # Directory and onboarding
    "directory.demo.loaded": _("Loaded the demo data"),
    "directory.roster.imported": _("Imported the roster"),
    "interop.ctf.exported": _("Downloaded a pupil's Common Transfer File"),
    "interop.ctf.imported": _("Imported a Common Transfer File"),
    "interop.oneroster.imported": _("Imported a OneRoster file"),
    "interop.roster_sync.created": _("Set up a scheduled roster sync"),
    "interop.roster_sync.updated": _("Changed a scheduled roster sync"),
    "interop.roster_sync.run_requested": _("Ran a scheduled roster sync now"),
    "interop.roster_sync.leavers_confirmed": _("Confirmed the leavers of a scheduled roster sync"),
    "onboarding.academic_year.created": _("Created an academic year"),
    "onboarding.academic_year.updated": _("Changed an academic year"),
    "onboarding.guardian_link.added": _("Added a parent or carer to a pupil"),
    "onboarding.guardian_link.updated": _("Changed a pupil's parent or carer link"),
    "onboarding.installation.started": _("Started the installation"),
    "onboarding.organisation_admin.added": _("Added a trust or district administrator"),
    "onboarding.pupil.added": _("Added a pupil"),
    "onboarding.pupil.marked_left": _("Marked a pupil as left"),
    "onboarding.pupil.updated": _("Changed a pupil's details"),
    "onboarding.school.created": _("Created a school"),
    "onboarding.school.updated": _("Changed a school's details"),
    "onboarding.school_class.created": _("Created a class"),
    "onboarding.school_class.updated": _("Changed a class"),
    "onboarding.staff.job_title_changed": _("Changed a member of staff's job title"),
    "onboarding.staff.role_ended": _("Ended a member of staff's role"),
    "onboarding.staff.roles_given": _("Gave a member of staff their roles"),
    "onboarding.staff_invitation.accepted": _("Accepted a staff invitation"),
    "onboarding.staff_invitation.created": _("Invited a member of staff"),
    "onboarding.year.rolled_over": _("Rolled over to a new academic year"),
    "onboarding.year_groups.added": _("Added year groups"),
    # Agreements and the policy register
    "aup.agreement.changed": _("Changed an agreement"),
    "aup.agreement.created": _("Created an agreement"),
    "aup.blank_forms.printed": _("Printed blank forms"),
    "aup.calendar_feed.created": _("Created a calendar feed"),
    "aup.calendar_feed.reset": _("Reset a calendar feed"),
    "aup.document.created": _("Added a policy document"),
    "aup.document.downloaded": _("Downloaded a policy document"),
    "aup.paper_return.recorded": _("Recorded a paper return"),
    "aup.policy.created": _("Created a policy"),
    "aup.policy.register_changed": _("Changed a policy's owner, review team, approving body or review cycle"),
    "aup.request.opened": _("Opened a signature request"),
    "aup.requests.sent": _("Sent signature requests"),
    "aup.review.approved": _("Approved a policy review"),
    "aup.review.drafted": _("Drafted a new version in a review"),
    "aup.review.no_changes": _("Confirmed a policy with no changes"),
    "aup.review.returned": _("Returned a review with comments"),
    "aup.review.started": _("Started a policy review"),
    "aup.review.submitted": _("Submitted a review for approval"),
    "aup.signature.recorded": _("Signed an agreement"),
    "aup.signature.revoked": _("Revoked a signature"),
    "aup.version.approved": _("Approved a policy version"),
    "aup.version.created": _("Created a policy version"),
    # Photo and video consent
    "consent.event.changed": _("Changed an event"),
    "consent.event.created": _("Created an event"),
    "consent.form.created": _("Created a consent form"),
    "consent.measure.ended": _("Ended a photo measure"),
    "consent.measure.set": _("Set a photo measure"),
    "consent.naming_choice.made": _("Chose a stricter naming level for a child"),
    "consent.naming_rule.ended": _("Ended a naming rule"),
    "consent.naming_rule.saved": _("Saved a naming rule"),
    "consent.purpose.removed": _("Removed a consent purpose"),
    "consent.purpose.saved": _("Saved a consent purpose"),
    "consent.requests.sent": _("Sent consent requests"),
    "consent.response.answers": _("Answered a consent form"),
    "consent.response.change": _("Changed a consent answer"),
    "consent.response.withdrawal": _("Withdrew consent"),
    "consent.version.created": _("Created a consent form version"),
    "consent.version.published": _("Published a consent form version"),
    "consent.version.saved": _("Saved a consent form version"),
    # The incident log
    "incidents.action.added": _("Added an action"),
    "incidents.action.completed": _("Completed an action"),
    "incidents.attachment.added": _("Added an attachment"),
    "incidents.attachment.downloaded": _("Downloaded an attachment"),
    "incidents.body_map.recorded": _("Added a body map"),
    "incidents.body_map.viewed": _("Opened a body map"),
    "incidents.chronology.viewed": _("Opened the chronology"),
    "incidents.concern.downloaded": _("Downloaded a file of the concern"),
    "incidents.concern.printed": _("Printed the concern"),
    "incidents.concern.viewed": _("Opened the concern"),
    "incidents.concern_actions.viewed": _("Saw a concern's actions on the actions page"),
    "incidents.concern_alerts.viewed": _("Saw a concern in their alerts"),
    "incidents.concern_list.viewed": _("Saw a concern in the incident list"),
    "incidents.cp_file.downloaded": _("Downloaded the child protection file"),
    "incidents.dsl_note.added": _("Added a DSL note"),
    "incidents.file_transfer.confirmed": _("Confirmed receipt of a transferred file"),
    "incidents.file_transfer.recorded": _("Recorded a child protection file transfer"),
    "incidents.incident.closed": _("Closed the incident"),
    "incidents.incident.recorded": _("Recorded the incident"),
    "incidents.incident.reopened": _("Reopened the incident"),
    "incidents.incident.viewed": _("Opened an incident"),
    "incidents.incident.voided": _("Voided the incident"),
    "incidents.online_safety_log.downloaded": _("Downloaded the online safety log"),
    "incidents.online_safety_log.printed": _("Opened the online safety log"),
    "incidents.parent_contact.recorded": _("Recorded a contact with a family"),
    "incidents.physical_intervention.parents_told": _("Recorded that parents were told of a physical intervention"),
    "incidents.professional.added": _("Added a professional involved"),
    "incidents.professional.ended": _("Recorded that a professional is no longer involved"),
    "incidents.racist_form.downloaded": _("Downloaded the racist incident report"),
    "incidents.racist_form.printed": _("Opened the racist incident report"),
    "incidents.racist_form.sent": _("Recorded that the racist incident report was sent to the local authority"),
    "incidents.sanction.recorded": _("Recorded a sanction"),
    # Staff single sign-on (issue 14 item 4)
    "sso.configuration.created": _("Set up single sign-on"),
    "sso.configuration.updated": _("Changed the single sign-on settings"),
    "sso.sign_in.refused": _("Was refused single sign-on"),
    "sso.sign_in.succeeded": _("Signed in with single sign-on"),
    # Exports (issue 14 item 5)
    "exports.behaviour.downloaded": _("Downloaded the behaviour incidents as CSV"),
    "exports.carers.downloaded": _("Downloaded the parents and carers as CSV"),
    "exports.concerns.downloaded": _("Downloaded the safeguarding concerns as CSV"),
    "exports.consent.downloaded": _("Downloaded the consent answers as CSV"),
    "exports.roster.downloaded": _("Downloaded the pupils as CSV"),
    "exports.school_export.built": _("Prepared the full school export"),
    "exports.school_export.downloaded": _("Downloaded the full school export"),
    "exports.school_export.failed": _("Could not prepare the full school export"),
    "exports.school_export.requested": _("Asked for the full school export"),
    "exports.signatures.downloaded": _("Downloaded the signatures as CSV"),
    # Reports
    "reports.drilldown.downloaded": _("Downloaded a dashboard list with a concern"),
    "reports.drilldown.viewed": _("Saw a concern in a dashboard list"),
    "reports.governor_report.commentary_set": _("Wrote the headteacher's commentary"),
    "reports.governor_report.downloaded": _("Downloaded a governor report"),
    "reports.governor_report.drafted": _("Drafted a governor report"),
    "reports.governor_report.published": _("Published a governor report"),
}


def _labels_of_each_app():
    """An app may keep its labels beside its code, in ``<app>/audit_labels.py`` with a dict ``AUDIT_LABELS`` of the
    same shape; they are merged here, so this stays the one registry pages read."""
    import importlib
    import importlib.util

    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        name = f"{app}.audit_labels"
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is not None:
            AUDIT_LABELS.update(importlib.import_module(name).AUDIT_LABELS)


_labels_of_each_app()

UNKNOWN = _("Other event")


def audit_label(action):
    """The label of the dotted ``action`` name in the active language; "Other event" for a name without one (never
    the code itself)."""
    return AUDIT_LABELS.get(action, UNKNOWN)
