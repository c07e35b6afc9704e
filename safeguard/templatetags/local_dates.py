"""The ``date`` filter, with dates in the reader's order: a built-in of every template (``TEMPLATES`` in settings).

Pages write day-first formats (``{{ day|date:"j F Y" }}``, "4 December 2026"); on a page in American English the
same format reads month-first ("December 4, 2026"), as ``safeguard.country_words.month_first`` rewrites it. One
rule in one place instead of a second format in each of the 140 dates of the templates; a new template follows it
without knowing. Named formats ("SHORT_DATE_FORMAT", "DATE_FORMAT") already follow the language; ISO formats
("Y-m-d") and times are left as written.
"""

from django import template
from django.template import defaultfilters

from safeguard.country_words import local_date_format

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's ``date`` filter, with a day-first ``arg`` written month-first for American English."""
    return defaultfilters.date(value, local_date_format(arg) if arg else arg)
