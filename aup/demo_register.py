"""The policy register demo: about 25 policies per demo school, with review cycles, owners, review teams and a spread
of review states that looks right on whatever day the demo is loaded.

``aup.demo_content.load()`` calls ``load()`` after the acceptable use policies. Each school gets the policies an
English primary school (Demo Primary School) or a Turkish state primary school (Örnek İlkokulu, in Turkish) keeps
in its register, with their usual cycles: child protection, behaviour and the SEND information report every year,
the accessibility plan every three years, the freedom of information publication scheme every two, equality
objectives every four, the pay policy every September (like the Turkish AUP of the seeds, reviewed "every
September"), homework termly, and so on. Approving bodies are mixed — the full governing body, a named committee,
the headteacher, the trust board — as in the seeds (St James: reviewed by a named group and approved by governors;
Sigma: approved by the Audit and Risk Committee on a date). The texts are short summaries in our own words.

Dates are relative to each school's today: a policy's approval date is chosen so that its next review date (computed
by ``policy_schedule_next_review`` from the cycle) falls where the spec says — a few overdue (one by more than a
week), a few due within 30 days, a few within 60, the rest up to date — and never in the future. Two policies per
school are in review: one with a new version drafted, one submitted to a committee for approval, so the head (or an
SLT member) can record the decision and watch the next review date move on.

Everything is written through the real services — ``policy_create``, ``policy_version_create``,
``policy_version_approve`` (actors: the office and the headteacher) and the review round in ``services_reviews``
(the policy's owner, who may always work on its review) — so audit events and review steps are recorded. Only the
review settings (cycle, interval, month, review team) are set directly: no service sets them yet.

Loading is idempotent: a policy is found by its title in its school, and one that exists is left as it is
(whatever has happened to it since), so a second run creates nothing. The acceptable use policies of
``aup.demo_content`` get review settings the first time only (while they have no last approval date).
"""

import collections
import dataclasses
import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Role, School, StaffRole, Term

from . import services_library, services_reviews
from .models import Policy, PolicyReview, PolicyVersion
from .reviews import review_status

Cycle = Policy.ReviewCycle
Body = Policy.ApprovingBody
Category = Policy.Category

RESOURCES = "Resources Committee"
CURRICULUM = "Curriculum and Standards Committee"
TEACHERS_BOARD = "Öğretmenler Kurulu"
PARENTS_BOARD = "Okul Aile Birliği Yönetim Kurulu"
HEALTH_AND_SAFETY_BOARD = "İş Sağlığı ve Güvenliği Kurulu"
IMPROVEMENT_TEAM = "Okul Gelişim Yönetim Ekibi"
BEP_UNIT = "Bireyselleştirilmiş Eğitim Programı (BEP) Geliştirme Birimi"


@dataclasses.dataclass(frozen=True)
class ReviewSpec:
    """A review in progress: started and a new version drafted by the policy's owner; ``submitted`` to the
    approving body too."""

    start_note: str
    summary: str
    added: str  # Markdown appended to the current text: what the new version changes
    submitted: bool = False
    submit_note: str = ""


@dataclasses.dataclass(frozen=True)
class RegisterSpec:
    """One policy of the register.

    ``due_in``: days from the school's today to the next review date (negative: overdue) for "every N years /
    months" cycles; a fixed-month or termly policy is approved in the latest such month or term instead. ``owner``
    and ``team`` are e-mail addresses of demo accounts.
    """

    title: str
    category: str
    approving_body: str
    owner: str
    body: str
    cycle: str = Cycle.EVERY_N_YEARS
    interval: int = 1
    month: int | None = None
    due_in: int = 180
    committee: str = ""
    team: tuple = ()
    summary: str = ""
    review: ReviewSpec | None = None


@dataclasses.dataclass(frozen=True)
class ExistingSettings:
    """Review settings for a policy ``aup.demo_content`` created (it has a version, approved on a fixed date)."""

    cycle: str = Cycle.EVERY_N_YEARS
    interval: int = 1
    month: int | None = None
    team: tuple = ()


# Demo Primary School ----------------------------------------------------------------------------------------------

OFFICE, TEACHER, DSL, SENCO, SLT, HEAD, GOVERNOR = (
    "office@demo.test",
    "teacher@demo.test",
    "dsl@demo.test",
    "deputy.dsl@demo.test",
    "slt@demo.test",
    "head@demo.test",
    "governor@demo.test",
)

DEMO_PRIMARY_REGISTER = (
    RegisterSpec(
        title="Child Protection and Safeguarding Policy",
        category=Category.SAFEGUARDING,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=DSL,
        team=(DSL, SENCO, GOVERNOR),
        due_in=18,
        summary="Annual review against the current Keeping Children Safe in Education.",
        body="""\
# Child Protection and Safeguarding Policy

Every member of staff, governor and volunteer at Demo Primary School shares one duty: to keep children safe and to
act on any concern about a child's welfare, however small it seems. This policy explains how we do that, following
the statutory guidance *Keeping Children Safe in Education* and *Working Together to Safeguard Children*, and the
procedures of the local safeguarding partners.

The designated safeguarding lead (DSL) leads this work, with a deputy who can act in their absence. Staff pass any
concern to the DSL the same day and record it in the portal; if a child is in immediate danger they call the police
or children's social care first. We never promise a child to keep a secret.

All staff are trained when they join and every year, and read Part 1 of the guidance each September. Governors
check each year that this policy works, through the safeguarding governor's visits and the DSL's annual report.
""",
        review=ReviewSpec(
            start_note="Annual review: the new edition of Keeping Children Safe in Education is in force.",
            summary=(
                "Annual review: updated for the new Keeping Children Safe in Education; filtering and monitoring "
                "responsibilities named; the child-on-child abuse section rewritten."
            ),
            added="""\
## Filtering and monitoring

The DSL holds lead responsibility for online safety, including the school's filtering and monitoring. They check
with the IT provider each term that the filters block what they should, and review the monitoring reports with the
headteacher.
""",
        ),
    ),
    RegisterSpec(
        title="Behaviour Policy",
        category=Category.BEHAVIOUR,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=SLT,
        team=(SLT, TEACHER, GOVERNOR),
        due_in=12,
        summary="Annual review with the school council; the three school rules kept.",
        body="""\
# Behaviour Policy

Our school has three rules — be ready, be kind, be safe — and every adult uses the same calm language to teach and
reinforce them. Good behaviour is noticed first: praise, house points and a weekly certificate for each class.

When a pupil breaks a rule the response is proportionate and follows steps every child knows: a reminder, a warning,
time to reflect, then a conversation with a senior leader and a call home. Serious incidents are recorded in the
portal and followed up the same day.

Pupils with special educational needs may need adjustments to these steps; their class teacher and the SENCo agree
them with the family. The headteacher alone may suspend or exclude, following the suspensions and permanent
exclusions policy.
""",
    ),
    RegisterSpec(
        title="SEND Information Report",
        category=Category.SEND,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=SENCO,
        team=(SENCO, GOVERNOR),
        due_in=26,
        summary="Annual update of the report published on the school website.",
        body="""\
# SEND Information Report

This report tells families how Demo Primary School supports pupils with special educational needs and
disabilities (SEND), as the SEND Code of Practice requires us to publish each year. Our SENCo coordinates support
and is the first person to speak to about a concern.

We identify needs early through teachers' observations, assessments and what parents tell us. Support follows a
cycle of assess, plan, do and review, agreed with the pupil and their family and reviewed at least three times a
year. Some pupils have an education, health and care plan, reviewed annually with the local authority.

The report also lists the training our staff have had, the specialists we work with and how to complain if you
are unhappy with the support your child receives.
""",
    ),
    RegisterSpec(
        title="Accessibility Plan",
        category=Category.SEND,
        approving_body=Body.COMMITTEE,
        committee=RESOURCES,
        owner=HEAD,
        team=(HEAD, OFFICE, GOVERNOR),
        cycle=Cycle.EVERY_N_YEARS,
        interval=3,
        due_in=410,
        summary="Three-year plan adopted after the site access audit.",
        body="""\
# Accessibility Plan

The Equality Act 2010 asks every school to plan, over three years, how it will make the curriculum, the buildings
and the information it gives more accessible to disabled pupils. This plan sets out our aims, the actions that
follow from them, who leads each one and how we will know it worked.

Over these three years we are widening the access ramp to the junior playground, adding a quiet room for pupils
who need a calm space, and giving families letters in larger print or other formats on request.

The Resources Committee checks progress every year; the full plan is renewed every three years.
""",
    ),
    RegisterSpec(
        title="Complaints Procedure",
        category=Category.OTHER,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=HEAD,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=45,
        summary="Adopted from the Department for Education's model procedure.",
        body="""\
# Complaints Procedure

Most concerns are settled quickly by talking to the class teacher, and we encourage families to start there. If
that does not resolve things, a formal complaint goes to the headteacher, who will acknowledge it within five
school days and reply in writing.

If you are still not satisfied, a panel of governors who have had no part in the matter hears the complaint. Their
decision ends the school's procedure; you may then contact the Department for Education. Complaints about the
headteacher go straight to the chair of governors.
""",
    ),
    RegisterSpec(
        title="Charging and Remissions Policy",
        category=Category.OTHER,
        approving_body=Body.COMMITTEE,
        committee=RESOURCES,
        owner=OFFICE,
        due_in=-3,
        summary="Annual review: music tuition charges updated.",
        body="""\
# Charging and Remissions Policy

Education during the school day is free. We may ask for voluntary contributions towards trips and visits, but no
child is left out because their family cannot or does not pay.

We charge for some optional activities outside school hours, individual instrument lessons, and board and lodging
on residential visits. Families who receive certain benefits are not charged for board and lodging on a residential
visit that is part of the curriculum. Damage to school property may be charged for at the headteacher's discretion.
""",
    ),
    RegisterSpec(
        title="Health and Safety Policy",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.COMMITTEE,
        committee=RESOURCES,
        owner=OFFICE,
        team=(OFFICE, HEAD, GOVERNOR),
        due_in=38,
        summary="Annual review: fire drill records moved online; asbestos register checked.",
        body="""\
# Health and Safety Policy

The trust, as employer, is responsible for health and safety; the headteacher manages it day to day and the office
manager coordinates checks, risk assessments and records. Every member of staff looks after their own safety and
that of others, and reports hazards at once.

We test fire alarms weekly, hold a fire drill each term, and keep records of checks on electrical equipment, water
systems and play equipment. Contractors sign in, are told about the asbestos register and work under a permit where
needed.

A governor walks the site with the office manager each term, and the Resources Committee receives an annual report
of accidents and checks.
""",
    ),
    RegisterSpec(
        title="First Aid Policy",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE,
        due_in=-9,
        summary="Annual review: paediatric first aiders listed for the Reception classes.",
        body="""\
# First Aid Policy

We keep enough trained first aiders on site whenever pupils are present, including at least one paediatric first
aider with the Reception classes and on every trip with young children. Their names and the locations of the first
aid kits are displayed in the staffroom and the office.

Every injury treated is recorded. Parents are told the same day about any head injury, and straight away about
anything more serious; an ambulance is called without delay when needed. Accidents that must be reported to the
Health and Safety Executive are reported by the office manager.
""",
    ),
    RegisterSpec(
        title="Supporting Pupils with Medical Conditions Policy",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=SENCO,
        due_in=150,
        summary="Annual review: inhaler and auto-injector storage clarified.",
        body="""\
# Supporting Pupils with Medical Conditions Policy

Pupils with medical conditions should take a full part in school life, including trips and sport. For each pupil
who needs one we agree an individual healthcare plan with the family and health professionals, and review it at
least once a year.

Medicines are given only with a parent's written consent, by trained staff, and every dose is recorded. Inhalers
and adrenaline auto-injectors stay with the pupil or in their classroom, never locked away.
""",
    ),
    RegisterSpec(
        title="Relationships, Sex and Health Education Policy",
        category=Category.CURRICULUM,
        approving_body=Body.COMMITTEE,
        committee=CURRICULUM,
        owner=SLT,
        team=(SLT, TEACHER, GOVERNOR),
        due_in=9,
        summary="Annual review after consulting parents on the Year 6 units.",
        body="""\
# Relationships, Sex and Health Education Policy

Relationships education and health education are compulsory in primary schools. Through them our pupils learn
about families, friendships, keeping safe, their bodies and their mental and physical health, in ways that suit
their age.

We teach sex education in Year 6 beyond what the science curriculum requires. Parents may ask to withdraw their
child from these lessons, though not from relationships or health education; the headteacher discusses each
request with the family.

We consult parents whenever the policy changes and share the lesson materials on request.
""",
        review=ReviewSpec(
            start_note="Parent consultation on the Year 6 units closed; starting the annual review.",
            summary=(
                "Annual review after the parent consultation: Year 6 lesson materials shown to parents at a "
                "summer-term meeting; withdrawal requests answered within ten school days."
            ),
            added="""\
## Sharing the lessons with parents

Each summer term, before the Year 6 sex education lessons, parents are invited to a meeting to see the materials.
The headteacher answers a request to withdraw a child within ten school days.
""",
            submitted=True,
            submit_note="For the Curriculum and Standards Committee at its next meeting.",
        ),
    ),
    RegisterSpec(
        title="Attendance Policy",
        category=Category.OTHER,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=SLT,
        team=(SLT, OFFICE),
        due_in=-19,
        summary="Annual review following the statutory attendance guidance.",
        body="""\
# Attendance Policy

Pupils who attend every day learn more and are safer. The deputy headteacher is our attendance champion, and the
office follows up every unexplained absence on the first morning.

Parents tell the office by 9:30 when their child is ill. Leave in term time is granted only in exceptional
circumstances. When attendance falls we first meet the family to understand why and offer help; persistent absence
may lead to a referral to the local authority.
""",
    ),
    RegisterSpec(
        title="Data Protection Policy",
        category=Category.DATA_PROTECTION,
        approving_body=Body.TRUST_BOARD,
        owner=OFFICE,
        due_in=200,
        summary="Trust-wide policy adopted by the trust board.",
        body="""\
# Data Protection Policy

The trust and its schools collect and use personal information about pupils, families and staff to run the school
and keep children safe. We follow the UK GDPR and the Data Protection Act 2018, and our privacy notices explain what
we hold, why, and for how long.

The trust's data protection officer advises the school. Requests to see personal information are answered within
one month; breaches are reported to the data protection officer at once and, where the law requires, to the
Information Commissioner's Office within 72 hours.
""",
    ),
    RegisterSpec(
        title="Freedom of Information Publication Scheme",
        category=Category.DATA_PROTECTION,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=300,
        summary="Model publication scheme adopted; charges for paper copies listed.",
        body="""\
# Freedom of Information Publication Scheme

The Freedom of Information Act 2000 gives everyone the right to ask for information a public body holds. This
scheme lists what we publish routinely — policies, governors' minutes, the prospectus, term dates, performance
data — and where to find it.

Most of it is on the school website free of charge; paper copies are available from the office for the cost of
printing and postage. Other requests are answered within 20 school days.
""",
    ),
    RegisterSpec(
        title="Equality Information and Objectives",
        category=Category.OTHER,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=HEAD,
        cycle=Cycle.EVERY_N_YEARS,
        interval=4,
        due_in=700,
        summary="New objectives for the next four years.",
        body="""\
# Equality Information and Objectives

The public sector equality duty asks us to publish information showing how we eliminate discrimination, advance
equality of opportunity and foster good relations, and to set equality objectives at least every four years.

Our objectives are to close the gap in reading between disadvantaged pupils and their classmates, to make sure
every club is open to pupils with disabilities, and to reflect our pupils' many languages and cultures in the books
we read. We publish progress each year.
""",
    ),
    RegisterSpec(
        title="Pay Policy",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.COMMITTEE,
        committee=RESOURCES,
        owner=HEAD,
        cycle=Cycle.FIXED_MONTH,
        month=9,
        summary="Reviewed each September with the new School Teachers' Pay and Conditions Document.",
        body="""\
# Pay Policy

This policy sets out how teachers' and support staff's pay is determined, following the School Teachers' Pay and
Conditions Document and the trust's pay scales. It is reviewed every September, when the new pay award takes
effect.

Pay progression is linked to the annual appraisal and decided by the Resources Committee on the headteacher's
recommendation. Staff may appeal a pay decision in writing within ten working days.
""",
    ),
    RegisterSpec(
        title="Staff Capability Policy",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.TRUST_BOARD,
        owner=HEAD,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=260,
        summary="Trust-wide procedure agreed with the recognised unions.",
        body="""\
# Staff Capability Policy

When a member of staff's performance falls below the standard expected, we first give informal support: clear
feedback, coaching and time to improve. Most concerns end there.

If they do not, a formal procedure begins, with written targets, support and a review period; the member of staff
may be accompanied at every meeting by a colleague or union representative. This procedure is separate from
misconduct, which the disciplinary policy covers.
""",
    ),
    RegisterSpec(
        title="Whistleblowing Policy",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.TRUST_BOARD,
        owner=HEAD,
        due_in=55,
        summary="Annual review: the NSPCC whistleblowing helpline added.",
        body="""\
# Whistleblowing Policy

Anyone who works or volunteers at the school can raise a concern about wrongdoing — danger to pupils, fraud, a
breach of the law or a cover-up — without fear of being treated unfairly for doing so.

Raise it with the headteacher, or with the chair of governors or the trust if it concerns the headteacher.
Concerns about the way a child is being protected can also go to the NSPCC whistleblowing helpline. We will look
into every concern and tell you, as far as we can, what was done.
""",
    ),
    RegisterSpec(
        title="Staff Code of Conduct",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=HEAD,
        team=(HEAD, SLT, DSL),
        due_in=280,
        summary="Annual review: the section on personal social media accounts extended.",
        body="""\
# Staff Code of Conduct

Adults in school are role models. This code sets out the standards we expect of staff and volunteers: to treat
pupils, families and colleagues with respect, to keep professional boundaries, and to avoid any situation that
could be misunderstood.

Staff do not contact pupils through personal phones or social media, do not give lifts alone to a pupil without
agreement, and declare any relationship or interest that could conflict with their work. Breaches are dealt with
under the disciplinary procedure; safeguarding concerns about an adult go to the headteacher at once.
""",
    ),
    RegisterSpec(
        title="Early Career Teachers Policy",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.HEADTEACHER,
        owner=SLT,
        due_in=120,
        summary="Annual review of the induction programme with the appropriate body.",
        body="""\
# Early Career Teachers Policy

Teachers in their first two years follow a statutory induction built on the Early Career Framework. Each has a
trained mentor, a reduced timetable and regular progress reviews, with formal assessments at the end of each year
reported to the appropriate body.

The deputy headteacher is the induction tutor. An early career teacher who has a concern about their induction can
raise it with the headteacher or the appropriate body.
""",
    ),
    RegisterSpec(
        title="Admissions Policy",
        category=Category.OTHER,
        approving_body=Body.TRUST_BOARD,
        owner=OFFICE,
        due_in=90,
        summary="Admission arrangements determined by the trust board after consultation.",
        body="""\
# Admissions Policy

The trust board, as admission authority, sets our admission arrangements each year, following the School
Admissions Code. Reception places are applied for through the local authority's coordinated scheme.

When there are more applications than places, places go first to looked-after and previously looked-after
children, then to children with a sibling at the school, then by distance from home. Families may appeal to an
independent panel if their child is refused a place.
""",
    ),
    RegisterSpec(
        title="Suspensions and Permanent Exclusions Policy",
        category=Category.BEHAVIOUR,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=HEAD,
        due_in=170,
        summary="Annual review against the statutory suspension and exclusion guidance.",
        body="""\
# Suspensions and Permanent Exclusions Policy

Only the headteacher may suspend a pupil or exclude a pupil permanently, and only for serious or persistent
breaches of the behaviour policy, when allowing the pupil to stay would seriously harm the education or welfare of
others.

Parents are told at once and in writing, with the reasons and their right to make representations to the
governing body. The school sets work from the first day of a suspension and holds a reintegration meeting when the
pupil returns.
""",
    ),
    RegisterSpec(
        title="Anti-Bullying Policy",
        category=Category.BEHAVIOUR,
        approving_body=Body.FULL_GOVERNING_BODY,
        owner=SLT,
        team=(SLT, DSL, GOVERNOR),
        due_in=20,
        summary="Annual review with the school council's anti-bullying ambassadors.",
        body="""\
# Anti-Bullying Policy

Bullying is behaviour that hurts someone on purpose and is repeated. It can be physical, verbal, online or done by
leaving someone out. At our school it is never acceptable and is always taken seriously.

Pupils can tell any adult, or use the worry box in each classroom. Every report is recorded and investigated;
the pupil who was bullied is supported and the pupil responsible is helped to change, with sanctions under the
behaviour policy. Parents of both are told.

Each November we take part in Anti-Bullying Week, and our ambassadors from the school council help younger pupils
at play times.
""",
    ),
    RegisterSpec(
        title="Educational Visits Policy",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=SLT,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=5,
        summary="Adopted with the trust's educational visits guidance.",
        body="""\
# Educational Visits Policy

Visits bring learning to life, and every pupil should be able to go. The educational visits coordinator approves
each visit after checking its risk assessment, staffing ratios and first aid cover; residential and adventurous
activities are also approved by the trust.

Parents consent to each visit outside the local area. A named member of staff at school holds the emergency
contacts and pupils' medical details for the whole visit.
""",
    ),
    RegisterSpec(
        title="Homework Policy",
        category=Category.CURRICULUM,
        approving_body=Body.HEADTEACHER,
        owner=TEACHER,
        cycle=Cycle.TERMLY,
        summary="Homework menus for the term agreed.",
        body="""\
# Homework Policy

Homework at primary school should be short, purposeful and enjoyable. Every pupil reads at home daily and practises
times tables or number facts; from Year 3 each class also has a termly homework menu of creative tasks.

Teachers review the menus with year-group colleagues at the start of every term, so this policy is looked at each
term too. Homework is never set over the holidays.
""",
    ),
    RegisterSpec(
        title="Lettings Policy",
        category=Category.OTHER,
        approving_body=Body.COMMITTEE,
        committee=RESOURCES,
        owner=OFFICE,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=-40,
        summary="Hall and field hire charges revised.",
        body="""\
# Lettings Policy

The school hall and field are let to community groups outside school hours when this does not affect pupils.
Each hirer signs an agreement, holds public liability insurance and, if the activity is for children, shows us its
safeguarding policy.

Charges cover the school's costs; the Resources Committee sets them and may agree reduced rates for local
charities.
""",
    ),
)

DEMO_PRIMARY_EXISTING = {
    "Online Safety and Acceptable Use Policy": ExistingSettings(
        team=(DSL, TEACHER, GOVERNOR)
    ),  # St James: a named group
    "Home–School Agreement": ExistingSettings(),
    "Photography and Videos at School Policy": ExistingSettings(team=(OFFICE, HEAD)),
}

# Örnek İlkokulu ----------------------------------------------------------------------------------------------------

OFFICE_TR, MUDUR, TEACHER_TR = "office.tr@demo.test", "mudur.tr@demo.test", "teacher.tr@demo.test"
OGRETMEN_1A, OGRETMEN_2B, OGRETMEN_4A = "ogretmen.1-a@demo.test", "ogretmen.2-b@demo.test", "ogretmen.4-a@demo.test"

ORNEK_REGISTER = (
    RegisterSpec(
        title="Çocuk Koruma Politikası",
        category=Category.SAFEGUARDING,
        approving_body=Body.HEADTEACHER,
        owner=MUDUR,
        team=(MUDUR, TEACHER_TR, OGRETMEN_2B),
        due_in=150,
        summary="Yıllık gözden geçirme: ihmal ve istismar bildirim adımları güncellendi.",
        body="""\
# Çocuk Koruma Politikası

Örnek İlkokulu'nda çalışan herkesin ilk görevi çocukların güvenliğini sağlamaktır. Bu politika, bir çocuğun ihmal
ya da istismara uğradığından şüphelenildiğinde ne yapılacağını ve kimin sorumlu olduğunu açıklar.

Bir öğretmen ya da personel endişesini aynı gün okul müdürüne bildirir ve portala kaydeder. Çocuğun hemen tehlikede
olduğu durumlarda 112 Acil Çağrı Merkezi aranır; yasal bildirim yükümlülüğü okul idaresi tarafından yerine getirilir.
Çocuğa sır tutma sözü verilmez.

Bütün personel her eğitim-öğretim yılı başında bu konuda bilgilendirilir. Politika her yıl okul idaresi ve rehberlik
servisiyle birlikte gözden geçirilir.
""",
    ),
    RegisterSpec(
        title="Olumlu Davranış ve Okul Kuralları Politikası",
        category=Category.BEHAVIOUR,
        approving_body=Body.COMMITTEE,
        committee=TEACHERS_BOARD,
        owner=TEACHER_TR,
        team=(TEACHER_TR, OGRETMEN_1A),
        due_in=14,
        summary="Sınıf kuralları öğrencilerle birlikte yeniden yazıldı.",
        body="""\
# Olumlu Davranış ve Okul Kuralları Politikası

Okulumuzun kuralları kısa ve açıktır: saygılı ol, hazır ol, güvende ol. Her sınıf, eğitim-öğretim yılının ilk
haftasında kendi sınıf kurallarını öğretmeniyle birlikte yazar ve panoya asar.

Olumlu davranışı fark edip övmek önceliğimizdir. Kurala uyulmadığında önce hatırlatma yapılır, ardından öğrenciyle
konuşulur ve gerekirse veliyle görüşülür. Tekrarlayan ya da ciddi durumlar okul idaresine ve rehberlik servisine
bildirilir.
""",
    ),
    RegisterSpec(
        title="Özel Eğitim ve Kaynaştırma Politikası",
        category=Category.SEND,
        approving_body=Body.COMMITTEE,
        committee=BEP_UNIT,
        owner=MUDUR,
        team=(MUDUR, TEACHER_TR, OGRETMEN_4A),
        due_in=22,
        summary="Yıllık gözden geçirme: BEP toplantı takvimi eklendi.",
        body="""\
# Özel Eğitim ve Kaynaştırma Politikası

Özel eğitim ihtiyacı olan öğrencilerimiz akranlarıyla aynı sınıfta eğitim görür. Her öğrenci için
Bireyselleştirilmiş Eğitim Programı (BEP) hazırlanır; program veli, sınıf öğretmeni ve rehber öğretmenle birlikte
yılda en az iki kez değerlendirilir.

Gerektiğinde öğrenciye destek eğitim odasında ek ders verilir ve Rehberlik ve Araştırma Merkezi ile iş birliği
yapılır. Sınav ve etkinliklerde öğrencinin ihtiyacına uygun düzenlemeler yapılır.
""",
        review=ReviewSpec(
            start_note="Yıllık gözden geçirme başladı; BEP birimi toplantısında görüşülecek.",
            summary="Yıllık gözden geçirme: destek eğitim odası saatleri ve velilerle paylaşım takvimi eklendi.",
            added="""\
## Velilerle paylaşım

BEP'te yapılan değişiklikler her dönem sonunda veliyle yüz yüze paylaşılır; destek eğitim odası saatleri
dönem başında velilere yazılı olarak bildirilir.
""",
        ),
    ),
    RegisterSpec(
        title="Erişilebilirlik Planı",
        category=Category.SEND,
        approving_body=Body.COMMITTEE,
        committee=IMPROVEMENT_TEAM,
        owner=MUDUR,
        team=(MUDUR, OFFICE_TR),
        cycle=Cycle.EVERY_N_YEARS,
        interval=3,
        due_in=500,
        summary="Üç yıllık plan okul binası erişilebilirlik incelemesinin ardından hazırlandı.",
        body="""\
# Erişilebilirlik Planı

Bu plan, engelli öğrencilerimizin okul binasına, derslere ve okulun verdiği bilgilere eşit biçimde
ulaşabilmesi için üç yıl boyunca yapılacakları belirler.

Plan süresince giriş kapısına rampa yapılması, zemin kattaki bir sınıfın sessiz çalışma odasına dönüştürülmesi ve
veli duyurularının istendiğinde büyük puntoyla hazırlanması hedeflenmiştir. Okul Gelişim Yönetim Ekibi ilerlemeyi
her yıl değerlendirir.
""",
    ),
    RegisterSpec(
        title="Dilek, Öneri ve Şikâyet Usulü",
        category=Category.OTHER,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=40,
        summary="CİMER başvuru bilgisi eklendi.",
        body="""\
# Dilek, Öneri ve Şikâyet Usulü

Velilerimizin dilek ve önerileri okulumuzu geliştirir. Bir sorun yaşandığında önce sınıf öğretmeniyle
görüşülmesini öneririz; çözülemeyen konular okul müdürüne yazılı olarak iletilir.

Okul idaresi başvuruyu beş iş günü içinde yanıtlar. Sonuçtan memnun kalmayan veliler İlçe Millî Eğitim
Müdürlüğüne ya da CİMER üzerinden başvurabilir.
""",
    ),
    RegisterSpec(
        title="Bağış ve Okul Aile Birliği Harcamaları Politikası",
        category=Category.OTHER,
        approving_body=Body.COMMITTEE,
        committee=PARENTS_BOARD,
        owner=OFFICE_TR,
        due_in=-6,
        summary="Yıllık gözden geçirme: bağış makbuzu uygulaması açıklandı.",
        body="""\
# Bağış ve Okul Aile Birliği Harcamaları Politikası

Okulumuzda eğitim ücretsizdir; kayıt ya da herhangi bir hizmet için velilerden para istenmez. Bağışlar tamamen
gönüllüdür ve yalnızca Okul Aile Birliği hesabına, makbuz karşılığında yapılır.

Okul Aile Birliği Yönetim Kurulu harcamaları yıllık bütçeye göre yapar ve her dönem sonunda velilere bilgi verir.
Hiçbir öğrenci, ailesinin bağış yapmaması nedeniyle bir etkinliğin dışında bırakılmaz.
""",
    ),
    RegisterSpec(
        title="İş Sağlığı ve Güvenliği Politikası",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.COMMITTEE,
        committee=HEALTH_AND_SAFETY_BOARD,
        owner=MUDUR,
        team=(MUDUR, OFFICE_TR),
        due_in=27,
        summary="Yıllık gözden geçirme: risk değerlendirmesi yenilendi.",
        body="""\
# İş Sağlığı ve Güvenliği Politikası

Okul müdürü, 6331 sayılı İş Sağlığı ve Güvenliği Kanunu kapsamında okulda sağlıklı ve güvenli bir ortamın
sağlanmasından sorumludur. Risk değerlendirmesi her yıl yenilenir ve tehlikeler giderilinceye kadar izlenir.

Bütün personel tehlikeli bir durumu gördüğünde hemen okul idaresine bildirir. Elektrik tesisatı, yangın
söndürücüler ve oyun alanı düzenli olarak kontrol edilir; kayıtlar okul sekreterliğinde tutulur.
""",
    ),
    RegisterSpec(
        title="İlk Yardım Politikası",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        due_in=-12,
        summary="Sertifikalı ilk yardımcıların listesi güncellendi.",
        body="""\
# İlk Yardım Politikası

Okulda öğrencilerin bulunduğu her saatte ilk yardım sertifikası olan en az iki personel görevdedir. İlk yardım
dolaplarının yeri ve ilk yardımcıların adları öğretmenler odasında ve sekreterlikte asılıdır.

Her müdahale kayda geçirilir. Baş yaralanmalarında veli aynı gün, ciddi durumlarda hemen bilgilendirilir; gerekli
olduğunda 112 aranır.
""",
    ),
    RegisterSpec(
        title="Sağlık Sorunu Olan Öğrencilerin Desteklenmesi",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        team=(OFFICE_TR, TEACHER_TR),
        due_in=210,
        summary="İlaç kullanım izin formu yenilendi.",
        body="""\
# Sağlık Sorunu Olan Öğrencilerin Desteklenmesi

Süreğen hastalığı olan öğrencilerimizin okul hayatına tam katılması için veli, sınıf öğretmeni ve gerektiğinde
sağlık personeliyle birlikte bir destek planı hazırlanır.

Okulda ilaç yalnızca velinin yazılı izniyle ve hekim raporuna uygun olarak verilir; her uygulama kaydedilir.
Astım spreyi gibi acil ilaçlar öğrencinin yanında ya da sınıfında bulunur.
""",
    ),
    RegisterSpec(
        title="Okul Afet ve Acil Durum Planı",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=MUDUR,
        team=(MUDUR, OFFICE_TR, OGRETMEN_4A),
        cycle=Cycle.FIXED_MONTH,
        month=9,
        summary="Her eylül ayında yenilenir: tahliye krokisi ve toplanma alanı güncellendi.",
        body="""\
# Okul Afet ve Acil Durum Planı

Deprem, yangın ve diğer acil durumlarda kimin ne yapacağı bu planda yazılıdır. Plan her eğitim-öğretim yılının
başında, eylül ayında yenilenir ve bütün personelle paylaşılır.

Her dönem en az bir deprem ve bir yangın tatbikatı yapılır. Sınıflarda tahliye krokisi asılıdır ve her öğretmen
sınıf listesini toplanma alanına götürür.
""",
    ),
    RegisterSpec(
        title="Devam ve Devamsızlık Politikası",
        category=Category.OTHER,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        team=(OFFICE_TR, TEACHER_TR),
        due_in=-25,
        summary="Yıllık gözden geçirme: veliye ilk gün bildirim uygulaması eklendi.",
        body="""\
# Devam ve Devamsızlık Politikası

Okula düzenli devam, öğrenmenin ve çocuğun güvenliğinin temelidir. Sınıf öğretmeni devamsızlığı her sabah e-Okul'a
işler; haber verilmeden gelmeyen öğrencinin velisi aynı gün aranır.

Özürsüz devamsızlığı artan öğrencinin velisiyle görüşülür ve destek planı hazırlanır. Mevzuatta belirtilen süreyi
aşan devamsızlıklar ilgili makamlara bildirilir.
""",
    ),
    RegisterSpec(
        title="Kişisel Verilerin Korunması Politikası",
        category=Category.DATA_PROTECTION,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        due_in=240,
        summary="6698 sayılı Kanun'a göre aydınlatma metni yenilendi.",
        body="""\
# Kişisel Verilerin Korunması Politikası

Okulumuz öğrenci, veli ve personele ait kişisel verileri 6698 sayılı Kişisel Verilerin Korunması Kanunu'na uygun
olarak, yalnızca eğitim ve yasal yükümlülükler için işler. Aydınlatma metni okulun internet sitesinde
yayımlanır.

Veriler yetkisiz kişilerle paylaşılmaz ve gerekli süre dolunca imha edilir. Bir veri ihlali fark edildiğinde okul
müdürüne hemen bildirilir.
""",
    ),
    RegisterSpec(
        title="Bilgi Edinme Başvuruları Usulü",
        category=Category.DATA_PROTECTION,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=330,
        summary="Başvuru formu ve yanıt süreleri güncellendi.",
        body="""\
# Bilgi Edinme Başvuruları Usulü

4982 sayılı Bilgi Edinme Hakkı Kanunu'na göre herkes okulumuzdan bilgi ve belge isteyebilir. Okulun faaliyet
raporu, kurallar ve duyurular internet sitemizde yayımlanır.

Yazılı başvurular okul sekreterliğine yapılır ve en geç on beş iş günü içinde yanıtlanır. Kişisel veri içeren
bilgiler yalnızca ilgili kişiyle paylaşılır.
""",
    ),
    RegisterSpec(
        title="Eşitlik ve Kapsayıcılık Politikası",
        category=Category.OTHER,
        approving_body=Body.COMMITTEE,
        committee=TEACHERS_BOARD,
        owner=MUDUR,
        cycle=Cycle.EVERY_N_YEARS,
        interval=4,
        due_in=900,
        summary="Dört yıllık hedefler belirlendi.",
        body="""\
# Eşitlik ve Kapsayıcılık Politikası

Okulumuzda her çocuk dili, kökeni, engeli ya da ailesinin durumu ne olursa olsun eşit değerdedir. Ayrımcılığa ve
dışlanmaya izin verilmez.

Önümüzdeki dört yıl için hedeflerimiz: Türkçeyi yeni öğrenen öğrencilere okuma desteği vermek, bütün kulüpleri
engelli öğrencilere açık tutmak ve kütüphanemizde farklı kültürleri anlatan kitapları artırmaktır.
""",
    ),
    RegisterSpec(
        title="Personel Davranış İlkeleri",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.HEADTEACHER,
        owner=MUDUR,
        due_in=190,
        summary="Sosyal medya kullanımı bölümü eklendi.",
        body="""\
# Personel Davranış İlkeleri

Okulumuzda çalışan herkes Kamu Görevlileri Etik Davranış İlkelerine uyar ve öğrencilere örnek olur. Öğrencilere,
velilere ve meslektaşlara saygıyla davranılır; mesleki sınırlar korunur.

Personel öğrencilerle kişisel telefon ya da sosyal medya hesapları üzerinden iletişim kurmaz. Bir yetişkinin
davranışıyla ilgili endişeler hemen okul müdürüne bildirilir.
""",
    ),
    RegisterSpec(
        title="Usulsüzlük Bildirimi Politikası",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.HEADTEACHER,
        owner=MUDUR,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=52,
        summary="Bildirim kanalları yazıldı.",
        body="""\
# Usulsüzlük Bildirimi Politikası

Okulda bir öğrencinin güvenliğini tehlikeye atan bir durum, mevzuata aykırı bir uygulama ya da usulsüzlük gören
herkes bunu bildirmekten çekinmemelidir. İyi niyetle bildirimde bulunan kimse bu nedenle olumsuz bir muameleyle
karşılaşmaz.

Bildirim okul müdürüne, müdürle ilgiliyse İlçe Millî Eğitim Müdürlüğüne yapılır. Her bildirim incelenir ve
bildirimde bulunan kişiye mümkün olduğunca sonuç hakkında bilgi verilir.
""",
    ),
    RegisterSpec(
        title="Aday Öğretmen Uyum ve Mentorluk Programı",
        category=Category.STAFF_CONDUCT,
        approving_body=Body.HEADTEACHER,
        owner=MUDUR,
        team=(MUDUR, TEACHER_TR),
        due_in=100,
        summary="Danışman öğretmen görüşme takvimi güncellendi.",
        body="""\
# Aday Öğretmen Uyum ve Mentorluk Programı

Okulumuza atanan aday öğretmenler, Aday Öğretmen Yetiştirme Programı kapsamında bir danışman öğretmenle
çalışır. İlk haftada okul, öğrenciler ve kurallar tanıtılır.

Danışman öğretmen her ay aday öğretmenin derslerini izler ve geri bildirim verir. Yıl sonunda değerlendirme okul
müdürüne sunulur.
""",
    ),
    RegisterSpec(
        title="Öğrenci Kayıt ve Nakil Usulü",
        category=Category.OTHER,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        cycle=Cycle.FIXED_MONTH,
        month=6,
        summary="Her haziran ayında yeni kayıt döneminden önce gözden geçirilir.",
        body="""\
# Öğrenci Kayıt ve Nakil Usulü

İlkokul birinci sınıf kayıtları, Adrese Dayalı Nüfus Kayıt Sistemine göre okulumuzun kayıt alanında oturan
çocuklar için e-Okul üzerinden yapılır. Kayıt dönemi ve gerekli belgeler her yıl haziran ayında duyurulur.

Nakil başvuruları okul sekreterliğine yapılır ve mevzuattaki takvime göre sonuçlandırılır. Kayıt için hiçbir ad
altında ücret ya da bağış istenmez.
""",
    ),
    RegisterSpec(
        title="Akran Zorbalığıyla Mücadele Politikası",
        category=Category.BEHAVIOUR,
        approving_body=Body.COMMITTEE,
        committee=TEACHERS_BOARD,
        owner=TEACHER_TR,
        team=(TEACHER_TR, OGRETMEN_1A, OGRETMEN_2B),
        due_in=9,
        summary="Yıllık gözden geçirme: siber zorbalık bildirimi eklendi.",
        body="""\
# Akran Zorbalığıyla Mücadele Politikası

Zorbalık, bir çocuğu bilerek ve tekrar tekrar incitmektir: vurmak, alay etmek, dışlamak ya da internette kırıcı
mesajlar göndermek. Okulumuzda zorbalığa hiçbir zaman göz yumulmaz.

Öğrenciler her yetişkine ya da sınıftaki dilek kutusuna haber verebilir. Her bildirim kaydedilir ve incelenir;
zorbalığa uğrayan çocuk desteklenir, zorbalık yapan çocukla rehberlik servisi çalışır ve iki tarafın velisi de
bilgilendirilir.
""",
        review=ReviewSpec(
            start_note="Yıllık gözden geçirme başladı.",
            summary="Yıllık gözden geçirme: yapay zekâ ile üretilen sahte görüntüler ve siber zorbalık bölümü.",
            added="""\
## Siber zorbalık ve sahte görüntüler

Yapay zekâ ile bir arkadaşının sahte fotoğrafını ya da sesini üretmek ve paylaşmak da zorbalıktır. Böyle bir
içerik gören öğrenci onu paylaşmadan öğretmenine haber verir.
""",
            submitted=True,
            submit_note="Öğretmenler Kurulunun bir sonraki toplantısında görüşülmek üzere.",
        ),
    ),
    RegisterSpec(
        title="Okul Gezileri ve Sosyal Etkinlikler Politikası",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=TEACHER_TR,
        due_in=24,
        summary="Gezi izin formu ve risk değerlendirmesi yenilendi.",
        body="""\
# Okul Gezileri ve Sosyal Etkinlikler Politikası

Geziler öğrenmeyi zenginleştirir ve her öğrencinin katılabilmesi hedeflenir. Her gezi için plan ve risk
değerlendirmesi hazırlanır, okul müdürünün onayı alınır.

Okul dışındaki her gezi için veliden yazılı izin alınır. Gezi boyunca okulda bir personel, acil durum
numaralarını ve öğrencilerin sağlık bilgilerini hazır tutar.
""",
    ),
    RegisterSpec(
        title="Ev Ödevi Politikası",
        category=Category.CURRICULUM,
        approving_body=Body.COMMITTEE,
        committee=TEACHERS_BOARD,
        owner=TEACHER_TR,
        cycle=Cycle.TERMLY,
        summary="Dönemlik ödev planı zümre toplantısında kararlaştırıldı.",
        body="""\
# Ev Ödevi Politikası

Ev ödevleri kısa, amaçlı ve çocuğun yaşına uygun olmalıdır. Her öğrenci her gün evde kitap okur; ödevler hafta
sonu ve tatillerde yığılmaz.

Sınıf öğretmenleri ödev planını her dönemin başında zümre toplantısında gözden geçirir; bu politika da her dönem
yeniden değerlendirilir.
""",
    ),
    RegisterSpec(
        title="Okul Tesislerinin Kullanımı",
        category=Category.OTHER,
        approving_body=Body.COMMITTEE,
        committee=PARENTS_BOARD,
        owner=OFFICE_TR,
        cycle=Cycle.EVERY_N_YEARS,
        interval=2,
        due_in=-48,
        summary="Spor salonu kullanım kuralları eklendi.",
        body="""\
# Okul Tesislerinin Kullanımı

Okulumuzun spor salonu ve bahçesi, ders saatleri dışında ve öğrencilerin eğitimini etkilemediği sürece kurum ve
kuruluşların kullanımına açılabilir. Her kullanım için okul müdürünün onayı ve yazılı bir sözleşme gerekir.

Çocuklara yönelik etkinlik düzenleyen kuruluşlar, görevlilerinin adli sicil kaydını gösterir. Kullanım bedelleri
Okul Aile Birliği Yönetim Kurulu tarafından belirlenir.
""",
    ),
    RegisterSpec(
        title="Okul Servis Taşımacılığı Politikası",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.HEADTEACHER,
        owner=OFFICE_TR,
        due_in=4,
        summary="Yıllık gözden geçirme: rehber personel listesi güncellendi.",
        body="""\
# Okul Servis Taşımacılığı Politikası

Okul servisleri Okul Servis Araçları Hizmet Yönetmeliği'ne uygun olarak çalışır. Her araçta öğrencilere eşlik
eden bir rehber personel bulunur ve araç sürücüsünün belgeleri her yıl kontrol edilir.

Öğrenci yalnızca velinin bildirdiği durakta ve velisine ya da velinin yazılı olarak bildirdiği kişiye teslim
edilir. Servisle ilgili şikâyetler okul idaresine iletilir.
""",
    ),
    RegisterSpec(
        title="Kantin ve Beslenme Politikası",
        category=Category.HEALTH_AND_SAFETY,
        approving_body=Body.COMMITTEE,
        committee=PARENTS_BOARD,
        owner=MUDUR,
        team=(MUDUR, OFFICE_TR),
        due_in=35,
        summary="Beslenme Dostu Okul ölçütlerine göre kantin listesi yenilendi.",
        body="""\
# Kantin ve Beslenme Politikası

Okul kantininde yalnızca sağlıklı beslenmeye uygun ürünler satılır; şekerli içecekler ve cips satılmaz. Kantin
Okul Aile Birliği tarafından denetlenir.

Beslenme saatlerinde öğretmenler öğrencilerle birlikte yemek yer ve sağlıklı beslenmeyi teşvik eder. Gıda
alerjisi olan öğrenciler sınıf öğretmenine ve kantine bildirilir.
""",
    ),
)

ORNEK_EXISTING = {
    # The Turkish AUP of the seeds: "Gözden geçirme her yıl Eylül ayında yapılır", by the e-safety team.
    "Bilişim Teknolojileri Kabul Edilebilir Kullanım Politikası": ExistingSettings(
        cycle=Cycle.FIXED_MONTH, month=9, team=(TEACHER_TR, OGRETMEN_4A)
    ),
}

SCHOOLS = (
    (demo.DEMO_PRIMARY["slug"], DEMO_PRIMARY_REGISTER, DEMO_PRIMARY_EXISTING),
    (demo.ORNEK["slug"], ORNEK_REGISTER, ORNEK_EXISTING),
)


# Entry point ---------------------------------------------------------------------------------------------------


def load(*, now=None):
    """Create whatever part of the register demo is missing; return summary lines (list of str).

    Args:
        now: an aware datetime standing for "now" (default: the current time); approval dates are chosen so that,
            on each school's local date, the register shows the spread described in the module docstring.

    Needs the directory demo and the acceptable use demo; a school that is not loaded is skipped.
    """
    now = now or timezone.now()
    created = collections.Counter()
    lines = []
    with transaction.atomic():
        for slug, specs, existing in SCHOOLS:
            school = School.objects.filter(slug=slug).first()
            if school is None:
                continue
            loader = _SchoolRegister(school, now, created)
            for spec in specs:
                loader.policy(spec)
            for title, settings in existing.items():
                loader.settle_existing(title, settings)
            lines.append(_summary(school, now))
    lines.append(
        f"Policy register: {created['policies']} policies and {created['reviews']} reviews in progress created "
        "this run."
    )
    return lines


class _SchoolRegister:
    def __init__(self, school, now, created):
        self.school = school
        self.now = now
        self.today = school.today(now)
        self.created = created
        self.office = _staff(school, Role.OFFICE)
        self.head = _staff(school, Role.HEADTEACHER)
        self._people = {}
        self._jobs = dict(
            StaffRole.objects.current().filter(school=school).values_list("user__email", "job_title").order_by("pk")
        )

    def person(self, email):
        if email not in self._people:
            self._people[email] = User.objects.filter(email__iexact=email).first()
        return self._people[email]

    def author(self, user):
        job = self._jobs.get(user.email, "")
        return f"{user.full_name} ({job})" if job else user.full_name

    def approved_by(self, policy):
        """As the version history reads: the body's name, or the headteacher by name."""
        turkish = self.school.default_language == "tr"
        if policy.approving_body == Body.HEADTEACHER:
            role = "Okul Müdürü — uygundur" if turkish else "headteacher"
            return f"{self.head.full_name}, {role}"
        if policy.approving_body == Body.COMMITTEE:
            return policy.approving_committee
        return {Body.FULL_GOVERNING_BODY: "Full governing body", Body.TRUST_BOARD: "Trust board"}[policy.approving_body]

    # Policies

    def policy(self, spec):
        """Create ``spec``'s policy with its approved version (and review in progress) unless the school has it."""
        if Policy.objects.filter(school=self.school, title=spec.title).exists():
            return None
        owner = self.person(spec.owner)
        policy = services_library.policy_create(
            actor=self.office,
            school=self.school,
            title=spec.title,
            category=spec.category,
            approving_body=spec.approving_body,
            approving_committee=spec.committee,
            owner=owner,
            language=self.school.default_language,
        )
        self._review_settings(policy, spec.cycle, spec.interval, spec.month, spec.team)
        version = services_library.policy_version_create(
            actor=self.office,
            policy=policy,
            number="1",
            author=self.author(owner),
            summary_of_changes=spec.summary,
            body_markdown=spec.body,
        )
        services_library.policy_version_approve(
            actor=self.head,
            version=version,
            approved_by=self.approved_by(policy),
            approved_on=self.approval_date(spec),
            now=self.now,
        )
        self.created["policies"] += 1
        if spec.review is not None:
            self.review(Policy.objects.get(pk=policy.pk), spec, owner)
        return policy

    def review(self, policy, spec, owner):
        """Start the review, draft version 2 (the current text plus ``spec.review.added``) and maybe submit it, as
        the owner would; steps and audit events are recorded by the services."""
        actor = owner if permissions.can_work_on_policy_review(owner, policy) else self.office
        review = services_reviews.review_start(actor=actor, policy=policy, note=spec.review.start_note)
        services_reviews.review_draft(
            actor=actor,
            review=review,
            number="2",
            author=self.author(owner),
            summary_of_changes=spec.review.summary,
            body_markdown=spec.body.rstrip() + "\n\n" + spec.review.added,
        )
        if spec.review.submitted:
            services_reviews.review_submit(actor=actor, review=review, note=spec.review.submit_note)
        self.created["reviews"] += 1

    def settle_existing(self, title, settings):
        """Give a policy of the acceptable use demo its review settings and dates, once (while it has none)."""
        policy = Policy.objects.filter(school=self.school, title=title, last_approved_on__isnull=True).first()
        current = policy and policy.versions.filter(status=PolicyVersion.Status.APPROVED).first()
        if current is None or current.approved_on is None:
            return
        self._review_settings(policy, settings.cycle, settings.interval, settings.month, settings.team)
        services_library.policy_schedule_next_review(policy=policy, approved_on=current.approved_on)

    def _review_settings(self, policy, cycle, interval, month, team):
        # No service sets review settings yet: seeding, like the acceptable use demo's policies (history is kept).
        policy.review_cycle, policy.review_interval, policy.review_month = cycle, interval, month
        policy.save(update_fields=["review_cycle", "review_interval", "review_month", "updated_at"])
        if team:
            policy.review_team.set([user for user in map(self.person, team) if user is not None])

    # Dates

    def approval_date(self, spec):
        """The approval date that puts the next review where ``spec`` wants it, on a weekday, never in the future."""
        if spec.cycle == Cycle.FIXED_MONTH:
            return self._in_month(spec.month)
        if spec.cycle == Cycle.TERMLY:
            return self._this_term()
        due = self.today + datetime.timedelta(days=spec.due_in)
        if spec.cycle == Cycle.EVERY_N_MONTHS:
            approved = due - relativedelta(months=spec.interval)
        else:
            approved = due - relativedelta(years=spec.interval)
        approved = _weekday_on_or_before(approved)
        return min(approved, self.today - datetime.timedelta(days=1))

    def _in_month(self, month):
        """A weekday in the latest ``month`` (1–12) up to today: the review that keeps a fixed-month policy up to
        date."""
        year = self.today.year if self.today.month >= month else self.today.year - 1
        day = datetime.date(year, month, 17) if (year, month) != (self.today.year, self.today.month) else self.today
        earlier = _weekday_on_or_before(day)
        return earlier if earlier.month == month else day

    def _this_term(self):
        """A week into the current term (or a month ago without term dates), never after today."""
        starts = Term.objects.filter(academic_year__school=self.school, starts_on__lte=self.today).order_by(
            "-starts_on"
        )
        start = starts.values_list("starts_on", flat=True).first()
        if start is None:
            return self.today - datetime.timedelta(days=30)
        return min(_weekday_on_or_before(start + datetime.timedelta(days=8)), self.today)


def _staff(school, role):
    """The school's first current member of staff in ``role`` (the demo has one office account and one head)."""
    return StaffRole.objects.current().filter(school=school, role=role).select_related("user").order_by("pk")[0].user


def _weekday_on_or_before(day):
    """Governing bodies and headteachers sign off on school days: Saturday and Sunday move back to Friday."""
    return day - datetime.timedelta(days=max(day.weekday() - 4, 0))


def _summary(school, now):
    """One line: how many policies the school's register holds and their review status today."""
    today = school.today(now)
    in_review = set(
        PolicyReview.objects.filter(
            policy__school=school, status__in=[PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]
        ).values_list("policy_id", flat=True)
    )
    counts = collections.Counter()
    for pk, next_review_on in Policy.objects.filter(school=school).values_list("pk", "next_review_on"):
        status = review_status(next_review_on=next_review_on, today=today, in_review=pk in in_review)
        if status == "up_to_date" and next_review_on <= today + datetime.timedelta(days=60):
            status = "due_within_60"
        counts[status] += 1
    line = (
        f"{school.name} policy register: {sum(counts.values())} policies — {counts['overdue']} overdue, "
        f"{counts['due_soon']} due within 30 days, {counts['due_within_60']} more within 60, {counts['in_review']} in "
        f"review, {counts['up_to_date']} up to date"
    )
    return line + (f", {counts['not_scheduled']} without a review date" if counts["not_scheduled"] else "")
