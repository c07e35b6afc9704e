"""Reads for a parent's own history (issue 17 item 7): every signature and consent answer they gave, with dates and
copies, and — for photo consent — whether each other parent or carer with parental responsibility has answered.

What a parent is shown, and why:
- Only their own acts: signatures given through their guardian record (or signed in as themselves) and consent
  responses given through their guardian record; only for the children their account is still linked to
  (``permissions.get_child_for_parent``'s rule), so nothing of another family ever appears.
- Of another parent or carer: whether they have answered the school's current form, never what they answered
  (consent is each person's own act; UK GDPR Art. 7 — and the parents' pages already show the one effective answer,
  "a parent or carer said no", without saying who: ``consent.views_answering.PARENT_REASONS``). Not their name either.
- A copy of a signed agreement is the request's signed document (``aup:document_download`` decides, as on the
  parent's home); a copy of a consent response is the one e-mailed when it was given (``permissions
  .may_download_consent_copy``).

The directory is the platform and the feature apps build on it; this page gathers two features' records, so their
models are imported inside the functions, as ``aup.services_library`` reads consent.
"""

import dataclasses

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from safeguard import permissions

from .models import PupilGuardian
from .selectors import children_for_parent


class OtherParentState:
    """How far another parent or carer with parental responsibility has answered the school's current form."""

    NOT_ANSWERED = "not_answered"
    PARTLY = "partly"
    ANSWERED = "answered"

    LABELS = {
        NOT_ANSWERED: _("Your child's other parent or carer has not answered the photo and video consent form."),
        PARTLY: _("Your child's other parent or carer has answered some of the photo and video consent questions."),
        ANSWERED: _("Your child's other parent or carer has answered the photo and video consent form."),
    }


@dataclasses.dataclass
class ChildHistory:
    """One child's part of the page: ``link`` (the parent's ``PupilGuardian``), ``signatures`` (their ``Signature``s,
    newest first, each with ``copy_available``), ``consent_responses`` (their ``ConsentResponse``s, newest first, with
    ``answer_rows``: ``[(label, bool)]``), ``consent_version`` (the school's published form or None), ``own_state`` and
    ``other_parents`` (``OtherParentState`` values, one per other parent or carer with parental responsibility)."""

    link: object
    signatures: list = dataclasses.field(default_factory=list)
    declined: list = dataclasses.field(default_factory=list)
    consent_responses: list = dataclasses.field(default_factory=list)
    consent_version: object = None
    own_state: str = ""
    other_parents: list = dataclasses.field(default_factory=list)

    @property
    def pupil(self):
        return self.link.pupil

    @property
    def other_parent_labels(self):
        return [OtherParentState.LABELS[state] for state in self.other_parents]


def _state(answers, purposes):
    if not answers:
        return OtherParentState.NOT_ANSWERED
    if {purpose.code for purpose in purposes} <= set(answers):
        return OtherParentState.ANSWERED
    return OtherParentState.PARTLY


def _signatures(user, pupils):
    from aup.models import Signature

    return (
        Signature.objects.filter(request__pupil__in=pupils)
        .filter(Q(signer_guardian__user=user) | Q(signer_user=user))
        .select_related("request__agreement", "request__school", "request__pupil")
        .order_by("-signed_at", "-pk")
    )


def _declined_requests(user, pupils):
    """Requests the parent declined (issue 17 item 2), newest first: the last decline stays on the request even after
    the office reopens it (``reopened`` then says so)."""
    from aup.models import SignatureRequest

    requests = (
        SignatureRequest.objects.filter(pupil__in=pupils, declined_at__isnull=False)
        .filter(Q(declined_by_guardian__user=user) | Q(declined_by=user))
        .select_related("agreement", "school")
        .order_by("-declined_at", "-pk")
    )
    for declined in requests:
        declined.reopened = declined.status != SignatureRequest.Status.DECLINED
        yield declined


def _consent_responses(user, pupils):
    from consent.models import ConsentAnswer, ConsentResponse

    return (
        ConsentResponse.objects.filter(pupil__in=pupils, guardian__user=user)
        .select_related("school", "pupil", "guardian")
        .prefetch_related(
            Prefetch("answers", queryset=ConsentAnswer.objects.select_related("purpose").order_by("purpose__order"))
        )
        .order_by("-submitted_at", "-pk")
    )


def parent_history(user, *, pupil=None, now=None):
    """The history of ``user`` (a parent account): a list of ``ChildHistory``, one per child linked to the account
    by a current guardian link (in date-of-birth order), or only ``pupil`` (a ``Pupil`` already checked with
    ``permissions.get_child_for_parent``).

    Args:
        now: aware datetime for the consent answers that still count (the current academic year); None → now.
    A handful of queries for the signatures and responses of every child together, plus about three per school
    (its current form) and per other parent or carer (their answers that still count).
    """
    from consent.selectors import own_answers, purposes_of
    from consent.services import current_version

    links = [link for link in children_for_parent(user) if pupil is None or link.pupil_id == pupil.pk]
    if not links:
        return []
    pupils = [link.pupil for link in links]
    histories = {link.pupil_id: ChildHistory(link=link) for link in links}
    responsible = {link.pupil_id for link in links if link.has_parental_responsibility}

    for signature in _signatures(user, pupils):
        signature_request = signature.request
        signature.copy_available = (
            signature_request.status == signature_request.Status.COMPLETED and signature_request.pupil_id in responsible
        )
        histories[signature_request.pupil_id].signatures.append(signature)
    for declined in _declined_requests(user, pupils):
        histories[declined.pupil_id].declined.append(declined)
    for response in _consent_responses(user, pupils):
        response.answer_rows = [(answer.purpose.label, answer.answer) for answer in response.answers.all()]
        histories[response.pupil_id].consent_responses.append(response)

    others = (
        PupilGuardian.objects.current()
        .filter(pupil__in=[pk for pk in responsible], has_parental_responsibility=True)
        .exclude(guardian_id__in=[link.guardian_id for link in links])
        .exclude(guardian__user=user)
        .select_related("guardian")
        .order_by("pupil_id", "contact_order", "pk")
    )
    others_by_pupil = {}
    for other in others:
        others_by_pupil.setdefault(other.pupil_id, []).append(other.guardian)

    forms = {}
    for link in links:
        if link.pupil_id not in responsible:
            continue
        school = link.pupil.school
        if school.pk not in forms:
            version = current_version(school)
            forms[school.pk] = (version, purposes_of(version))
        version, purposes = forms[school.pk]
        history = histories[link.pupil_id]
        history.consent_version = version
        if version is None:
            continue
        answers, _latest = own_answers(version=version, pupil=link.pupil, guardian=link.guardian, now=now)
        history.own_state = _state(answers, purposes)
        for guardian in others_by_pupil.get(link.pupil_id, []):
            answers, _latest = own_answers(version=version, pupil=link.pupil, guardian=guardian, now=now)
            history.other_parents.append(_state(answers, purposes))
    return [histories[link.pupil_id] for link in links]


def consent_response_for_parent(user, public_id):
    """The ``ConsentResponse`` ``public_id`` (a UUID) with what its PDF copy needs loaded, if ``user`` may download
    its copy (``permissions.may_download_consent_copy``); None otherwise — missing and "not yours" alike."""
    from consent.models import ConsentResponse

    response = (
        ConsentResponse.objects.select_related("guardian", "pupil__school", "school", "version__form")
        .filter(public_id=public_id, guardian__user=user)
        .first()
    )
    if response is None or not permissions.may_download_consent_copy(user, response):
        return None
    return response
