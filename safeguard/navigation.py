"""The navigation bar of every signed-in page: the schools, trusts and children's page the person can open.

Every page pays for it (issue 18 item 6: "the fixed cost per page"), so it costs one query for everyone — member of
staff, parent, trust or district administrator — written as SQL rather than built by the ORM: building and compiling
the ORM's query cost about 0.9 ms of CPU on every page, the statement below about 0.1 ms (2-core bench machine,
``sg_bench_fixed``). Which schools and organisations: those of ``safeguard.permissions`` (``schools_for``,
``organisations_for``: a current role in the school, or the administration of its trust or district), from the roles
the page has loaded already to check access; the bar only adds their names.
"""

import re

from django.db import connections, router
from django.urls import reverse

from safeguard import permissions
from safeguard.directory.models import Guardian, Organisation, School

# A per-request cache on the user object, as ``permissions`` keeps roles (``_safeguard_roles``).
_CACHE_ATTRIBUTE = "_safeguard_menu"
_SCHOOL, _ORGANISATION, _PARENT = 0, 1, 2
_PLACE_FIELDS = ("id", "name", "slug")
# What ``<slug:…>`` in a URL pattern matches (django.urls.converters.SlugConverter), and stands for itself in a URL.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_MARKER = "menu-slug"


def menu_for(user):
    """The places in ``user``'s navigation bar: ``{"schools": [School], "organisations": [Organisation],
    "is_parent": bool}``.

    ``schools``: the schools where the user holds a current role or whose trust or district they administer, by name
    then id (only ``id``, ``name`` and ``slug`` loaded, as ``.only()`` would); ``organisations``: those they
    administer, likewise. Each has ``menu_url``, the address of its home page (see ``_set_urls``). ``is_parent``:
    they have a parent or carer record (the "My children" page). The same places as
    ``directory.selectors.navigation_for``, which the home page uses for its list with role names; when that has run
    in this request, its result is reused.

    Queries: one (the roles come from ``permissions``' per-request cache, which every page's access check fills).
    Cached on ``user`` for the request.
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
        menu = _menu_from_database(user)
    _set_urls("directory:school_home", menu["schools"])
    _set_urls("directory:trust_home", menu["organisations"])
    setattr(user, _CACHE_ATTRIBUTE, menu)
    return menu


def _set_urls(view, places):
    """Set ``menu_url`` on each of ``places`` (schools or organisations): ``reverse(view, args=[place.slug])``, with
    one ``reverse`` for all of them. A trust administrator's bar lists every school of the trust, and a ``reverse``
    (or ``{% url %}``) for each of 20 schools cost about 0.6 ms of CPU on every page; the address with a marker in
    place of the slug, the marker then replaced by each slug, is the same string. A slug that is not made only of the
    characters a slug pattern matches (and a URL keeps as they are) goes through ``reverse`` itself."""
    if not places:
        return
    prefix, _marker, suffix = reverse(view, args=[_MARKER]).partition(_MARKER)
    for place in places:
        slug = place.slug
        place.menu_url = f"{prefix}{slug}{suffix}" if _SLUG.match(slug) else reverse(view, args=[slug])


def _in(column, ids):
    """``column IN (%s, …)`` and its parameters for ``ids`` (an iterable of int); a condition that is never true when
    ``ids`` is empty (``IN ()`` is not SQL). Portable: PostgreSQL and SQLite."""
    ids = sorted(ids)
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def _menu_from_database(user):
    """``menu_for`` read in one statement: the schools, the organisations and whether ``user`` is a parent, as rows
    ``(kind, id, name, slug)`` of a ``UNION ALL`` (the parent row carries 1 or 0 in ``id``)."""
    # The schools and organisations ``permissions.schools_for`` and ``organisations_for`` give (their ids come from
    # the access checks' per-request roles: no query once read), as the WHERE clauses below.
    school_ids, organisation_ids = permissions.place_ids_for(user)
    # Only table and column names from the models' _meta and "%s" placeholders are put into the text; every value
    # is a parameter.
    parts, params = [], []
    if school_ids or organisation_ids:
        by_role, by_role_params = _in("id", school_ids)
        by_trust, by_trust_params = _in(School._meta.get_field("organisation").column, organisation_ids)
        parts.append(f"SELECT {_SCHOOL}, id, name, slug FROM {School._meta.db_table} WHERE {by_role} OR {by_trust}")  # noqa: S608
        params += by_role_params + by_trust_params
    if organisation_ids:
        administered, administered_params = _in("id", organisation_ids)
        parts.append(f"SELECT {_ORGANISATION}, id, name, slug FROM {Organisation._meta.db_table} WHERE {administered}")  # noqa: S608
        params += administered_params
    guardians, guardian_user = Guardian._meta.db_table, Guardian._meta.get_field("user").column
    parts.append(
        f"SELECT {_PARENT}, CASE WHEN EXISTS (SELECT 1 FROM {guardians} WHERE {guardian_user} = %s) THEN 1 ELSE 0 END, "  # noqa: S608
        "NULL, NULL"
    )
    params.append(user.pk)
    alias = router.db_for_read(School)
    with connections[alias].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    schools, organisations, is_parent = [], [], False
    for kind, pk, name, slug in rows:
        if kind == _SCHOOL:
            schools.append(School.from_db(alias, _PLACE_FIELDS, (pk, name, slug)))
        elif kind == _ORGANISATION:
            organisations.append(Organisation.from_db(alias, _PLACE_FIELDS, (pk, name, slug)))
        else:
            is_parent = bool(pk)
    schools.sort(key=lambda school: (school.name, school.pk))
    organisations.sort(key=lambda organisation: (organisation.name, organisation.pk))
    return {"schools": schools, "organisations": organisations, "is_parent": is_parent}
