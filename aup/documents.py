"""The PDFs of acceptable use agreements: the signed document with its certificate of completion, its
verification, printable blank forms with QR codes, a printable policy version, and a class's signed PDFs as one zip.

Blank forms and the class zip run to many pages, so the worker builds them (issue 18 item 2; issue 17 item 8): they
are kinds of ``safeguard.jobs.prepared`` (``aup.blank_forms``, ``aup.class_zip``), asked for with
``blank_forms_request`` and ``class_zip_request``.

A signed PDF is rendered from what each party *signed* — the ``content`` snapshot kept on each ``Signature`` — not
from the agreement as it reads today, so a later edit can never change what the record shows. The stored PDF keeps
the SHA-256 of its exact bytes: anyone holding a copy can check it on the verification page.
"""

import datetime
import hashlib
import io
import zipfile

import markdown
import nh3
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.country_words import school_language
from safeguard.directory.models import Pupil, SchoolClass, YearGroup
from safeguard.jobs import prepared as prepared_files
from safeguard.middleware import with_language
from safeguard.pdf import render_pdf
from safeguard.sealing import seal_pdf, sealing_configured

from .evidence import agreement_content, file_sha256
from .models import Agreement, Audience, Signature, SignatureRequest, SignedDocument
from .services import required_parties, signature_request_open
from .services_library import POLICY_TEXT_TAGS

SHORT_REFERENCE_LENGTH = 8
# One blank form takes 0.16–0.23 s to lay out (make bench: 30 forms in 5–7 s on 2 cores). The worker builds them
# (issue 18 item 2), so a whole school fits; beyond this, forms are printed year group by year group.
MAX_BLANK_FORMS = 500
DOCUMENT_PREFIX = "document:"


# Helpers ----------------------------------------------------------------------------------------------------------


def policy_text_html(text):
    """A policy's Markdown rendered to HTML and sanitised with nh3 (str → str; empty for empty text)."""
    if not text:
        return ""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=set(POLICY_TEXT_TAGS))  # no images: no tracking pixels (issue 12, item 12)


def short_reference(request):
    """The reference printed on forms and certificates: the first 8 characters of the request's public id."""
    return str(request.public_id)[:SHORT_REFERENCE_LENGTH]


def iso_utc(moment):
    """An aware datetime as ISO 8601 in UTC with a ``Z`` (``"2026-11-20T09:30:00Z"``), or ``""`` for None."""
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def verification_url():
    """The public address of the verification page (``SITE_URL`` + ``aup:verify``)."""
    return settings.SITE_URL + reverse("aup:verify")


def _subject_name(request):
    """The pupil's name (pupil and parent agreements) or the person's name (staff-like agreements)."""
    if request.pupil_id:
        return request.pupil.display_name
    if request.visitor_name:
        return request.visitor_name
    return request.user.full_name or request.user.email


def _pupil_class(pupil):
    parts = [str(part) for part in (pupil.year_group, pupil.school_class) if part]
    return ", ".join(parts)


def _policy_text(content):
    """``(html, document_sha256)`` for the ``policy_text`` of a content snapshot."""
    text = content.get("policy_text", "")
    if text.startswith(DOCUMENT_PREFIX):
        return "", text[len(DOCUMENT_PREFIX) :]
    return policy_text_html(text), ""


# Reading the rules ------------------------------------------------------------------------------------------------


def can_download_signed_document(user, request):
    """Whether ``user`` may download the signed PDF of ``request`` (a ``SignatureRequest``).

    Office staff and leaders who manage agreements in the school (``MANAGE_AGREEMENTS``); the person who signed
    their own agreement (``request.user``); a parent or carer with parental responsibility for the pupil. Nobody
    else — not a teacher, not another school's staff, not a parent without parental responsibility.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if permissions.can(user, permissions.MANAGE_AGREEMENTS, request.school):
        return True
    if request.user_id is not None and request.user_id == user.pk:
        return True
    if request.visitor_name and permissions.can(user, permissions.FRONT_DESK, request.school):
        return True
    return request.pupil_id is not None and permissions.has_parental_responsibility_for(user, request.pupil)


def current_signed_document(request):
    """The newest signed document of ``request`` that is not superseded, or None."""
    return request.documents.filter(superseded_at__isnull=True).order_by("-created_at").first()


# The signed document ----------------------------------------------------------------------------------------------


def _live_signatures(request):
    order = {party: index for index, party in enumerate(required_parties(request.agreement))}
    signatures = list(
        request.signatures.filter(revoked_at__isnull=True).select_related(
            "signer_user",
            "signer_guardian",
            "signer_pupil",
            "teacher_present",
            "paper_recorded_by",
            "front_desk_by",
            "class_code__school_class",
        )
    )
    return sorted(signatures, key=lambda s: (order.get(s.party, len(order)), s.signed_at))


def _signature_context(signature):
    confirmed = set(signature.statements_confirmed)
    identity = []
    if signature.signer_user_id:
        user = signature.signer_user
        identity.append(_("Account: %(name)s <%(email)s>") % {"name": user.full_name, "email": user.email})
    if signature.signer_guardian_id:
        identity.append(
            _("Parent or carer on the school's records: %(name)s") % {"name": signature.signer_guardian.full_name}
        )
    if signature.signer_pupil_id:
        identity.append(_("Pupil on the school's roll: %(name)s") % {"name": signature.signer_pupil.display_name})
    if signature.on_behalf_of_pupil:
        identity.append(_("Signed by a parent or carer on the pupil's behalf"))
    if signature.method == Signature.Method.FRONT_DESK:
        visit = signature.request
        identity.append(
            _("%(role)s: %(name)s, %(organisation)s")
            % {
                "role": visit.get_visitor_role_display() or _("Visitor"),
                "name": visit.visitor_name,
                "organisation": visit.visitor_organisation,
            }
        )
        identity.append(
            _("Front desk, signed in by %(name)s")
            % {"name": signature.front_desk_by.full_name if signature.front_desk_by_id else "—"}
        )
    if signature.method == Signature.Method.CLASS_CODE and signature.class_code_id:
        code = signature.class_code
        identity.append(
            _(
                "On their own device with class code %(code)s, opened for %(class)s by the teacher present; the "
                "pupil chose their name from the class list and confirmed their date of birth"
            )
            % {"code": code.code, "class": code.school_class.name}
        )
    if signature.method == Signature.Method.PAPER_RETURN:
        identity.append(
            _("Paper form returned on %(date)s by %(who)s; recorded by %(recorder)s")
            % {
                "date": signature.paper_returned_on.isoformat() if signature.paper_returned_on else "—",
                "who": signature.paper_returned_by or "—",
                "recorder": signature.paper_recorded_by.full_name if signature.paper_recorded_by_id else "—",
            }
        )
    return {
        "signature": signature,
        "party": signature.get_party_display(),
        "method": signature.get_method_display(),
        "identity": identity,
        "teacher_present": signature.teacher_present.full_name if signature.teacher_present_id else "",
        # Only real times are shown (issue 12 #25): no "Request sent" line when no request was e-mailed (the staff
        # sign-in gate), no "First viewed" when this party's view was not recorded, and for a paper form the date
        # the office states it came back (a date, no time) and the time the office recorded it.
        "request_sent_at": iso_utc(signature.request_sent_at),
        "first_viewed_at": iso_utc(signature.first_viewed_at),
        "signed_at": iso_utc(signature.signed_at),
        "paper": signature.method == Signature.Method.PAPER_RETURN,
        "paper_returned_on": signature.paper_returned_on.isoformat() if signature.paper_returned_on else "",
        "statements_confirmed": ", ".join(str(n) for n in sorted(confirmed)),
        "statements": [
            {"number": s["number"], "text": s["text"], "confirmed": s["number"] in confirmed}
            for s in signature.content.get("statements", [])
        ],
        "drawn_signature": signature.drawn_signature
        if signature.drawn_signature.startswith("data:image/png;base64,")
        else "",
    }


def _content_groups(signatures):
    """Signatures grouped by the content they signed (normally one group: every party saw the same text)."""
    groups = {}
    for signature in signatures:
        group = groups.get(signature.content_sha256)
        if group is None:
            policy_html, document_sha256 = _policy_text(signature.content)
            group = groups[signature.content_sha256] = {
                "content": signature.content,
                "content_sha256": signature.content_sha256,
                "policy_html": policy_html,
                "policy_document_sha256": document_sha256,
                "statements": signature.content.get("statements", []),
                "signatures": [],
            }
        group["signatures"].append(_signature_context(signature))
    return list(groups.values())


def signed_document_pdf(request, *, document_id=None):
    """Render the signed PDF of ``request`` from its live signatures' content snapshots; return the bytes.

    ``document_id`` (the ``SignedDocument``'s public id) is printed on the certificate, so every stored copy is
    distinct even when nothing else changed. Rendered in the policy's language. Raises ``DomainError`` if the
    request has no live signature, and whatever ``safeguard.pdf.render_pdf`` raises.
    """
    request = SignatureRequest.objects.select_related(
        "agreement__version__policy", "school", "pupil__year_group", "pupil__school_class", "user"
    ).get(pk=request.pk)
    signatures = _live_signatures(request)
    if not signatures:
        raise DomainError(_("Nobody has signed this agreement yet."), code="unsigned")
    # Labels (party, method, evidence lines) are written in the document's language, not the caller's.
    with translation.override(school_language(request.school, request.agreement.version.policy.language)):
        groups = _content_groups(signatures)
        context = {
            "request": request,
            "school": request.school,
            "reference": short_reference(request),
            "subject_name": _subject_name(request),
            "pupil_class": _pupil_class(request.pupil) if request.pupil_id else "",
            "groups": groups,
            "content": groups[0]["content"],
            "certificate": [sig for group in groups for sig in group["signatures"]],
            "completed_at": iso_utc(request.completed_at),
            "verification_url": verification_url(),
            "document_id": document_id,
            "sealed": sealing_configured(),
        }
        pdf = render_pdf("aup/pdf/signed_agreement.html", context)
        # Sealed (PAdES) with the installation's certificate where one is configured, so a PDF reader shows the copy
        # as unaltered without visiting the portal; unsealed bytes otherwise (safeguard/sealing.py, docs/signing.md).
        return seal_pdf(
            pdf,
            reason=_("Signed agreement: %(agreement)s") % {"agreement": context["content"].get("agreement", "")},
            location=request.school.name,
        )


def signed_document_create(*, request):
    """Render and store the signed PDF of a completed request; return the ``SignedDocument``.

    Args:
        request: a completed ``SignatureRequest``.

    Idempotent: if the request already has a current (not superseded) document, that one is returned and nothing
    is rendered — the Celery task (``aup.tasks.render_signed_document``) and a download that renders on demand may
    both call this. The request row is locked while rendering so two callers never store two documents. The PDF is
    stored privately as ``signed/<year>/<document public id>.pdf`` with the SHA-256 of its exact bytes, and an
    ``aup.document.created`` audit event is written in the same transaction.

    Raises ``DomainError`` if the request is not completed; rendering errors propagate (nothing is stored, the
    signatures and the completed request are untouched, and the task can run again).
    """
    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update(of=("self",)).select_related("school").get(pk=request.pk)
        if request.status != SignatureRequest.Status.COMPLETED:
            raise DomainError(_("Only a completed agreement has a signed document."), code="not_completed")
        existing = current_signed_document(request)
        if existing is not None:
            return existing
        document = SignedDocument(request=request)
        data = signed_document_pdf(request, document_id=document.public_id)
        document.sha256 = file_sha256(data)
        document.pdf.save(f"{document.public_id}.pdf", ContentFile(data), save=False)
        try:
            document.save()
            audit_log(
                actor=None,
                action="aup.document.created",
                school=request.school,
                subject=document,
                data={"request": str(request.public_id), "sha256": document.sha256, "bytes": len(data)},
            )
        except Exception:
            document.pdf.delete(save=False)
            raise
    return document


def signed_document_for_download(*, actor, request, ip_address=None):
    """The current signed document of ``request`` for ``actor`` to download, rendered now if the task has not yet.

    A completed request is always downloadable: when its PDF is still queued (or its task failed), it is rendered
    here with ``signed_document_create``. Writes an ``aup.document.downloaded`` audit event.

    Raises ``PermissionError`` if ``actor`` may not (``can_download_signed_document``) and ``DomainError`` if the
    request is not completed (there is nothing signed to download).
    """
    if not can_download_signed_document(actor, request):
        raise PermissionError("actor may not download this signed document")
    if request.status != SignatureRequest.Status.COMPLETED:
        raise DomainError(_("This agreement has not been signed by everyone yet."), code="not_completed")
    document = current_signed_document(request) or signed_document_create(request=request)
    audit_log(
        actor=actor,
        action="aup.document.downloaded",
        school=request.school,
        subject=document,
        ip_address=ip_address,
        data={"request": str(request.public_id)},
    )
    return document


def signed_document_verify(data):
    """The ``SignedDocument`` whose stored PDF is exactly ``data`` (bytes), by SHA-256; None if none matches.

    One changed byte changes the hash, so an altered copy matches nothing.
    """
    return (
        SignedDocument.objects.select_related("request__school", "request__pupil", "request__user")
        .filter(sha256=file_sha256(data))
        .first()
    )


# Blank forms ------------------------------------------------------------------------------------------------------


def _agreement_serves_school(agreement, school):
    policy = agreement.version.policy
    return policy.school_id == school.pk or (
        policy.organisation_id is not None and policy.organisation_id == school.organisation_id
    )


def blank_forms_pdf(*, agreement, school, pupils, actor):
    """A printable blank form for each pupil, one page each; return the PDF bytes.

    Args:
        agreement: a pupil or parent ``Agreement`` of ``school`` (or its trust) on an approved version.
        school: the ``School``.
        pupils: an iterable of ``Pupil`` of ``school`` (at most ``MAX_BLANK_FORMS``); each page is pre-filled with
            the pupil's name and class.
        actor: the ``User`` printing them (``MANAGE_AGREEMENTS`` in the school).

    Each page lists the statements with empty boxes, a line to sign for each required party, the request's short
    reference (so the office finds it when the paper comes back) and a QR code that opens the online form. The
    request for each pupil is opened (or found) with ``signature_request_open``, which writes its audit event.

    Raises ``PermissionError`` for an actor who may not; ``DomainError`` for an agreement that is not for pupils or
    parents, not this school's, not approved, or for too many pupils.
    """
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, school):
        raise PermissionError("actor may not print blank forms in this school")
    if agreement.audience not in (Audience.PUPIL, Audience.PARENT) or not _agreement_serves_school(agreement, school):
        raise DomainError(_("Blank forms can be printed for pupil and parent agreements of this school only."))
    pupils = list(pupils)
    if len(pupils) > MAX_BLANK_FORMS:
        raise DomainError(
            _("Blank forms are printed for at most %(max)d pupils at a time.") % {"max": MAX_BLANK_FORMS},
            code="too_many",
        )
    if any(pupil.school_id != school.pk for pupil in pupils):
        raise DomainError(_("Every pupil must be on this school's roll."))
    content = agreement_content(agreement)
    parties = [
        {"party": party, "label": Signature.Party(party).label}
        for party in required_parties(agreement)
        if party != Signature.Party.HEADTEACHER  # the headteacher authorises staff agreements, not these
    ]
    forms = []
    for pupil in pupils:
        request, _created = signature_request_open(actor=actor, agreement=agreement, school=school, pupil=pupil)
        # The QR code opens the signing page in the language the paper form is printed in (issue 12 item 22).
        url = with_language(
            settings.SITE_URL + reverse("aup:sign", args=[request.public_id]), agreement.version.policy.language
        )
        forms.append(
            {
                "pupil": pupil,
                "pupil_class": _pupil_class(pupil),
                "reference": short_reference(request),
                "url": url,
                "qr": segno.make(url, error="m").png_data_uri(scale=4, border=2),
                "completed_on": request.completed_at.date().isoformat()
                if request.status == SignatureRequest.Status.COMPLETED and request.completed_at
                else "",
            }
        )
    audit_log(
        actor=actor,
        action="aup.blank_forms.printed",
        school=school,
        subject=agreement,
        data={"pupils": len(forms)},
    )
    context = {
        "school": school,
        "agreement": agreement,
        "content": content,
        "parties": parties,
        "forms": forms,
    }
    with translation.override(school_language(school, agreement.version.policy.language)):
        return render_pdf("aup/pdf/blank_forms.html", context)


# Printing a policy ------------------------------------------------------------------------------------------------


def policy_version_pdf(*, version):
    """A printable PDF of one ``PolicyVersion``: its details (version, status, approval, dates) and its text.

    The text is the version's Markdown rendered and sanitised here (``body_html`` is not trusted to be filled in);
    for an uploaded document, the PDF names it and its SHA-256 instead. Rendered in the policy's language.
    Returns the PDF bytes.
    """
    policy = version.policy
    agreements = list(Agreement.objects.filter(version=version).prefetch_related("statements"))
    context = {
        "policy": policy,
        "version": version,
        "owner_name": (policy.owner.full_name if policy.owner_id else ""),
        "place": policy.school or policy.organisation,
        "body_html": policy_text_html(version.body_markdown),
        "agreements": agreements,
    }
    language = school_language(policy.school, policy.language) if policy.school_id else policy.language
    with translation.override(language):
        return render_pdf("aup/pdf/policy_version.html", context)


# Blank forms, built by the worker -----------------------------------------------------------------------------------

BLANK_FORMS = "aup.blank_forms"
BLANK_FORMS_LAYOUT = 1  # raise when the blank form's template changes, so forms built before are not reused


def blank_forms_pupils(*, school, school_class=None, year_group=None):
    """The pupils on roll whose blank forms are printed together: of ``school_class`` (a ``SchoolClass``), of
    ``year_group`` (a ``YearGroup``), or of the whole school; by class, then surname and first name (a queryset)."""
    pupils = Pupil.objects.for_school(school).on_roll(school.today()).select_related("year_group", "school_class")
    if school_class is not None:
        pupils = pupils.filter(school_class=school_class)
    elif year_group is not None:
        pupils = pupils.filter(year_group=year_group)
    return pupils.order_by("school_class__name", "legal_last_name", "legal_first_name", "pk")


def _blank_forms_scope(prepared):
    params, school = prepared.params, prepared.school
    agreement = Agreement.objects.select_related("version__policy").filter(public_id=params.get("agreement")).first()
    school_class = year_group = None
    if params.get("school_class"):
        school_class = SchoolClass.objects.get(school=school, pk=params["school_class"])
    elif params.get("year_group"):
        year_group = YearGroup.objects.get(school=school, pk=params["year_group"])
    return agreement, school_class, year_group


def may_have_blank_forms(user, prepared):
    """Whoever manages agreements in the school (``MANAGE_AGREEMENTS``), asked again at download."""
    return permissions.can(user, permissions.MANAGE_AGREEMENTS, prepared.school)


def blank_forms_request(*, agreement, school, actor, school_class=None, year_group=None, ip_address=None):
    """Ask the worker for the blank forms of ``agreement`` for a class, a year group or the whole school (neither);
    returns ``(PreparedFile, queued)`` (``safeguard.jobs.prepared.prepare``). Forms of the same pupils, agreement
    and completions are the same file, whoever asks: it is reused, not built again.

    Raises ``DomainError``: too many pupils (``MAX_BLANK_FORMS``, code ``too_many``), none on roll (``empty``),
    an agreement that is not for pupils or parents of this school, or an actor who may not (``forbidden``)."""
    if not permissions.can(actor, permissions.MANAGE_AGREEMENTS, school):
        raise DomainError(_("You may not print blank forms in this school."), code="forbidden")
    if agreement.audience not in (Audience.PUPIL, Audience.PARENT) or not _agreement_serves_school(agreement, school):
        raise DomainError(_("Blank forms can be printed for pupil and parent agreements of this school only."))
    pupils = list(
        blank_forms_pupils(school=school, school_class=school_class, year_group=year_group).values_list(
            "pk", "updated_at", "year_group_id", "school_class_id"
        )[: MAX_BLANK_FORMS + 1]
    )
    if len(pupils) > MAX_BLANK_FORMS:
        raise DomainError(
            _(
                "There are more than %(max)d pupils here. Blank forms are printed for at most %(max)d pupils at a "
                "time: choose a class or a year group."
            )
            % {"max": MAX_BLANK_FORMS},
            code="too_many",
        )
    if not pupils:
        raise DomainError(_("There are no pupils on roll here, so there are no forms to print."), code="empty")
    group = school_class or year_group
    completed = SignatureRequest.objects.filter(
        agreement=agreement, pupil_id__in=[row[0] for row in pupils], status=SignatureRequest.Status.COMPLETED
    ).aggregate(n=Count("pk"), at=Max("completed_at"))
    inputs = {
        "layout": BLANK_FORMS_LAYOUT,
        "agreement": [agreement.pk, agreement.updated_at, agreement.version.updated_at],
        "statements": list(agreement.statements.aggregate(n=Count("pk"), at=Max("updated_at")).values()),
        "pupils": pupils,
        "completed": [completed["n"], completed["at"]],
        "school": [school.updated_at, school_language(school, agreement.version.policy.language)],
        "site": settings.SITE_URL,
    }
    params = {
        "agreement": str(agreement.public_id),
        "school_class": school_class.pk if school_class else None,
        "year_group": year_group.pk if year_group else None,
    }
    title = _("Blank forms: %(agreement)s, %(group)s") % {
        "agreement": agreement.title,
        "group": group.name if group else school.name,
    }
    return prepared_files.prepare(
        kind=BLANK_FORMS,
        school=school,
        actor=actor,
        params=params,
        title=title,
        inputs=inputs,
        ip_address=ip_address,
    )


def _build_blank_forms(prepared):
    agreement, school_class, year_group = _blank_forms_scope(prepared)
    if agreement is None:
        raise LookupError("the agreement no longer exists")
    pupils = blank_forms_pupils(school=prepared.school, school_class=school_class, year_group=year_group)
    return blank_forms_pdf(agreement=agreement, school=prepared.school, pupils=pupils, actor=prepared.requested_by)


def _blank_forms_agreement(prepared):
    return Agreement.objects.filter(public_id=prepared.params.get("agreement")).first()


prepared_files.register(
    prepared_files.PreparedKind(
        name=BLANK_FORMS,
        build=_build_blank_forms,
        may_have=may_have_blank_forms,
        subject=_blank_forms_agreement,
        requested_action="aup.blank_forms.requested",
        downloaded_action="aup.blank_forms.downloaded",
    )
)


# A class's signed PDFs as one zip (issue 17 item 8) ---------------------------------------------------------------

CLASS_ZIP = "aup.class_zip"
# Every entry of the zip carries this time, so the same PDFs make a zip with the same SHA-256.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def may_have_class_zip(user, prepared):
    """Whoever may export the school's signatures (``EXPORT_SIGNATURES``: the office, SLT and the headteacher) —
    a zip of every signed copy of a class is the signatures leaving the portal, as the signatures CSV is."""
    return permissions.can(user, permissions.EXPORT_SIGNATURES, prepared.school)


def class_signed_requests(*, agreement, school, school_class, now=None):
    """The completed requests whose signed PDFs make a class's zip: for each pupil on roll in ``school_class``, the
    request that counts as their signature of ``agreement`` on the coverage page (``coverage_requests``: this
    version, or the version it replaced while that still counts; this academic year where the policy asks every
    year) — the current version's first, then the latest completed. A list, by pupil name (two queries)."""
    from .selectors_library import coverage_requests

    pupils = Pupil.objects.for_school(school).on_roll(school.today(now)).filter(school_class=school_class)
    requests = (
        coverage_requests(agreement=agreement, school=school, now=now)
        .filter(status=SignatureRequest.Status.COMPLETED, pupil__in=pupils)
        .select_related("pupil", "agreement__version__policy", "school")
        .order_by("pupil_id", "on_previous_version", "-completed_at", "-pk")
    )
    best = {}
    for request in requests:
        best.setdefault(request.pupil_id, request)
    return sorted(best.values(), key=lambda r: (r.pupil.display_name.lower(), r.pupil_id))


def class_zip_names(requests):
    """``{request pk: file name in the zip}``: ``<pupil>-<agreement>.pdf`` (slugs), with the request's short
    reference added when two pupils of the class share a name."""
    names, taken = {}, set()
    for request in requests:
        base = f"{slugify(request.pupil.display_name) or 'pupil'}-{slugify(request.agreement.title) or 'agreement'}"
        name = f"{base}.pdf"
        if name in taken:
            name = f"{base}-{short_reference(request)}.pdf"
        taken.add(name)
        names[request.pk] = name
    return names


def class_zip_request(*, agreement, school, school_class, actor, ip_address=None):
    """Ask the worker for the signed PDFs of ``school_class`` for ``agreement`` as one zip; returns
    ``(PreparedFile, queued)`` (``safeguard.jobs.prepared.prepare``). While no signature of the class changed, the
    zip already built is given again, to whoever may have it.

    Raises ``DomainError``: an actor who may not (``EXPORT_SIGNATURES``; code ``forbidden``), an agreement that is
    not for pupils or parents, or a class with no signed copy yet (code ``empty``)."""
    if not permissions.can(actor, permissions.EXPORT_SIGNATURES, school):
        raise DomainError(_("You may not download signed agreements in this school."), code="forbidden")
    if agreement.audience not in (Audience.PUPIL, Audience.PARENT) or not _agreement_serves_school(agreement, school):
        raise DomainError(_("Only pupil and parent agreements are signed class by class."))
    requests = class_signed_requests(agreement=agreement, school=school, school_class=school_class)
    if not requests:
        raise DomainError(_("Nobody in this class has signed this agreement yet."), code="empty")
    superseded = SignedDocument.objects.filter(request__in=requests).aggregate(at=Max("superseded_at"))["at"]
    inputs = {
        "requests": [[r.pk, r.completed_at, r.pupil.display_name, r.agreement.title] for r in requests],
        "superseded": superseded,
    }
    title = _("Signed agreements: %(agreement)s, %(class)s") % {
        "agreement": agreement.title,
        "class": school_class.name,
    }
    return prepared_files.prepare(
        kind=CLASS_ZIP,
        school=school,
        actor=actor,
        params={"agreement": str(agreement.public_id), "school_class": school_class.pk},
        title=title,
        inputs=inputs,
        ip_address=ip_address,
    )


def class_zip_bytes(requests):
    """The zip (bytes) of the current signed PDF of each of ``requests`` (completed ``SignatureRequest``s), named by
    ``class_zip_names``; a PDF not rendered yet is rendered and stored first (``signed_document_create``). Each
    entry is stored as it is (PDFs are compressed already) with a fixed time, so the same PDFs give the same zip."""
    names = class_zip_names(requests)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for request in requests:
            document = current_signed_document(request) or signed_document_create(request=request)
            with document.pdf.open("rb") as handle:
                data = handle.read()
            if hashlib.sha256(data).hexdigest() != document.sha256:
                raise ValueError(f"the stored signed PDF of request {request.public_id} does not match its SHA-256")
            archive.writestr(zipfile.ZipInfo(names[request.pk], date_time=_ZIP_TIME), data)
    return buffer.getvalue()


def _build_class_zip(prepared):
    agreement = _blank_forms_agreement(prepared)
    school_class = SchoolClass.objects.filter(school=prepared.school, pk=prepared.params.get("school_class")).first()
    if agreement is None or school_class is None:
        raise LookupError("the agreement or the class no longer exists")
    return class_zip_bytes(
        class_signed_requests(agreement=agreement, school=prepared.school, school_class=school_class)
    )


prepared_files.register(
    prepared_files.PreparedKind(
        name=CLASS_ZIP,
        build=_build_class_zip,
        may_have=may_have_class_zip,
        subject=_blank_forms_agreement,
        requested_action="aup.class_zip.requested",
        downloaded_action="aup.class_zip.downloaded",
        content_type="application/zip",
        extension="zip",
    )
)
