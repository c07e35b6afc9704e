"""Permission-matrix rows and world objects for the policy register and reviews (issue 5), the incident log
(issue 6) and reports (issue 7). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``,
``only``, "login" = redirect to sign in)."""

import datetime
import secrets
import uuid

STAFF = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"]
DSL_TEAM = ["dsl", "deputy_dsl", "head"]
MANAGERS = ["dsl", "deputy_dsl", "slt", "head"]
MISSING = uuid.UUID("00000000-0000-4000-8000-000000000000")  # SLT, head and the DSL team: every behaviour incident


def build_world(world):
    """Add what the later rows need to ``world`` (see ``test_permissions_matrix.world``)."""
    from django.utils import timezone

    from aup.models import CalendarFeedToken
    from incidents import services as incident_services
    from incidents.models import IncidentPupil
    from incidents.tests.factories import category

    users = world.users
    from aup import services_reviews
    from aup.models import PolicyReview
    from aup.tests.factories import PolicyVersionFactory

    head = users["head"]
    world.review = services_reviews.review_start(actor=head, policy=world.policy)  # in review, nothing drafted
    reviewed = PolicyVersionFactory(policy__school=world.school, policy__title="Behaviour Policy").policy
    world.submitted_review = services_reviews.review_start(actor=head, policy=reviewed)
    services_reviews.review_confirm_no_changes(actor=head, review=world.submitted_review)
    services_reviews.review_submit(actor=head, review=world.submitted_review)
    world.other_review = PolicyReview.objects.create(policy=world.other_policy)
    world.calendar_token = CalendarFeedToken.objects.create(user=users["head"], token=secrets.token_urlsafe(32)).token
    now = timezone.now()
    world.incident = incident_services.incident_record(
        actor=users["office"],
        school=world.school,
        occurred_at=now - datetime.timedelta(hours=2),
        location="playground",
        categories=[category(world.school, "verbal-abuse")],
        pupils=[(world.pupil, IncidentPupil.Role.SUBJECT)],
        behaviour_level=2,
        description="Shouted at a classmate during a game.",
    )
    world.concern = incident_services.incident_record(
        actor=users["teacher"],
        school=world.school,
        occurred_at=now - datetime.timedelta(hours=1),
        location="classroom",
        categories=[category(world.school, "neglect")],
        pupils=[(world.pupil, IncidentPupil.Role.SUBJECT)],
        description="Came in hungry again.",
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents.services_files import attachment_add

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    world.incident_action = incident_services.action_add(
        actor=users["slt"],
        incident=world.incident,
        kind="contact_parents",
        assignee=users["teacher"],
        due_on=now.date(),
    )
    world.incident_file = attachment_add(
        actor=users["office"], incident=world.incident, uploaded=SimpleUploadedFile("photo.png", png, "image/png")
    )
    world.concern_action = incident_services.action_add(
        actor=users["dsl"],
        incident=world.concern,
        kind="investigate",
        assignee=users["deputy_dsl"],
        due_on=now.date(),
    )
    world.racist = incident_services.incident_record(
        actor=users["teacher"],
        school=world.school,
        occurred_at=now - datetime.timedelta(hours=3),
        location="playground",
        categories=[category(world.school, "racist")],
        pupils=[(world.classmate, IncidentPupil.Role.ALLEGED_PERPETRATOR), (world.pupil, IncidentPupil.Role.VICTIM)],
        behaviour_level=3,
        description="A remark about a classmate's skin colour.",
    )
    from incidents.models import FileTransfer

    world.transfer = FileTransfer.objects.create(
        pupil=world.classmate,
        school=world.school,
        destination_school="Northfield Primary",
        destination_dsl="A. Morgan",
        method="Secure e-mail",
        sent_at=now - datetime.timedelta(days=2),
        sent_by=users["dsl"],
    )
    world.concern_file = attachment_add(
        actor=users["teacher"], incident=world.concern, uploaded=SimpleUploadedFile("note.png", png, "image/png")
    )


def rows(allow, only):
    """The rows, built with the matrix module's ``allow`` and ``only``."""
    readers = STAFF + ["governor", "trust_admin"]
    matrix = {
        # Issue 5: the register, its CSV, the trust register and the calendar feed
        ("aup:register", ""): ("get", lambda f: {"slug": f.school.slug}, allow(readers)),
        ("aup:register", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow(["other_school_dsl"])),
        ("aup:register_csv", ""): ("get", lambda f: {"slug": f.school.slug}, allow(readers)),
        ("aup:register_trust", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        ("aup:calendar_feed", ""): ("get", lambda f: {}, allow(readers + ["other_school_dsl"])),
        ("aup:calendar_feed_reset", ""): (
            "post",
            lambda f: {},
            allow(readers + ["other_school_dsl"], status=302),
        ),
        ("aup:calendar_ics", ""): ("get", lambda f: {"token": f.calendar_token}, only({"anonymous": 200}, 200)),
        ("aup:calendar_ics", "unknown token"): ("get", lambda f: {"token": "unknown"}, only({"anonymous": 404}, 404)),
        # Issue 5: the review round
        ("aup:review_start", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.policy.public_id},
            allow(["office", "slt", "head"], status=302),
        ),
        ("aup:review_start", "policy of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_policy.public_id},
            allow([]),
        ),
        ("aup:review_detail", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.review.public_id},
            allow(readers),
        ),
        ("aup:review_detail", "review of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_review.public_id},
            allow([]),
        ),
        ("aup:review_draft", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.review.public_id},
            allow(["office", "slt", "head"]),
        ),
        ("aup:review_no_changes", ""): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.review.public_id},
            allow(["office", "slt", "head"], status=302),
        ),
        ("aup:review_submit", "nothing drafted"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.review.public_id},
            allow(["office", "slt", "head"]),
        ),
        ("aup:review_return", "no comments"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.submitted_review.public_id},
            allow(["slt", "head"]),
        ),
        ("aup:review_approve", "no date"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.submitted_review.public_id},
            allow(["slt", "head"]),
        ),
        # Issue 7: coverage and policy dashboards
        ("reports:coverage_dashboard", ""): (
            "get",
            lambda f: {"slug": f.school.slug},
            allow(["slt", "head", "governor", "trust_admin"]),
        ),
        ("reports:coverage_dashboard", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("reports:policies_dashboard", ""): (
            "get",
            lambda f: {"slug": f.school.slug},
            allow(["slt", "head", "governor", "trust_admin"]),
        ),
        ("reports:trust_coverage_dashboard", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        ("reports:trust_policies_dashboard", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        # Issue 7: the incident dashboard and the trust comparison
        ("reports:incident_dashboard", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("reports:incident_dashboard", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("reports:incident_drilldown", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("reports:incident_dashboard_csv", ""): ("get", lambda f: {"slug": f.school.slug}, allow(MANAGERS)),
        ("reports:trust_incident_dashboard", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        ("reports:trust_incident_dashboard_csv", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        ("reports:trust_school_dashboard", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug, "slug": f.school.slug},
            allow(["trust_admin"]),
        ),
        ("reports:trust_school_dashboard", "school outside the trust"): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug, "slug": f.other_school.slug},
            allow([]),
        ),
        ("reports:trust_school_dashboard_csv", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug, "slug": f.school.slug},
            allow(["trust_admin"]),
        ),
        # Issue 7: governor termly reports. Real published and draft reports are checked for every persona in
        # reports/tests/test_governor_report.py; here a missing report answers 404 to everyone.
        ("reports:governor_reports", ""): (
            "get",
            lambda f: {"slug": f.school.slug},
            allow(["slt", "head", "governor", "trust_admin"]),
        ),
        ("reports:governor_reports", "other school"): ("get", lambda f: {"slug": f.other_school.slug}, allow([])),
        ("reports:governor_report", "missing"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:governor_report_pdf", "missing"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:governor_report_commentary", "missing"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:governor_report_publish", "missing"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:trust_governor_reports", ""): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug},
            allow(["trust_admin"]),
        ),
        ("reports:trust_governor_report", "missing"): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:trust_governor_report_pdf", "missing"): (
            "get",
            lambda f: {"org_slug": f.school.organisation.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:trust_governor_report_commentary", "missing"): (
            "post",
            lambda f: {"org_slug": f.school.organisation.slug, "public_id": MISSING},
            allow([]),
        ),
        ("reports:trust_governor_report_publish", "missing"): (
            "post",
            lambda f: {"org_slug": f.school.organisation.slug, "public_id": MISSING},
            allow([]),
        ),
        # Issue 6: the second factor (a person's own account; parents too)
        ("accounts:otp_manage", ""): ("get", lambda f: {}, only({}, 200)),
        ("accounts:otp_enrol", ""): ("get", lambda f: {}, only({}, 200)),
        ("accounts:otp_verify", "no authenticator app yet"): ("get", lambda f: {}, only({}, 302)),
        ("accounts:otp_recovery_codes", ""): ("post", lambda f: {}, only({}, 302)),
        ("accounts:otp_replace", ""): ("post", lambda f: {}, only({}, 302)),
        # Issue 6: recording
        ("incidents:record", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
        ("incidents:record", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            allow(["other_school_dsl"]),
        ),
        ("incidents:pupil_search", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
        ("incidents:concern_raised", ""): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.concern.public_id},
            allow(["teacher"]),
        ),
    }
    matrix.update(_incident_rows(allow, only))
    return matrix


def _incident_rows(allow, only):
    """Issue 6: the incident pages. ``f.incident`` is a behaviour incident recorded by office with an action for the
    teacher; ``f.concern`` a concern raised by the teacher. The DSL team get the second-factor redirect (302) on a
    concern; the raiser is sent to the raised page (302) from the record and its print view."""
    readers = ["office", "teacher"] + MANAGERS  # recorder, action assignee, SLT, head, DSL team
    concern_readers = {"dsl": 302, "deputy_dsl": 302, "head": 302}

    def inc(f):
        return {"slug": f.school.slug, "public_id": f.incident.public_id}

    def con(f):
        return {"slug": f.school.slug, "public_id": f.concern.public_id}

    rows = {
        ("incidents:list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
        ("incidents:alerts", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
        ("incidents:alerts_mark_all_read", ""): ("post", lambda f: {"slug": f.school.slug}, allow(STAFF, 302)),
        ("incidents:my_actions", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
        ("incidents:incident_detail", ""): ("get", inc, allow(readers)),
        ("incidents:incident_detail", "concern"): ("get", con, only({**concern_readers, "teacher": 302}, 404)),
        ("incidents:incident_detail", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.incident.public_id},
            allow([]),
        ),
        ("incidents:incident_print", ""): ("get", inc, allow(readers)),
        ("incidents:incident_print", "concern"): ("get", con, only({**concern_readers, "teacher": 302}, 404)),
        ("incidents:attachment", ""): (
            "get",
            lambda f: {**inc(f), "attachment_id": f.incident_file.public_id},
            allow(readers),
        ),
        ("incidents:attachment", "concern"): (
            "get",
            lambda f: {**con(f), "attachment_id": f.concern_file.public_id},
            only(concern_readers, 404),
        ),
        ("incidents:action_add", ""): ("post", inc, allow(["office"] + MANAGERS)),
        ("incidents:action_add", "concern"): ("post", con, only(concern_readers, 404)),
        ("incidents:action_complete", ""): (
            "post",
            lambda f: {**inc(f), "action_id": f.incident_action.public_id},
            allow(["teacher"] + MANAGERS, 302),
        ),
        ("incidents:action_complete", "concern"): (
            "post",
            lambda f: {**con(f), "action_id": f.concern_action.public_id},
            only(concern_readers, 404),
        ),
        ("incidents:parent_contact_add", ""): ("post", inc, allow(["office"] + MANAGERS)),
        ("incidents:parent_contact_add", "concern"): ("post", con, only(concern_readers, 404)),
        ("incidents:dsl_note_add", ""): ("post", inc, allow([])),
        ("incidents:dsl_note_add", "concern"): ("post", con, only(concern_readers, 404)),
    }
    dsl_otp = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor, then the page

    def pup(f):
        return {"slug": f.school.slug, "public_id": f.pupil.public_id}

    rows.update(
        {
            ("incidents:chronology", ""): ("get", pup, only({**dsl_otp, "slt": 200}, 404)),
            ("incidents:chronology", "pupil of another school"): (
                "get",
                lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
                allow([]),
            ),
            ("incidents:cp_file", ""): ("get", pup, only(dsl_otp, 404)),
            ("incidents:pupil_transfers", ""): ("get", pup, only(dsl_otp, 404)),
            ("incidents:professionals", ""): ("get", pup, only(dsl_otp, 404)),
            ("incidents:professional_end", ""): ("post", pup, only(dsl_otp, 404)),
            ("incidents:viewers", ""): ("get", pup, only(dsl_otp, 404)),
            ("incidents:transfers", ""): ("get", lambda f: {"slug": f.school.slug}, only(dsl_otp, 404)),
            ("incidents:transfer_confirm", ""): (
                "post",
                lambda f: {"slug": f.school.slug, "public_id": f.transfer.public_id},
                only(dsl_otp, 404),
            ),
            # Asking again for a transfer's file that could not be prepared (issue 18 item 2).
            ("incidents:transfer_prepare", ""): (
                "post",
                lambda f: {"slug": f.school.slug, "public_id": f.transfer.public_id},
                only(dsl_otp, 404),
            ),
            ("incidents:form_racist", ""): (
                "get",
                lambda f: {"slug": f.school.slug, "public_id": f.racist.public_id},
                allow(["teacher"] + MANAGERS),
            ),
            ("incidents:form_racist", "not prejudice-related"): ("get", inc, allow([])),
            ("incidents:form_racist_pdf", ""): (
                "get",
                lambda f: {"slug": f.school.slug, "public_id": f.racist.public_id},
                allow(["teacher"] + MANAGERS),
            ),
            ("incidents:form_online_safety_log", ""): (
                "get",
                lambda f: {"slug": f.school.slug},
                only({**dsl_otp, "slt": 200}, 404),
            ),
            ("incidents:form_online_safety_log_pdf", ""): (
                "get",
                lambda f: {"slug": f.school.slug},
                only({**dsl_otp, "slt": 200}, 404),
            ),
        }
    )
    for name in ("sanction_add", "incident_close", "incident_reopen", "incident_void"):
        rows[(f"incidents:{name}", "")] = ("post", inc, allow(MANAGERS))
        rows[(f"incidents:{name}", "concern")] = ("post", con, only(concern_readers, 404))
    return rows
