"""The incident log demo: a realistic year of incidents in both demo schools.

``manage.py load_demo`` calls ``load()`` after the directory is loaded. Everything is fictional and made from a fixed
seed: incidents fall on school days in the twelve months before now, mostly at break and lunch; a handful of pupils
have repeated incidents; levels follow a plausible spread (most at levels 1–2, few at 4–5); some incidents are bullying
(with a victim and an alleged perpetrator, and a follow-up with the victim), prejudice-related, online safety,
physical interventions, and safeguarding concerns with DSL notes, referrals and a rationale on closing.

This is seeding, like the policy library's demo: rows are bulk-created (with their history rows) for speed rather
than through ``incidents.services`` — no alert e-mails are sent for a year of history. Alerts are created for the
last fortnight so the demo accounts have unread alerts to open. Loading is idempotent: a school that already has
incidents gets none.
"""

import datetime
import decimal
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import AcademicYear, Pupil, Role, School, StaffRole

from .models import (
    GROUP_FLAGS,
    Action,
    Alert,
    BullyingType,
    DSLNote,
    Incident,
    IncidentCategory,
    IncidentPupil,
    Location,
    ParentContact,
    PhysicalIntervention,
    Professional,
    Sanction,
)
from .services import alert_recipients

SEED = demo.SEED + 600
PER_SCHOOL = {"demo-primary": 640, "ornek-ilkokulu": 380}

# (category code, weight, level choices or None, location choices)
SHAPES = [
    ("low-level-disruption", 30, (1, 1, 2), (Location.CLASSROOM,)),
    ("defiance", 16, (2, 2, 3), (Location.CLASSROOM, Location.CORRIDOR, Location.HALL)),
    ("verbal-abuse", 9, (2, 3, 3, 4), (Location.PLAYGROUND, Location.CLASSROOM, Location.DINING_HALL)),
    ("physical-harm", 9, (2, 3, 3, 4), (Location.PLAYGROUND, Location.PLAYGROUND, Location.CORRIDOR)),
    ("damage-theft", 4, (2, 3, 4), (Location.CLASSROOM, Location.TOILETS)),
    ("absconding", 2, (3, 3, 4), (Location.CLASSROOM, Location.ENTRANCE)),
    ("prohibited-items", 0.4, (5,), (Location.CLASSROOM,)),
    ("bullying", 6, (3, 3, 4), (Location.PLAYGROUND, Location.DINING_HALL, Location.ONLINE)),
    ("racist", 2, (3, 4), (Location.PLAYGROUND, Location.CLASSROOM)),
    ("homophobic", 1, (4,), (Location.PLAYGROUND,)),
    ("disablist", 1, (3, 4), (Location.PLAYGROUND,)),
    ("online-misuse", 3, (2, 3), (Location.CLASSROOM, Location.ONLINE)),
    ("cyberbullying", 2, (3, 4), (Location.ONLINE,)),
    ("physical-intervention", 1, (4,), (Location.CLASSROOM, Location.PLAYGROUND)),
    ("neglect", 2, None, (Location.CLASSROOM, Location.ENTRANCE)),
    ("emotional-abuse", 1, None, (Location.CLASSROOM,)),
    ("physical-abuse", 1, None, (Location.CLASSROOM,)),
    ("mental-health", 2, None, (Location.CLASSROOM, Location.PLAYGROUND)),
    ("domestic-abuse", 1, None, (Location.HOME,)),
    ("missing-education", 1, None, (Location.OFF_SITE,)),
]
LEVEL_CATEGORY = {"bullying", "racist", "homophobic", "disablist", "online-misuse", "cyberbullying"}

TEXTS = {
    "en-gb": {
        "low-level-disruption": "Kept calling out and making noises during the input after two reminders.",
        "defiance": "Refused to start the task and would not move to the table when asked.",
        "verbal-abuse": "Shouted and swore at another pupil during a disagreement over a game.",
        "physical-harm": "Pushed another pupil to the ground during football; the other pupil grazed a knee.",
        "damage-theft": "Wrote on the toilet wall with a marker pen.",
        "absconding": "Left the classroom without permission and was found in the cloakroom.",
        "prohibited-items": "Brought a craft knife from home in a pencil case; taken and kept in the office.",
        "bullying": "Has been excluding the other pupil from games all week and calling them names.",
        "racist": "Made a remark about the other pupil's skin colour; the other pupil was upset and told an adult.",
        "homophobic": "Used a homophobic word as an insult to another pupil in the line.",
        "disablist": "Mocked the way another pupil speaks in front of a group.",
        "online-misuse": "Searched for unsuitable videos on a class laptop during a research task.",
        "cyberbullying": "Messages in a group chat at the weekend made fun of another pupil; parent showed us.",
        "physical-intervention": "Pupil was hitting out at others; guided away by two staff to the calm room.",
        "neglect": "Came in hungry again and in the same clothes as all week; has no coat.",
        "emotional-abuse": "Said that an adult at home tells them they are stupid and shouts every night.",
        "physical-abuse": "Bruise on the upper arm; said an adult grabbed them. Body map completed.",
        "mental-health": "Very tearful, said they do not want to be here any more. Stayed with the pupil.",
        "domestic-abuse": "Operation Encompass notification: police called to the home last night.",
        "missing-education": "Third unexplained absence this month; no answer from the family by phone.",
        "action": "Spoke with the pupil about what happened and what they will do next time.",
        "outcome": "Restorative conversation held; behaviour has improved since.",
        "rationale": "Threshold for a referral not met; monitoring in school with a weekly check-in.",
        "referral_rationale": "Referral made to children's social care; strategy meeting held, plan in place.",
        "dsl_note": "Discussed with the class teacher. Will check in with the pupil each morning.",
        "contact": "Explained what happened and how the school responded; parent supportive.",
        "follow_up": "Checked with the pupil: the bullying has stopped and they feel safe.",
    },
    "tr": {
        "low-level-disruption": "Ders sırasında iki uyarıya rağmen söz almadan konuşmaya devam etti.",
        "defiance": "Etkinliğe başlamayı reddetti, istendiğinde yerine geçmedi.",
        "verbal-abuse": "Oyun sırasında bir arkadaşına bağırdı ve kötü sözler söyledi.",
        "physical-harm": "Futbol oynarken arkadaşını itti; arkadaşının dizi sıyrıldı.",
        "damage-theft": "Tuvalet duvarına kalemle yazı yazdı.",
        "absconding": "İzin almadan sınıftan çıktı, vestiyerde bulundu.",
        "prohibited-items": "Kalem kutusunda evden maket bıçağı getirdi; alındı ve idarede saklandı.",
        "bullying": "Bütün hafta arkadaşını oyunlardan dışladı ve ona lakap taktı.",
        "racist": "Arkadaşının ten rengiyle ilgili bir söz söyledi; arkadaşı üzüldü ve öğretmene anlattı.",
        "homophobic": "Sırada arkadaşına hakaret olarak homofobik bir kelime kullandı.",
        "disablist": "Bir grubun önünde arkadaşının konuşmasıyla alay etti.",
        "online-misuse": "Araştırma sırasında sınıf bilgisayarında uygun olmayan videolar aradı.",
        "cyberbullying": "Hafta sonu bir mesaj grubunda arkadaşıyla alay eden mesajlar yazıldı; veli gösterdi.",
        "physical-intervention": "Öğrenci arkadaşlarına vuruyordu; iki öğretmen sakinleşme odasına götürdü.",
        "neglect": "Yine aç geldi, bütün hafta aynı kıyafetlerle; montu yok.",
        "emotional-abuse": "Evde bir yetişkinin ona her gece bağırdığını ve aptal dediğini anlattı.",
        "physical-abuse": "Üst kolunda morluk var; bir yetişkinin tuttuğunu söyledi. Vücut haritası dolduruldu.",
        "mental-health": "Çok ağlamaklıydı, artık burada olmak istemediğini söyledi. Öğrencinin yanında kalındı.",
        "domestic-abuse": "Dün gece eve polis çağrıldığı bildirildi.",
        "missing-education": "Bu ay üçüncü mazeretsiz devamsızlık; aileye telefonla ulaşılamadı.",
        "action": "Öğrenciyle olanları ve bir dahaki sefere ne yapacağını konuştuk.",
        "outcome": "Onarıcı görüşme yapıldı; davranışı o günden beri düzeldi.",
        "rationale": "Yönlendirme eşiği karşılanmadı; okulda haftalık görüşmeyle izleniyor.",
        "referral_rationale": "Sosyal hizmetlere yönlendirildi; toplantı yapıldı, plan hazırlandı.",
        "dsl_note": "Sınıf öğretmeniyle görüşüldü. Her sabah öğrenciyle kısa görüşme yapılacak.",
        "contact": "Olanlar ve okulun yaptıkları anlatıldı; veli destekleyici.",
        "follow_up": "Öğrenciyle görüşüldü: zorbalık durdu ve kendini güvende hissediyor.",
    },
}


def load(*, now=None):
    """Create the demo incident log for each demo school that has none yet; return summary lines (list of str)."""
    now = now or timezone.now()
    lines = []
    for slug in (demo.DEMO_PRIMARY["slug"], demo.ORNEK["slug"]):
        school = School.objects.filter(slug=slug).first()
        if school is None:
            lines.append("Incidents: the demo schools are not loaded; nothing to add.")
            continue
        if Incident.objects.filter(school=school).exists():
            lines.append(f"Incidents at {school.name}: already loaded.")
            continue
        with transaction.atomic():
            made = _SchoolLoader(school, now).load(PER_SCHOOL[slug])
        lines.append(f"Incidents at {school.name}: {made} recorded over the last year.")
    return lines


class _SchoolLoader:
    def __init__(self, school, now):
        self.school = school
        self.now = now
        self.rng = random.Random(f"{SEED}-{school.slug}")
        self.zone = zoneinfo.ZoneInfo(school.time_zone)
        self.texts = TEXTS["tr" if school.default_language == "tr" else "en-gb"]
        self.categories = {c.code: c for c in IncidentCategory.objects.filter(school=school)}
        roles = StaffRole.objects.current().filter(school=school).select_related("user")
        self.by_role = {}
        for role in roles:
            self.by_role.setdefault(role.role, []).append(role.user)
        self.head = (self.by_role.get(Role.HEADTEACHER) or [None])[0]
        self.dsl = (self.by_role.get(Role.DSL) or [self.head])[0]
        self.slt = self.by_role.get(Role.SLT) or [self.head]
        pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).select_related("school_class"))
        teachers = {}
        for school_class_id, user_id in User.classes_taught.through.objects.filter(
            schoolclass__school=school
        ).values_list("schoolclass_id", "user_id"):
            teachers.setdefault(school_class_id, user_id)
        self.teacher_of = teachers
        self.users = {user.pk: user for users in self.by_role.values() for user in users}
        self.pupils = pupils
        # A few pupils account for many incidents (as in any school); weights make that so.
        self.weights = [self.rng.choice((1, 1, 1, 1, 2, 3, 12)) for _ in pupils]
        self.years = list(AcademicYear.objects.filter(school=school))

    def _when(self):
        """A school day in the last year at a plausible time (more at break and lunch)."""
        while True:
            day = (self.now.astimezone(self.zone) - datetime.timedelta(days=self.rng.randint(0, 364))).date()
            if day.weekday() < 5 and not (day.month == 8 or (day.month == 7 and day.day > 22)):
                break
        hour, minute = self.rng.choice(
            [(9, 15), (10, 5), (10, 40), (10, 50), (11, 30), (12, 10), (12, 25), (12, 40), (12, 55), (13, 40), (14, 30)]
        )
        moment = datetime.datetime.combine(
            day, datetime.time(hour, min(minute + self.rng.randint(0, 4), 59)), self.zone
        )
        return min(moment, self.now - datetime.timedelta(minutes=30))

    def _pupil(self, exclude=None):
        while True:
            pupil = self.rng.choices(self.pupils, weights=self.weights)[0]
            if pupil != exclude:
                return pupil

    def _recorder(self, pupil):
        teacher_id = self.teacher_of.get(pupil.school_class_id)
        if teacher_id and self.rng.random() < 0.75:
            return self.users.get(teacher_id) or User.objects.get(pk=teacher_id)
        staff = [u for role in (Role.TEACHER, Role.SLT, Role.OFFICE) for u in self.by_role.get(role, [])]
        return self.rng.choice(staff or [self.head])

    def _year_of(self, day):
        for year in self.years:
            if year.starts_on <= day <= year.ends_on:
                return year
        return None

    def load(self, count):
        codes = [shape[0] for shape in SHAPES]
        weights = [shape[1] for shape in SHAPES]
        shapes = {shape[0]: shape for shape in SHAPES}
        records = []  # (incident, category, [(pupil, role)], (code, level, old, safeguarding, referral))
        for _ in range(count):
            code = self.rng.choices(codes, weights=weights)[0]
            if code not in self.categories:
                continue
            _code, _weight, levels, locations = shapes[code]
            category = self.categories[code]
            occurred_at = self._when()
            subject = self._pupil()
            recorder = self._recorder(subject)
            level = self.rng.choice(levels) if levels else None
            flags = {flag: False for flag in GROUP_FLAGS.values()}
            flags[GROUP_FLAGS[category.group]] = True
            old = occurred_at < self.now - datetime.timedelta(days=14)
            safeguarding = category.group == "safeguarding"
            referral = safeguarding and self.rng.random() < 0.3
            if code == "bullying":
                bullying_type = self.rng.choice([BullyingType.VERBAL, BullyingType.EMOTIONAL, BullyingType.PHYSICAL])
            else:
                bullying_type = BullyingType.CYBER if code == "cyberbullying" else ""
            rationale = ""
            if old and safeguarding:
                rationale = self.texts["referral_rationale"] if referral else self.texts["rationale"]
            incident = Incident(
                school=self.school,
                occurred_at=occurred_at,
                location=self.rng.choice(locations),
                recorded_by=recorder,
                behaviour_level=level,
                bullying_type=bullying_type,
                protected_characteristic="race" if code == "racist" else "",
                description=self.texts[code],
                immediate_action=self.texts["action"],
                status=Incident.Status.CLOSED if old else Incident.Status.OPEN,
                outcome=self.texts["outcome"] if old else "",
                outcome_rationale=rationale,
                closed_at=occurred_at + datetime.timedelta(days=3) if old else None,
                closed_by=(self.dsl if safeguarding else self.rng.choice(self.slt)) if old else None,
                **flags,
            )
            pair = code in ("bullying", "racist", "homophobic", "disablist", "cyberbullying", "physical-harm")
            pupils = [(subject, IncidentPupil.Role.ALLEGED_PERPETRATOR if pair else IncidentPupil.Role.SUBJECT)]
            if pair:
                pupils.append((self._pupil(exclude=subject), IncidentPupil.Role.VICTIM))
            records.append((incident, category, pupils, (code, level, old, safeguarding, referral)))
        records.sort(key=lambda record: record[0].occurred_at)
        bulk_create_with_history([record[0] for record in records], Incident, batch_size=500)
        # Re-read in the same order (occurred_at, then insertion order) so every database gives us the ids.
        created = list(Incident.objects.filter(school=self.school).order_by("occurred_at", "pk"))
        Through = Incident.categories.through
        Through.objects.bulk_create(
            [
                Through(incident_id=row.pk, incidentcategory_id=record[1].pk)
                for row, record in zip(created, records, strict=True)
            ]
        )
        bulk_create_with_history(
            [
                IncidentPupil(incident=row, pupil=pupil, role=role)
                for row, record in zip(created, records, strict=True)
                for pupil, role in record[2]
            ],
            IncidentPupil,
            batch_size=1000,
        )
        actions, contacts, sanctions, notes, interventions = [], [], [], [], []
        for incident, record in zip(created, records, strict=True):
            code, level, old, safeguarding, referral = record[3]
            involved = record[2]
            subject = involved[0][0]
            day = incident.occurred_at.astimezone(self.zone).date()
            if safeguarding:
                notes.append(DSLNote(incident=incident, author=self.dsl, text=self.texts["dsl_note"]))
                if referral:
                    actions.append(
                        Action(
                            incident=incident,
                            incident_occurred_at=incident.occurred_at,
                            kind=Action.Kind.REFER_SOCIAL_CARE
                            if self.rng.random() < 0.6
                            else Action.Kind.REFER_EARLY_HELP,
                            assignee=self.dsl,
                            due_on=day + datetime.timedelta(days=1),
                            created_by=self.dsl,
                            completed_at=incident.occurred_at + datetime.timedelta(days=1) if old else None,
                            completed_by=self.dsl if old else None,
                            completion_note=self.texts["referral_rationale"] if old else "",
                        )
                    )
                continue
            if code == "physical-intervention":
                interventions.append(
                    PhysicalIntervention(
                        incident=incident,
                        staff_involved=f"{incident.recorded_by.full_name}, {self.rng.choice(self.slt).full_name}",
                        staff_trained=True,
                        method="Guide to a safe space (Team Teach)",
                        duration_minutes=self.rng.randint(2, 8),
                        parents_informed_at=incident.occurred_at + datetime.timedelta(hours=3),
                    )
                )
            if level and level >= 3:
                for pupil, _role in involved:
                    contacts.append(
                        ParentContact(
                            incident=incident,
                            pupil=pupil,
                            contact_name=pupil.legal_last_name,
                            method=self.rng.choice([ParentContact.Method.PHONE, ParentContact.Method.IN_PERSON]),
                            contacted_at=incident.occurred_at + datetime.timedelta(hours=4),
                            summary=self.texts["contact"],
                            recorded_by=incident.recorded_by,
                        )
                    )
            if code in ("bullying", "cyberbullying"):
                due = day + datetime.timedelta(days=14)
                actions.append(
                    Action(
                        incident=incident,
                        incident_occurred_at=incident.occurred_at,
                        kind=Action.Kind.FOLLOW_UP_VICTIM,
                        assignee=incident.recorded_by,
                        due_on=due,
                        created_by=incident.recorded_by,
                        completed_at=incident.occurred_at + datetime.timedelta(days=14)
                        if old and due < self.now.date()
                        else None,
                        completed_by=incident.recorded_by if old and due < self.now.date() else None,
                        completion_note=self.texts["follow_up"] if old and due < self.now.date() else "",
                    )
                )
            year = self._year_of(day)
            if level and year is not None:
                if level == 2 and self.rng.random() < 0.4:
                    sanctions.append((incident, subject, year, Sanction.Kind.REFLECTION, day, None, []))
                elif level == 3 and self.rng.random() < 0.5:
                    sanctions.append((incident, subject, year, Sanction.Kind.LOSS_OF_BREAK, day, None, []))
                elif level >= 4 and self.rng.random() < 0.25 and self.head is not None:
                    reasons = {"physical-harm": ["PP"], "racist": ["RA"], "bullying": ["BU"], "verbal-abuse": ["VP"]}
                    days = decimal.Decimal(self.rng.choice(["1", "1", "2", "3", "0.5"]))
                    sanctions.append(
                        (
                            incident,
                            subject,
                            year,
                            Sanction.Kind.SUSPENSION,
                            day + datetime.timedelta(days=1),
                            days,
                            reasons.get(code, ["DB"]),
                        )
                    )
        bulk_create_with_history(actions, Action, batch_size=500)
        bulk_create_with_history(contacts, ParentContact, batch_size=500)
        bulk_create_with_history(notes, DSLNote, batch_size=500)
        bulk_create_with_history(interventions, PhysicalIntervention, batch_size=500)
        bulk_create_with_history(
            [
                Sanction(
                    incident=incident,
                    pupil=pupil,
                    academic_year=year,
                    kind=kind,
                    starts_on=day,
                    days=days,
                    reason_1=reasons[0] if reasons else "",
                    recorded_by=self.head if days else incident.recorded_by,
                )
                for incident, pupil, year, kind, day, days, reasons in sanctions
            ],
            Sanction,
            batch_size=500,
        )
        self._recent_alerts(created)
        self._professionals()
        return len(created) + self._showcase()

    def _showcase(self):
        """Two recent records for the demo accounts to open: a level 4 bullying incident across two classes (the
        3 Oak teacher, the other class teacher and SLT have unread alerts) and a concern raised by the 3 Oak
        teacher (the DSL team has an unread alert). Made through ``incidents.services`` like a real recording, with
        the e-mails left to the worker."""
        from . import services

        teacher = User.objects.filter(email="teacher@demo.test").first()
        recorder = User.objects.filter(email="office@demo.test").first()
        if self.school.slug != demo.DEMO_PRIMARY["slug"] or teacher is None or recorder is None:
            return 0
        own = [pupil for pupil in self.pupils if pupil.school_class and pupil.school_class.name == "3 Oak"]
        others = [pupil for pupil in self.pupils if pupil.school_class and pupil.school_class.name == "4 Ash"]
        if len(own) < 2 or not others:
            return 0
        when = self.now - datetime.timedelta(hours=20)
        services.incident_record(
            actor=recorder,
            school=self.school,
            occurred_at=when,
            location=Location.PLAYGROUND,
            categories=[self.categories["bullying"]],
            pupils=[(others[0], IncidentPupil.Role.ALLEGED_PERPETRATOR), (own[1], IncidentPupil.Role.VICTIM)],
            behaviour_level=4,
            bullying_type=BullyingType.PHYSICAL,
            description=self.texts["bullying"],
            immediate_action=self.texts["action"],
            reported_by="Lunchtime supervisor",
            now=self.now,
        )
        services.incident_record(
            actor=teacher,
            school=self.school,
            occurred_at=self.now - datetime.timedelta(hours=3),
            location=Location.CLASSROOM,
            categories=[self.categories["neglect"]],
            pupils=[(own[0], IncidentPupil.Role.SUBJECT)],
            description=self.texts["neglect"],
            immediate_action=self.texts["action"],
            now=self.now,
        )
        return 2

    def _recent_alerts(self, incidents):
        """Alerts for the last fortnight's incidents (unread for the last three days), already 'e-mailed'."""
        recent_from = self.now - datetime.timedelta(days=14)
        alerts = []
        for incident in incidents:
            if incident.occurred_at < recent_from:
                continue
            for user_id, reason in alert_recipients(incident).items():
                read = incident.occurred_at < self.now - datetime.timedelta(days=3)
                alerts.append(
                    Alert(
                        incident=incident,
                        incident_occurred_at=incident.occurred_at,
                        recipient_id=user_id,
                        reason=reason,
                        read_at=incident.occurred_at + datetime.timedelta(hours=2) if read else None,
                        emailed_at=incident.occurred_at,
                    )
                )
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)

    def _professionals(self):
        concerned = (
            IncidentPupil.objects.filter(incident__school=self.school, incident__is_safeguarding=True)
            .values_list("pupil_id", flat=True)
            .distinct()[:6]
        )
        rows = []
        for pupil_id in concerned:
            rows.append(
                Professional(
                    pupil_id=pupil_id,
                    name=self.rng.choice(["A. Morgan", "S. Patel", "J. Okafor", "L. Byrne", "E. Yıldız", "M. Demir"]),
                    role=self.rng.choice(["Social worker", "Early help practitioner", "School nurse"]),
                    organisation="Demo Council Children's Services",
                    phone="01632 960" + str(self.rng.randint(100, 999)),  # Ofcom drama range
                )
            )
        bulk_create_with_history(rows, Professional, batch_size=100)
