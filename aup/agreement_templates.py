"""Agreement templates the product ships: statements a school office can start an agreement from (issue 17 item 6).

Each template is one audience's agreement — a title, an introduction and numbered statements — written in our own
words. What they cover follows what the seed policies ask of each audience (St James online safety policy and AUP:
pupils' rules and a parent's permission for internet use, staff "I will not …" statements signed at induction;
Sigma photography policy, §7–8: no personal devices, school cameras kept secure and never taken into toilets or
changing areas, a camera agreement countersigned by the headteacher; Westminster behaviour policy: what follows a
broken rule), but none of their sentences.

Templates are data, not rows: nothing is stored until the office saves the agreement it filled from one, and then it
is an ordinary agreement, changed like any other. The text is translatable; ``AgreementTemplate.filled`` writes it
in the language the policy is written in, with English as the school's country writes it (pupil/student, year
group/grade, headteacher/principal: ``safeguard.country_words``).
"""

import dataclasses

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from safeguard.country_words import english_variant, school_language

from .models import Agreement, Audience

Countersignature = Agreement.Countersignature


@dataclasses.dataclass(frozen=True)
class AgreementTemplate:
    """One shipped template.

    ``key``: stable identifier (kept in the audit event of an agreement saved from it); ``name`` and ``description``:
    what the office sees when choosing; ``audience``, ``countersignature``, ``parent_may_sign_for_pupil`` and
    ``parent_signs_up_to_year`` (a year group's number, None = any): the agreement's settings, as on
    ``aup.models.Agreement``; ``title``, ``introduction``, ``statements`` (a tuple, in order): its words.
    """

    key: str
    name: str
    description: str
    audience: str
    title: str
    introduction: str
    statements: tuple
    countersignature: str = Countersignature.NONE
    parent_may_sign_for_pupil: bool = False
    parent_signs_up_to_year: int | None = None

    def filled(self, *, school=None, language=None):
        """The template as the agreement form's initial values: ``{"audience", "title", "introduction", "statements"
        (one per line), "countersignature", "parent_may_sign_for_pupil", "parent_signs_up_to_year", "template"}``.

        Args:
            school: the ``School`` whose agreement this becomes (its country decides the English: a US school reads
                "student", "grade", "principal"); None for a trust-wide policy.
            language: the policy's language code (``Policy.language``); None → the school's default language.
        """
        if school is not None:
            code = school_language(school, language)
        else:
            code = english_variant(language or translation.get_language(), "")
        with translation.override(code):
            return {
                "audience": self.audience,
                "title": str(self.title),
                "introduction": str(self.introduction),
                "statements": "\n".join(str(statement) for statement in self.statements),
                "countersignature": self.countersignature,
                "parent_may_sign_for_pupil": self.parent_may_sign_for_pupil,
                "parent_signs_up_to_year": self.parent_signs_up_to_year,
                "template": self.key,
            }


PUPIL_PRIMARY = AgreementTemplate(
    key="pupil_primary",
    name=_("Pupils: primary (younger children)"),
    description=_(
        "Short rules in a child's words, read with an adult. A parent or carer countersigns, and may sign for "
        "children up to Year 2."
    ),
    audience=Audience.PUPIL,
    title=_("Our rules for computers, tablets and the internet"),
    introduction=_(
        "These rules help everyone stay safe and be kind when we use computers, tablets and the internet at "
        "school. Read them with a grown-up, then sign to show that you will follow them."
    ),
    statements=(
        _("I only go on the internet when a teacher or another adult at school says I can."),
        _("I keep my passwords secret and I only log in as myself."),
        _("I am kind and polite in everything I write or send."),
        _("I never tell anyone online my home address, my phone number or the name of my school."),
        _(
            "If I see something that worries me or makes me feel uncomfortable, I tell an adult at school "
            "straight away."
        ),
        _("I only open and change my own work, never somebody else's."),
        _("I ask before I take a photo or a video of anyone, and I do not share it unless my teacher says I can."),
        _("I look after the school's computers and tablets."),
        _("I know that the school can see what I do on its computers and tablets, to keep everyone safe."),
        _(
            "I know that if I do not follow these rules, I may not be allowed to use the computers for a while and my "
            "family will be told."
        ),
    ),
    countersignature=Countersignature.PARENT,
    parent_may_sign_for_pupil=True,
    parent_signs_up_to_year=2,
)

PUPIL_SECONDARY = AgreementTemplate(
    key="pupil_secondary",
    name=_("Pupils: secondary (older children)"),
    description=_(
        "Statements older pupils sign for themselves: accounts, behaviour online, images, devices, monitoring."
    ),
    audience=Audience.PUPIL,
    title=_("Pupil acceptable use agreement"),
    introduction=_(
        "The school gives you an account, devices and internet access so that you can learn. This agreement sets out "
        "how you use them, in school and when you work from home. Sign it to show that you understand it and will "
        "keep to it."
    ),
    statements=(
        _(
            "I will use school devices, my school account and the school network for learning and for work my "
            "teachers set."
        ),
        _("I will keep my login details private, never use another person's account, and log out when I finish."),
        _(
            "I will treat people online with the same respect I show them face to face: no bullying, threats, or "
            "hateful or discriminatory language."
        ),
        _(
            "I will not share personal information about myself or anyone else, and I will not arrange to meet "
            "someone I only know online."
        ),
        _("I will not take, share or post photos, videos or recordings of pupils or staff without their permission."),
        _(
            "I will not try to get round the school's filtering, security or monitoring, or to open files and "
            "systems I have not been given access to."
        ),
        _(
            "I will only download, copy or install material I have permission to use, and I will say where the "
            "information in my work comes from."
        ),
        _("I will tell a member of staff if I see anything online that upsets me or that I think could harm somebody."),
        _("I will follow the school's rules on mobile phones and other personal devices."),
        _(
            "I understand that the school monitors how its systems are used and may look at my files and activity "
            "to keep people safe."
        ),
        _(
            "I understand that if I break this agreement I may lose access to school systems, the behaviour policy "
            "will apply, my parents or carers may be told, and the police may be involved if the law has been broken."
        ),
    ),
)

PARENT = AgreementTemplate(
    key="parent",
    name=_("Parents and carers"),
    description=_(
        "A parent's permission for their child's internet use, and how families use images and social media."
    ),
    audience=Audience.PARENT,
    title=_("Parent and carer acceptable use agreement"),
    introduction=_(
        "Keeping children safe online is a shared job. Please read these statements about your child's use of "
        "technology at school and about the part families play, and sign to show that you agree."
    ),
    statements=(
        _(
            "I give permission for my child to use the school's computers, devices and internet access for their "
            "learning, supervised in a way that suits their age."
        ),
        _(
            "I understand that the school filters and monitors internet use but that no filter stops everything, "
            "and I will talk with my child about staying safe online."
        ),
        _(
            "I will support the school's rules on the safe use of technology and encourage my child to follow "
            "them at home."
        ),
        _(
            "Photos and videos I take at school events are for my family's own use: I will not post images of "
            "other children online."
        ),
        _(
            "I will take any concern about the school, its staff or its pupils to the school directly, not to "
            "social media."
        ),
        _("I will tell the school if I learn of anything online that could put my child or another child at risk."),
        _("I will keep any login the school gives me to myself."),
    ),
)

STAFF = AgreementTemplate(
    key="staff",
    name=_("Staff"),
    description=_("Signed by everyone who works at the school before they use its systems, and again when it changes."),
    audience=Audience.STAFF,
    title=_("Staff acceptable use agreement"),
    introduction=_(
        "Everyone who works at the school signs this agreement before using school systems, devices or data, and "
        "again whenever it changes."
    ),
    statements=(
        _("I will use the school's systems, devices and internet access for my work and in line with school policies."),
        _(
            "I will keep my passwords secure, lock any device I step away from, and never let anyone else use my "
            "account."
        ),
        _(
            "I will not look at, create, store or share material that is illegal, indecent or discriminatory, or "
            "that could damage the school's reputation."
        ),
        _(
            "I will keep personal data about pupils, families and colleagues only in the school's approved systems, "
            "and handle it as the data protection policy says."
        ),
        _(
            "I will contact pupils and parents only through the school's own channels, and I will not connect with "
            "pupils on my personal social media."
        ),
        _("I will not use my personal phone or camera to photograph or record pupils."),
        _(
            "I will pass any safeguarding concern to the designated safeguarding lead without delay, including "
            "anything a pupil tells me or shows me online."
        ),
        _("I will report a lost device, lost data or a possible security breach straight away."),
        _("I will make sure that pupils in my care use technology safely and keep to their own agreement."),
        _(
            "I understand that the school monitors the use of its systems and that breaking this agreement may lead "
            "to disciplinary action."
        ),
    ),
)

GOVERNOR = AgreementTemplate(
    key="governor",
    name=_("Governors"),
    description=_("Confidential papers, school accounts and what governors see of pupils, staff and families."),
    audience=Audience.GOVERNOR,
    title=_("Governor acceptable use agreement"),
    introduction=_(
        "Governors see confidential information about the school. This agreement covers how you use the accounts "
        "and systems the school gives you, and the information you receive."
    ),
    statements=(
        _(
            "I will use the account and systems the school gives me for governing body business, not my personal "
            "accounts."
        ),
        _(
            "I will keep papers, minutes and data I receive as a governor confidential, and share them only as the "
            "governing body agrees."
        ),
        _(
            "I will keep governing body documents secure and delete or return them when I no longer need them or "
            "when I leave."
        ),
        _("I will not seek information about individual pupils, staff or families unless my role needs it."),
        _("I will keep my passwords safe and tell the school at once if I lose a device or suspect a data breach."),
        _("I will not discuss confidential school matters on social media."),
        _("I will pass any safeguarding concern I become aware of to the designated safeguarding lead without delay."),
    ),
)

VISITOR = AgreementTemplate(
    key="visitor",
    name=_("Visitors and volunteers"),
    description=_("Signed on arrival: devices, photos, pupils' information and who to tell about a worry."),
    audience=Audience.VISITOR,
    title=_("Visitor and volunteer agreement"),
    introduction=_(
        "Please read and sign this before you use the school's wifi or equipment, or spend time with pupils."
    ),
    statements=(
        _("I will use the school's wifi and equipment only for the purpose of my visit."),
        _("I will not photograph or record pupils unless the school has given me permission."),
        _(
            "I will keep my phone and other devices out of sight while I am with pupils, and never use them in "
            "toilets or changing areas."
        ),
        _("I will not pass on anything I learn about pupils or staff during my visit."),
        _("I will not give pupils my personal contact details or contact them on social media."),
        _("I will wear my visitor badge at all times and follow the directions of school staff."),
        _(
            "If I am worried about a child's safety, I will tell the designated safeguarding lead, or the member of "
            "staff I am working with, straight away."
        ),
    ),
)

CAMERA = AgreementTemplate(
    key="camera",
    name=_("Staff camera and photography"),
    description=_(
        "For staff who take photos and videos for the school: school devices only, consent checked first. The "
        "headteacher countersigns."
    ),
    audience=Audience.STAFF,
    title=_("Staff camera and photography agreement"),
    introduction=_(
        "Photos and videos of pupils are personal data. Members of staff who take them for the school sign this "
        "agreement, and the headteacher countersigns it."
    ),
    statements=(
        _("I will photograph and record pupils only on devices that belong to the school."),
        _("I will not use my personal phone, camera or any other personal device to photograph or record pupils."),
        _(
            "Before I take or use an image of a pupil, I will check the do-not-photograph list and the consent "
            "given for that pupil."
        ),
        _("I will move images to the school's secure storage as soon as I can and then delete them from the device."),
        _("I will not take school cameras or memory cards home."),
        _("I will never take a camera into toilets, changing rooms or swimming areas."),
        _("I will not publish a pupil's full name with their image unless the school has separate agreement to do so."),
        _("I will keep school cameras secure and report a lost or stolen device straight away."),
        _(
            "I will report any misuse of cameras or images to the headteacher, and any concern about a child to the "
            "designated safeguarding lead."
        ),
    ),
    countersignature=Countersignature.HEADTEACHER,
)

TEMPLATES = (PUPIL_PRIMARY, PUPIL_SECONDARY, PARENT, STAFF, GOVERNOR, VISITOR, CAMERA)
TEMPLATES_BY_KEY = {template.key: template for template in TEMPLATES}


def agreement_template(key):
    """The shipped template with ``key`` (str), or None when there is none."""
    return TEMPLATES_BY_KEY.get(key or "")


def template_choices():
    """``[(key, name)]`` in the order the office sees them (names translated when shown)."""
    return [(template.key, template.name) for template in TEMPLATES]
