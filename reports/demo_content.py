"""The governor report demo: what a governor finds after ``make demo`` (issue 7, acceptance 2).

``manage.py load_demo`` calls ``load()`` after the incident log, agreements and consent are loaded. Through the real
services, so the demo shows exactly what a school would have:

- Demo Primary School: the autumn term 2026/27 report, drafted by the headteacher, with a short commentary, and
  published to governors (figures and PDF kept as issued); and a draft for the current term — or, while the current
  term is that autumn term, for the term before it — for the headteacher to finish and publish;
- Demo Learning Trust: the same term's roll-up across the trust's schools, published by the trust administrator.

Loading is idempotent: a report that exists is left as it is.
"""

from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Organisation, OrganisationRole, Role, School, StaffRole, Term

from . import governor
from . import services_governor as services
from .models import GovernorReport

PUBLISHED_TERM = (2026, Term.Kind.AUTUMN)

HEAD_COMMENTARY = (
    "Behaviour this term has been settled: most incidents were at levels 1 and 2 and were dealt with in class. The "
    "playground is still where most incidents happen, so a second adult now supervises the junior playground at "
    "lunchtime.\n\n"
    "Every prejudice-related incident was followed up with the families of the pupils involved, and the anti-bullying "
    "week assemblies in November took up the themes of these incidents.\n\n"
    "The safeguarding figures are counts only. The designated safeguarding lead will brief the safeguarding link "
    "governor in more detail at their termly meeting."
)
TRUST_COMMENTARY = (
    "The trust's figures for the term, school by school, with rates per 100 pupils so that schools of different "
    "sizes can be compared. The trust board's standards committee will discuss suspensions and prejudice-related "
    "incidents at its next meeting."
)


def _head(school):
    role = StaffRole.objects.current().filter(school=school, role=Role.HEADTEACHER).select_related("user").first()
    return role.user if role else None


def _trust_admin(organisation):
    role = OrganisationRole.objects.current().filter(organisation=organisation).select_related("user").first()
    return role.user if role else None


def _publish(report, actor, commentary, now):
    if report.is_published:
        return False
    if not report.commentary:
        report = services.governor_report_set_commentary(actor=actor, report=report, commentary=commentary, now=now)
    services.governor_report_publish(actor=actor, report=report, now=now)
    return True


def _current_key(school, now):
    """``(year, kind)`` of the term ``school`` is in today, or None in a holiday."""
    today = school.today(now)
    term = (
        Term.objects.filter(academic_year__school=school, starts_on__lte=today, ends_on__gte=today)
        .select_related("academic_year")
        .first()
    )
    return (term.academic_year.starts_on.year, term.kind) if term else None


def load(*, now=None):
    """Create the demo governor reports that are missing; return summary lines (list of str)."""
    now = now or timezone.now()
    school = School.objects.filter(slug=demo.DEMO_PRIMARY["slug"]).first()
    head = _head(school) if school else None
    if school is None or head is None:
        return ["Governor reports: the demo school is not loaded; nothing to add."]
    lines = []
    choices = {(year, kind) for year, kind, _label in governor.term_choices([school], today=school.today(now))}
    if PUBLISHED_TERM not in choices:
        return ["Governor reports: the autumn term 2026/27 has not started yet; nothing to add."]
    report, _created = services.governor_report_draft(
        actor=head, school=school, year=PUBLISHED_TERM[0], kind=PUBLISHED_TERM[1], now=now
    )
    published = _publish(report, head, HEAD_COMMENTARY, now)
    lines.append(
        f"Governor report for {school.name}, {report.term_label}: "
        + ("published by the headteacher." if published else "already published.")
    )

    draft_key = _current_key(school, now)
    if draft_key is None or draft_key == PUBLISHED_TERM:
        draft_key = governor.previous_term_key(*PUBLISHED_TERM)
    if draft_key in choices:
        draft, created = services.governor_report_draft(
            actor=head, school=school, year=draft_key[0], kind=draft_key[1], now=now
        )
        lines.append(
            f"Governor report for {school.name}, {draft.term_label}: "
            + ("drafted, waiting for the headteacher's commentary." if created else f"already there ({draft.status}).")
        )

    organisation = Organisation.objects.filter(slug=demo.TRUST["slug"]).first()
    admin = _trust_admin(organisation) if organisation else None
    if organisation is not None and isinstance(admin, User):
        rollup, _created = services.governor_report_draft(
            actor=admin, organisation=organisation, year=PUBLISHED_TERM[0], kind=PUBLISHED_TERM[1], now=now
        )
        published = _publish(rollup, admin, TRUST_COMMENTARY, now)
        lines.append(
            f"Trust roll-up for {organisation.name}, {rollup.term_label}: "
            + ("published." if published else "already published.")
        )
    lines.append(f"Governor reports in the demo: {GovernorReport.objects.count()}.")
    return lines
