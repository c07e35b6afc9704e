"""Positive behaviour pages: the quick praise form, the school's list of praise, one piece of praise with its history,
and withdrawing it.

Thin views: permission helper → form → service → redirect with a message. Any member of staff records praise and
reads the list (``RECORD_ACHIEVEMENT``; the list holds only what ``permissions.achievements_visible_to`` allows);
everyone else gets 404, as for a school that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors, services
from .forms import FIELD_FOR_ERROR_CODE, PraiseFilterForm, PraiseForm, WithdrawForm

PAGE_SIZE = 50


@login_required
@never_cache
def record(request, slug):
    """The quick praise form: tick one pupil or several (``?pupil=<public id>`` ticks one from the pupil's page),
    choose what for, add a note if you like, save. Each pupil gets one piece of praise."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_ACHIEVEMENT)
    initial = {}
    if request.method == "GET" and request.GET.get("pupil"):
        initial["pupils"] = request.GET.getlist("pupil")
    form = PraiseForm(request.POST or None, school=school, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.achievement_record(
                actor=request.user,
                school=school,
                pupils=list(data["pupils"]),
                category=data["category"],
                awarded_on=data["awarded_on"],
                points=data["points"],
                note=data["note"],
            )
        except DomainError as error:
            form.add_error(FIELD_FOR_ERROR_CODE.get(error.code), error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Praise recorded for %(count)s pupil.",
                    "Praise recorded for %(count)s pupils.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("achievements:list", school.slug)
    return render(request, "achievements/record.html", {"school": school, "form": form})


@login_required
@require_GET
def praise_list(request, slug):
    """The school's praise that the viewer may read, newest first, filterable, 50 a page."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_ACHIEVEMENT)
    form = PraiseFilterForm(request.GET or None, school=school)
    data = form.cleaned_data if form.is_valid() else {}
    pupil_q = Q()
    if data.get("year_group"):
        pupil_q &= Q(pupil__year_group=data["year_group"])
    if data.get("school_class"):
        pupil_q &= Q(pupil__school_class=data["school_class"])
    praise = selectors.praise_list(
        user=request.user,
        school=school,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        category=data.get("category"),
        pupil_q=pupil_q,
        include_withdrawn=data.get("include_withdrawn", False),
    )
    page = Paginator(praise, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "achievements/list.html", {"school": school, "form": form, "page": page})


def _history(achievement):
    """The record's history, oldest first: ``[{"when", "who", "kind": "recorded"|"withdrawn"|"changed",
    "reason"}]`` from django-simple-history (one query)."""
    entries = []
    for row in achievement.history.select_related("history_user").order_by("history_date", "history_id"):
        if row.history_type == "+":
            kind = "recorded"
        elif row.withdrawn_at is not None and not any(entry["kind"] == "withdrawn" for entry in entries):
            kind = "withdrawn"
        else:
            kind = "changed"
        entries.append(
            {
                "when": row.history_date,
                "who": row.history_user,
                "kind": kind,
                "reason": row.withdraw_reason if kind == "withdrawn" else (row.history_change_reason or ""),
            }
        )
    return entries


@login_required
@require_GET
@never_cache
def praise_detail(request, slug, public_id):
    """One piece of praise with its history; whoever may withdraw it sees the withdraw form."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_ACHIEVEMENT)
    achievement = permissions.get_achievement_for_user(request.user, school, public_id)
    can_withdraw = not achievement.is_withdrawn and permissions.can_withdraw_achievement(request.user, achievement)
    return render(
        request,
        "achievements/detail.html",
        {
            "school": school,
            "achievement": achievement,
            "history": _history(achievement),
            "can_withdraw": can_withdraw,
            "form": WithdrawForm() if can_withdraw else None,
        },
    )


@login_required
@require_POST
def praise_withdraw(request, slug, public_id):
    """Withdraw praise given in error, with a reason; it is kept and marked withdrawn. 404 for anyone who may not."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_ACHIEVEMENT)
    achievement = permissions.get_achievement_for_user(request.user, school, public_id)
    if not permissions.can_withdraw_achievement(request.user, achievement):
        raise Http404
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.achievement_withdraw(
                actor=request.user, achievement=achievement, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if error.code != "withdrawn":
                form.add_error("reason", error.message)
            else:
                messages.info(request, error.message)
                return redirect("achievements:detail", school.slug, achievement.public_id)
        else:
            messages.success(request, _("The praise has been withdrawn. It is kept, and no longer counts."))
            return redirect("achievements:detail", school.slug, achievement.public_id)
    return render(
        request,
        "achievements/detail.html",
        {
            "school": school,
            "achievement": achievement,
            "history": _history(achievement),
            "can_withdraw": not achievement.is_withdrawn,
            "form": form,
        },
    )


urlpatterns = [
    path("school/<slug:slug>/praise/", praise_list, name="list"),
    path("school/<slug:slug>/praise/new/", record, name="record"),
    path("school/<slug:slug>/praise/<uuid:public_id>/", praise_detail, name="detail"),
    path("school/<slug:slug>/praise/<uuid:public_id>/withdraw/", praise_withdraw, name="withdraw"),
]
