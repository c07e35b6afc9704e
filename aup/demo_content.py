"""The acceptable use demo: policies, agreements and a realistic spread of signatures for the two demo schools.

``manage.py load_demo`` calls ``load()`` after the directory is loaded. Modelled on the facts of the seed policies
(St James online safety policy and AUP, Westminster home–school agreement, Sigma photography policy with its staff
camera agreement and version table, Mehmet Akif Ersoy İlkokulu's Turkish AUP), written in our own words.

Policies, versions, agreements and statements are seeding (found by stable keys, created only when missing), like
the directory's demo. Signatures are not: every request and signature goes through the real services —
``signature_request_open``, ``signature_record`` and ``paper_return_record`` — with evidence that looks real but is
fictional: IP addresses from the documentation ranges (RFC 5737), common browsers' user agents, typed names equal to
the signer's name on file, and the content hash the signing page would have shown. Outcomes come from a fixed seed;
only times move with the clock (signatures fall in the last ten weeks).

Loading is idempotent: a request that already exists is left as it is (whoever has signed it since), so a second
run creates nothing. Every demo staff and governor account has signed every staff agreement of its school (the
sign-in gate lets them straight through), except ``new.teacher@demo.test``, who has signed nothing, and one class
teacher whose camera agreement waits for the headteacher's authorisation. ``parent@demo.test`` has one pupil
agreement to sign and one signed; so has ``veli.tr@demo.test``.

Signed PDFs are not rendered here: ``signature_record`` queues the render after commit, as it always does.
"""

import base64
import dataclasses
import datetime
import io
import math
import os
import random
import zoneinfo

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from faker import Faker

from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Pupil, PupilGuardian, Role, School, SchoolClass, StaffRole

from . import demo_register, services, services_class_codes, services_front_desk
from .evidence import agreement_content, content_sha256
from .models import (
    Agreement,
    AgreementStatement,
    Audience,
    Policy,
    PolicyVersion,
    ReminderSent,
    Signature,
    SignatureRequest,
)
from .services_library import render_markdown

SEED = demo.SEED + 300
NEW_TEACHER_EMAIL = "new.teacher@demo.test"
AWAITING_AUTHORISATION_EMAIL = "teacher.6-ash@demo.test"  # camera agreement signed, head not yet authorised
SIGNING_WINDOW = datetime.timedelta(weeks=10)

date = datetime.date
Party = Signature.Party
Method = Signature.Method
Countersignature = Agreement.Countersignature
Status = PolicyVersion.Status


# What each school's policies say ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AgreementSpec:
    audience: str
    title: str
    introduction: str
    statements: tuple
    countersignature: str = Countersignature.NONE
    parent_may_sign_for_pupil: bool = False


@dataclasses.dataclass(frozen=True)
class VersionSpec:
    """``author`` and ``approved_by`` may name demo people: ``{dsl}``, ``{head}``, ``{office}``, ``{computing}``,
    ``{mudur}`` are filled in with the demo accounts' names."""

    number: str
    author: str
    status: str
    approved_by: str
    approved_on: date
    issue_date: date
    summary: str
    body: str
    agreements: tuple = ()


@dataclasses.dataclass(frozen=True)
class PolicySpec:
    title: str
    category: str
    approving_body: str
    signing_frequency: str
    owner: str  # e-mail of the demo account that owns it
    versions: tuple
    approving_committee: str = ""
    language: str = "en-gb"


# Online safety and acceptable use (after St James CE Primary) ------------------------------------------------------

_OS_INTRO = """\
# Online Safety and Acceptable Use Policy

Computers, tablets and the internet are part of how our pupils learn, and part of their lives outside school. This
policy sets out how Demo Primary School teaches pupils to stay safe and behave well online, how we manage the
technology we provide, and what we expect of everyone who uses it. It covers the school's own equipment and
network, and phones, tablets and laptops that pupils, staff and visitors bring onto the site.

Read it alongside our safeguarding and child protection, behaviour, data protection and whistleblowing policies.
"""

_OS_LAW = """\
## Law and guidance

We follow the Department for Education's statutory guidance *Keeping Children Safe in Education* and its advice on
teaching online safety, on preventing and tackling bullying (including cyber-bullying), on relationships education
and on searching, screening and confiscation. The Education Act 2011 allows staff to look for, and if necessary
delete, inappropriate images or files on a pupil's device when there is good reason to.
"""

_OS_ROLES = """\
## Who is responsible

The headteacher and the governing body are accountable for this policy and for checking that it works. Every member
of staff shares responsibility for online safety; the designated safeguarding lead (DSL) and deputies take the lead,
keep up to date with local and national advice, and brief governors each year. The computing lead plans the online
safety curriculum.
"""

_OS_TEACHING = """\
## Teaching online safety

Online safety is taught through computing and PSHE lessons in every year group, and revisited whenever a lesson
uses a new app or website. Pupils learn to question what they read online, to respect copyright, to keep personal
information private and to tell a trusted adult when something online worries them. The rules of the pupil
agreement are displayed in every classroom.
"""

_OS_ACCESS = """\
## Managing access

The school's internet connection is filtered for primary-age pupils and monitored. Pupils use the internet only
under supervision, with accounts the school provides; they e-mail only through approved school accounts. The school
website shows the school's contact details, never the personal details of pupils or staff.
"""

_OS_PLATFORM = """\
## The learning platform and home learning

Each pupil has a username and password for the learning platform and is taught to keep them private and to sign
out when they finish. Teachers check class pages regularly. A message that is unkind or inappropriate is kept as
evidence and reported to the class teacher, who passes it to the headteacher. Staff passwords are changed at least
every 90 days.
"""

_OS_AI = """\
## Artificial intelligence and deepfakes

Generative AI tools can help pupils learn, but they can also be used to hurt people — for example "deepfake" images,
audio or video that look real. We treat any use of AI to bully or humiliate someone under our behaviour and
anti-bullying policies, and as a safeguarding concern where it involves indecent images. Staff assess the risks
before using a new AI tool with pupils.
"""

_OS_CYBER = """\
## Cyber-bullying

Cyber-bullying is bullying that happens through messaging apps, games or social media. Pupils learn what it is and
how to report it, including when they see it happen to someone else. Incidents are dealt with under the behaviour
policy; where illegal material has been shared, the DSL contains it and informs the police.
"""

_OS_AGREEMENTS = """\
## Acceptable use agreements

Every pupil agrees to the pupil rules each school year, and a parent or carer countersigns; for children in
Reception to Year 2 a parent may sign on the child's behalf. Staff, governors and volunteers agree to the staff
rules before they use any school system — new staff do so at induction.
"""

_OS_AGREEMENTS_PORTAL = """\
## Acceptable use agreements

Every pupil agrees to the pupil rules each school year, in class with their teacher, and a parent or carer
countersigns from a link we e-mail or on paper; for children in Reception to Year 2 a parent may sign on the child's
behalf. Staff, governors and volunteers agree to the staff rules before they use any school system — new staff are
asked at their first sign-in. Staff never photograph pupils on a personal device.
"""

_OS_MISUSE = """\
## When things go wrong

Misuse by a pupil is handled under the behaviour policy, in proportion to what happened; access to school systems
may be withdrawn for a time and parents informed. Misuse by staff is handled under the staff code of conduct.
Concerns of a child protection nature always go to the DSL, and serious or illegal incidents may be reported to
the police.
"""

_OS_REVIEW = """\
## Review

The computing lead and the DSL review this policy every year, with the safeguarding governor, and the full
governing body approves it.
"""

_PUPIL_AUP = AgreementSpec(
    audience=Audience.PUPIL,
    title="Pupil acceptable use agreement",
    introduction=(
        "These are our rules for using computers, tablets and the internet at school. Read them with your teacher, "
        "tick each one to show you understand it, and type your name. A parent or carer signs too. For children in "
        "Reception to Year 2 a parent or carer may sign on the child's behalf."
    ),
    statements=(
        "I will only use the internet at school when an adult has said I can and is with me.",
        "I will use school computers and tablets for my learning and for what my teacher asks me to do.",
        "I will keep my username and password secret and only ever log in as myself.",
        "I will leave other people's work and files alone and will not change or delete them.",
        "I will be kind and polite in every message I send, and only message people my teacher has agreed to.",
        "I will keep my full name, address, phone number and school private online, and I will never arrange to "
        "meet someone I have only met online.",
        "I will ask before taking a photo or video of anyone, and I will not put pictures of myself or others "
        "online at school.",
        "I will only bring a memory stick or device from home when my teacher has said yes.",
        "If I see something online that upsets me or makes me feel uncomfortable, I will stop and tell my teacher "
        "or another adult I trust straight away.",
        "I will remember that the school can see how its computers are used, and that if I break these rules I may "
        "not use them for a while and my family will be told.",
    ),
    countersignature=Countersignature.PARENT,
    parent_may_sign_for_pupil=True,
)

_STAFF_STATEMENTS = (
    "I will not look for, create, store or share violent, criminal, pornographic or otherwise inappropriate material.",
    "I will not use school systems in any way that could bring the school into disrepute.",
    "I will not use social networking or chat sites on school systems, other than the school's own approved accounts.",
    "I will not use offensive or unprofessional language in e-mails, messages or posts.",
    "I will not install software, or connect any device to the school network, without the computing lead's agreement.",
    "I will not share my password with anyone or sign in with someone else's details.",
    "I will not photograph or film pupils on a personal phone or camera, and I will check with the office that a "
    "pupil has photo consent before taking any picture.",
    "I will not share confidential information about pupils, families, staff or the school, and I will not open, "
    "change or share data I am not authorised to.",
    "I will not use school systems to promote a private business unless it is directly related to the school.",
    "I will use school systems only for my work, keep school devices locked and password-protected when I take "
    "them home, and store data as the data protection policy requires.",
    "I will tell the DSL at once if a pupil tells me they have seen something online that upset or harmed them, or "
    "if I come across such material myself.",
    "I understand that the school monitors the use of its systems, including the websites I visit.",
)

_STAFF_AUP = AgreementSpec(
    audience=Audience.STAFF,
    title="Staff acceptable use agreement",
    introduction=(
        "The school's computers, network and accounts are provided for your work. This agreement protects pupils, "
        "you and the school. It applies in school, and outside school whenever you use a school device or account. "
        "Please confirm each statement."
    ),
    statements=_STAFF_STATEMENTS,
)

_GOVERNOR_AUP = AgreementSpec(
    audience=Audience.GOVERNOR,
    title="Governor acceptable use agreement",
    introduction=(
        "Governors use the portal and school e-mail to read papers about pupils, staff and the school. Please "
        "confirm each statement; it applies wherever you read or send school information."
    ),
    statements=(
        _STAFF_STATEMENTS[0],
        _STAFF_STATEMENTS[1],
        _STAFF_STATEMENTS[3],
        _STAFF_STATEMENTS[5],
        _STAFF_STATEMENTS[7],
        "I will keep governing body papers secure and delete or return confidential papers when they are no longer "
        "needed.",
        _STAFF_STATEMENTS[10],
        "I understand that the school monitors the use of its systems.",
    ),
)

# Visitors and volunteers sign at the front desk on arrival (St James online safety policy: "staff, governors,
# volunteers and visitors sign"; issue 13 item 7).
_VISITOR_AUP = AgreementSpec(
    audience=Audience.VISITOR,
    title="Visitor and volunteer agreement",
    introduction=(
        "Welcome to our school. Before you go further, please read these statements and sign. They apply for the "
        "whole of your visit."
    ),
    statements=(
        "I will wear my visitor badge where it can be seen, and return it when I leave.",
        "I will not take photographs or videos of pupils, and I will keep my phone out of sight in classrooms.",
        "I will not use the school's computers or network unless a member of staff has given me access.",
        "I will not be alone with a pupil unless the school has arranged it.",
        "I will tell the designated safeguarding lead straight away if I am worried about a child.",
    ),
)

ONLINE_SAFETY = PolicySpec(
    title="Online Safety and Acceptable Use Policy",
    category=Policy.Category.ONLINE_SAFETY,
    approving_body=Policy.ApprovingBody.FULL_GOVERNING_BODY,
    signing_frequency=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
    owner="dsl@demo.test",
    versions=(
        VersionSpec(
            number="1",
            author="{computing} (computing lead)",
            status=Status.SUPERSEDED,
            approved_by="Full governing body",
            approved_on=date(2024, 10, 9),
            issue_date=date(2024, 10, 14),
            summary="First version, adapted from the local authority's model online safety policy.",
            body="\n".join([_OS_INTRO, _OS_ROLES, _OS_TEACHING, _OS_ACCESS, _OS_AGREEMENTS, _OS_MISUSE, _OS_REVIEW]),
        ),
        VersionSpec(
            number="2",
            author="{computing} (computing lead) and {dsl} (DSL)",
            status=Status.SUPERSEDED,
            approved_by="Full governing body",
            approved_on=date(2025, 9, 24),
            issue_date=date(2025, 9, 29),
            summary=(
                "Annual review: the learning platform and home learning; password rules for staff; cyber-bullying "
                "section added; parents may sign for pupils in Reception to Year 2."
            ),
            body="\n".join(
                [
                    _OS_INTRO,
                    _OS_LAW,
                    _OS_ROLES,
                    _OS_TEACHING,
                    _OS_ACCESS,
                    _OS_PLATFORM,
                    _OS_CYBER,
                    _OS_AGREEMENTS,
                    _OS_MISUSE,
                    _OS_REVIEW,
                ]
            ),
        ),
        VersionSpec(
            number="3",
            author="{dsl} (DSL) and {computing} (computing lead)",
            status=Status.APPROVED,
            approved_by="Full governing body",
            approved_on=date(2026, 9, 9),
            issue_date=date(2026, 9, 10),
            summary=(
                "Annual review: new section on generative AI and deepfakes; staff must not photograph pupils on "
                "personal devices; agreements are now signed in the portal (parents by e-mailed link, pupils in "
                "class)."
            ),
            body="\n".join(
                [
                    _OS_INTRO,
                    _OS_LAW,
                    _OS_ROLES,
                    _OS_TEACHING,
                    _OS_ACCESS,
                    _OS_PLATFORM,
                    _OS_AI,
                    _OS_CYBER,
                    _OS_AGREEMENTS_PORTAL,
                    _OS_MISUSE,
                    _OS_REVIEW,
                ]
            ),
            agreements=(_PUPIL_AUP, _STAFF_AUP, _GOVERNOR_AUP, _VISITOR_AUP),
        ),
    ),
)

# Home–school agreement (after Westminster Primary Academy) ----------------------------------------------------------

_HOME_SCHOOL_BODY = """\
# Home–School Agreement

Children do best when home and school work together. This agreement sets out what our school promises, what we
ask of parents and carers, and what we ask of each child. It supports our behaviour policy and our three values:
to be **ready**, **kind** and **safe**.

## How it is signed

Every family is sent the agreement by e-mail at the start of each school year and signs it on a phone or computer.
Families who join during the year receive it at their welcome meeting, and anyone who prefers paper can return a
printed copy to the office. A parent or carer with parental responsibility signs, and the child signs too — in class
with their teacher, or, for children in Reception to Year 2, with a parent signing on their behalf.

## If something is not working

Please talk to your child's class teacher first. If a concern is not resolved, the headteacher will meet you and
let you know what has been done.
"""

_HOME_SCHOOL = PolicySpec(
    title="Home–School Agreement",
    category=Policy.Category.HOME_SCHOOL,
    approving_body=Policy.ApprovingBody.HEADTEACHER,
    signing_frequency=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
    owner="head@demo.test",
    versions=(
        VersionSpec(
            number="1",
            author="{head} (headteacher)",
            status=Status.APPROVED,
            approved_by="{head}, headteacher",
            approved_on=date(2026, 9, 3),
            issue_date=date(2026, 9, 4),
            summary=(
                "Rewritten with the school council and the parent forum; sent to every family in September and to "
                "new starters at their welcome meeting."
            ),
            body=_HOME_SCHOOL_BODY,
            agreements=(
                AgreementSpec(
                    audience=Audience.PARENT,
                    title="Home–school agreement",
                    introduction=(
                        "Please read what the school, you and your child each agree to, tick every statement and "
                        "type your name. Your child signs too, in class with their teacher; for children in "
                        "Reception to Year 2 you may sign on your child's behalf."
                    ),
                    statements=(
                        "The school: we will teach a broad, balanced and challenging curriculum that meets each "
                        "child's needs.",
                        "The school: we will keep your child safe and make sure they are valued, respected and "
                        "listened to.",
                        "The school: we will keep you informed about your child's progress, behaviour and what "
                        "they are learning each term.",
                        "The school: we will deal with your concerns promptly and tell you how they were resolved.",
                        "Parent or carer: I will make sure my child comes to school every day and on time, and let "
                        "the office know by 9:30 on any day they are absent.",
                        "Parent or carer: I will support the school's policies on behaviour, attendance and uniform.",
                        "Parent or carer: I will come to parents' meetings and support my child with reading and "
                        "homework.",
                        "Parent or carer: I will tell the school about changes of address, phone number or "
                        "emergency contacts, and about anything that may affect my child's learning or happiness.",
                        "Parent or carer: I will support what my child learns about staying safe online.",
                        "Parent or carer: I will treat every member of the school community with respect, in "
                        "person and online.",
                        "Child: I will try my best in my learning and ask for help when I do not understand.",
                        "Child: I will be kind and respectful to others and keep myself and others safe.",
                        "Child: I will come to school on time, ready to learn, in the right uniform.",
                        "Child: I will use the internet safely, as I have been taught.",
                        "Child: I will talk to a grown-up if I have a problem, and look after our school building "
                        "and equipment.",
                    ),
                    countersignature=Countersignature.PUPIL,
                    parent_may_sign_for_pupil=True,
                ),
            ),
        ),
    ),
)

# Photography and videos (after the Sigma Trust policy and its staff agreement form) --------------------------------

_PHOTO_INTRO = """\
# Photography and Videos at School Policy

We use photographs and videos of pupils on displays, in the prospectus, on the school website, in teaching and at
events. Images of pupils are personal data, so the UK GDPR and the Data Protection Act 2018 govern how we take,
store and keep them. This policy applies to every kind of image — print, video and the web — and to every device
that can take one, including phones, tablets and webcams.
"""

_PHOTO_USES = """\
## Three kinds of use

- **Personal use**: a parent photographing their own child at a school event. Data protection law does not apply,
  but we ask that these images are not posted online.
- **Official school use**: for example identity badges and the management information system.
- **Media use**: images meant for a wide audience, such as a local newspaper.

We use images for official or media purposes only with a parent's consent, and we never publish a pupil's full name
beside their photograph without separate consent.
"""

_PHOTO_STORAGE = """\
## Taking and storing images

Staff take pictures only on school cameras and tablets, never on personal devices. Images are moved to the school
network as soon as possible — at least once a week — and deleted from the device. The school data lead reviews
stored images every term and deletes what is no longer needed. Memory cards that are replaced are destroyed.
"""

_PHOTO_STORAGE_V1 = """\
## Taking and storing images

Staff take pictures only on school cameras and tablets, never on personal devices, and keep them on the school
network.
"""

_PHOTO_EVENTS = """\
## Photographers and events

A professional photographer is briefed by the headteacher, wears identification and is never left alone with
pupils. At concerts and sports days parents may take pictures of their own children if the headteacher allows it:
they stay seated, avoid flash during performances, and keep the images for family use.
"""

_PHOTO_REVIEW = """\
## Review

The office manager and the data protection officer review this policy every year; the Audit and Risk
Committee approves it.
"""

_CAMERA_AGREEMENT = AgreementSpec(
    audience=Audience.STAFF,
    title="Staff camera agreement",
    introduction=(
        "Confirm each statement and sign. The headteacher then authorises your agreement; until then it shows as "
        "waiting for authorisation."
    ),
    statements=(
        "I will not take or send photographs or videos of pupils or staff on a personal camera or phone without "
        "permission.",
        "I will not keep images of pupils at home, on a personal device or in a personal account without permission.",
        "I will check the consent list before photographing a pupil, and only use school cameras and tablets.",
        "I will move images from school devices to the school network at least once a week and then delete them "
        "from the device.",
        "I will not edit an image of a pupil without the headteacher's permission, and never in a way that could "
        "embarrass them or leave them open to teasing or bullying.",
        "I will not send images by personal e-mail or post them on personal social media.",
        "I have read the Photography and Videos at School Policy and I will follow it.",
    ),
    countersignature=Countersignature.HEADTEACHER,
)

_PHOTOGRAPHY = PolicySpec(
    title="Photography and Videos at School Policy",
    category=Policy.Category.DATA_PROTECTION,
    approving_body=Policy.ApprovingBody.COMMITTEE,
    approving_committee="Audit and Risk Committee",
    signing_frequency=Policy.SigningFrequency.ON_JOINING,
    owner="office@demo.test",
    versions=(
        VersionSpec(
            number="1",
            author="{office} (office manager)",
            status=Status.SUPERSEDED,
            approved_by="Chair of the Audit and Risk Committee (chair's action)",
            approved_on=date(2024, 4, 17),
            issue_date=date(2024, 4, 22),
            summary="Model policy adopted; approved by chair's action between committee meetings.",
            body="\n".join([_PHOTO_INTRO, _PHOTO_USES, _PHOTO_STORAGE_V1, _PHOTO_REVIEW]),
        ),
        VersionSpec(
            number="2",
            author="{office} (office manager)",
            status=Status.SUPERSEDED,
            approved_by="Audit and Risk Committee",
            approved_on=date(2024, 11, 20),
            issue_date=date(2024, 11, 25),
            summary="Operational changes: weekly transfer from school cameras; termly review of stored images.",
            body="\n".join([_PHOTO_INTRO, _PHOTO_USES, _PHOTO_STORAGE, _PHOTO_REVIEW]),
        ),
        VersionSpec(
            number="3",
            author="{office} (office manager) and {head} (headteacher)",
            status=Status.APPROVED,
            approved_by="Audit and Risk Committee",
            approved_on=date(2026, 7, 8),
            issue_date=date(2026, 7, 13),
            summary="Annual review: photographers and events section; staff camera agreement signed in the portal.",
            body="\n".join([_PHOTO_INTRO, _PHOTO_USES, _PHOTO_STORAGE, _PHOTO_EVENTS, _PHOTO_REVIEW]),
            agreements=(_CAMERA_AGREEMENT,),
        ),
    ),
)

DEMO_PRIMARY_POLICIES = (ONLINE_SAFETY, _HOME_SCHOOL, _PHOTOGRAPHY)

# Örnek İlkokulu: the Turkish AUP (after Mehmet Akif Ersoy İlkokulu) -------------------------------------------------

_TR_BODY = """\
# Bilişim Teknolojileri Kabul Edilebilir Kullanım Politikası

## Amaç

Bu politika, Örnek İlkokulu'nda internetin, bilgisayarların, etkileşimli tahtaların ve tabletlerin nasıl
kullanılacağını belirler. Amacımız okulumuzun bütün üyelerini çevrim içi ortamda korumak, teknolojinin fırsatları
ve riskleri konusunda farkındalık oluşturmak ve bir sorun yaşandığında izlenecek yolu herkesin bilmesini
sağlamaktır.

## Kapsam

Politika; okul idaresi, öğretmenler, öğrenciler, veliler, destek personeli, gönüllüler ve ziyaretçiler dahil okulun
bilişim sistemlerini okul içinden ya da dışından kullanan herkes için geçerlidir. Okulun verdiği dizüstü
bilgisayar ve tabletler evde kullanıldığında da bu kurallar uygulanır.

## Okulumuzda e-Güvenlik

- Her sınıfta etkileşimli tahta ve filtrelenmiş, güvenli bir internet bağlantısı vardır; tahtalar öğretmen
  denetiminde kullanılır.
- Öğrencilerin cep telefonları okula girişte kapatılır ve gün boyunca telefon kutusunda durur.
- Okulda izinsiz fotoğraf ve video çekilmez; öğrencilerin yüzleri okulun sosyal medya hesaplarında açıkça
  gösterilmez.
- Her şubat ayında Güvenli İnternet Günü etkinlikleri yapılır; veliler ve öğrenciler guvenliweb.org.tr ve
  guvenlicocuk.org.tr kaynaklarıyla bilgilendirilir.
- Öğrenci, veli ve personelin kişisel bilgileri idarenin sorumluluğunda korunur ve kendi izinleri olmadan üçüncü
  kişilerle paylaşılmaz.

## Sorumluluklar

Politikanın uygulanmasından okul idaresi, hazırlanması ve güncellenmesinden e-Güvenlik Ekibi sorumludur.
Öğretmenler ve personel kabul edilebilir kullanım sözleşmesini imzalar; Okul Müdürü her imzayı onaylar.
Öğrenciler sözleşmeyi sınıfta öğretmenleriyle birlikte okuyup imzalar, veliler de çocukları adına onaylar.

## Kurallara uyulmadığında

Sistemlerin izinsiz ya da uygunsuz kullanımı okul politikasının ihlalidir ve idarenin bilgisiyle değerlendirilir.
Yasa dışı içerikten şüphelenildiğinde cihaz, ilgili mercilere teslim edilir.

## Yapay zekâ

Yapay zekâ araçlarıyla üretilen sahte fotoğraf, ses ve videolar gerçek gibi görünebilir ve birini incitmek için
kullanılabilir. Böyle bir içerik üretmek ya da paylaşmak zorbalık sayılır; öğrencilere bu içerikleri nasıl fark
edecekleri ve kime haber verecekleri öğretilir.

## Gözden geçirme

Bu politika her yıl eylül ayında e-Güvenlik Ekibi tarafından gözden geçirilir; değişiklikler idarenin onayıyla
yayımlanır.
"""

_TR_PUPIL = AgreementSpec(
    audience=Audience.PUPIL,
    title="Öğrenci kabul edilebilir kullanım sözleşmesi",
    introduction=(
        "Bu kuralları öğretmeninle birlikte oku. Anladığın her maddeyi işaretle ve adını yaz. Velin de sözleşmeyi "
        "onaylayacak. 1. sınıf öğrencileri için veli, çocuğu adına da imzalayabilir."
    ),
    statements=(
        "İnternete yalnızca öğretmenim izin verdiğinde ve yanımdayken gireceğim.",
        "Okulun bilgisayarlarını ve tabletlerini yalnızca derslerim için, öğretmenimin söylediği gibi kullanacağım.",
        "Şifremi kimseyle paylaşmayacağım ve yalnızca kendi hesabımla giriş yapacağım.",
        "Adımı, adresimi, telefon numaramı ve fotoğrafımı internette tanımadığım kişilerle paylaşmayacağım.",
        "Cep telefonumu okula getirirsem kapatıp derse başlamadan telefon kutusuna koyacağım.",
        "Kimsenin fotoğrafını ya da videosunu izin almadan çekmeyeceğim.",
        "İnternette herkese nazik davranacağım ve kimseyi kırıcı mesajlarla üzmeyeceğim.",
        "Beni rahatsız eden ya da korkutan bir şey görürsem hemen öğretmenime veya aileme söyleyeceğim.",
        "Kurallara uymazsam okulun bilgisayarlarını bir süre kullanamayacağımı ve ailemin bilgilendirileceğini "
        "biliyorum.",
    ),
    countersignature=Countersignature.PARENT,
    parent_may_sign_for_pupil=True,
)

_TR_STAFF = AgreementSpec(
    audience=Audience.STAFF,
    title="Personel kabul edilebilir kullanım sözleşmesi",
    introduction=(
        "Okulun bilişim sistemleri görevinizi yapmanız için sağlanır. Lütfen her maddeyi onaylayıp imzalayın; "
        "sözleşmeniz Okul Müdürü'nün onayıyla tamamlanır."
    ),
    statements=(
        "Okulun bilişim sistemlerini yalnızca eğitim ve görevimle ilgili işler için kullanacağım.",
        "Şifremi kimseyle paylaşmayacak, başkasının hesabıyla oturum açmayacağım.",
        "Öğrencilerin fotoğraf ve videolarını kişisel telefonum ya da cihazımla çekmeyecek, yalnızca okulun "
        "sağladığı cihazları kullanacağım.",
        "Kişisel telefonumu ders saatlerinde kapalı ya da sessiz tutacağım.",
        "Öğrenciler ve velilerle kişisel telefonum ya da sosyal medya hesaplarım üzerinden iletişim kurmayacağım.",
        "Öğrenci, veli ve personelin kişisel bilgilerini yetkisi olmayan hiç kimseyle paylaşmayacağım.",
        "Okul ağına izinsiz yazılım yüklemeyecek ve izinsiz cihaz bağlamayacağım.",
        "Bir öğrencinin çevrim içi bir tehlikeyle karşılaştığını öğrenirsem durumu hemen okul idaresine bildireceğim.",
        "Okulun, bilişim sistemlerinin kullanımını izleyebileceğini kabul ediyorum.",
    ),
    countersignature=Countersignature.HEADTEACHER,
)

ORNEK_POLICIES = (
    PolicySpec(
        title="Bilişim Teknolojileri Kabul Edilebilir Kullanım Politikası",
        category=Policy.Category.ONLINE_SAFETY,
        approving_body=Policy.ApprovingBody.HEADTEACHER,
        signing_frequency=Policy.SigningFrequency.EVERY_ACADEMIC_YEAR,
        owner="mudur.tr@demo.test",
        language="tr",
        versions=(
            VersionSpec(
                number="2026-2027",
                author="e-Güvenlik Ekibi",
                status=Status.APPROVED,
                approved_by="{mudur}, Okul Müdürü — uygundur",
                approved_on=date(2026, 9, 28),
                issue_date=date(2026, 9, 29),
                summary=(
                    "Eylül 2026'da e-Güvenlik Ekibi tarafından gözden geçirildi: {team}. Öğrenci ve personel "
                    "sözleşmeleri artık portalda imzalanıyor; yapay zekâ ile üretilen sahte görüntüler hakkında "
                    "bilgilendirme eklendi."
                ),
                body=_TR_BODY,
                agreements=(_TR_PUPIL, _TR_STAFF),
            ),
        ),
    ),
)


# How the demo's people sign ------------------------------------------------------------------------------------

PHONE_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.7 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
]
DESKTOP_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 "
    "Safari/537.36 Edg/140.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 "
    "Safari/605.1.15",
]
TABLET_AGENT = (  # the class iPad pupils sign on
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 "
    "Mobile/15E148 Safari/604.1"
)
CHROMEBOOK_AGENT = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
)
# Each school's public address (documentation ranges, RFC 5737); families sign from home addresses in the others.
# Who comes to the front desk (fictional organisations): (organisation, visitor or volunteer).
VISITOR_ORGANISATIONS = [
    ("Riverside Reading Volunteers", Audience.VOLUNTEER),
    ("County Music Service", Audience.VISITOR),
    ("Brightwell Catering Ltd", Audience.VISITOR),
    ("Friends of Demo Primary (PTA)", Audience.VOLUNTEER),
    ("Local authority school improvement team", Audience.VISITOR),
    ("St Anne's Church", Audience.VOLUNTEER),
    ("Oakfield IT Support", Audience.VISITOR),
    ("none", Audience.VOLUNTEER),
]
SCHOOL_IPS = {demo.DEMO_PRIMARY["slug"]: "198.51.100.23", demo.ORNEK["slug"]: "198.51.100.140"}
HOME_NETWORKS = ["192.0.2.", "203.0.113."]
# The oldest year group (``YearGroup.order``) whose parents may sign for their child: Reception–Year 2 in England,
# 1. Sınıf in Türkiye.
ON_BEHALF_UP_TO = {demo.DEMO_PRIMARY["slug"]: 2, demo.ORNEK["slug"]: 1}


@dataclasses.dataclass(frozen=True)
class Mix:
    """Shares of pupil requests (each a fraction of 1); the rest stay unsigned, some opened but not signed."""

    complete: float
    parent_only: float
    paper: float
    viewed_only: float


DEMO_PRIMARY_MIX = {
    Audience.PUPIL: Mix(complete=0.60, parent_only=0.10, paper=0.08, viewed_only=0.08),
    Audience.PARENT: Mix(complete=0.58, parent_only=0.12, paper=0.08, viewed_only=0.07),
}
ORNEK_MIX = {Audience.PUPIL: Mix(complete=0.40, parent_only=0.10, paper=0.06, viewed_only=0.10)}


# Entry point ---------------------------------------------------------------------------------------------------


def load(*, now=None):
    """Create whatever part of the acceptable use demo is missing; return summary lines (list of str).

    Args:
        now: an aware datetime standing for "now" (default: the current time); signatures fall in the ten weeks
            before it, and no earlier than the day after their version was approved.

    Needs the directory demo (``safeguard.directory.demo.load_demo``); does nothing if it is not loaded.
    """
    now = now or timezone.now()
    primary = School.objects.filter(slug=demo.DEMO_PRIMARY["slug"]).first()
    ornek = School.objects.filter(slug=demo.ORNEK["slug"]).first()
    if primary is None or ornek is None:
        return ["Acceptable use: the demo schools are not loaded; nothing to add."]
    loader = _Loader(now)
    # Hundreds of completions: their PDFs are made on first download rather than queued all at once.
    with services.signed_documents_on_demand(), transaction.atomic():
        loader.new_teacher(primary)
        for school, specs, mix in [
            (primary, DEMO_PRIMARY_POLICIES, DEMO_PRIMARY_MIX),
            (ornek, ORNEK_POLICIES, ORNEK_MIX),
        ]:
            loader.school(school, specs, mix)
    register = demo_register.load(now=now)  # the policy register: review dates, owners, reviews in progress
    return [line for school in (primary, ornek) for line in _summary(school, now)] + [
        f"{NEW_TEACHER_EMAIL} has signed nothing: sign in as them to meet the staff agreement gate.",
        f"Created this run: {loader.created_requests} signature requests, {loader.created_signatures} signatures.",
        *register,
        *pupils_sign_for_themselves(),
    ]


# Pupils who sign for themselves with a class code (issue 13 item 8): on at the demo's secondary school, the US
# district's high school (grades 9–12, ages 14–18), from 13 — the age UK GDPR Art. 8 / DPA 2018 s.9 set for online
# services, and the consent form's own default.
SELF_SIGNING_SCHOOL_SLUG = "demo-high-school"
SELF_SIGNING_FROM_AGE = 13


def pupils_sign_for_themselves():
    """Turn pupils' own signing on at the demo's secondary school, set by its principal; return summary lines.

    The district is loaded by ``onboarding.demo_content``, which runs after this app's demo: on a first load the
    school is not there yet and this says so (``onboarding.demo_content`` may call this function once it has built
    the district; a second ``load_demo`` sets it too). Idempotent."""
    school = School.objects.filter(slug=SELF_SIGNING_SCHOOL_SLUG).first()
    if school is None:
        return []
    principal = StaffRole.objects.current().filter(school=school, role=Role.HEADTEACHER).order_by("pk").first()
    if principal is None:
        return []
    principal = principal.user
    services_class_codes.pupil_self_signing_set(actor=principal, school=school, from_age=SELF_SIGNING_FROM_AGE)
    return [
        f"{school.name}: students from {SELF_SIGNING_FROM_AGE} sign for themselves — a teacher opens a class code "
        "(Class codes on the campus home) and students type it at /class-code/."
    ]


class _Loader:
    def __init__(self, now):
        self.now = now
        self.created_requests = 0
        self.created_signatures = 0
        self._devices = {}  # guardian pk → (ip, user agent, drawn signature or "")
        self._drawings = None  # drawn on first use: a second run needs none
        self._names = None

    # People

    def new_teacher(self, school):
        """``new.teacher@demo.test``: a teacher at ``school`` with the demo password, who has signed nothing."""
        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        user = User.objects.filter(email__iexact=NEW_TEACHER_EMAIL).first()
        if user is None:
            faker = Faker("en_GB")
            faker.seed_instance(SEED)
            full_name = f"{faker.first_name()} {faker.last_name()}"
            try:
                validate_password(password, User(email=NEW_TEACHER_EMAIL, full_name=full_name))
            except ValidationError as error:
                raise demo.DemoError("DEMO_PASSWORD is not accepted: " + " ".join(error.messages)) from error
            # As the directory demo does: a blank language (pages follow the school's), and the password hash set
            # with an update so no history row carries it.
            user = User.objects.create_user(NEW_TEACHER_EMAIL, password=None, full_name=full_name, language="")
        if not check_password(password, user.password):
            # Share the other demo accounts' hash when it is the same password: one PBKDF2 check instead of a hash.
            office = User.objects.filter(email__iexact="office@demo.test").first()
            if office is not None and check_password(password, office.password):
                encoded = office.password
            else:
                encoded = make_password(password)
            User.objects.filter(pk=user.pk).update(password=encoded)
        StaffRole.objects.current().get_or_create(
            user=user, school=school, role=Role.TEACHER, defaults={"job_title": "Early career teacher"}
        )

    # Policies

    def school(self, school, specs, mixes):
        agreements = []
        for spec in specs:
            agreements.extend(self.policy(school, spec))
        office = _user(school, Role.OFFICE)
        head = _user(school, Role.HEADTEACHER)
        for agreement in agreements:
            if agreement.audience in (Audience.PUPIL, Audience.PARENT):
                self.pupil_requests(school, agreement, office, mixes[agreement.audience])
        self.staff_requests(school, office, head)
        for agreement in agreements:
            if agreement.audience == Audience.VISITOR:
                self.visitor_sign_ins(school, agreement, office)

    def policy(self, school, spec):
        """Find or create the policy, its versions, agreements and statements; return the current agreements."""
        owner = User.objects.filter(email__iexact=spec.owner).first()
        policy, _ = Policy.objects.get_or_create(
            school=school,
            title=spec.title,
            defaults={
                "category": spec.category,
                "owner": owner,
                "approving_body": spec.approving_body,
                "approving_committee": spec.approving_committee,
                "language": spec.language,
                "signing_frequency": spec.signing_frequency,
            },
        )
        agreements = []
        for version_spec in spec.versions:
            version = PolicyVersion.objects.filter(policy=policy, number=version_spec.number).first()
            if version is None:
                names = self.names()
                body = version_spec.body.strip()  # as the library stores it
                version = PolicyVersion.objects.create(
                    policy=policy,
                    number=version_spec.number,
                    author=version_spec.author.format(**names),
                    status=version_spec.status,
                    approved_by=version_spec.approved_by.format(**names),
                    approved_on=version_spec.approved_on,
                    issue_date=version_spec.issue_date,
                    summary_of_changes=version_spec.summary.format(**names),
                    body_markdown=body,
                    body_html=render_markdown(body),
                )
            for agreement_spec in version_spec.agreements:
                agreement, _ = Agreement.objects.get_or_create(
                    version=version,
                    audience=agreement_spec.audience,
                    defaults={
                        "title": agreement_spec.title,
                        "introduction": agreement_spec.introduction,
                        "countersignature": agreement_spec.countersignature,
                        "parent_may_sign_for_pupil": agreement_spec.parent_may_sign_for_pupil,
                        "parent_signs_up_to_year": ON_BEHALF_UP_TO.get(school.slug)
                        if agreement_spec.parent_may_sign_for_pupil
                        else None,
                    },
                )
                for order, text in enumerate(agreement_spec.statements, start=1):
                    AgreementStatement.objects.get_or_create(agreement=agreement, order=order, defaults={"text": text})
                if version.status == Status.APPROVED:
                    agreements.append(agreement)
        return agreements

    # Pupils and parents

    def pupil_requests(self, school, agreement, office, mix):
        """One request per pupil on roll, signed by the mix's shares; the demo parents' children as described."""
        # Who signs what comes from its own stream, three draws per pupil, so outcomes never depend on the clock;
        # times come from another.
        outcomes = random.Random(f"{SEED}:{school.slug}:{agreement.audience}")
        rng = random.Random(f"{SEED}:{school.slug}:{agreement.audience}:times")
        start, end = self._window(school, agreement)
        shown = _shown(agreement)
        existing = _existing(agreement, "pupil_id", school, self.now)
        pupils = list(
            Pupil.objects.on_roll(school.today(self.now))
            .filter(school=school, school_class__isnull=False)
            .select_related("school_class__year_group")
            .order_by("pk")
        )
        guardians = _guardians_with_responsibility(school)
        teachers = _class_teachers(school)
        sessions = {  # each class signs in a few teacher-led sessions on school days
            class_id: sorted(_moment(rng, school, start, end, hours=(9, 15), school_days=True) for _ in range(4))
            for class_id in teachers
        }
        demo_parent = {demo.PARENT_EMAIL, demo.PARENT_TR_EMAIL}
        for pupil in pupils:
            draw, pick, behalf = outcomes.random(), outcomes.random(), outcomes.random()
            if pupil.pk in existing:
                continue
            carers = guardians.get(pupil.pk, [])
            online = [g for g in carers if g.email]
            family_account = next((g for g in online if g.user_id and g.email.lower() in demo_parent), None)
            if family_account is not None:
                # The demo parents: the older child's pupil agreement waits for them; everything else is signed.
                waiting = agreement.audience == Audience.PUPIL and pupil.year_group.order >= 3
                outcome = "sent" if waiting else "complete"
                signer = family_account
            else:
                outcome = _outcome(draw, mix)
                signer = online[int(pick * len(online))] if online else None
                if outcome in ("complete", "parent_only") and signer is None:
                    outcome = "paper"
                if outcome == "paper" and not carers:
                    outcome = "sent"  # no one with parental responsibility on file (e.g. looked after)
            request_sent = _sent_at(school, start, pupil)
            request, created = services.signature_request_open(
                actor=office, agreement=agreement, school=school, pupil=pupil, now=self.now
            )
            if not created:
                continue
            self.created_requests += 1
            SignatureRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(sent_at=request_sent)
            request.sent_at = request_sent
            if outcome == "paper":
                carer = signer or carers[0]
                self.paper(request, office, carer, pupil, rng, start=request_sent, end=end)
            elif outcome in ("complete", "parent_only"):
                parent_signed = self.parent_signs(request, signer, shown, rng, end=end)
                if outcome == "complete":
                    self.pupil_signs(
                        request,
                        pupil,
                        signer,
                        shown,
                        rng,
                        teachers,
                        sessions,
                        after=parent_signed,
                        end=end,
                        on_behalf=behalf < 0.4,
                    )
            elif outcome == "viewed":
                viewed = _after(rng, request_sent, end, hours=(7, 22), school=school, median_hours=30)
                services.signature_request_mark_viewed(request=request, party=Party.PARENT, now=viewed)
            if outcome in ("parent_only", "viewed", "sent"):
                self.reminded(request, [g.email for g in online])

    def parent_signs(self, request, guardian, shown, rng, *, end):
        school = request.school
        viewed = _after(rng, request.sent_at, end, hours=(7, 22), school=school, median_hours=20)
        signed = min(viewed + datetime.timedelta(minutes=rng.randint(2, 12), seconds=rng.randint(0, 59)), end)
        services.signature_request_mark_viewed(request=request, party=Party.PARENT, now=viewed)
        ip, agent, drawing = self._device(guardian)
        by_account = guardian.user_id is not None
        self.record(
            request,
            shown,
            party=Party.PARENT,
            method=Method.PASSWORD_SESSION if by_account else Method.INVITATION_LINK,
            signer_user=guardian.user if by_account else None,
            signer_guardian=guardian,
            typed_name=guardian.full_name,
            drawn_signature=drawing,
            ip_address=ip,
            user_agent=agent,
            now=signed,
        )
        return signed

    def pupil_signs(self, request, pupil, guardian, shown, rng, teachers, sessions, *, after, end, on_behalf):
        year = pupil.year_group.order
        allowed = request.agreement.parent_may_sign_for_pupil and year <= ON_BEHALF_UP_TO[request.school.slug]
        if allowed and on_behalf:
            # Reception to Year 2: the parent signs for the child in the same sitting.
            ip, agent, drawing = self._device(guardian)
            by_account = guardian.user_id is not None
            self.record(
                request,
                shown,
                party=Party.PUPIL,
                method=Method.PASSWORD_SESSION if by_account else Method.INVITATION_LINK,
                signer_user=guardian.user if by_account else None,
                signer_guardian=guardian,
                on_behalf_of_pupil=True,
                typed_name=guardian.full_name,
                drawn_signature=drawing,
                ip_address=ip,
                user_agent=agent,
                now=min(after + datetime.timedelta(seconds=rng.randint(40, 150)), end),
            )
            return
        # The class's first session after the parent signed; failing that, a lesson on another day (before the
        # parent signed, if need be).
        session = (
            next((s for s in sessions[pupil.school_class_id] if s > after), None)
            or _moment(rng, request.school, after, end, hours=(9, 15), school_days=True, strict=True)
            or _moment(rng, request.school, request.sent_at, end, hours=(9, 15), school_days=True)
        )
        self.record(
            request,
            shown,
            party=Party.PUPIL,
            method=Method.TEACHER_PRESENT,
            teacher_present=teachers[pupil.school_class_id],
            typed_name=pupil.display_name,
            ip_address=SCHOOL_IPS[request.school.slug],
            user_agent=TABLET_AGENT if year <= 3 else CHROMEBOOK_AGENT,
            now=min(session + datetime.timedelta(seconds=rng.randint(60, 900)), end),
        )

    def paper(self, request, office, guardian, pupil, rng, *, start, end):
        returned = _moment(
            rng, request.school, start + datetime.timedelta(days=2), end, hours=(8, 16), school_days=True
        )
        returned_on = request.school.today(returned)
        names = {party: guardian.full_name for party in services.required_parties(request.agreement)}
        names[Party.PUPIL] = pupil.display_name
        returned_by = f"{guardian.title} {guardian.full_name}".strip()
        signatures = services.paper_return_record(
            actor=office, request=request, returned_on=returned_on, returned_by=returned_by, names=names, now=returned
        )
        self.created_signatures += len(signatures)

    def reminded(self, request, emails):
        """Record the reminders already due for a request still waiting, as the daily sweep would have sent them
        (so the demo's first sweep does not e-mail every fictional family at once)."""
        elapsed = (self.now - request.sent_at).days
        rows = [
            ReminderSent(request=request, offset_days=offset, recipient=email.lower())
            for offset in request.agreement.reminder_offsets()
            if offset <= elapsed
            for email in emails
        ]
        ReminderSent.objects.bulk_create(rows, ignore_conflicts=True)

    # Staff and governors

    def staff_requests(self, school, office, head):
        """Every member of staff and governor signs each current staff-like agreement of the school (and the
        headteacher authorises where needed), except the new teacher and one authorisation left waiting."""
        rng = random.Random(f"{SEED}:{school.slug}:staff")
        roles = {}
        for role in StaffRole.objects.current().filter(school=school).select_related("user").order_by("user__email"):
            roles.setdefault(role.user, set()).add(role.role)
        for audience, audience_roles in services.AUDIENCE_ROLES.items():
            for agreement in services.current_agreements(school, audience):
                start, end = self._window(school, agreement)
                shown = _shown(agreement)
                existing = _existing(agreement, "user_id", school, self.now)
                for user, user_roles in roles.items():
                    first_days = min(end, start + datetime.timedelta(days=12))
                    signed = _moment(rng, school, start, first_days, hours=(8, 17), school_days=True)
                    if not user_roles & audience_roles or user.pk in existing:
                        continue
                    request, created = services.signature_request_open(
                        actor=office, agreement=agreement, school=school, user=user, now=self.now
                    )
                    if not created:
                        continue
                    self.created_requests += 1
                    if user.email == NEW_TEACHER_EMAIL:
                        continue  # held at the gate until they sign
                    countersigned = Party.HEADTEACHER in services.required_parties(agreement)
                    waiting = countersigned and user.email == AWAITING_AUTHORISATION_EMAIL
                    if waiting:
                        recently = end - datetime.timedelta(days=4)
                        signed = _moment(rng, school, recently, end, hours=(8, 17), school_days=True)
                    self.record(
                        request,
                        shown,
                        party=Party.SIGNER,
                        method=Method.PASSWORD_SESSION,
                        signer_user=user,
                        typed_name=user.full_name,
                        ip_address=SCHOOL_IPS[school.slug],
                        user_agent=rng.choice(DESKTOP_AGENTS),
                        now=signed,
                    )
                    if countersigned and not waiting:
                        authorised = _after(rng, signed, end, hours=(8, 18), school=school, median_hours=40)
                        self.record(
                            request,
                            shown,
                            party=Party.HEADTEACHER,
                            method=Method.PASSWORD_SESSION,
                            signer_user=head,
                            typed_name=head.full_name,
                            ip_address=SCHOOL_IPS[school.slug],
                            user_agent=DESKTOP_AGENTS[0],
                            now=authorised,
                        )

    # Visitors and volunteers at the front desk

    def visitor_sign_ins(self, school, agreement, office):
        """A few fictional visitors and volunteers (Faker names) signed on the office's tablet over the last three
        weeks, two of them today; nothing when the agreement already has front-desk signatures (a second run)."""
        if SignatureRequest.objects.filter(agreement=agreement, school=school).exclude(visitor_name="").exists():
            return
        faker = Faker("en_GB")
        faker.seed_instance(SEED + 7)
        rng = random.Random(f"{SEED}:{school.slug}:visitors")
        shown = _shown(agreement)
        start = max(self.now - datetime.timedelta(weeks=3), _local(school, agreement.version.approved_on, 8, 0))
        today_opens = _local(school, school.today(self.now), 8, 0)
        moments = sorted(
            _moment(rng, school, start, min(today_opens, self.now), hours=(8, 16), school_days=True) for _ in range(6)
        )
        moments += [max(today_opens, self.now - datetime.timedelta(minutes=m)) for m in (95, 20)]
        for index, moment in enumerate(moments):
            organisation, role = VISITOR_ORGANISATIONS[index % len(VISITOR_ORGANISATIONS)]
            services_front_desk.visitor_sign_in(
                actor=office,
                agreement=agreement,
                school=school,
                name=f"{faker.first_name()} {faker.last_name()}",
                organisation=organisation,
                role=role,
                statements_confirmed=shown["numbers"],
                shown_sha256=shown["sha256"],
                drawn_signature=self._drawing(rng) if index % 2 else "",
                ip_address=SCHOOL_IPS[school.slug],
                user_agent=TABLET_AGENT,
                now=moment,
            )
            self.created_requests += 1
            self.created_signatures += 1

    def _drawing(self, rng):
        if self._drawings is None:
            self._drawings = _drawn_signatures(random.Random(SEED), 8)
        return rng.choice(self._drawings)

    # Helpers

    def record(self, request, shown, **kwargs):
        signature, created = services.signature_record(
            request=request, statements_confirmed=shown["numbers"], shown_sha256=shown["sha256"], **kwargs
        )
        self.created_signatures += created
        return signature

    def _window(self, school, agreement):
        """The span signatures fall in: the last ten weeks, from the day after the version was approved."""
        end = self.now - datetime.timedelta(hours=1)
        approved = agreement.version.approved_on or school.today(self.now)
        start = max(self.now - SIGNING_WINDOW, _local(school, approved + datetime.timedelta(days=1), 8, 0))
        return min(start, end - datetime.timedelta(days=1)), end

    def _device(self, guardian):
        """A family's home IP address, phone or computer, and (for about half) a drawn signature; the same every
        time that carer signs."""
        if guardian.pk not in self._devices:
            if self._drawings is None:
                self._drawings = _drawn_signatures(random.Random(SEED), 8)
            rng = random.Random(f"{SEED}:guardian:{guardian.pk}")
            ip = f"{rng.choice(HOME_NETWORKS)}{rng.randint(2, 254)}"
            agent = rng.choice(PHONE_AGENTS) if rng.random() < 0.78 else rng.choice(DESKTOP_AGENTS)
            drawing = rng.choice(self._drawings) if rng.random() < 0.5 else ""
            self._devices[guardian.pk] = (ip, agent, drawing)
        return self._devices[guardian.pk]

    def names(self):
        """Names of demo people that policy versions mention (authors, approvers, the Turkish e-safety team)."""
        if self._names is None:
            self._names = _names()
        return self._names


# Small helpers ---------------------------------------------------------------------------------------------------


def _names():

    def name(email, fallback):
        user = User.objects.filter(email__iexact=email).first()
        return user.full_name if user else fallback

    faker = Faker("tr_TR")
    faker.seed_instance(SEED)
    team = [
        f"{faker.first_name()} {faker.last_name()} (Müdür Yardımcısı)",
        f"{name('teacher.tr@demo.test', 'Sınıf Öğretmeni')} (Sınıf Öğretmeni)",
        f"{faker.first_name()} {faker.last_name()} (İngilizce Öğretmeni)",
        f"{faker.first_name()} {faker.last_name()} (Rehber Öğretmen)",
    ]
    return {
        "dsl": name("dsl@demo.test", "the DSL"),
        "head": name("head@demo.test", "the headteacher"),
        "office": name("office@demo.test", "the office manager"),
        "computing": name("teacher@demo.test", "the computing lead"),
        "mudur": name("mudur.tr@demo.test", "Okul Müdürü"),
        "team": ", ".join(team),
    }


def _user(school, role):
    role = StaffRole.objects.current().filter(school=school, role=role).select_related("user").order_by("pk").first()
    return role.user


def _shown(agreement):
    """What the signing page shows for ``agreement``: its statements' numbers and the content hash."""
    content = agreement_content(agreement)
    return {"numbers": [s["number"] for s in content["statements"]], "sha256": content_sha256(content)}


def _existing(agreement, field, school, now):
    """Ids (``pupil_id`` or ``user_id``) that already have a live request for ``agreement`` this year."""
    requests = SignatureRequest.objects.filter(agreement=agreement).exclude(status=SignatureRequest.Status.CANCELLED)
    if agreement.version.policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
        requests = requests.filter(academic_year=services.current_academic_year(school, now=now))
    return set(requests.values_list(field, flat=True))


def _guardians_with_responsibility(school):
    """``{pupil pk: [Guardian, …]}``: carers with parental responsibility, in contact order."""
    carers = {}
    links = (
        PupilGuardian.objects.current()
        .filter(pupil__school=school, has_parental_responsibility=True)
        .select_related("guardian__user")
        .order_by("pupil_id", "contact_order")
    )
    for link in links:
        carers.setdefault(link.pupil_id, []).append(link.guardian)
    return carers


def _class_teachers(school):
    """``{class pk: User}``: the first teacher of each class — one object per person, so permission checks are
    cached once per teacher."""
    users, teachers = {}, {}
    for row in (
        SchoolClass.teachers.through.objects.filter(schoolclass__school=school).select_related("user").order_by("pk")
    ):
        user = users.setdefault(row.user_id, row.user)
        teachers.setdefault(row.schoolclass_id, user)
    return teachers


def _outcome(draw, mix):
    for outcome, share in [
        ("complete", mix.complete),
        ("parent_only", mix.parent_only),
        ("paper", mix.paper),
        ("viewed", mix.viewed_only),
    ]:
        if draw < share:
            return outcome
        draw -= share
    return "sent"


def _local(school, day, hour, minute):
    tz = zoneinfo.ZoneInfo(school.time_zone)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz).astimezone(datetime.UTC)


def _sent_at(school, start, pupil):
    """When the request e-mail went: the first school day after approval at 15:30, or the day the pupil joined."""
    day = school.today(start)
    if pupil.on_roll_from and pupil.on_roll_from > day:
        day = pupil.on_roll_from
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return max(_local(school, day, 15, 30), start)


def _moment(rng, school, start, end, *, hours, school_days=False, strict=False):
    """A random moment between ``start`` and ``end`` on a random day, at a local time between ``hours`` (a pair of
    ints) and, with ``school_days``, on a weekday. When no such time falls in the span: any moment in it, or None
    if ``strict``."""
    if end <= start:
        return None if strict else end
    tz = zoneinfo.ZoneInfo(school.time_zone)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    slots = []
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        if school_days and day.weekday() >= 5:
            continue
        opens, closes = max(start, _local(school, day, hours[0], 0)), min(end, _local(school, day, hours[1], 0))
        if opens < closes:
            slots.append((opens, closes))
    if not slots:
        return None if strict else start + (end - start) * rng.random()
    opens, closes = rng.choice(slots)
    return opens + (closes - opens) * rng.random()


def _after(rng, start, end, *, hours, school, median_hours):
    """A moment after ``start`` (hours to days later, skewed early, at a sensible local hour), never after
    ``end``."""
    delay = datetime.timedelta(hours=rng.expovariate(math.log(2) / median_hours))
    target = start + max(delay, datetime.timedelta(minutes=5))
    window = datetime.timedelta(hours=6)
    moment = _moment(rng, school, min(target, end - window), min(target + window, end), hours=hours)
    return min(max(moment, start + datetime.timedelta(minutes=5)), end)


def _drawn_signatures(rng, count):
    """A few hand-drawn-looking signatures (PNG data URLs), drawn once with Pillow."""
    from PIL import Image, ImageDraw

    drawings = []
    for _ in range(count):
        image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
        draw = ImageDraw.Draw(image)
        loops, height, slant = rng.uniform(3, 7), rng.uniform(18, 34), rng.uniform(0.2, 0.5)
        phase = rng.uniform(0, math.pi)
        points = []
        for step in range(220):
            t = step / 219
            y = 60 + height * math.sin(2 * math.pi * loops * t + phase) * (1 - 0.4 * t)
            x = 24 + 300 * t + 14 * math.cos(2 * math.pi * loops * t) + slant * (60 - y)
            points.append((x, y))
        draw.line(points, fill=(16, 32, 96, 255), width=3, joint="curve")
        draw.line([(30, 98), (30 + rng.uniform(180, 300), 92)], fill=(16, 32, 96, 255), width=2)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        drawings.append(services.PNG_DATA_URL_PREFIX + base64.b64encode(buffer.getvalue()).decode())
    return drawings


def _summary(school, now):
    """One line for the school, then one per current agreement: how many of its requests are complete (and how
    many of those on paper), partly signed, and not yet signed."""
    policies = Policy.objects.filter(school=school).count()
    agreements = list(
        Agreement.objects.filter(version__policy__school=school, version__status=Status.APPROVED)
        .select_related("version__policy")
        .order_by("version__policy__title", "audience")
    )
    lines = [f"{school.name}: {policies} {'policy' if policies == 1 else 'policies'}, {len(agreements)} agreements"]
    academic_year = services.current_academic_year(school, now=now)
    for agreement in agreements:
        requests = SignatureRequest.objects.filter(agreement=agreement).exclude(
            status=SignatureRequest.Status.CANCELLED
        )
        if agreement.version.policy.signing_frequency == Policy.SigningFrequency.EVERY_ACADEMIC_YEAR:
            requests = requests.filter(academic_year=academic_year)
        counts = requests.aggregate(
            total=Count("pk"),
            complete=Count("pk", filter=Q(status=SignatureRequest.Status.COMPLETED)),
            partly=Count("pk", filter=Q(status=SignatureRequest.Status.PARTLY_SIGNED)),
            pending=Count("pk", filter=Q(status=SignatureRequest.Status.PENDING)),
        )
        if agreement.audience in services_front_desk.FRONT_DESK_AUDIENCES:
            lines.append(f"  {agreement.title}: {counts['complete']} signed at the front desk")
            continue
        paper = requests.filter(signatures__method=Method.PAPER_RETURN).distinct().count()
        parts = [f"{counts['complete']} of {counts['total']} complete" + (f" ({paper} on paper)" if paper else "")]
        if counts["partly"]:
            headteacher = agreement.countersignature == Countersignature.HEADTEACHER
            parts.append(f"{counts['partly']} " + ("waiting for the headteacher" if headteacher else "partly signed"))
        if counts["pending"]:
            parts.append(f"{counts['pending']} not yet signed")
        lines.append(f"  {agreement.title}: {', '.join(parts)}")
    return lines
