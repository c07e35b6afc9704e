"""Pupils who sign for themselves with a class code (issue 13 item 8): no pupil accounts, no passwords.

Where the school wants it (``PupilSelfSigning.from_age``; the age rule and its sources are on that model), a teacher
opens a ``ClassSigningCode`` for one class and one pupil agreement and/or the photo consent form. Pupils old enough
open the code's public page on their own devices, pick their own name from the class list, confirm their date of
birth, and then sign (the pupil's party of the usual signature request, method ``CLASS_CODE``, the teacher recorded
as present) or answer the consent form (a pupil's answer, method ``CLASS_CODE``, through
``consent.services.consent_response_record`` — so ``consent.rules`` decides what it counts for).

Guessing is slowed down as django-axes slows failed sign-ins, with counted failures (``ClassCodeAttempt``): per IP
address, per code, and per pupil on a code. Nothing here changes a code row when a pupil uses it, so any number of
pupils may use one code at once: each signature locks only its own request (``services.signature_record``).
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent import services as consent_services
from consent.models import ConsentResponse
from consent.rules import age_on
from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from . import services
from .models import Audience, ClassCodeAttempt, ClassSigningCode, PupilSelfSigning, Signature

# 32 characters that cannot be mistaken for one another when read off a board: no 0/O, no 1/I.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
DEFAULT_MINUTES = 60
MINUTES_CHOICES = (15, 30, 60, 90, 120)
# Self-signing is for secondary-age pupils (England's Year 7, a US 6th grade, Türkiye's ortaokul): younger pupils
# sign in class on the teacher's device (St James AUP), and UK GDPR Art. 8 puts consent for online services at 13.
SELF_SIGNING_AGES = range(11, 19)

# Throttle (failures within ``THROTTLE_WINDOW``): a wrong code or a wrong date of birth from one IP address — a whole
# class may share the school's one address, so the limit is a class's worth of slips; wrong dates of birth on one
# code; and wrong dates for one pupil on one code (then that pupil asks the teacher, who can open a new code).
THROTTLE_WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_IP = 30
MAX_FAILURES_PER_CODE = 25
MAX_FAILURES_PER_PUPIL = 3


class ClassCodeError(DomainError):
    """A class code cannot be used or opened; ``message`` says why in words a pupil (or teacher) understands.

    Codes: ``unknown`` (no such code), ``expired``, ``revoked``, ``throttled``, ``wrong_details`` (name and date of
    birth do not match — never which part), ``not_listed`` (the pupil is not, or no longer, on the code's list),
    ``off`` (the school has not turned self-signing on), ``invalid`` (a teacher's choice that cannot be opened).
    """


# The school's setting -------------------------------------------------------------------------------------------


def self_signing_age(school):
    """The age (int) from which ``school``'s pupils sign for themselves, or None when the school has not turned it on.
    One query."""
    setting = PupilSelfSigning.objects.filter(school=school).only("from_age").first()
    return setting.from_age if setting is not None else None


def may_set_self_signing(user, school):
    """Whether ``user`` may change ``school``'s setting: whoever sets the school up (``SETUP_SCHOOL``: office, head,
    trust or district admin) or manages its agreements (``MANAGE_AGREEMENTS``: office, SLT, head)."""
    return permissions.can(user, permissions.SETUP_SCHOOL, school) or permissions.can(
        user, permissions.MANAGE_AGREEMENTS, school
    )


def pupil_self_signing_set(*, actor, school, from_age, now=None):
    """Turn pupils' own signing on from ``from_age`` (int in ``SELF_SIGNING_AGES``) or off (None) for ``school``;
    return the ``PupilSelfSigning`` row.

    Setting the same value again changes nothing and writes no audit event. Turning it off leaves codes already
    open to expire on their own (each use checks the setting again, so they open nothing more).
    Raises ``PermissionError`` (``may_set_self_signing``) and ``DomainError`` (code ``age``) for an age outside
    11–18.
    """
    if not may_set_self_signing(actor, school):
        raise PermissionError("actor may not change pupils' self-signing in this school")
    if from_age is not None and from_age not in SELF_SIGNING_AGES:
        raise DomainError(
            _("Choose an age from %(low)s to %(high)s, or leave it blank.")
            % {"low": SELF_SIGNING_AGES[0], "high": SELF_SIGNING_AGES[-1]},
            code="age",
        )
    with transaction.atomic():
        setting, created = PupilSelfSigning.objects.select_for_update().get_or_create(
            school=school, defaults={"from_age": from_age, "changed_by": actor}
        )
        if not created and setting.from_age == from_age:
            return setting
        previous = None if created else setting.from_age
        if not created:
            setting.from_age, setting.changed_by = from_age, actor
            setting.save(update_fields=["from_age", "changed_by", "updated_at"])
        audit_log(
            actor=actor,
            action="aup.self_signing.changed",
            school=school,
            subject=school,
            data={"from_age": from_age, "previous": previous},
        )
    return setting


# Opening and closing codes ----------------------------------------------------------------------------------------


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def class_code_open(*, actor, school, school_class, agreement=None, consent=False, minutes=DEFAULT_MINUTES, now=None):
    """Open a class code; return the ``ClassSigningCode``.

    Args:
        actor: a teacher of ``school_class`` (or SLT, the head: ``selectors.classes_for_supervision``) — recorded as
            present on every signature and answer given with the code.
        school_class: the ``SchoolClass`` whose pupils may use it.
        agreement: a current pupil ``Agreement`` of ``school`` (``services.current_agreements``), or None.
        consent: True to let pupils answer the school's published photo consent form.
        minutes: how long it stays open (int, 5–240; default 60).
    At least one of ``agreement`` and ``consent``. Raises ``PermissionError`` for an actor who may not supervise
    the class, ``ClassCodeError`` (``off``, ``invalid``) otherwise.
    """
    from .selectors import classes_for_supervision

    if not permissions.can(actor, permissions.SUPERVISE_PUPIL_SIGNING, school):
        raise PermissionError("actor may not supervise pupil signing in this school")
    if school_class.school_id != school.pk or not classes_for_supervision(actor, school).filter(pk=school_class.pk):
        raise PermissionError("actor may not supervise this class")
    if self_signing_age(school) is None:
        raise ClassCodeError(_("Pupils do not sign for themselves in this school yet."), code="off")
    if agreement is not None and not services.current_agreements(school, Audience.PUPIL).filter(pk=agreement.pk):
        raise ClassCodeError(_("Choose a current pupil agreement."), code="invalid")
    if consent and consent_services.current_version(school) is None:
        raise ClassCodeError(_("The school has no published photo consent form."), code="invalid")
    if agreement is None and not consent:
        raise ClassCodeError(_("Choose an agreement, the photo consent form, or both."), code="invalid")
    if not 5 <= int(minutes) <= 240:
        raise ClassCodeError(_("A code stays open from 5 minutes to 4 hours."), code="invalid")
    now = now or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                code = ClassSigningCode.objects.create(
                    school=school,
                    school_class=school_class,
                    agreement=agreement,
                    consent=consent,
                    code=_new_code(),
                    opened_by=actor,
                    expires_at=now + datetime.timedelta(minutes=int(minutes)),
                )
                audit_log(
                    actor=actor,
                    action="aup.class_code.opened",
                    school=school,
                    subject=code,
                    data={
                        "class": school_class.name,
                        "agreement": str(agreement.public_id) if agreement else None,
                        "consent": consent,
                        "minutes": int(minutes),
                    },
                )
            return code
        except IntegrityError:  # the code was already taken (about one in a billion): draw again
            continue
    raise ClassCodeError(_("No code could be made. Please try again."), code="invalid")


def may_revoke(user, code):
    """Whether ``user`` may close ``code``: the teacher who opened it, or anyone who may supervise its class."""
    from .selectors import classes_for_supervision

    if code.opened_by_id == getattr(user, "pk", None) and permissions.can(
        user, permissions.SUPERVISE_PUPIL_SIGNING, code.school
    ):
        return True
    return (
        permissions.can(user, permissions.SUPERVISE_PUPIL_SIGNING, code.school)
        and classes_for_supervision(user, code.school).filter(pk=code.school_class_id).exists()
    )


def class_code_revoke(*, actor, code, now=None):
    """Close ``code`` now: pupils who have not finished are told it is closed; what was signed stays. Closing a
    closed or expired code changes nothing. Raises ``PermissionError`` (``may_revoke``)."""
    if not may_revoke(actor, code):
        raise PermissionError("actor may not close this class code")
    now = now or timezone.now()
    with transaction.atomic():
        code = ClassSigningCode.objects.select_for_update().get(pk=code.pk)
        if not code.is_open(now):
            return code
        code.revoked_at, code.revoked_by = now, actor
        code.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        audit_log(actor=actor, action="aup.class_code.revoked", school=code.school, subject=code, data={})
    return code


# A pupil uses a code ----------------------------------------------------------------------------------------------


def normalise(raw):
    """The code as typed, in capitals, without spaces or dashes (str)."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def _failures(now, **filters):
    return ClassCodeAttempt.objects.filter(created_at__gte=now - THROTTLE_WINDOW, **filters).count()


def _throttled(*, ip_address, now, code=None, pupil=None):
    if ip_address and _failures(now, ip_address=ip_address) >= MAX_FAILURES_PER_IP:
        return True
    if code is not None and _failures(now, code=code, kind=ClassCodeAttempt.Kind.WRONG_DETAILS) >= (
        MAX_FAILURES_PER_CODE
    ):
        return True
    return (
        code is not None
        and pupil is not None
        and _failures(now, code=code, pupil=pupil, kind=ClassCodeAttempt.Kind.WRONG_DETAILS) >= MAX_FAILURES_PER_PUPIL
    )


def _too_many():
    return ClassCodeError(
        _("Too many tries. Please wait a few minutes, or ask your teacher for help."), code="throttled"
    )


def check_usable(code, *, now):
    """Raise ``ClassCodeError`` (``revoked``, ``expired``, ``off``) unless pupils may use ``code`` at ``now``."""
    if code.revoked_at is not None:
        raise ClassCodeError(_("Your teacher has closed this code. Ask your teacher for a new one."), code="revoked")
    if now >= code.expires_at:
        raise ClassCodeError(_("This code has run out of time. Ask your teacher for a new one."), code="expired")
    if self_signing_age(code.school) is None:
        raise ClassCodeError(_("This code does not work any more. Ask your teacher."), code="off")


def class_code_find(*, raw, ip_address=None, now=None):
    """The usable ``ClassSigningCode`` typed as ``raw`` (str; any case, spaces allowed).

    A code that opens nothing counts as a failure from ``ip_address``. Raises ``ClassCodeError``: ``throttled``
    (too many failures from this address), ``unknown``, ``revoked``, ``expired`` or ``off``.
    """
    now = now or timezone.now()
    if _throttled(ip_address=ip_address, now=now):
        raise _too_many()
    value = normalise(raw)
    code = (
        ClassSigningCode.objects.select_related("school", "school_class", "agreement__version__policy", "opened_by")
        .filter(code=value)
        .first()
        if value
        else None
    )
    if code is None:
        ClassCodeAttempt.objects.create(kind=ClassCodeAttempt.Kind.UNKNOWN_CODE, ip_address=ip_address)
        raise ClassCodeError(
            _("We could not find that code. Check each letter and number, and try again."), code="unknown"
        )
    check_usable(code, now=now)
    return code


def consent_age(code, version):
    """The age from which a pupil answers the photo consent form with ``code``: the higher of the school's
    self-signing age and the form's own ``pupil_answer_age`` (``PupilSelfSigning``'s docstring says why)."""
    return max(self_signing_age(code.school) or 0, version.pupil_answer_age)


def pupil_tasks(code, pupil, *, now=None, version=None):
    """What ``pupil`` still has to do with ``code`` on ``now``'s day: ``{"agreement": bool, "consent": bool}``.

    The agreement while the pupil's own signature is missing on the request that counts (``selectors``); the
    consent form while the school has a published form with questions pupils may answer, the pupil is old enough
    (``consent_age``) and has not answered every such question this year (``consent.selectors.own_answers``).
    """
    from .selectors_class_codes import class_code_tasks

    return class_code_tasks(code, [pupil], now=now, version=version)[pupil.pk]


def listed_pupils(code, *, now=None):
    """The pupils ``code`` lists, in name order: on roll in its class, at least the school's self-signing age, and
    with something left to do (``pupil_tasks``). A list of ``Pupil``."""
    from .selectors_class_codes import class_code_candidates

    return class_code_candidates(code, now=now or timezone.now())


def class_code_identify(*, code, pupil_id, date_of_birth, ip_address=None, now=None):
    """The pupil who picked their name (``pupil_id``, a public id) and confirmed ``date_of_birth`` (a
    ``datetime.date``) on ``code``; return the ``Pupil``.

    Raises ``ClassCodeError``: the code's own (``check_usable``); ``throttled`` (too many failures from this
    address, on this code, or for this pupil on this code); ``wrong_details`` when the name is not on the code's
    list or the date does not match — the same message either way, never saying which part was wrong. Each failure
    is counted.
    """
    now = now or timezone.now()
    check_usable(code, now=now)
    pupil = next((p for p in listed_pupils(code, now=now) if str(p.public_id) == str(pupil_id)), None)
    if _throttled(ip_address=ip_address, now=now, code=code, pupil=pupil):
        raise _too_many()
    if pupil is None or date_of_birth != pupil.date_of_birth:
        ClassCodeAttempt.objects.create(
            kind=ClassCodeAttempt.Kind.WRONG_DETAILS, code=code, pupil=pupil, ip_address=ip_address
        )
        raise ClassCodeError(
            _("Those details do not match our records. Check them and try again, or ask your teacher."),
            code="wrong_details",
        )
    audit_log(
        actor=None,
        action="aup.class_code.pupil_identified",
        school=code.school,
        subject=code,
        ip_address=ip_address,
        data={"pupil": str(pupil.public_id)},
    )
    return pupil


def _check_pupil(code, pupil, *, now):
    check_usable(code, now=now)
    age = self_signing_age(code.school)
    if (
        pupil.school_id != code.school_id
        or pupil.school_class_id != code.school_class_id
        or not pupil.is_on_roll(code.school.today(now))
        or age_on(pupil.date_of_birth, code.school.today(now)) < age
    ):
        raise ClassCodeError(_("You are not on this code's list. Ask your teacher."), code="not_listed")


def class_code_sign(
    *,
    code,
    pupil,
    typed_name,
    statements_confirmed,
    shown_sha256,
    drawn_signature="",
    ip_address=None,
    user_agent="",
    now=None,
):
    """The pupil's own signature on ``code``'s agreement; return ``(signature, created)`` as
    ``services.signature_record`` does (a repeat gives the existing signature and False).

    Opens the pupil's request if there is none (as signing in class does), and records the pupil's party with method
    ``CLASS_CODE``, ``class_code`` and the teacher who opened the code as ``teacher_present``; the parent
    countersigns as usual. Raises ``ClassCodeError`` (the code's own, ``not_listed``) or ``services.SigningError``.
    """
    now = now or timezone.now()
    _check_pupil(code, pupil, now=now)
    if code.agreement_id is None:
        raise ClassCodeError(_("This code is not for an agreement."), code="not_listed")
    request, _created = services.signature_request_open(
        actor=None, agreement=code.agreement, school=code.school, pupil=pupil, now=now
    )
    return services.signature_record(
        request=request,
        party=Signature.Party.PUPIL,
        method=Signature.Method.CLASS_CODE,
        typed_name=typed_name,
        statements_confirmed=statements_confirmed,
        shown_sha256=shown_sha256,
        teacher_present=code.opened_by,
        class_code=code,
        drawn_signature=drawn_signature,
        ip_address=ip_address,
        user_agent=user_agent,
        now=now,
    )


def class_code_answer(
    *, code, pupil, version, answers, typed_name, shown_sha256, ip_address=None, user_agent="", now=None
):
    """The pupil's own answers to the photo consent form ``version`` with ``code``; return the ``ConsentResponse``.

    ``answers``: ``{purpose code: bool}`` for every question pupils may answer. Recorded as the pupil's answer
    (``answered_by_pupil``), method ``CLASS_CODE``, the teacher who opened the code present; ``consent.rules``
    decides what it counts for. Raises ``ClassCodeError`` (the code's own, ``not_listed`` — also for a pupil under
    ``consent_age``) or ``consent.services.ConsentError``.
    """
    now = now or timezone.now()
    _check_pupil(code, pupil, now=now)
    if not code.consent or age_on(pupil.date_of_birth, code.school.today(now)) < consent_age(code, version):
        raise ClassCodeError(_("You are not on this code's list. Ask your teacher."), code="not_listed")
    return consent_services.consent_response_record(
        pupil=pupil,
        version=version,
        answers=answers,
        method=ConsentResponse.Method.CLASS_CODE,
        typed_name=typed_name,
        shown_sha256=shown_sha256,
        answered_by_pupil=True,
        teacher_present=code.opened_by,
        ip_address=ip_address,
        user_agent=user_agent,
        now=now,
    )
