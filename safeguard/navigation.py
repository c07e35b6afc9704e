"""The navigation bar of every signed-in page: the schools, trusts and children's page the person can open.

Every page pays for it (issue 18 item 6: "the fixed cost per page"), so it costs one query for a member of staff or a
parent and two for a trust or district administrator. Which schools and organisations come from
``safeguard.permissions`` (``schools_for``, ``organisations_for``), whose roles the page has loaded already to check
access; the bar only adds their names.
"""

from django.db.models import Exists

from safeguard import permissions
from safeguard.directory.models import Guardian

# A per-request cache on the user object, as ``permissions`` keeps roles (``_safeguard_roles``).
_CACHE_ATTRIBUTE = "_safeguard_menu"


def menu_for(user):
    """The places in ``user``'s navigation bar: ``{"schools": [School], "organisations": [Organisation],
    "is_parent": bool}``.

    ``schools``: the schools where the user holds a current role or whose trust or district they administer, by name
    (only ``name`` and ``slug`` loaded); ``organisations``: those they administer; ``is_parent``: they have a parent
    or carer record (the "My children" page). The same places as ``directory.selectors.navigation_for``, which the
    home page uses for its list with role names; when that has run in this request, its result is reused.

    Queries: one (the schools, with whether the user is a parent as a column of the same query; only the parent
    check when there is no school), plus one for the organisations of an administrator. Cached on ``user`` for the
    request.
    """
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    navigation = getattr(user, "_safeguard_navigation", None)  # directory.selectors.navigation_for's cache
    if navigation is not None:
        menu = {
            "schools": [school for school, _roles in navigation["schools"]],
            "organisations": navigation["organisations"],
            "is_parent": navigation["is_parent"],
        }
    else:
        guardian = Guardian.objects.filter(user=user)
        schools = list(
            permissions.schools_for(user).only("pk", "name", "slug").annotate(menu_is_parent=Exists(guardian))
        )
        is_parent = schools[0].menu_is_parent if schools else guardian.exists()
        schools.sort(key=lambda school: (school.name, school.pk))
        menu = {
            "schools": schools,
            "organisations": list(permissions.organisations_for(user)),
            "is_parent": is_parent,
        }
    setattr(user, _CACHE_ATTRIBUTE, menu)
    return menu
