"""Pages of the policy review register: a school's register (and its CSV), a trust's schools side by side, and a
person's iCalendar feed of review dates with the page that shows and resets its secret link.

Reading a school's register needs ``VIEW_POLICIES`` (staff, governors — read-only, like everyone here — and trust
admins); the "awaiting approval" section also ``VIEW_GOVERNANCE``; the trust register is for the trust's admins
(``get_organisation_for_user``). The feed needs no sign-in — calendar apps cannot sign in — so its secret token
stands for the person, and it lists only schools where they can read the policy library when it is fetched.
"""

import csv
import datetime

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.accounts.selectors import user_language
from safeguard.base import DomainError
from safeguard.filter_fields import field_groups

from . import selectors_library
from . import selectors_register as selectors
from . import services_register as services
from .forms_register import PolicyRegisterForm, RegisterFilterForm, TrustRegisterFilterForm
from .models import Policy
from .services_library import policy_next_review_on

# School register --------------------------------------------------------------------------------------------------


def _school_register(request, school):
    form = RegisterFilterForm(request.GET or None, owners=selectors.register_owners(school))
    register_ = selectors.school_register(school=school, **form.filters())
    # Each category's name translated once: ``get_category_display`` translates every category on each call.
    categories = {value: str(label) for value, label in Policy.Category.choices}
    for policy in register_.rows:
        policy.category_label = categories.get(policy.category, policy.category)
    return form, register_


def _summary_links(request, summary):
    """The summary counts, each with the query string that keeps the other filters and picks its status."""
    links = []
    for status, label, count in summary:
        query = request.GET.copy()
        query["status"] = status
        links.append(
            {
                "status": status,
                "label": label,
                "count": count,
                "colour": selectors.RegisterStatus.colours[status],
                "query": query.urlencode(),
                "active": request.GET.get("status") == status,
            }
        )
    return links


@login_required
@require_GET
def register(request, slug):
    """Every policy the school uses with its owner, approving body, review cycle, last approval, next review date
    and status; filters; counts per status; and for governors and leaders what waits for the governing body."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)
    form, register_ = _school_register(request, school)
    governance = permissions.can(request.user, permissions.VIEW_GOVERNANCE, school)
    context = {
        "school": school,
        "form": form,
        "filter_fields": field_groups(form),
        "register": register_,
        "summary": _summary_links(request, register_.summary),
        "query": request.GET.urlencode(),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "awaiting": selectors.awaiting_governance_approval(school) if governance else None,
    }
    return render(request, "aup/register.html", context)


def _cell(value):
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def register_csv(request, slug):
    """The register as CSV with the page's filters: title, category, owner, approving body, review cycle, last
    approved and next review (ISO dates), status."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_POLICIES)
    _form, register_ = _school_register(request, school)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"policy-register-{school.slug}-{register_.today.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads UTF-8 (Turkish letters) only with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Title"),
            _("Category"),
            _("Owner"),
            _("Approving body"),
            _("Review cycle"),
            _("Last approved"),
            _("Next review"),
            _("Status"),
        ]
    )
    for policy in register_.rows:
        writer.writerow(
            _cell(value)
            for value in [
                policy.title,
                policy.category_label,
                policy.owner or "",
                policy.approving_body_label(),
                policy.cycle_label,
                policy.last_approved_on.isoformat() if policy.last_approved_on else "",
                policy.next_review_on.isoformat() if policy.next_review_on else "",
                policy.status_label,
            ]
        )
    return response


# A policy's register fields -----------------------------------------------------------------------------------------


def register_fields_page(request, *, policy, breadcrumbs, done_url):
    """The form of ``policy``'s register fields (owner, review team, approving body, review cycle), shared by a
    school's policy page and a trust's: "Show the next review date" recomputes it from the form without saving;
    saving calls ``services_register.policy_register_update`` and goes to ``done_url``. The caller checked the
    permission."""
    people = selectors.register_people(policy)
    if request.method == "POST":
        form = PolicyRegisterForm(request.POST, people=people)
    else:
        form = PolicyRegisterForm(people=people, initial=PolicyRegisterForm.initial_for(policy))
    next_review = {"current": policy.next_review_on, "last_approved": policy.last_approved_on, "shown": False}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("preview"):
            if policy.last_approved_on is not None:
                next_review["new"] = policy_next_review_on(
                    policy,
                    approved_on=policy.last_approved_on,
                    cycle=data["review_cycle"],
                    interval=data["review_interval"],
                    month=data["review_month"],
                )
                next_review["shown"] = True
        else:
            try:
                policy, changed = services.policy_register_update(actor=request.user, policy=policy, **data)
            except DomainError as error:
                form.add_error(error.code if error.code in form.fields else None, error.message)
            else:
                if changed:
                    messages.success(request, _("The register details are saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect(done_url)
    context = {
        "form": form,
        "policy": policy,
        "heading": _("Register details of %(title)s") % {"title": policy.title},
        "intro": _("Who owns the policy, who reviews it, who approves it and how often it is reviewed."),
        "breadcrumbs": [*breadcrumbs, (done_url, policy.title)],
        "submit_label": _("Save"),
        "cancel_url": done_url,
        "next_review": next_review,
    }
    return render(request, "aup/policy_page_form.html", context)


@login_required
def policy_register_edit(request, slug, public_id):
    """Change a school policy's register fields (head or SLT). A trust-wide policy is changed by the trust: 404."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_POLICY_REGISTER)
    policy = selectors_library.policy_for_school(school, public_id)
    if policy is None or policy.school_id != school.pk:
        raise Http404
    breadcrumbs = [
        (reverse("directory:school_home", args=[school.slug]), school.name),
        (reverse("aup:policy_list", args=[school.slug]), _("Policies")),
    ]
    done_url = reverse("aup:policy_detail", args=[school.slug, policy.public_id])
    return register_fields_page(request, policy=policy, breadcrumbs=breadcrumbs, done_url=done_url)


# Trust register ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def register_trust(request, org_slug):
    """A trust's schools side by side (counts per status), then the overdue and due-soon policies of every school."""
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    schools = selectors.trust_schools(organisation)
    form = TrustRegisterFilterForm(request.GET or None, schools=schools)
    filters = form.filters()
    found = selectors.trust_register(organisation=organisation, schools=schools, **filters)
    context = {
        "organisation": organisation,
        "form": form,
        "filter_fields": field_groups(form),
        "rows": found["schools"],
        "policies": found["policies"],
        "status_choices": selectors.RegisterStatus.choices,
        "listed_label": selectors.RegisterStatus.labels.get(filters.get("status")),
        "filtered": bool(filters),
    }
    return render(request, "aup/register_trust.html", context)


# Calendar feed ----------------------------------------------------------------------------------------------------


def _feed_url(feed):
    return settings.SITE_URL + reverse("aup:calendar_ics", args=[feed.token]) if feed is not None else ""


@login_required
@require_GET
def calendar_feed(request):
    """The person's calendar-feed address (for Outlook, Google or Apple Calendar) and the button to reset it."""
    schools = selectors.calendar_schools(request.user)
    if not schools:
        raise Http404
    feed = selectors.calendar_feed_token(request.user)
    context = {"schools": schools, "feed": feed, "feed_url": _feed_url(feed)}
    return render(request, "aup/calendar_feed.html", context)


@login_required
@require_POST
def calendar_feed_reset(request):
    """Create the person's feed address, or replace it: the old address stops working at once."""
    had_link = selectors.calendar_feed_token(request.user) is not None
    try:
        services.calendar_feed_token_reset(actor=request.user)
    except PermissionError:
        raise Http404 from None
    if had_link:
        messages.success(
            request, _("Your calendar link has been reset. Add the new link to your calendar: the old one has stopped.")
        )
    else:
        messages.success(request, _("Your calendar link is ready. Add it to your calendar app."))
    return redirect("aup:calendar_feed")


def _review_calendar(policies):
    """An ``icalendar.Calendar`` with one all-day event per policy on its next review date."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Safeguard//Policy reviews//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Policy reviews"))
    for policy in policies:
        event = icalendar.Event()
        event.add("uid", f"{policy.public_id}-review@safeguard")
        # The policy's last change, not the time of the request: calendar apps then see an unchanged event.
        event.add("dtstamp", policy.updated_at.astimezone(datetime.UTC))
        event.add("dtstart", policy.next_review_on)
        event.add("dtend", policy.next_review_on + datetime.timedelta(days=1))
        event.add(
            "summary",
            _("Review due: %(title)s (%(school)s)") % {"title": policy.title, "school": policy.calendar_label},
        )
        event.add(
            "url",
            settings.SITE_URL + reverse("aup:policy_detail", args=[policy.calendar_school.slug, policy.public_id]),
        )
        event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: it does not make anyone look busy
        calendar.add_component(event)
    return calendar


@require_GET
def calendar_ics(request, token):
    """The iCalendar feed of review dates for the person whose token this is (no sign-in: the token is the key).

    An unknown or reset token, or a deactivated account, answers 404; someone whose roles have ended gets an empty
    calendar (the link still works, but shows nothing).
    """
    feed = selectors.calendar_feed_for_token(token)
    if feed is None or not feed.user.is_active:
        raise Http404
    user = feed.user
    with translation.override(user_language(user) or settings.LANGUAGE_CODE):
        calendar = _review_calendar(selectors.calendar_policies(user))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="policy-reviews.ics"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("school/<slug:slug>/policies/register/", register, name="register"),
    path("school/<slug:slug>/policies/register.csv", register_csv, name="register_csv"),
    path("school/<slug:slug>/policies/<uuid:public_id>/register/", policy_register_edit, name="policy_register_edit"),
    path("trust/<slug:org_slug>/policies/register/", register_trust, name="register_trust"),
    path("policies/calendar/", calendar_feed, name="calendar_feed"),
    path("policies/calendar/reset/", calendar_feed_reset, name="calendar_feed_reset"),
    path("policies/calendar/<str:token>.ics", calendar_ics, name="calendar_ics"),
]
