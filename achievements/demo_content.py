"""The positive behaviour demo: a year of praise for the existing demo pupils of both demo schools.

``manage.py load_demo`` calls ``load()`` after the directory is loaded (and the categories exist: every school gets
them). Everything is fictional and made from a fixed seed: praise falls on school days in the twelve months before
now, mostly given by the pupil's class teacher; most of it is a point for values, effort, manners or kindness, fewer
are postcards and calls home, a few are certificates — about three pieces of praise for each incident, as a school
that "celebrates achievement at every possible opportunity" (Westminster behaviour policy §4) would have.

This is seeding: rows are bulk-created with their history rows rather than through ``achievements.services`` (no
audit event for a year of history). Idempotent: a school that already has praise gets none.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Pupil, Role, School, StaffRole

from .models import Achievement, AchievementCategory

SEED = demo.SEED + 700
PER_SCHOOL = {"demo-primary": 1800, "ornek-ilkokulu": 1100}

# (category code, weight)
SHAPES = [
    ("school-values", 30),
    ("effort", 24),
    ("behaviour-manners", 16),
    ("kindness", 12),
    ("achievement", 8),
    ("attendance", 3),
    ("message-home", 3),
    ("postcard-home", 3),
    ("certificate", 1.5),
]

NOTES = {
    "en-gb": [
        "",
        "",
        "",
        "Stayed ready to learn all lesson.",
        "Helped a classmate who was upset at lunch.",
        "Fantastic persistence with fractions.",
        "Beautiful handwriting in the class book.",
        "Held the door and thanked the visitor.",
        "Read aloud to the class with confidence.",
        "Star of the week for kindness.",
        "Tidied the reading corner without being asked.",
        "Full attendance this half-term.",
    ],
    "tr": [
        "",
        "",
        "",
        "Ders boyunca öğrenmeye hazırdı.",
        "Öğle arasında üzgün olan arkadaşına yardım etti.",
        "Kesirlerde büyük azim gösterdi.",
        "Sınıf defterinde çok güzel yazı.",
        "Ziyaretçiye kapıyı tuttu ve teşekkür etti.",
        "Sınıfa kendinden emin bir şekilde sesli okudu.",
        "Haftanın yıldızı: nezaket.",
        "İstenmeden okuma köşesini topladı.",
        "Bu dönem devamsızlığı yok.",
    ],
}


def load(*, now=None):
    """Create a year of praise for each demo school that has none yet; return summary lines (list of str)."""
    now = now or timezone.now()
    lines = []
    for slug in (demo.DEMO_PRIMARY["slug"], demo.ORNEK["slug"]):
        school = School.objects.filter(slug=slug).first()
        if school is None:
            lines.append("Praise: the demo schools are not loaded; nothing to add.")
            continue
        if Achievement.objects.filter(school=school).exists():
            lines.append(f"Praise at {school.name}: already loaded.")
            continue
        with transaction.atomic():
            made = _load_school(school, now, PER_SCHOOL[slug])
        lines.append(f"Praise at {school.name}: {made} pieces recorded over the last year.")
    return lines


def _load_school(school, now, count):
    rng = random.Random(f"{SEED}-{school.slug}")
    categories = {category.code: category for category in AchievementCategory.objects.filter(school=school)}
    shapes = [(code, weight) for code, weight in SHAPES if code in categories]
    pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).only("pk", "school_class_id"))
    if not pupils or not shapes:
        return 0
    teacher_of = {}
    for school_class_id, user_id in User.classes_taught.through.objects.filter(schoolclass__school=school).values_list(
        "schoolclass_id", "user_id"
    ):
        teacher_of.setdefault(school_class_id, user_id)
    staff = list(
        StaffRole.objects.current()
        .filter(school=school, role__in=[Role.TEACHER, Role.SLT, Role.HEADTEACHER, Role.OFFICE])
        .values_list("user_id", flat=True)
    )
    if not staff:
        return 0
    notes = NOTES["tr" if school.default_language == "tr" else "en-gb"]
    today = school.today(now)
    weights = [rng.choice((1, 1, 2, 2, 3, 5)) for _ in pupils]  # some pupils are praised more often
    codes, code_weights = zip(*shapes, strict=True)
    rows = []
    while len(rows) < count:
        day = today - datetime.timedelta(days=rng.randint(0, 364))
        if day.weekday() >= 5 or day.month == 8 or (day.month == 7 and day.day > 22):
            continue
        pupil = rng.choices(pupils, weights=weights)[0]
        category = categories[rng.choices(codes, weights=code_weights)[0]]
        teacher_id = teacher_of.get(pupil.school_class_id)
        recorder_id = teacher_id if teacher_id and rng.random() < 0.8 else rng.choice(staff)
        rows.append(
            Achievement(
                school=school,
                pupil_id=pupil.pk,
                category=category,
                points=category.default_points,
                note=rng.choice(notes),
                awarded_on=day,
                recorded_by_id=recorder_id,
            )
        )
    bulk_create_with_history(rows, Achievement, batch_size=500)
    return len(rows)
