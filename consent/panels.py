"""Home-page panels of the consent app, registered in ``ConsentConfig.ready()`` (see ``safeguard.panels``)."""

from django.db.models import F
from django.urls import reverse

from safeguard.directory.models import PupilGuardian

from .models import ConsentFormVersion, ConsentResponse


def parent_consent(*, user):
    """ "Photo consent" on a parent's home: for each child they have parental responsibility for, whether they have
    answered the school's current form (and when) with a link to answer or change. Three queries whatever the
    number of children; nothing when no child's school has a form in use."""
    links = list(
        PupilGuardian.objects.current()
        .filter(guardian__user=user, has_parental_responsibility=True, pupil__school_id=F("guardian__school_id"))
        .select_related("pupil__school", "guardian")
        .order_by("pupil__legal_first_name")
    )
    if not links:
        return None
    versions = {
        version.form.school_id: version
        for version in ConsentFormVersion.objects.filter(
            status=ConsentFormVersion.Status.PUBLISHED, form__school_id__in={link.pupil.school_id for link in links}
        ).select_related("form")
    }
    links = [link for link in links if link.pupil.school_id in versions]
    if not links:
        return None
    latest = {}
    responses = (
        ConsentResponse.objects.filter(
            pupil_id__in=[link.pupil_id for link in links],
            guardian_id__in=[link.guardian_id for link in links],
            version__form_id__in=[version.form_id for version in versions.values()],
        )
        .select_related("academic_year")
        .only("pupil_id", "guardian_id", "version_id", "submitted_at", "academic_year")
        .order_by("-submitted_at")
    )
    for response in responses:
        latest.setdefault((response.pupil_id, response.guardian_id), []).append(response)
    children = []
    for link in links:
        pupil, version = link.pupil, versions[link.pupil.school_id]
        answered_on = None
        today = pupil.school.today()
        for response in latest.get((pupil.pk, link.guardian_id), []):
            year = response.academic_year
            if version.duration == ConsentFormVersion.Duration.ACADEMIC_YEAR and not (year and year.contains(today)):
                continue
            answered_on = response.submitted_at
            break
        children.append(
            {
                "pupil": pupil,
                "answered_on": answered_on,
                "answer_url": reverse("consent:answer", args=[pupil.public_id]),
                "change_url": reverse("consent:change", args=[pupil.public_id]),
            }
        )
    return "consent/panels/parent_consent.html", {"children": children}


def school_consent(*, user, school):
    """ "Photo consent" on a school's home page for staff: the grid, "may I?", the do-not-photograph list, and the
    form and coverage for office staff or the DSL's measures for the DSL team. No queries beyond the role cache."""
    from safeguard import permissions

    if not permissions.can(user, permissions.VIEW_CONSENT, school):
        return None
    return "consent/panels/school_consent.html", {
        "school": school,
        "can_manage": permissions.can(user, permissions.MANAGE_CONSENT, school),
        "can_set_measures": permissions.can(user, permissions.SET_PHOTO_MEASURES, school),
    }
