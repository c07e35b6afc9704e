"""Pages of the directory: each role's home, the roster, pupils, parents' view of their children.

Thin views: permission helper → form → selector or service → render or redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import panels, permissions
from safeguard.accounts.services import invitation_create
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from . import selectors
from .forms import PupilFilterForm
from .models import Guardian, Role


@login_required
def home(request):
    """Send each person to the home page of the one place they work; offer a choice when there are several."""
    if permissions.may_start_installation(request.user):
        return redirect("onboarding:first_run")  # an empty installation: its first set-up (issue 13 item 1)
    navigation = selectors.navigation_for(request.user)
    places = [reverse("directory:school_home", args=[school.slug]) for school, roles in navigation["schools"] if roles]
    places += [reverse("directory:trust_home", args=[org.slug]) for org in navigation["organisations"]]
    if navigation["is_parent"]:
        places.append(reverse("directory:parent_home"))
    if permissions.pupil_of_user(request.user) is not None:
        places.append(reverse("directory:student_home"))  # a pupil's own account (views_student)
    if len(places) == 1:
        return redirect(places[0])
    return render(request, "directory/home.html", {"navigation": navigation, "has_places": bool(places)})


@login_required
def school_home(request, slug):
    """A school's home page: what each of the user's roles can do next."""
    school = permissions.get_school_for_user(request.user, slug)
    roles = permissions.roles_in(request.user, school)
    context = {
        "school": school,
        "roles": roles,
        "role_labels": sorted(Role(role).label for role in roles),
        "can_view_roster": permissions.can(request.user, permissions.VIEW_ROSTER, school),
        "can_manage_roster": permissions.can(request.user, permissions.MANAGE_ROSTER, school),
        "can_view_safeguarding": permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school),
        "can_view_governance": permissions.can(request.user, permissions.VIEW_GOVERNANCE, school),
        "is_teacher": Role.TEACHER in roles,
    }
    if context["is_teacher"]:
        context["classes"] = selectors.classes_taught_by(request.user, school)
    if context["can_view_governance"] or context["can_view_roster"]:
        context["figures"] = selectors.school_figures(school)
    context["panels"] = panels.collect("school_home", user=request.user, school=school)
    return render(request, "directory/school_home.html", context)


@login_required
def pupil_list(request, slug):
    """The roster: pupils on roll, filterable by name, year group and class."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_ROSTER)
    form = PupilFilterForm(request.GET or None, school=school)
    filters = form.cleaned_data if form.is_valid() else {}
    pupils = selectors.pupil_list(
        school=school,
        search=filters.get("q", ""),
        year_group=filters.get("year_group"),
        school_class=filters.get("school_class"),
        include_left=filters.get("include_left", False),
    )
    page = Paginator(pupils, 50).get_page(request.GET.get("page"))
    return render(request, "directory/pupil_list.html", {"school": school, "form": form, "page": page})


@login_required
def pupil_detail(request, slug, public_id):
    """One pupil: details, flags and parents/carers with their parental responsibility and account status."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_ROSTER)
    pupil = permissions.get_pupil_for_user(request.user, school, public_id)
    return render(
        request,
        "directory/pupil_detail.html",
        {
            "school": school,
            "pupil": pupil,
            "links": selectors.pupil_guardian_links(pupil),
            "can_invite": permissions.can(request.user, permissions.INVITE_GUARDIAN, school),
            "can_view_chronology": permissions.can_view_chronology(request.user, school, pupil),
            # The consent record page's own test (consent.views_answering.pupil_record).
            "can_view_consent_record": permissions.can(request.user, permissions.MANAGE_CONSENT, school)
            or permissions.can(request.user, permissions.SET_PHOTO_MEASURES, school),
            # Cards contributed by feature apps (positive behaviour, cases…), each deciding who may see it.
            "panels": panels.collect("pupil_detail", user=request.user, school=school, pupil=pupil),
        },
    )


@login_required
@require_POST
def guardian_invite(request, slug, public_id):
    """Invite a parent or carer to create their account (e-mail sent in the background)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.INVITE_GUARDIAN)
    guardian = Guardian.objects.filter(school=school, public_id=public_id).first()
    if guardian is None:
        raise Http404
    try:
        invitation_create(actor=request.user, guardian=guardian, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": guardian.email})
    next_url = request.POST.get("next") or reverse("directory:pupil_list", args=[school.slug])
    if not next_url.startswith("/"):
        next_url = reverse("directory:pupil_list", args=[school.slug])
    return redirect(next_url)


@login_required
def safeguarding_home(request, slug):
    """The DSL team's landing page: concerns (from the incident log) and looked-after pupils."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_SAFEGUARDING)
    return render(
        request,
        "directory/safeguarding_home.html",
        {"school": school, "vulnerable_pupils": selectors.vulnerable_pupils(school)},
    )


@login_required
def governance_home(request, slug):
    """Governors' page: roll figures without names, reports and the policy register."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_GOVERNANCE)
    return render(
        request,
        "directory/governance_home.html",
        {"school": school, "figures": selectors.school_figures(school), "threshold": selectors.SMALL_NUMBER_THRESHOLD},
    )


@login_required
def trust_home(request, slug):
    """A trust or district's overview: every school side by side, figures only."""
    organisation = permissions.get_organisation_for_user(request.user, slug)
    schools = [(school, selectors.school_figures(school)) for school in organisation.schools.order_by("name")]
    return render(request, "directory/trust_home.html", {"organisation": organisation, "schools": schools})


@login_required
def parent_home(request):
    """A parent's home: their children and the forms waiting for them."""
    links = list(selectors.children_for_parent(request.user))
    if not links:
        raise Http404
    return render(
        request,
        "directory/parent_home.html",
        {"links": links, "panels": panels.collect("parent_home", user=request.user)},
    )


@login_required
def parent_child(request, public_id):
    """What a parent sees about one of their children."""
    pupil = permissions.get_child_for_parent(request.user, public_id)
    links = [link for link in selectors.children_for_parent(request.user) if link.pupil_id == pupil.pk]
    return render(request, "directory/parent_child.html", {"pupil": pupil, "link": links[0]})
