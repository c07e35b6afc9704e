"""The cases app's panels (see ``safeguard.panels``), registered in ``CasesConfig.ready()``. Both are for the DSL
team only and discreet: counts and links, never a case's title or a pupil's name, since the pages they sit on ask
for no second factor. Anyone else gets nothing, so their page is the same whether or not a case exists."""

from safeguard import permissions

from .selectors import cases as selectors


def school_cases(*, user, school):
    """On the school's home page: "N open cases · N yours", with links to the list and to open a case (one query)."""
    if not permissions.can_work_on_cases(user, school):
        return None
    return "cases/_panel_school_home.html", {"school": school, **selectors.open_case_counts(school=school, user=user)}


def pupil_cases(*, user, school, pupil):
    """On a pupil's page: how many cases not closed are about the pupil, a link to them and one to open a case
    (one query)."""
    if not permissions.can_work_on_cases(user, school):
        return None
    return "cases/_panel_pupil.html", {
        "school": school,
        "pupil": pupil,
        "open": selectors.open_cases_of_pupil_count(pupil),
    }
