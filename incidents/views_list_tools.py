"""Helpers shared by the incident list's tools (saved filters, bulk actions): where to go back to."""

from django.http import QueryDict
from django.urls import reverse

from .services_saved_filters import FILTER_FIELDS, clean_filters

RETURN_PREFIX = "return_"  # the list's filter, posted back with a tool's form as ``return_<field>`` hidden fields


def _kept(values, prefix):
    """``{field: str}``: the filter's fields and the page found in ``values`` under ``<prefix><field>``, cleaned."""
    posted = {name[len(prefix) :]: value for name, value in values.items() if name.startswith(prefix)}
    kept = clean_filters(posted)
    page = str(posted.get("page", ""))
    if page.isdigit():
        kept["page"] = page
    return kept


def list_url(school, values, *, prefix=""):
    """The incident list of ``school`` with the filter in ``values`` (a mapping: ``<prefix><field>`` → str; only the
    filter's fields and the page are kept, so nothing else can be smuggled into the redirect)."""
    kept = QueryDict(mutable=True)
    for name, value in _kept(values, prefix).items():
        kept[name] = value
    url = reverse("incidents:list", args=[school.slug])
    return f"{url}?{kept.urlencode()}" if kept else url


def return_fields(values, *, prefix=RETURN_PREFIX):
    """``[(name, value)]``: the hidden fields that carry the list's filter and page of ``values`` (posted under
    ``<prefix><field>``) on to the next step, cleaned as ``list_url`` cleans them."""
    return [(prefix + name, value) for name, value in _kept(values, prefix).items()]


def filter_query(filters):
    """The query string of a saved filter's ``filters`` (``{field: value}``), fields in their usual order."""
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        if filters.get(name):
            query[name] = filters[name]
    return query.urlencode()
