"""The categories and behaviour levels every new school starts with (a school may change them afterwards).

Behaviour levels follow the Westminster behaviour steps table (Appendix 2), in our own words: what each level looks
like and the responses available. Categories follow the groups of issue 6, the Westminster policy (§8 exceptional
circumstances, §11 racist incidents — Macpherson definition, §12 bullying and child-on-child abuse) and the St James
online safety policy (online safety log, cyber-bullying, radicalisation, sexting).

Texts are marked for translation and stored in the school's language when the defaults are loaded.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import BehaviourLevel, CategoryGroup, IncidentCategory

G = CategoryGroup

# (code, group, name, guidance)
CATEGORIES = [
    (
        "low-level-disruption",
        G.BEHAVIOUR,
        _("Low-level disruption"),
        _("Calling out, silly noises, rocking on a chair, wandering in class. Usually level 1 or 2."),
    ),
    (
        "defiance",
        G.BEHAVIOUR,
        _("Refusal or defiance"),
        _("Refusing to work or to follow instructions, refusing to return to class. Usually level 2 or 3."),
    ),
    (
        "verbal-abuse",
        G.BEHAVIOUR,
        _("Verbal abuse or threats"),
        _("Swearing at someone, threatening behaviour, aggressive abuse of staff or pupils. Level 3 or 4."),
    ),
    (
        "physical-harm",
        G.BEHAVIOUR,
        _("Fighting or physical harm"),
        _("Fighting or deliberately hurting someone. Serious assault is level 5 and always goes to SLT at once."),
    ),
    (
        "damage-theft",
        G.BEHAVIOUR,
        _("Damage or theft"),
        _("Damage to property, graffiti, stealing. Record what was damaged or taken."),
    ),
    (
        "prohibited-items",
        G.BEHAVIOUR,
        _("Dangerous or prohibited item"),
        _("A weapon or potential weapon, drugs or other prohibited items on the premises. Level 5: contact SLT now."),
    ),
    (
        "absconding",
        G.BEHAVIOUR,
        _("Leaving the room or premises"),
        _("Walking out of class without permission, or out of the school premises (level 4)."),
    ),
    (
        "bullying",
        G.BULLYING,
        _("Bullying"),
        _(
            "Repeated or prolonged behaviour with an imbalance of power. Choose the type of bullying, and the "
            "protected characteristic if it was targeted. A follow-up with the victim is set for two weeks' time."
        ),
    ),
    (
        "racist",
        G.PREJUDICE,
        _("Racist incident"),
        _(
            "Any incident perceived to be racist by the victim or any other person (Macpherson definition). It is "
            "reported to governors termly and to the local authority on its monitoring form."
        ),
    ),
    (
        "homophobic",
        G.PREJUDICE,
        _("Homophobic, biphobic or transphobic incident"),
        _("Abuse because of, or focusing on, sexual orientation or gender identity."),
    ),
    (
        "disablist",
        G.PREJUDICE,
        _("Disablist incident"),
        _("Abuse because of, or focusing on, a disability or special educational need."),
    ),
    (
        "online-misuse",
        G.ONLINE_SAFETY,
        _("Misuse of devices or the internet"),
        _(
            "Using ICT against the acceptable use agreement, unsuitable sites or content. Recorded in the online "
            "safety log."
        ),
    ),
    (
        "cyberbullying",
        G.ONLINE_SAFETY,
        _("Cyber-bullying"),
        _("Bullying by message, social media or gaming. Keep the evidence: screenshots can be attached."),
    ),
    (
        "nudes-sharing",
        G.SAFEGUARDING,
        _("Sharing nudes or semi-nudes (sexting)"),
        _("Do not view, copy or forward the images. Secure the device and tell the DSL at once."),
    ),
    (
        "physical-intervention",
        G.PHYSICAL_INTERVENTION,
        _("Physical intervention"),
        _("Record who intervened, whether they are trained, how long it lasted and when the parents were told."),
    ),
    (
        "neglect",
        G.SAFEGUARDING,
        _("Neglect"),
        _("Persistent failure to meet a child's basic needs: hunger, hygiene, clothing, supervision, health care."),
    ),
    (
        "physical-abuse",
        G.SAFEGUARDING,
        _("Physical abuse"),
        _("Unexplained marks or injuries, or what the child tells you. Use a body map; do not examine the child."),
    ),
    (
        "emotional-abuse",
        G.SAFEGUARDING,
        _("Emotional abuse"),
        _("Persistent emotional ill-treatment: the child is frightened, belittled or made to feel worthless."),
    ),
    (
        "sexual-abuse",
        G.SAFEGUARDING,
        _("Sexual abuse"),
        _("Write down exactly what the child said, in their words. Do not ask leading questions. Tell the DSL now."),
    ),
    (
        "child-on-child",
        G.SAFEGUARDING,
        _("Child-on-child abuse"),
        _("Including sexual violence and harassment between children, inside or outside school, and online."),
    ),
    (
        "domestic-abuse",
        G.SAFEGUARDING,
        _("Domestic abuse"),
        _("The child has seen, heard or experienced abuse at home (including Operation Encompass notifications)."),
    ),
    (
        "radicalisation",
        G.SAFEGUARDING,
        _("Radicalisation or extremism"),
        _("Concerns under the Prevent duty. The DSL decides on a Prevent referral."),
    ),
    (
        "mental-health",
        G.SAFEGUARDING,
        _("Mental health"),
        _("Self-harm, suicidal thoughts, or a marked change in mood or behaviour."),
    ),
    (
        "missing-education",
        G.SAFEGUARDING,
        _("Missing education"),
        _("Unexplained or repeated absence, a child missing from education, or going missing from home or care."),
    ),
    (
        "other-safeguarding",
        G.SAFEGUARDING,
        _("Other safeguarding concern"),
        _("Anything else that worries you about a child's safety or welfare. If in doubt, record it."),
    ),
]

# (level, title, what it looks like, available responses) — Westminster behaviour steps table, our wording.
LEVELS = [
    (
        1,
        _("Low-level behaviour"),
        _("Play fighting, calling out, silly noises, rocking on a chair, feet on furniture, wandering in class."),
        _("Remind of choices; non-verbal then verbal warning; move closer; reflection time in a safe space."),
    ),
    (
        2,
        _("Disruptive behaviour"),
        _(
            "Going into out-of-bounds areas, refusing to work, winding others up, name calling, ignoring "
            "instructions, swearing in frustration, damaging classroom property, level 1 behaviour three times."
        ),
        _("One-to-one time with an adult to calm down; a walk and talk; reflection or restorative talk at break."),
    ),
    (
        3,
        _("Serious behaviour"),
        _(
            "Throwing objects at someone, refusing to return to class, spitting, inciting others, graffiti, "
            "stealing, threatening behaviour, swearing at someone."
        ),
        _("Restorative conversation at break or lunch; SLT may be involved; a phone call home."),
    ),
    (
        4,
        _("Very serious behaviour"),
        _(
            "Wilful damage, complete refusal, aggressive verbal abuse, bullying, leaving the premises, fighting or "
            "deliberate harm, racist or homophobic abuse, throwing dangerous objects, repeated incidents."
        ),
        _("SLT must be involved: conversation with the family about patterns; suspension; alternative provision."),
    ),
    (
        5,
        _("Extreme behaviour"),
        _(
            "Bringing a dangerous object or potential weapon into school, serious physical assault on staff or a "
            "pupil, bringing or supplying drugs."
        ),
        _("SLT must be involved at once: police involvement; permanent exclusion."),
    ),
]


def load_defaults(school):
    """Give ``school`` the default categories and behaviour levels it does not have yet (matched by code and
    level); existing ones — perhaps renamed by the school — are left alone. Texts are stored in the school's
    default language. Returns the number of rows created."""
    created = 0
    with translation.override(school.default_language or "en-gb"), transaction.atomic():
        have = set(IncidentCategory.objects.filter(school=school).values_list("code", flat=True))
        for order, (code, group, name, guidance) in enumerate(CATEGORIES, start=1):
            if code in have:
                continue
            IncidentCategory.objects.create(
                school=school, code=code, group=group, name=str(name), guidance=str(guidance), order=order
            )
            created += 1
        have_levels = set(BehaviourLevel.objects.filter(school=school).values_list("level", flat=True))
        for level, title, descriptors, responses in LEVELS:
            if level in have_levels:
                continue
            BehaviourLevel.objects.create(
                school=school, level=level, title=str(title), descriptors=str(descriptors), responses=str(responses)
            )
            created += 1
    return created
