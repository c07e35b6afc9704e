"""Pupils and their parents and carers in the pages: add, edit, mark as left, parental responsibility (item 5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian

from .. import selectors
from ..forms import GuardianAddForm, GuardianLinkForm, MarkLeftForm, PupilForm
from ..services import pupils as services


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)


def _pupil(request, school, public_id):
    return permissions.get_pupil_for_user(request.user, school, public_id)


def _pupil_fields(form):
    return {name: value for name, value in form.cleaned_data.items() if name in services.PUPIL_FIELDS}


@login_required
def pupil_add(request, slug):
    """GET: the form. POST: add the pupil and go to their page."""
    school = _school(request, slug)
    form = PupilForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            pupil, _changed = services.pupil_save(
                actor=request.user, school=school, fields=_pupil_fields(form), ip_address=client_ip(request)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": pupil.display_name})
            return redirect("onboarding:pupil_edit", school.slug, pupil.public_id)
    return render(request, "onboarding/pupil_form.html", {"school": school, "form": form})


@login_required
def pupil_edit(request, slug, public_id):
    """GET: the pupil's details, contacts and change history. POST: change the details."""
    school = _school(request, slug)
    pupil = _pupil(request, school, public_id)
    initial = {name: getattr(pupil, name) for name in services.PUPIL_FIELDS}
    form = PupilForm(request.POST or None, initial=initial, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            _pupil_saved, changed = services.pupil_save(
                actor=request.user,
                school=school,
                pupil=pupil,
                fields=_pupil_fields(form),
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("The pupil's details have been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:pupil_edit", school.slug, pupil.public_id)
    links = selectors.pupil_links(pupil)
    return render(
        request,
        "onboarding/pupil_edit.html",
        {
            "school": school,
            "pupil": pupil,
            "form": form,
            "left_form": MarkLeftForm(initial={"left_on": pupil.left_on or school.today()}),
            "links": links,
            "history": selectors.change_history([pupil, *links]),
            # The pupil's consent answers and paper returns are in the consent pages; link them from here.
            "can_manage_consent": permissions.can(request.user, permissions.MANAGE_CONSENT, school),
        },
    )


@login_required
@require_POST
def pupil_left(request, slug, public_id):
    """Mark the pupil as left on the date given."""
    school = _school(request, slug)
    pupil = _pupil(request, school, public_id)
    form = MarkLeftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the pupil left."))
    elif services.pupil_mark_left(
        actor=request.user, pupil=pupil, left_on=form.cleaned_data["left_on"], ip_address=client_ip(request)
    ):
        messages.success(request, _("%(name)s is marked as left.") % {"name": pupil.display_name})
    return redirect("onboarding:pupil_edit", school.slug, pupil.public_id)


@login_required
def guardian_add(request, slug, public_id):
    """GET: the form. POST: link a parent or carer (a new one, or one the school knows by e-mail address)."""
    school = _school(request, slug)
    pupil = _pupil(request, school, public_id)
    form = GuardianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.guardian_link_add(
                actor=request.user,
                pupil=pupil,
                guardian_fields={name: data[name] for name in ("first_name", "last_name", "email", "phone")},
                link_fields={name: data[name] for name in services.LINK_FIELDS},
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s has been added as a contact.") % {"name": data["first_name"]})
            return redirect("onboarding:pupil_edit", school.slug, pupil.public_id)
    return render(request, "onboarding/guardian_form.html", {"school": school, "pupil": pupil, "form": form})


@login_required
def guardian_edit(request, slug, public_id, guardian_id):
    """GET: how the contact is linked. POST: change relationship, parental responsibility, order, or end the link."""
    school = _school(request, slug)
    pupil = _pupil(request, school, public_id)
    link = PupilGuardian.objects.select_related("guardian").filter(pupil=pupil, guardian__public_id=guardian_id).first()
    if link is None:
        raise Http404
    initial = {name: getattr(link, name) for name in services.LINK_FIELDS}
    form = GuardianLinkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.guardian_link_update(
            actor=request.user,
            link=link,
            link_fields={name: form.cleaned_data[name] for name in services.LINK_FIELDS},
            ended_on=school.today() if form.cleaned_data["end"] else None,
            ip_address=client_ip(request),
        )
        if changed:
            messages.success(request, _("The contact's details have been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("onboarding:pupil_edit", school.slug, pupil.public_id)
    return render(
        request, "onboarding/guardian_form.html", {"school": school, "pupil": pupil, "form": form, "link": link}
    )
