"""Class codes (issue 13 item 8): the school's "pupils sign for themselves from age N", a teacher's codes, and the
pupils' own pages.

Staff pages: ``permissions.get_school_for_user`` (404 for anyone without the capability) → form → service → redirect
with a message. The pupils' pages are public: the code typed on the first page, then the pupil's own name and date
of birth, are kept in the session (``SESSION_KEY``); every page checks the code again, so a code that expired or was
closed meanwhile explains itself, and a finished pupil's session is cleared. Their responses are never cached.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consent import services as consent_services
from consent.forms_answering import AnswerForm
from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.country_words import english_variant, is_english
from safeguard.directory.models import Pupil
from safeguard.forms import person_names

from . import selectors, selectors_class_codes, services, services_class_codes
from .evidence import content_sha256
from .forms_class_codes import ClassCodeOpenForm, CodeEntryForm, PupilIdentifyForm, SelfSigningForm
from .forms_signing import SigningForm
from .models import Audience, ClassSigningCode, Signature
from .services_class_codes import ClassCodeError

SESSION_KEY = "aup_class_code"


# The school's setting ---------------------------------------------------------------------------------------------


@login_required
def self_signing(request, slug):
    """ "Pupils sign for themselves from age N" (blank = off), for whoever sets the school up or manages its
    agreements; anyone else 404."""
    school = permissions.get_school_for_user(request.user, slug)
    if not services_class_codes.may_set_self_signing(request.user, school):
        raise Http404
    current = services_class_codes.self_signing_age(school)
    if request.method == "POST":
        form = SelfSigningForm(request.POST)
        if form.is_valid():
            try:
                services_class_codes.pupil_self_signing_set(
                    actor=request.user, school=school, from_age=form.cleaned_data["from_age"]
                )
            except services_class_codes.DomainError as error:
                form.add_error("from_age", error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("aup:self_signing", school.slug)
    else:
        form = SelfSigningForm(initial={"from_age": current})
    return render(
        request,
        "aup/self_signing.html",
        {
            "school": school,
            "form": form,
            "from_age": current,
            "may_open_codes": permissions.can(request.user, permissions.SUPERVISE_PUPIL_SIGNING, school),
        },
    )


# A teacher's codes ------------------------------------------------------------------------------------------------


def _pick_initial(request, agreements, classes):
    initial = {}
    wanted_class = request.GET.get("class")
    if wanted_class and any(str(c.pk) == wanted_class for c in classes):
        initial["school_class"] = wanted_class
    wanted_agreement = request.GET.get("agreement")
    if wanted_agreement and any(str(a.public_id) == wanted_agreement for a in agreements):
        initial["agreement"] = wanted_agreement
    if request.GET.get("consent"):
        initial["consent"] = True
    return initial


@login_required
def class_codes(request, slug):
    """The codes open now for the teacher's classes (each with a way to close it), and the form to open one."""
    school = permissions.get_school_for_user(request.user, slug, permissions.SUPERVISE_PUPIL_SIGNING)
    from_age = services_class_codes.self_signing_age(school)
    classes = selectors.classes_for_supervision(request.user, school)
    agreements = list(services.current_agreements(school, Audience.PUPIL))
    consent_available = consent_services.current_version(school) is not None
    form_kwargs = {"classes": classes, "agreements": agreements, "consent_available": consent_available}
    if request.method == "POST":
        form = ClassCodeOpenForm(request.POST, **form_kwargs)
        if form.is_valid() and from_age is not None:
            data = form.cleaned_data
            try:
                code = services_class_codes.class_code_open(
                    actor=request.user,
                    school=school,
                    school_class=data["school_class"],
                    agreement=data["agreement"],
                    consent=data.get("consent", False),
                    minutes=data["minutes"],
                )
            except ClassCodeError as error:
                form.add_error(None, error.message)
            else:
                return redirect("aup:class_code_show", school.slug, code.public_id)
    else:
        form = ClassCodeOpenForm(initial=_pick_initial(request, agreements, classes), **form_kwargs)
    return render(
        request,
        "aup/class_codes.html",
        {
            "school": school,
            "from_age": from_age,
            "form": form,
            "codes": list(selectors_class_codes.open_codes(request.user, school)),
            "has_classes": classes.exists(),
            "may_set": services_class_codes.may_set_self_signing(request.user, school),
        },
    )


def _code_of(request, slug, public_id):
    school = permissions.get_school_for_user(request.user, slug, permissions.SUPERVISE_PUPIL_SIGNING)
    code = selectors_class_codes.code_for_user(request.user, school, public_id)
    if code is None:
        raise Http404
    return school, code


@login_required
def class_code_show(request, slug, public_id):
    """One code, large enough to read from the back of the room, with where pupils type it and how long it lasts."""
    school, code = _code_of(request, slug, public_id)
    now = timezone.now()
    return render(
        request,
        "aup/class_code_show.html",
        {
            "school": school,
            "code": code,
            "is_open": code.is_open(now),
            "pupil_url": request.build_absolute_uri(reverse("aup:class_code_enter")),
            "listed": len(services_class_codes.listed_pupils(code, now=now)) if code.is_open(now) else 0,
            "signature_count": code.signatures.filter(revoked_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def class_code_revoke(request, slug, public_id):
    """Close a code now; pupils part-way through are told it is closed."""
    school, code = _code_of(request, slug, public_id)
    try:
        services_class_codes.class_code_revoke(actor=request.user, code=code)
    except PermissionError as error:
        raise Http404 from error
    messages.success(request, _("Code %(code)s is closed.") % {"code": code.code})
    return redirect("aup:class_codes", school.slug)


# The pupils' pages ------------------------------------------------------------------------------------------------


def _school_words(school):
    """The school's own English on a public page (student, grade … in a US school)."""
    language = translation.get_language()
    if is_english(language):
        variant = english_variant(language, school.country)
        if variant != language:
            translation.activate(variant)


def _clear(request):
    """Forget the pupil: a signed-out device's whole session, or only the code on a signed-in one (a teacher's
    device keeps its teacher signed in)."""
    if request.user.is_authenticated:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session.flush()


def _closed(request, error, school=None):
    _clear(request)
    if school is not None:
        _school_words(school)
    return render(request, "aup/class_code_closed.html", {"message": error.message, "school": school}, status=410)


def _state(request, *, need_pupil=True):
    """``(code, pupil)`` from the session, or a response: back to the first page, or the code's explanation."""
    state = request.session.get(SESSION_KEY) or {}
    code = (
        ClassSigningCode.objects.select_related("school", "school_class", "agreement__version__policy", "opened_by")
        .filter(pk=state.get("code"))
        .first()
        if state.get("code")
        else None
    )
    if code is None:
        return redirect("aup:class_code_enter")
    try:
        services_class_codes.check_usable(code, now=timezone.now())
    except ClassCodeError as error:
        return _closed(request, error, code.school)
    _school_words(code.school)
    pupil = None
    if need_pupil:
        pupil = (
            Pupil.objects.select_related("school", "school_class").filter(pk=state.get("pupil")).first()
            if state.get("pupil")
            else None
        )
        if pupil is None or pupil.school_id != code.school_id:
            return redirect("aup:class_code_who")
    return code, pupil


def _next_step(request, code, pupil):
    """Where the pupil goes next: the agreement, then the photo form, then done."""
    tasks = services_class_codes.pupil_tasks(code, pupil)
    if tasks["agreement"]:
        return redirect("aup:class_code_agreement")
    if tasks["consent"]:
        return redirect("aup:class_code_photos")
    return redirect("aup:class_code_done")


def _context(code, pupil=None, **extra):
    return {"code": code, "school": code.school, "pupil": pupil, "teacher": code.opened_by, **extra}


@never_cache
def class_code_enter(request):
    """Type the class code the teacher shows. Anyone may open this page; a code that opens nothing, or too many
    tries from one address, is refused in words a pupil understands."""
    if request.method == "POST":
        form = CodeEntryForm(request.POST)
        if form.is_valid():
            try:
                code = services_class_codes.class_code_find(
                    raw=form.cleaned_data["code"], ip_address=client_ip(request)
                )
            except ClassCodeError as error:
                if error.code in ("revoked", "expired", "off"):
                    return _closed(request, error)
                form.add_error("code", error.message)
            else:
                request.session[SESSION_KEY] = {"code": code.pk, "pupil": None}
                return redirect("aup:class_code_who")
    else:
        form = CodeEntryForm()
    return render(request, "aup/class_code_enter.html", {"form": form})


@never_cache
def class_code_who(request):
    """Pick your own name from the class list and confirm your date of birth. A wrong date is refused without saying
    which part was wrong; too many tries wait a few minutes."""
    found = _state(request, need_pupil=False)
    if not isinstance(found, tuple):
        return found
    code, _pupil = found
    now = timezone.now()
    pupils = services_class_codes.listed_pupils(code, now=now)
    form_kwargs = {"pupils": pupils, "today": code.school.today(now)}
    if request.method == "POST":
        form = PupilIdentifyForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                pupil = services_class_codes.class_code_identify(
                    code=code,
                    pupil_id=form.cleaned_data["pupil"],
                    date_of_birth=form.cleaned_data["date_of_birth"],
                    ip_address=client_ip(request),
                )
            except ClassCodeError as error:
                if error.code in ("revoked", "expired", "off"):
                    return _closed(request, error, code.school)
                form.add_error(None, error.message)
            else:
                request.session.cycle_key()
                request.session[SESSION_KEY] = {"code": code.pk, "pupil": pupil.pk}
                return _next_step(request, code, pupil)
    else:
        form = PupilIdentifyForm(**form_kwargs)
    return render(request, "aup/class_code_who.html", _context(code, form=form, pupils=pupils))


@never_cache
def class_code_agreement(request):
    """The agreement in the pupil's layout; ticking every statement and typing one's own name signs it."""
    found = _state(request)
    if not isinstance(found, tuple):
        return found
    code, pupil = found
    if code.agreement_id is None or not services_class_codes.pupil_tasks(code, pupil)["agreement"]:
        return _next_step(request, code, pupil)
    agreement = code.agreement
    shown = selectors.agreement_as_shown(agreement)
    seat = selectors.Seat(Signature.Party.PUPIL)
    form_kwargs = {
        "statements": shown["content"]["statements"],
        "seat": seat,
        "pupil_page": True,
        "expected_names": person_names(pupil=pupil),
    }
    signature_request, _created = services.signature_request_open(
        actor=None, agreement=agreement, school=code.school, pupil=pupil
    )
    if request.method == "POST":
        form = SigningForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services_class_codes.class_code_sign(
                    code=code,
                    pupil=pupil,
                    typed_name=data["typed_name"],
                    statements_confirmed=data["statements"],
                    shown_sha256=data["shown_sha256"],
                    drawn_signature=data["drawn_signature"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ClassCodeError as error:
                if error.code in ("revoked", "expired", "off"):
                    return _closed(request, error, code.school)
                form.add_error(None, error.message)
            except services.SigningError as error:
                if error.code == "code_closed":
                    return _closed(request, ClassCodeError(error.message), code.school)
                form.add_error(None, error.message)
                if error.code == "changed":
                    form.show_changed_agreement(shown["sha256"])
            else:
                return _next_step(request, code, pupil)
    else:
        form = SigningForm(initial={"shown_sha256": shown["sha256"]}, **form_kwargs)
        services.signature_request_mark_viewed(request=signature_request, party=Signature.Party.PUPIL)
    return render(
        request,
        "aup/class_code_agreement.html",
        _context(
            code,
            pupil,
            signature_request=signature_request,
            agreement=agreement,
            shown=shown,
            seat=seat,
            form=form,
            signature_pad_available=settings.SIGNATURE_PAD_AVAILABLE,
        ),
    )


@never_cache
def class_code_photos(request):
    """The photo consent form's questions that pupils may answer, yes or no each, signed with one's own name."""
    found = _state(request)
    if not isinstance(found, tuple):
        return found
    code, pupil = found
    version = consent_services.current_version(code.school)
    if version is None or not services_class_codes.pupil_tasks(code, pupil, version=version)["consent"]:
        return _next_step(request, code, pupil)
    all_purposes = list(version.purposes.order_by("order"))
    purposes = [p for p in all_purposes if p.pupils_may_answer]
    shown = consent_services.form_content(version)
    sha256 = content_sha256(shown)
    if request.method == "POST":
        form = AnswerForm(request.POST, purposes=purposes, expected_names=person_names(pupil=pupil))
        if form.is_valid():
            try:
                services_class_codes.class_code_answer(
                    code=code,
                    pupil=pupil,
                    version=version,
                    answers=form.answers(),
                    typed_name=form.cleaned_data["typed_name"],
                    shown_sha256=form.cleaned_data["shown_sha256"],
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ClassCodeError as error:
                if error.code in ("revoked", "expired", "off"):
                    return _closed(request, error, code.school)
                form.add_error(None, error.message)
            except consent_services.ConsentError as error:
                form.add_error(None, error.message)
                if error.code == "changed":
                    form.data = form.data.copy()
                    form.data["shown_sha256"] = sha256
            else:
                return _next_step(request, code, pupil)
    else:
        form = AnswerForm(initial={"shown_sha256": sha256}, purposes=purposes)
    for _purpose, bound in form.questions():
        bound.field.widget.attrs["class"] = "btn-check"
    form.fields["typed_name"].label = _("Write your first and last name")
    form.fields["typed_name"].widget.attrs["autocomplete"] = "off"
    return render(
        request,
        "aup/class_code_photos.html",
        _context(
            code,
            pupil,
            version=version,
            shown=shown,
            sha256=sha256,
            form=form,
            parents_only=[p for p in all_purposes if not p.pupils_may_answer],
        ),
    )


@never_cache
def class_code_done(request):
    """ "All done": the pupil's session is cleared, so the next pupil on this device starts from the code."""
    found = _state(request)
    if not isinstance(found, tuple):
        return found
    code, pupil = found
    tasks = services_class_codes.pupil_tasks(code, pupil)
    if any(tasks.values()):
        return _next_step(request, code, pupil)
    name = pupil.preferred_first_name or pupil.legal_first_name
    _clear(request)
    return render(request, "aup/class_code_done.html", {"school": code.school, "name": name})


urlpatterns = [
    path("school/<slug:slug>/agreements/pupils-sign-themselves/", self_signing, name="self_signing"),
    path("school/<slug:slug>/agreements/class-codes/", class_codes, name="class_codes"),
    path("school/<slug:slug>/agreements/class-codes/<uuid:public_id>/", class_code_show, name="class_code_show"),
    path(
        "school/<slug:slug>/agreements/class-codes/<uuid:public_id>/close/",
        class_code_revoke,
        name="class_code_revoke",
    ),
    path("class-code/", class_code_enter, name="class_code_enter"),
    path("class-code/who/", class_code_who, name="class_code_who"),
    path("class-code/agreement/", class_code_agreement, name="class_code_agreement"),
    path("class-code/photos/", class_code_photos, name="class_code_photos"),
    path("class-code/done/", class_code_done, name="class_code_done"),
]
