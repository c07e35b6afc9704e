"""The cases demo: one case at Demo Primary School, so the DSL's demo account has a case to open.

``manage.py load_demo`` calls ``load()`` after the incident log's demo (``incidents`` comes before ``cases`` in
``INSTALLED_APPS``). The case is about the pupil with the most safeguarding concerns, owned by the DSL, holding up to
three of those concerns and a first case note; it is opened through ``cases.services`` so it is audited as any other.
Idempotent: a school that already has a case gets none.
"""

from django.db.models import Count

from incidents.models import Incident
from safeguard.directory import demo
from safeguard.directory.models import Pupil, Role, School, StaffRole

from .models import Case
from .services.cases import case_open


def load():
    """Open the demo case if there is none; return summary lines (list of str)."""
    school = School.objects.filter(slug=demo.DEMO_PRIMARY["slug"]).first()
    if school is None:
        return ["Cases: the demo school is not loaded; nothing to add."]
    if Case.objects.filter(school=school).exists():
        return [f"Cases at {school.name}: already loaded."]
    role = StaffRole.objects.current().filter(school=school, role=Role.DSL).select_related("user").first()
    concerns = Incident.objects.filter(school=school, is_safeguarding=True, voided_at__isnull=True)
    pupil = (
        Pupil.objects.filter(school=school, incident_involvements__incident__in=concerns)
        .annotate(concerns=Count("incident_involvements"))
        .order_by("-concerns", "pk")
        .first()
    )
    if role is None or pupil is None:
        return [f"Cases at {school.name}: no DSL or no concern to group; nothing to add."]
    theirs = list(concerns.filter(involvements__pupil=pupil).order_by("-occurred_at")[:3])
    case_open(
        actor=role.user,
        school=school,
        title="Home situation",
        owner=role.user,
        pupils=[pupil],
        concerns=theirs,
        note="Several concerns about home life this term: grouped to see the pattern and review together.",
    )
    return [f"Cases at {school.name}: 1 case opened ({len(theirs)} concerns)."]
