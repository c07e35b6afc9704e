"""The policy library: policies, versions (written in Markdown or uploaded as PDF/DOCX), approval, agreements.

Rules live here. Each service checks the actor again (views, tasks and commands all call it), validates with
``full_clean``, writes inside ``transaction.atomic`` with its audit event, and raises ``DomainError`` with a message
the view shows. Trust-wide policies are read in every school of the trust but are not written from a school's pages:
one school's staff never change another school's policy. The trust's (or district's) administrators write and approve
them, once for every school (``MANAGE_TRUST_POLICIES``; issue 13 item 6).
"""

import datetime
import io
import os
import re
import uuid
import zipfile

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.downloads import clean_display_name

from .evidence import file_sha256
from .models import Agreement, AgreementStatement, Audience, Policy, PolicyVersion, SignatureRequest

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Days the approver gives, unless they choose otherwise, for people to sign a new version (issue 12 #13).
DEFAULT_RESIGN_DAYS = 30

# Which second party makes sense for each audience (``Agreement.countersignature``).
COUNTERSIGNATURES_FOR_AUDIENCE = {
    Audience.PUPIL: {Agreement.Countersignature.NONE, Agreement.Countersignature.PARENT},
    Audience.PARENT: {Agreement.Countersignature.NONE, Agreement.Countersignature.PUPIL},
    Audience.STAFF: {Agreement.Countersignature.NONE, Agreement.Countersignature.HEADTEACHER},
    Audience.GOVERNOR: {Agreement.Countersignature.NONE, Agreement.Countersignature.HEADTEACHER},
    Audience.VOLUNTEER: {Agreement.Countersignature.NONE, Agreement.Countersignature.HEADTEACHER},
    Audience.VISITOR: {Agreement.Countersignature.NONE, Agreement.Countersignature.HEADTEACHER},
}

_NUMBER_PREFIX = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•])\s+")


# Uploaded files: the type is decided by the content, never by the name -----------------------------------------


class FileKind:
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    JPEG = "image/jpeg"
    PNG = "image/png"


EXTENSIONS = {FileKind.PDF: "pdf", FileKind.DOCX: "docx", FileKind.JPEG: "jpg", FileKind.PNG: "png"}
KIND_NAMES = {FileKind.PDF: "PDF", FileKind.DOCX: "Word (.docx)", FileKind.JPEG: "JPEG", FileKind.PNG: "PNG"}


def _read_all(uploaded):
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return data


def sniff_file_kind(data):
    """The MIME type of ``data`` (bytes) judged by its content, or None if it is none of the kinds we accept.

    PDF starts with ``%PDF-``; DOCX is a zip holding ``word/document.xml``; JPEG starts ``FF D8 FF``; PNG with its
    8-byte signature.
    """
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return FileKind.DOCX
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


def check_upload(uploaded, *, allowed, max_bytes=MAX_DOCUMENT_BYTES):
    """Check an uploaded file's size and content type; return ``(data bytes, MIME type)``.

    Args:
        uploaded: a Django ``UploadedFile`` (or any file object with ``size``/``read``/``seek``).
        allowed: the ``FileKind`` values accepted here.
        max_bytes: the size limit in bytes (10 MB by default).
    Raises ``DomainError`` naming what is accepted.
    """
    if uploaded.size > max_bytes:
        raise DomainError(
            _("The file is larger than %(max)s MB.") % {"max": max_bytes // (1024 * 1024)}, code="too_large"
        )
    data = _read_all(uploaded)
    if len(data) > max_bytes:
        raise DomainError(
            _("The file is larger than %(max)s MB.") % {"max": max_bytes // (1024 * 1024)}, code="too_large"
        )
    kind = sniff_file_kind(data)
    if kind not in allowed:
        names = " / ".join(name for k, name in KIND_NAMES.items() if k in allowed)
        raise DomainError(
            _("This file is not a real %(kinds)s file. Please upload the document itself.") % {"kinds": names},
            code="file_type",
        )
    return data, kind


# Markdown ---------------------------------------------------------------------------------------------------------


# Images are left out of policy text: an image whose address is another site's (``![x](https://…/p.gif)``) would be
# fetched by every reader's browser — a tracking pixel telling a third party who read the policy, when, from where
# (issue 12, item 12). Documents with pictures are uploaded as PDF or Word files instead.
POLICY_TEXT_TAGS = frozenset(nh3.ALLOWED_TAGS - {"img", "map", "area"})


def render_markdown(text):
    """``text`` (Markdown) as HTML safe to show: rendered with Python-Markdown, then cleaned with nh3 (scripts,
    event handlers and ``javascript:`` links removed; no images — ``POLICY_TEXT_TAGS``)."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=set(POLICY_TEXT_TAGS))


# Who may write ----------------------------------------------------------------------------------------------------


def can_manage_library(user, school):
    """Whether ``user`` may add policies, versions and agreements in ``school``."""
    return permissions.can(user, permissions.MANAGE_AGREEMENTS, school)


def can_approve_versions(user, school):
    """Whether ``user`` may record a policy version's approval in ``school`` (headteacher or SLT)."""
    return permissions.can(user, permissions.APPROVE_POLICY_VERSIONS, school)


def can_manage_policy(user, policy):
    """Whether ``user`` may write ``policy`` (its versions, agreements, approval and register fields): for a school's
    policy, who manages that school's library; for a trust-wide one, the trust's administrators only."""
    if policy.school_id is None:
        return permissions.can(user, permissions.MANAGE_TRUST_POLICIES, policy.organisation)
    return can_manage_library(user, policy.school)


def policy_today_bounds(policy, now=None):
    """``(earliest, latest)``: today's date where the policy applies — the school's date for a school's policy; for
    a trust-wide one the earliest and latest of its schools' dates (a district spans time zones), or the server's
    date when it has no school yet. An approval may be dated up to the latest; a re-sign date from the earliest."""
    if policy.school_id is not None:
        today = policy.school.today(now)
        return today, today
    days = {school.today(now) for school in policy.organisation.schools.all()} or {timezone.localdate(now)}
    return min(days), max(days)


def _check_writable(actor, policy, *, for_review=False):
    if policy.school_id is None:
        if permissions.can(actor, permissions.MANAGE_TRUST_POLICIES, policy.organisation):
            return
        raise DomainError(
            _("This policy belongs to the whole trust. It is changed by the trust, not by one school."),
            code="trust_policy",
        )
    if for_review and permissions.can_work_on_policy_review(actor, policy):
        return
    if not can_manage_library(actor, policy.school):
        raise PermissionError("actor may not change the policy library of this school")


def _validate(instance):
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid") from error


# Policies ---------------------------------------------------------------------------------------------------------


def policy_create(
    *,
    actor,
    school=None,
    title,
    category,
    approving_body,
    approving_committee="",
    owner=None,
    language=None,
    signing_frequency=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
    organisation=None,
):
    """Add a policy to ``school``'s library — or, with ``organisation`` instead, a trust-wide policy every school of
    that trust or district uses — and return it.

    Args:
        actor: a ``User`` with ``MANAGE_AGREEMENTS`` in ``school``; for ``organisation``, its administrator
            (``MANAGE_TRUST_POLICIES``).
        category, approving_body, signing_frequency: values of ``Policy.Category``, ``Policy.ApprovingBody``,
            ``Policy.SigningFrequency``; approving_committee: the committee's name when the body is a committee.
        owner: the ``User`` responsible for the policy (a member of staff of ``school``), or None.
        language: a code from ``settings.LANGUAGES``; defaults to the school's language (for a trust-wide policy,
            its first school's).
    Raises ``PermissionError`` or ``DomainError`` (invalid values).
    """
    if (school is None) == (organisation is None):
        raise ValueError("give exactly one of school or organisation")
    if school is not None and not can_manage_library(actor, school):
        raise PermissionError("actor may not change the policy library of this school")
    if organisation is not None and not permissions.can(actor, permissions.MANAGE_TRUST_POLICIES, organisation):
        raise PermissionError("actor may not write this trust's policies")
    if language is None:
        first = school or organisation.schools.order_by("name").first()
        language = first.default_language if first is not None else Policy._meta.get_field("language").default
    policy = Policy(
        school=school,
        organisation=organisation,
        title=(title or "").strip(),
        category=category,
        approving_body=approving_body,
        approving_committee=(approving_committee or "").strip(),
        owner=owner,
        language=language,
        signing_frequency=signing_frequency,
    )
    if policy.approving_body == Policy.ApprovingBody.COMMITTEE and not policy.approving_committee:
        raise DomainError(_("Please name the committee that approves this policy."), code="committee")
    _validate(policy)
    with transaction.atomic():
        policy.save()
        audit_log(
            actor=actor,
            action="aup.policy.created",
            school=school,
            subject=policy,
            data={
                "title": policy.title,
                "category": policy.category,
                **({"organisation": organisation.slug} if organisation is not None else {}),
            },
        )
    return policy


def policy_version_create(
    *,
    actor,
    policy,
    number,
    author,
    summary_of_changes="",
    body_markdown="",
    document=None,
    issue_date=None,
    for_review=False,
):
    """Add a draft version to ``policy`` and return it.

    Args:
        number: the version's label ("3", "2026.1", "Original"), unique within the policy.
        author: who wrote it (initials or names, as in the Sigma history table).
        body_markdown: the text in Markdown — or ``document``: an uploaded PDF or DOCX (checked by content,
            at most 10 MB), stored privately with its SHA-256 and original name. Exactly one of the two.
        issue_date: ``datetime.date`` or None.
        for_review: drafted within a policy review, so the policy's owner and review team may write it too
            (``permissions.can_work_on_policy_review``).
    Raises ``PermissionError``; ``DomainError`` for a repeated number, no text or both, or a bad file.
    """
    _check_writable(actor, policy, for_review=for_review)
    body_markdown = (body_markdown or "").strip()
    if bool(body_markdown) == (document is not None):
        raise DomainError(_("Write the policy's text or upload its document — one of the two."), code="text")
    version = PolicyVersion(
        policy=policy,
        number=(number or "").strip(),
        author=(author or "").strip(),
        summary_of_changes=(summary_of_changes or "").strip(),
        body_markdown=body_markdown,
        body_html=render_markdown(body_markdown) if body_markdown else "",
        issue_date=issue_date,
        status=PolicyVersion.Status.DRAFT,
    )
    data = kind = None
    if document is not None:
        data, kind = check_upload(document, allowed={FileKind.PDF, FileKind.DOCX})
        version.document_name = clean_display_name(os.path.basename(getattr(document, "name", "") or ""))[:255]
        version.document_type = kind
        version.document_sha256 = file_sha256(data)
    if PolicyVersion.objects.filter(policy=policy, number=version.number).exists():
        raise DomainError(
            _("This policy already has a version %(number)s.") % {"number": version.number}, code="number"
        )
    _validate(version)
    try:
        with transaction.atomic():
            if data is not None:
                # A random stored name: the original name is kept in ``document_name`` and never used as a path.
                version.document.save(f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}", ContentFile(data), save=False)
            version.save()
            audit_log(
                actor=actor,
                action="aup.version.created",
                school=policy.school,
                subject=version,
                data={"policy": str(policy.public_id), "number": version.number, "document": bool(data)},
            )
    except IntegrityError as error:
        raise DomainError(
            _("This policy already has a version %(number)s.") % {"number": version.number}, code="number"
        ) from error
    return version


def default_resign_by(school, now=None, *, today=None):
    """The re-sign date offered on the approval forms: ``DEFAULT_RESIGN_DAYS`` after today (school time; or after
    ``today``, a date, for a trust-wide policy — ``policy_today_bounds``)."""
    return (today or school.today(now)) + datetime.timedelta(days=DEFAULT_RESIGN_DAYS)


def policy_version_approve(*, actor, version, approved_by, approved_on, issue_date=None, resign_by=None, now=None):
    """Record that a draft version was approved; it becomes the current version. Returns the version.

    Args:
        actor: the headteacher or a senior leader of the policy's school (they record the approving body's
            decision); for a trust-wide policy, the trust's administrator (recording the board's decision).
        approved_by: who approved it, as it should read in the history ("Audit and Risk Committee",
            "Headteacher N. Smith").
        approved_on: ``datetime.date`` of the decision (not in the future); issue_date defaults to it.
        resign_by: ``datetime.date`` (today or later; default ``DEFAULT_RESIGN_DAYS`` from today) until which a
            signature of the previous version still counts.

    In one transaction the previously approved version becomes superseded (first — the database allows one
    approved version per policy) and this one approved. Requests still open on the superseded version's
    agreements are cancelled: they can no longer be signed, and their reminders stop. Approving an approved
    version again changes nothing. Raises ``PermissionError``; ``DomainError`` for a superseded version, a version
    without text, a missing name, a future approval date or a past re-sign date.

    A new version asks people to sign again (issue 12 #13; the field's rule: a changed agreement is signed again,
    and nobody is locked out the day it changes): the version records the one it replaced and ``resign_by``. Until
    that date a completed signature of the previous version's agreement for the same audience still counts —
    in coverage ("signed the previous version") and at the staff sign-in gate (a prompt, not a block) — and the
    people who signed it are sent a request for this version at once (``services_requests.requests_send``,
    e-mailed after commit). Policies signed once on joining are not signed again.
    """
    policy = version.policy
    if policy.school_id is None:
        if not permissions.can(actor, permissions.MANAGE_TRUST_POLICIES, policy.organisation):
            raise DomainError(
                _("This policy belongs to the whole trust. It is changed by the trust, not by one school."),
                code="trust_policy",
            )
    elif not can_approve_versions(actor, policy.school):
        raise PermissionError("only the headteacher or a senior leader records a policy's approval")
    now = now or timezone.now()
    earliest, latest = policy_today_bounds(policy, now)
    approved_by = (approved_by or "").strip()
    if not approved_by:
        raise DomainError(_("Please say who approved this version."), code="approved_by")
    if not isinstance(approved_on, datetime.date) or approved_on > latest:
        raise DomainError(_("The approval date cannot be in the future."), code="approved_on")
    resign_by = resign_by or default_resign_by(None, today=earliest)
    if resign_by < earliest:
        raise DomainError(_("The date to sign the new version by cannot be in the past."), code="resign_by")
    with transaction.atomic():
        # Lock the policy so two approvals at once are taken one after the other.
        Policy.objects.select_for_update().filter(pk=policy.pk).first()
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if version.status == PolicyVersion.Status.APPROVED:
            return version
        if version.status != PolicyVersion.Status.DRAFT:
            raise DomainError(_("A superseded version cannot be approved again."), code="superseded")
        if not version.body_markdown and not version.document:
            raise DomainError(_("This version has no text or document to approve."), code="empty")
        previous = list(
            PolicyVersion.objects.select_for_update().filter(policy=policy, status=PolicyVersion.Status.APPROVED)
        )
        for old in previous:
            old.status = PolicyVersion.Status.SUPERSEDED
            old.save(update_fields=["status", "updated_at"])
        open_requests = SignatureRequest.objects.filter(
            agreement__version__in=previous,
            status__in=[SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED],
        )
        cancelled = 0
        if previous:
            # A queryset update sends no signal: bump the agreements' figures of each school whose requests it cancels.
            for school_id in sorted(set(open_requests.values_list("school_id", flat=True))):
                datacache.bump(datacache.AGREEMENTS, school_id)
            cancelled = open_requests.update(status=SignatureRequest.Status.CANCELLED, updated_at=now)
        version.status = PolicyVersion.Status.APPROVED
        version.approved_by = approved_by
        version.approved_on = approved_on
        version.issue_date = issue_date or version.issue_date or approved_on
        replaced = previous[0] if previous else None
        asks_again = replaced is not None and policy.signing_frequency != Policy.SigningFrequency.ON_JOINING
        version.previous_version = replaced
        version.resign_by = resign_by if asks_again else None
        _validate(version)
        version.save(
            update_fields=[
                "status",
                "approved_by",
                "approved_on",
                "issue_date",
                "previous_version",
                "resign_by",
                "updated_at",
            ]
        )
        policy_schedule_next_review(policy=policy, approved_on=approved_on)
        queued = _ask_previous_signers(actor=actor, version=version, now=now) if asks_again else 0
        audit_log(
            actor=actor,
            action="aup.version.approved",
            school=policy.school,
            subject=version,
            data={
                "policy": str(policy.public_id),
                **({"organisation": policy.organisation.slug} if policy.school_id is None else {}),
                "number": version.number,
                "approved_by": approved_by,
                "approved_on": approved_on.isoformat(),
                "superseded": [old.number for old in previous],
                "requests_cancelled": cancelled,
                "resign_by": version.resign_by.isoformat() if version.resign_by else None,
                "requests_queued": queued,
            },
        )
    version.requests_queued = queued
    return version


def _ask_previous_signers(*, actor, version, now=None):
    """Send a request for each agreement of ``version`` to the people whose signature of the replaced version
    still counts (coverage "signed the previous version"); return how many e-mails were queued. Volunteers and
    visitors sign on arrival and are not sent anything. A trust-wide policy asks in every school of the trust: the
    requests are opened by the system (``actor`` None), as the trust's administrator holds no role in the schools."""
    from .selectors_library import CoverageStatus
    from .services_requests import requests_send

    policy = version.policy
    if policy.school_id is not None:
        schools, sender = [policy.school], actor
    else:
        schools, sender = list(policy.organisation.schools.order_by("pk")), None
    queued = 0
    for agreement in Agreement.objects.filter(version=version).select_related("version__policy"):
        for school in schools:
            try:
                counts = requests_send(
                    actor=sender,
                    agreement=agreement,
                    school=school,
                    now=now,
                    only_coverage={CoverageStatus.PREVIOUS_VERSION},
                )
            except DomainError:
                break  # volunteers and visitors: no list to send to
            queued += counts["queued"]
    return queued


# Agreements -------------------------------------------------------------------------------------------------------


def parse_reminder_days(text):
    """``"7, 14,28"`` → ``[7, 14, 28]``; raises ``DomainError`` unless every part is a whole number of days 1–365."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    days = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= 365:
            raise DomainError(
                _("Reminder days must be whole numbers from 1 to 365, separated by commas (for example 7, 14, 28)."),
                code="reminder_days",
            )
        days.append(int(part))
    return sorted(set(days))


def parse_statements(text):
    """One statement per line → list of str; blank lines and a leading "1." / "2)" / "-" are dropped."""
    statements = []
    for line in (text or "").splitlines():
        line = _NUMBER_PREFIX.sub("", line).strip()
        if line:
            statements.append(line)
    return statements


def agreement_save(
    *,
    actor,
    version,
    audience,
    title,
    statements,
    introduction="",
    countersignature=Agreement.Countersignature.NONE,
    parent_may_sign_for_pupil=False,
    reminder_days="7,14,28",
    agreement=None,
    parent_signs_up_to_year=None,
    consent_links=None,
    template="",
):
    """Create (``agreement`` None) or change an agreement on a draft version; return it.

    Args:
        version: a draft ``PolicyVersion`` of a school policy (or of a trust-wide one, by the trust's administrator).
        audience: an ``Audience`` value (one agreement per audience per version).
        statements: list of str, in order — replaces the agreement's statements.
        countersignature: an ``Agreement.Countersignature`` value that fits the audience (a parent for pupils,
            the pupil for parents — home–school agreement — or the headteacher for staff-like audiences).
        parent_may_sign_for_pupil: only for pupil agreements; parent_signs_up_to_year: the highest year group
            (its number: 0 Reception, 2 Year 2) for which a parent signs for the pupil; None for any year.
        reminder_days: days after the request at which non-signers are reminded, as text "7,14,28".
        consent_links: ``{statement number (int): consent purpose code}`` — permission statements a parent confirms
            that also answer a question of the school's published photo consent form (issue 13 item 10); ``{}``
            removes every link, None leaves them as they are. Only for an agreement a parent signs, of a school's
            own policy.
        template: the key of the shipped template (``aup.agreement_templates``) the office started from, or "";
            recorded in the audit event only — the agreement is saved as written.

    Approved and superseded versions are never changed: what was signed stays exactly as it was. Raises
    ``PermissionError``; ``DomainError`` for an approved version, no statements, a clash of audience or bad values.
    """
    _check_writable(actor, version.policy)
    if agreement is not None and agreement.version_id != version.pk:
        raise ValueError("agreement belongs to another version")
    if version.status != PolicyVersion.Status.DRAFT:
        raise DomainError(
            _(
                "Version %(number)s has been approved, so its agreements can no longer be changed: people may "
                "already have signed them. Add a new version to change the agreement."
            )
            % {"number": version.number},
            code="approved",
        )
    statements = [s.strip() for s in statements if s and s.strip()]
    if not statements:
        raise DomainError(_("Please write at least one statement for people to confirm."), code="statements")
    if countersignature not in COUNTERSIGNATURES_FOR_AUDIENCE.get(audience, set()):
        raise DomainError(_("This countersignature does not fit this audience."), code="countersignature")
    if parent_may_sign_for_pupil and audience != Audience.PUPIL:
        raise DomainError(_("Only a pupil agreement can be signed by a parent on the pupil's behalf."), code="behalf")
    days = parse_reminder_days(reminder_days)
    _check_consent_links(
        consent_links, version=version, audience=audience, countersignature=countersignature, statements=statements
    )
    clash = Agreement.objects.filter(version=version, audience=audience)
    if agreement is not None:
        clash = clash.exclude(pk=agreement.pk)
    if clash.exists():
        raise DomainError(_("This version already has an agreement for this audience."), code="audience")
    created = agreement is None
    if created:
        agreement = Agreement(version=version)
    agreement.audience = audience
    agreement.title = (title or "").strip()
    agreement.introduction = (introduction or "").strip()
    agreement.countersignature = countersignature
    agreement.parent_may_sign_for_pupil = bool(parent_may_sign_for_pupil)
    agreement.parent_signs_up_to_year = parent_signs_up_to_year if parent_may_sign_for_pupil else None
    agreement.reminder_days = ",".join(str(day) for day in days)
    _validate(agreement)
    with transaction.atomic():
        # Re-check under lock: the version may have been approved since the form was opened.
        locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != PolicyVersion.Status.DRAFT:
            raise DomainError(_("This version has just been approved; its agreements can no longer be changed."))
        agreement.save()
        # Statements of a draft have never been shown to a signer; history keeps the earlier wording.
        for statement in agreement.statements.filter(order__gt=len(statements)):
            statement.delete()
        existing = {s.order: s for s in agreement.statements.all()}
        for order, text in enumerate(statements, start=1):
            statement = existing.get(order)
            if statement is None:
                code = (consent_links or {}).get(order, "")
                AgreementStatement.objects.create(
                    agreement=agreement, order=order, text=text, consent_purpose_code=code
                )
                continue
            code = statement.consent_purpose_code if consent_links is None else consent_links.get(order, "")
            if (statement.text, statement.consent_purpose_code) != (text, code):
                statement.text, statement.consent_purpose_code = text, code
                statement.save(update_fields=["text", "consent_purpose_code", "updated_at"])
        audit_log(
            actor=actor,
            action="aup.agreement.created" if created else "aup.agreement.changed",
            school=version.policy.school,
            subject=agreement,
            data={
                "version": str(version.public_id),
                "audience": audience,
                "statements": len(statements),
                **({"template": template} if template else {}),
            },
        )
    return agreement


def consent_questions_for(version):
    """The questions of the school's published photo consent form that a permission statement of ``version``'s
    agreements may answer (list of ``ConsentPurpose``, in form order); none for a trust-wide policy (each school has
    its own form) or a school without a published form."""
    school = version.policy.school
    if school is None:
        return []
    from consent.services import current_version  # consent builds on aup: imported here

    form = current_version(school)
    return list(form.purposes.order_by("order")) if form is not None else []


def _check_consent_links(consent_links, *, version, audience, countersignature, statements):
    """Raise ``DomainError`` (code ``consent_links``) unless every link names a statement of the agreement and a
    question of the school's published form, and a parent signs the agreement (issue 13 item 10)."""
    if not consent_links:
        return
    parent_signs = audience == Audience.PARENT or countersignature == Agreement.Countersignature.PARENT
    if not parent_signs:
        raise DomainError(
            _("Only an agreement a parent or carer signs can answer photo consent questions."), code="consent_links"
        )
    codes = {purpose.code for purpose in consent_questions_for(version)}
    for number, code in consent_links.items():
        if code not in codes or not 1 <= number <= len(statements):
            raise DomainError(
                _("Link a consent question to the number of one of the statements above."), code="consent_links"
            )


def policy_next_review_on(policy, *, approved_on, cycle=None, interval=None, month=None):
    """The date ``policy``'s next review is due after an approval on ``approved_on`` (a date, or None → None), by
    ``aup.reviews.next_review_date`` with the policy's cycle, interval and month — or the ones given (the register
    form shows the date a change would give before it is saved). Termly reviews use the school's term dates (a
    trust-wide policy has none: four months)."""
    from safeguard.directory.models import Term

    from .reviews import next_review_date

    if cycle is None:
        cycle, interval, month = policy.review_cycle, policy.review_interval, policy.review_month
    term_starts = ()
    if cycle == Policy.ReviewCycle.TERMLY and policy.school_id:
        term_starts = list(
            Term.objects.filter(academic_year__school_id=policy.school_id).values_list("starts_on", flat=True)
        )
    return next_review_date(
        cycle=cycle,
        interval=interval,
        month=month,
        approved_on=approved_on,
        term_starts=term_starts,
    )


def policy_schedule_next_review(*, policy, approved_on):
    """Record ``approved_on`` as the policy's last approval and move its next review date on by its cycle
    (``policy_next_review_on``). Called inside the approving transaction; returns the new date (or None)."""
    policy.last_approved_on = approved_on
    policy.next_review_on = policy_next_review_on(policy, approved_on=approved_on)
    policy.save(update_fields=["last_approved_on", "next_review_on", "updated_at"])
    return policy.next_review_on
