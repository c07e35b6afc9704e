"""The achievement categories every new school starts with (a school may rename them, change their points or retire
them afterwards).

They follow the rewards of the Westminster behaviour policy (§5 "Rewarding good behaviour"), in our own words: points
for the school's values and for effort, behaviour, manners and achievement; good and improved attendance; phone calls,
postcards and messages sharing positive news with parents and carers; certificates presented in a celebration
assembly. A certificate or a call home is worth more than a point in class.

Texts are marked for translation and stored in the school's language (as its country writes it) when loaded.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from safeguard.country_words import school_language

from .models import AchievementCategory

# (code, name, guidance, default points)
CATEGORIES = [
    (
        "school-values",
        _("Living the school's values"),
        _("Showing one of the school's values, such as being ready, responsible or respectful: say which in the note."),
        1,
    ),
    (
        "effort",
        _("Effort"),
        _("Trying hard, persevering with something difficult, improving on a previous piece of work."),
        1,
    ),
    (
        "behaviour-manners",
        _("Good behaviour and manners"),
        _("Good sitting, good listening, lining up well, politeness to staff and visitors."),
        1,
    ),
    (
        "kindness",
        _("Kindness and helping others"),
        _("Being a good friend, helping a classmate or an adult, including someone left out."),
        1,
    ),
    (
        "achievement",
        _("Achievement in learning"),
        _("An outstanding piece of work, a target reached, a success in or out of class."),
        2,
    ),
    (
        "attendance",
        _("Good or improved attendance"),
        _("Full attendance, punctuality, or attendance that has clearly improved."),
        2,
    ),
    (
        "message-home",
        _("Phone call or message home"),
        _("Positive news shared with parents or carers by phone, text or the app. Say what it was for."),
        3,
    ),
    (
        "postcard-home",
        _("Postcard home"),
        _("A postcard sent home praising the pupil. Say what it was for."),
        3,
    ),
    (
        "certificate",
        _("Certificate"),
        _("A certificate presented in a celebration assembly: star of the week, a milestone in points."),
        5,
    ),
]


def load_defaults(school):
    """Give ``school`` (a ``School``) the default achievement categories it does not have yet, matched by code;
    existing ones — perhaps renamed or re-pointed by the school — are left alone. Names are stored in the school's
    language. Returns the number of categories created (0 on a repeat call)."""
    created = 0
    with translation.override(school_language(school)), transaction.atomic():
        have = set(AchievementCategory.objects.filter(school=school).values_list("code", flat=True))
        for order, (code, name, guidance, points) in enumerate(CATEGORIES, start=1):
            if code in have:
                continue
            AchievementCategory.objects.create(
                school=school,
                code=code,
                name=str(name),
                guidance=str(guidance),
                default_points=points,
                order=order,
            )
            created += 1
    return created
