"""Naming and image rules (issue 13 item 11): the office or head sets the school's bands; a parent chooses a
stricter level for their child. Thin views: permission helper → form → service → redirect with a message.

The school's pages need ``MANAGE_CONSENT`` (office, SLT, headteacher); another school's rule answers 404 exactly
like a missing one. The parent's page answers 404 unless the signed-in parent has parental responsibility.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors_naming as selectors
from . import services_naming as services
from .forms_naming import NamingChoiceForm, NamingRuleForm
from .models import NamingRule
from .views_answering import _guardian_link_for_user


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.MANAGE_CONSENT)


def _rule(school, public_id):
    rule = (
        NamingRule.objects.filter(school=school, public_id=public_id, ended_at__isnull=True)
        .select_related("year_from", "year_to", "school")
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def _save(request, school, form, rule=None):
    """Run the service for a valid ``form``; a rule it refuses (an overlapping band) becomes a form error."""
    try:
        services.naming_rule_save(actor=request.user, school=school, rule=rule, **form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    messages.success(request, _("The naming rule is saved."))
    return True


@login_required
def naming_rules(request, slug):
    """The school's naming and image rules by band of year groups, and a form to add one."""
    school = _school(request, slug)
    form = NamingRuleForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid() and _save(request, school, form):
        return redirect("consent:naming_rules", school.slug)
    context = {"school": school, "rules": selectors.current_rules(school), "form": form, "rule": None}
    return render(request, "consent/naming_rules.html", context)


@login_required
def naming_rule_edit(request, slug, public_id):
    """Change one band's years or levels."""
    school = _school(request, slug)
    rule = _rule(school, public_id)
    initial = {"year_from": rule.year_from, "year_to": rule.year_to, "naming": rule.naming, "images": rule.images}
    form = NamingRuleForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, school, form, rule):
        return redirect("consent:naming_rules", school.slug)
    return render(request, "consent/naming_rule_form.html", {"school": school, "form": form, "rule": rule})


@login_required
@require_POST
def naming_rule_end(request, slug, public_id):
    """End a band's rule (kept with its history)."""
    school = _school(request, slug)
    services.naming_rule_end(actor=request.user, rule=_rule(school, public_id))
    messages.success(request, _("The naming rule is ended."))
    return redirect("consent:naming_rules", school.slug)


@login_required
def naming_choice(request, pupil_id):
    """A parent with parental responsibility sees the school's rule for their child and may choose a stricter one;
    every choice is kept with who made it and when."""
    link = _guardian_link_for_user(request.user, pupil_id)
    pupil = link.pupil
    rules = selectors.current_rules(pupil.school)
    history = selectors.choice_history(pupil)
    current = next((c for c in history if c.ended_at is None), None)
    initial = {"naming": current.naming, "images": current.images} if current else None
    effective = selectors.naming_for_pupils(school=pupil.school, pupils=[pupil], rules=rules)[pupil.pk]
    if initial is None and effective is not None:
        initial = {"naming": effective.naming, "images": effective.images}
    form = NamingChoiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.pupil_naming_choose(actor=request.user, pupil=pupil, **form.cleaned_data)
        messages.success(request, _("Your choice is saved. It takes effect now."))
        return redirect("consent:naming_choice", pupil.public_id)
    context = {
        "pupil": pupil,
        "school": pupil.school,
        "form": form,
        "effective": effective,
        "band": selectors.band_of(rules, pupil.year_group.order if pupil.year_group_id else None),
        "history": history,
        "answer_url": reverse("consent:answer", args=[pupil.public_id]),
    }
    return render(request, "consent/naming_choice.html", context)


urlpatterns = [
    path("school/<slug:slug>/consent/naming-rules/", naming_rules, name="naming_rules"),
    path("school/<slug:slug>/consent/naming-rules/<uuid:public_id>/", naming_rule_edit, name="naming_rule_edit"),
    path("school/<slug:slug>/consent/naming-rules/<uuid:public_id>/end/", naming_rule_end, name="naming_rule_end"),
    path("consent/naming/<uuid:pupil_id>/", naming_choice, name="naming_choice"),
]
