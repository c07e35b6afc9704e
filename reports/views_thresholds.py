"""The school's behaviour thresholds ("5 incidents in 10 school days"), for SLT, the head and the DSL team
(``MANAGE_INCIDENTS``; 404 for anyone else and for another school's rule): the list with the thresholds recently
reached, adding a rule and changing or turning one off. The rules are applied by
``reports.services_thresholds.thresholds_check`` when an incident is recorded."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safeguard import permissions
from safeguard.base import DomainError

from .forms_thresholds import BehaviourThresholdForm
from .models import BehaviourThreshold
from .services_thresholds import recent_alerts, threshold_rules, threshold_save, uses_school_calendar


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.MANAGE_INCIDENTS)


def _list_url(school):
    return reverse("reports:behaviour_thresholds", args=[school.slug])


@login_required
@require_GET
def behaviour_thresholds(request, slug):
    """The school's rules (on first) and the thresholds reached lately, each with its pupil, incident and action."""
    school = _school(request, slug)
    context = {
        "school": school,
        "rules": threshold_rules(school),
        "alerts": recent_alerts(school),
        "uses_calendar": uses_school_calendar(),
    }
    return render(request, "reports/behaviour_thresholds.html", context)


def _form_page(request, school, rule):
    initial = None
    if rule is not None:
        initial = {
            "incidents": rule.incidents,
            "school_days": rule.school_days,
            "min_level": rule.min_level,
            "year_group": rule.year_group,
            "assignee": rule.assignee,
            "is_active": rule.is_active,
        }
    form = BehaviourThresholdForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            threshold_save(actor=request.user, school=school, rule=rule, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.code if error.code in form.fields else None, error.message)
        else:
            messages.success(request, _("The rule is saved.") if rule else _("The rule is added."))
            return redirect(_list_url(school))
    return render(request, "reports/behaviour_threshold_form.html", {"school": school, "form": form, "rule": rule})


@login_required
@require_http_methods(["GET", "POST"])
def behaviour_threshold_add(request, slug):
    """Add a rule."""
    return _form_page(request, _school(request, slug), None)


@login_required
@require_http_methods(["GET", "POST"])
def behaviour_threshold_edit(request, slug, public_id):
    """Change a rule, or turn it off or on again (404 for another school's rule)."""
    school = _school(request, slug)
    rule = BehaviourThreshold.objects.filter(school=school, public_id=public_id).first()
    if rule is None:
        raise Http404
    return _form_page(request, school, rule)


urlpatterns = [
    path("school/<slug:slug>/dashboard/thresholds/", behaviour_thresholds, name="behaviour_thresholds"),
    path("school/<slug:slug>/dashboard/thresholds/new/", behaviour_threshold_add, name="behaviour_threshold_add"),
    path(
        "school/<slug:slug>/dashboard/thresholds/<uuid:public_id>/",
        behaviour_threshold_edit,
        name="behaviour_threshold_edit",
    ),
]
