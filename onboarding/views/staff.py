"""Staff of a school: who holds which role, invite with roles and a job title, end a role (item 4)."""

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
from safeguard.directory.models import Role, StaffRole

from .. import selectors
from ..forms import InviteForm, StaffMemberForm
from ..services.people import (
    role_choices,
    role_label,
    staff_invitation_resend,
    staff_invite,
    staff_member_update,
    staff_role_end,
)


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.INVITE_STAFF)


def _member(school, public_id):
    """A person who holds or held a role in ``school``; anyone else is "not found"."""
    user = User.objects.filter(public_id=public_id, staff_roles__school=school).distinct().first()
    if user is None:
        raise Http404
    return user


@login_required
def staff_list(request, slug):
    """Everyone with a role in the school: current roles, ended roles (history) and invitations not yet used."""
    school = _school(request, slug)
    grantable = permissions.roles_grantable(request.user, school)
    people = [
        {
            "user": user,
            "current": [(role, role_label(role.role, school.country), role.role in grantable) for role in current],
            "ended": [(role, role_label(role.role, school.country)) for role in ended],
            "invitation": invitation,
            "invited": not user.has_usable_password(),
            "can_edit": bool(current) and all(role.role in grantable for role in current),
        }
        for user, current, ended, invitation in selectors.staff(school)
    ]
    return render(request, "onboarding/staff_list.html", {"school": school, "people": people})


@login_required
def staff_add(request, slug):
    """GET: the form, offering the roles this person may give. POST: give the roles and send the invitation."""
    school = _school(request, slug)
    choices = role_choices(permissions.roles_grantable(request.user, school), school.country)
    form = InviteForm(request.POST or None, role_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = staff_invite(
                actor=request.user,
                school=school,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.cleaned_data["roles"],
                job_title=form.cleaned_data["job_title"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if created:
                messages.success(
                    request,
                    _("%(name)s now holds: %(roles)s.")
                    % {"name": user, "roles": ", ".join(str(role_label(role, school.country)) for role in created)},
                )
            else:
                messages.info(request, _("%(name)s already holds these roles.") % {"name": user})
            return redirect("onboarding:staff_list", school.slug)
    return render(request, "onboarding/staff_form.html", {"school": school, "form": form})


@login_required
@require_POST
def staff_role_end_view(request, slug, public_id, role):
    """End one of a person's current roles today; the row stays as history."""
    school = _school(request, slug)
    user = _member(school, public_id)
    if role not in Role.values or role not in permissions.roles_grantable(request.user, school):
        raise Http404
    try:
        ended = staff_role_end(actor=request.user, school=school, user=user, role=role, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if ended is not None:
            messages.success(
                request,
                _("%(name)s is no longer %(role)s.") % {"name": user, "role": role_label(role, school.country)},
            )
    return redirect("onboarding:staff_list", school.slug)


@login_required
@require_POST
def staff_invitation_resend_view(request, slug, public_id):
    """Send a member of staff who has not chosen a password yet a new link."""
    school = _school(request, slug)
    user = _member(school, public_id)
    if not StaffRole.objects.current().filter(user=user, school=school).exists():
        raise Http404
    try:
        staff_invitation_resend(actor=request.user, school=school, user=user, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new invitation is on its way to %(email)s.") % {"email": user.email})
    return redirect("onboarding:staff_list", school.slug)


@login_required
def staff_edit(request, slug, public_id):
    """GET: a member of staff's name and job title. POST: change them. Only someone who may give every role the
    person holds here (``roles_grantable``) may: office staff rename a teacher, the head anyone; anyone else, and
    anyone with no current role here, is "not found"."""
    school = _school(request, slug)
    user = _member(school, public_id)
    roles = list(StaffRole.objects.current().filter(user=user, school=school).order_by("role"))
    if not roles or not {role.role for role in roles} <= permissions.roles_grantable(request.user, school):
        raise Http404
    form = StaffMemberForm(request.POST or None, initial={"full_name": user.full_name, "job_title": roles[0].job_title})
    if request.method == "POST" and form.is_valid():
        try:
            changed = staff_member_update(
                actor=request.user,
                school=school,
                user=user,
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("%(name)s's details have been saved.") % {"name": user})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:staff_list", school.slug)
    return render(
        request,
        "onboarding/staff_edit.html",
        {
            "school": school,
            "member": user,
            "form": form,
            "roles": [role_label(role.role, school.country) for role in roles],
        },
    )
