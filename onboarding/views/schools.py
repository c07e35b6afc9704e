"""A trust's or district's schools: list, add, edit, invite each school's headteacher or principal (item 2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import Role

from .. import selectors
from ..forms import AdministratorForm, InviteForm, SchoolForm
from ..services.people import role_choices, role_label, staff_invite
from ..services.schools import (
    SCHOOL_FIELDS,
    organisation_admin_end,
    organisation_admin_invite,
    school_create,
    school_update,
)


def _organisation(request, slug):
    organisation = permissions.get_organisation_for_user(request.user, slug)
    if not permissions.can(request.user, permissions.MANAGE_SCHOOLS, organisation):
        raise Http404
    return organisation


def _school_of(organisation, school_slug):
    """A school of ``organisation``; a school of another trust, or none, is "not found"."""
    school = organisation.schools.filter(slug=school_slug).first()
    if school is None:
        raise Http404
    return school


@login_required
def school_list(request, slug):
    """The organisation's schools with their details and their headteacher or principal (or the invitation)."""
    organisation = _organisation(request, slug)
    return render(
        request,
        "onboarding/school_list.html",
        {"organisation": organisation, "rows": selectors.schools_with_heads(organisation)},
    )


@login_required
def school_add(request, slug):
    """GET: the form. POST: add the school to the trust or district."""
    organisation = _organisation(request, slug)
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school = school_create(
                actor=request.user, organisation=organisation, fields=form.cleaned_data, ip_address=client_ip(request)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(school)s has been added.") % {"school": school.name})
            return redirect("onboarding:school_head_invite", organisation.slug, school.slug)
    return render(request, "onboarding/school_form.html", {"organisation": organisation, "form": form})


@login_required
def school_edit(request, slug, school_slug):
    """GET: the school's details. POST: change them."""
    organisation = _organisation(request, slug)
    school = _school_of(organisation, school_slug)
    initial = {name: getattr(school, name) for name in SCHOOL_FIELDS}
    form = SchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = school_update(
                actor=request.user, school=school, fields=form.cleaned_data, ip_address=client_ip(request)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("%(school)s has been updated.") % {"school": form.cleaned_data["name"]})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:school_list", organisation.slug)
    return render(
        request, "onboarding/school_form.html", {"organisation": organisation, "form": form, "school": school}
    )


@login_required
def school_head_invite(request, slug, school_slug):
    """GET: the form. POST: give the school a headteacher (principal) and e-mail them an invitation."""
    organisation = _organisation(request, slug)
    school = _school_of(organisation, school_slug)
    choices = role_choices({Role.HEADTEACHER}, school.country)
    form = InviteForm(request.POST or None, role_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = staff_invite(
                actor=request.user,
                school=school,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=[Role.HEADTEACHER],
                job_title=form.cleaned_data["job_title"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            label = role_label(Role.HEADTEACHER, school.country)
            if created:
                messages.success(
                    request,
                    _("%(name)s is now %(role)s of %(school)s.") % {"name": user, "role": label, "school": school},
                )
            else:
                messages.info(request, _("%(name)s already holds that role.") % {"name": user})
            return redirect("onboarding:school_list", organisation.slug)
    return render(
        request,
        "onboarding/head_invite.html",
        {
            "organisation": organisation,
            "school": school,
            "form": form,
            "role": role_label(Role.HEADTEACHER, school.country),
        },
    )


@login_required
def administrators(request, slug):
    """GET: the trust's or district's administrators and a form. POST: add one (invited by e-mail)."""
    organisation = _organisation(request, slug)
    form = AdministratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, created = organisation_admin_invite(
            actor=request.user,
            organisation=organisation,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            ip_address=client_ip(request),
        )
        if created:
            messages.success(request, _("%(name)s is now an administrator.") % {"name": user})
        else:
            messages.info(request, _("%(name)s is already an administrator.") % {"name": user})
        return redirect("onboarding:administrators", organisation.slug)
    return render(
        request,
        "onboarding/administrators.html",
        {
            "organisation": organisation,
            "form": form,
            "admins": selectors.organisation_admins(organisation),
            "ended": selectors.organisation_admins_ended(organisation),
        },
    )


@login_required
@require_POST
def administrator_end(request, slug, public_id):
    """End another administrator's role in the trust or district (kept as history). Someone who never was one of
    this organisation's administrators is "not found"."""
    organisation = _organisation(request, slug)
    user = User.objects.filter(public_id=public_id, organisation_roles__organisation=organisation).distinct().first()
    if user is None:
        raise Http404
    try:
        ended = organisation_admin_end(
            actor=request.user, organisation=organisation, user=user, ip_address=client_ip(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if ended is not None:
            messages.success(request, _("%(name)s is no longer an administrator.") % {"name": user})
    return redirect("onboarding:administrators", organisation.slug)
