"""Every URL × every role (plus anonymous and another school's DSL), with the status each must get.

pretix's tests/control/test_permissions.py is the model. A record the person may not see answers 404 exactly like
a missing one. ``test_every_url_has_a_row`` fails when a URL is added without a row here.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import (
    fixture_environment,
    make_guardian_link,
    make_other_pupil,
    make_other_school,
    make_other_school_dsl,
    make_parent,
    make_persona,
    make_pupil,
    make_school,
    make_trust,
    make_trust_admin,
    read_files_from,
)
from safeguard.directory.tests import factories

# Row modules beyond this file's own rows, each with rows(allow, only) and build_world(world); one per area of work.
# Every ``safeguard/tests/matrix_*.py`` is one: a new area adds its file and needs no line here.
MATRIX_MODULES = [
    importlib.import_module(f"safeguard.tests.{info.name}")
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda info: info.name)
    if info.name.startswith("matrix_")
]

ROLES = [
    "anonymous",
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "pupil",  # a pupil with their own account (issue 14 item 1): built by matrix_pupil_accounts.build_world
    "trust_admin",
    "other_school_dsl",
]
SIGNED_IN = [r for r in ROLES if r != "anonymous"]
STAFF = ["office", "teacher", "dsl", "deputy_dsl", "slt", "head"]


def only(statuses_by_role, default):
    """Expected statuses: ``default`` for every signed-in role, overridden per role; anonymous → sign-in (302)."""
    expected = {role: default for role in SIGNED_IN}
    expected.update(statuses_by_role)
    expected.setdefault("anonymous", "login")
    return expected


def allow(roles, status=200, otherwise=404):
    return only({role: status for role in roles}, otherwise)


# (url name, variant) → (method, kwargs builder, expected status by role). "login" means a redirect to sign in.
MATRIX = {
    ("home", ""): ("get", lambda f: {}, only({}, 302)),
    ("directory:school_home", ""): (
        "get",
        lambda f: {"slug": f.school.slug},
        allow(STAFF + ["governor", "trust_admin"]),
    ),
    ("directory:school_home", "other school"): (
        "get",
        lambda f: {"slug": f.other_school.slug},
        allow(["other_school_dsl"]),
    ),
    ("directory:school_home", "missing"): ("get", lambda f: {"slug": "no-such-school"}, allow([])),
    ("directory:pupil_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF + ["trust_admin"])),
    ("directory:pupil_detail", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.pupil.public_id},
        allow(STAFF + ["trust_admin"]),
    ),
    ("directory:pupil_detail", "pupil of another school under this school"): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
        allow([]),
    ),
    ("directory:pupil_detail", "pupil of another school"): (
        "get",
        lambda f: {"slug": f.other_school.slug, "public_id": f.other_pupil.public_id},
        allow(["other_school_dsl"]),
    ),
    ("directory:guardian_invite", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "public_id": f.uninvited_guardian.public_id},
        allow(["office", "head"], status=302),
    ),
    ("directory:roster_import", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "head"])),
    ("directory:roster_template", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "head"])),
    ("directory:roster_import_confirm", ""): (
        "post",
        lambda f: {"slug": f.school.slug},
        allow(["office", "head"], status=302),
    ),
    ("directory:safeguarding_home", ""): (
        "get",
        lambda f: {"slug": f.school.slug},
        allow(["dsl", "deputy_dsl", "head"]),
    ),
    ("directory:safeguarding_home", "other school"): (
        "get",
        lambda f: {"slug": f.other_school.slug},
        allow(["other_school_dsl"]),
    ),
    ("directory:governance_home", ""): (
        "get",
        lambda f: {"slug": f.school.slug},
        allow(["governor", "slt", "head", "trust_admin"]),
    ),
    ("directory:trust_home", ""): ("get", lambda f: {"slug": f.trust.slug}, allow(["trust_admin"])),
    ("directory:parent_home", ""): ("get", lambda f: {}, allow(["parent"])),
    ("directory:parent_child", ""): ("get", lambda f: {"public_id": f.pupil.public_id}, allow(["parent"])),
    ("directory:parent_child", "someone else's child"): (
        "get",
        lambda f: {"public_id": f.classmate.public_id},
        allow([]),
    ),
    ("accounts:login", ""): ("get", lambda f: {}, {**only({}, 302), "anonymous": 200}),
    ("accounts:logout", ""): ("post", lambda f: {}, {**only({}, 302), "anonymous": 302}),
    ("accounts:password_reset", ""): ("get", lambda f: {}, {**only({}, 200), "anonymous": 200}),
    ("accounts:password_reset_done", ""): ("get", lambda f: {}, {**only({}, 200), "anonymous": 200}),
    ("accounts:password_reset_confirm", "forged link"): (
        "get",
        lambda f: {"uidb64": "MQ", "token": "forged-token"},
        {**only({}, 200), "anonymous": 200},
    ),
    ("accounts:password_reset_complete", ""): ("get", lambda f: {}, {**only({}, 200), "anonymous": 200}),
    ("accounts:invitation_accept", "forged link"): (
        "get",
        lambda f: {"token": "forged"},
        {**only({}, 400), "anonymous": 400},
    ),
    ("accounts:invitation_renew", "forged link"): (
        "post",
        lambda f: {"token": "forged"},
        {**only({}, 400), "anonymous": 400},
    ),
    ("accounts:language", ""): ("get", lambda f: {}, only({}, 200)),
    # Acceptable use (aup): the policy library, signing, documents, coverage.
    ("aup:policy_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF + ["governor", "trust_admin"])),
    ("aup:policy_detail", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.policy.public_id},
        allow(STAFF + ["governor", "trust_admin"]),
    ),
    ("aup:policy_detail", "policy of another school"): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.other_policy.public_id},
        allow([]),
    ),
    ("aup:version_document", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.version.public_id},
        allow(STAFF + ["governor", "trust_admin"]),
    ),
    ("aup:policy_create", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
    ("aup:version_create", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.policy.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:version_approve", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "public_id": f.draft_version.public_id},
        allow(["slt", "head"], status=302),
    ),
    ("aup:agreement_create", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.draft_version.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:agreement_edit", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.draft_agreement.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:sign", ""): ("get", lambda f: {"public_id": f.request_pending.public_id}, allow(["parent"])),
    ("aup:signed", ""): ("get", lambda f: {"public_id": f.request_pending.public_id}, allow(["parent"])),
    ("aup:sign_by_link", ""): ("get", lambda f: {"token": f.signing_token}, {**only({}, 200), "anonymous": 200}),
    ("aup:sign_by_link", "forged link"): ("get", lambda f: {"token": "forged"}, {**only({}, 400), "anonymous": 400}),
    ("aup:signed_by_link", ""): ("get", lambda f: {"token": f.signing_token}, {**only({}, 200), "anonymous": 200}),
    ("aup:staff_gate", "nothing to sign"): ("get", lambda f: {}, only({}, 302)),
    ("aup:class_signing", ""): (
        "get",
        lambda f: {"slug": f.school.slug},
        allow(["teacher", "dsl", "deputy_dsl", "slt", "head"]),
    ),
    ("aup:pupil_sign", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id, "pupil_id": f.pupil.public_id},
        allow(["slt", "head"]),
    ),
    ("aup:pupil_sign", "pupil of another school"): (
        "get",
        lambda f: {
            "slug": f.school.slug,
            "agreement_id": f.agreement_pending.public_id,
            "pupil_id": f.other_pupil.public_id,
        },
        allow([]),
    ),
    ("aup:countersign_queue", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["head"])),
    ("aup:document_download", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.request_done.public_id},
        allow(["office", "slt", "head", "parent"]),
    ),
    ("aup:blank_forms", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:verify", ""): ("get", lambda f: {}, {**only({}, 200), "anonymous": 200}),
    ("aup:coverage", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:coverage_csv", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:requests_send", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id},
        allow(["office", "slt", "head"], status=302),
    ),
    ("aup:request_detail", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.request_done.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:request_detail", "request of another school"): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.other_request.public_id},
        allow([]),
    ),
    ("aup:paper_return", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.request_pending.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:paper_scan", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.paper_signature.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("aup:signature_revoke", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.paper_signature.public_id},
        allow(["office", "slt", "head"]),
    ),
    # Photo and video consent.
    ("consent:answer", ""): ("get", lambda f: {"pupil_id": f.pupil.public_id}, allow(["parent"])),
    ("consent:answer_by_link", ""): ("get", lambda f: {"token": f.consent_token}, {**only({}, 200), "anonymous": 200}),
    ("consent:answer_by_link", "forged link"): (
        "get",
        lambda f: {"token": "forged"},
        {**only({}, 400), "anonymous": 400},
    ),
    ("consent:change", "not answered yet"): (
        "get",
        lambda f: {"pupil_id": f.pupil.public_id},
        allow(["parent"], status=302),
    ),
    ("consent:pupil_record", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "pupil_id": f.pupil.public_id},
        allow(["office", "dsl", "deputy_dsl", "slt", "head"]),
    ),
    ("consent:pupil_record", "pupil of another school"): (
        "get",
        lambda f: {"slug": f.school.slug, "pupil_id": f.other_pupil.public_id},
        allow([]),
    ),
    ("consent:record_paper", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "pupil_id": f.pupil.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("consent:class_grid", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
    ("consent:may_i", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
    ("consent:do_not_photograph", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
    ("consent:do_not_photograph_pdf", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
    ("consent:event_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(STAFF)),
    ("consent:event_create", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
    ("consent:event_detail", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.event.public_id},
        allow(STAFF),
    ),
    ("consent:event_pdf", ""): ("get", lambda f: {"slug": f.school.slug, "public_id": f.event.public_id}, allow(STAFF)),
    ("consent:measure_list", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["dsl", "deputy_dsl", "head"])),
    ("consent:measure_set", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "pupil_id": f.pupil.public_id},
        allow(["dsl", "deputy_dsl", "head"]),
    ),
    ("consent:measure_end", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "pupil_id": f.pupil.public_id},
        allow(["dsl", "deputy_dsl", "head"], status=302),
    ),
    ("consent:form", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
    ("consent:form_create_default", ""): (
        "post",
        lambda f: {"slug": f.school.slug},
        allow(["office", "slt", "head"], status=302),
    ),
    ("consent:version_new", ""): ("post", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"], 302)),
    ("consent:version_edit", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("consent:version_publish", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id},
        allow(["office", "slt", "head"], status=302),
    ),
    ("consent:purpose_add", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id},
        allow(["office", "slt", "head"]),
    ),
    ("consent:purpose_add_extra", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id},
        allow(["office", "slt", "head"], status=302),
    ),
    ("consent:purpose_edit", ""): (
        "get",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id, "code": "images_website"},
        allow(["office", "slt", "head"]),
    ),
    ("consent:purpose_remove", ""): (
        "post",
        lambda f: {"slug": f.school.slug, "public_id": f.consent_draft.public_id, "code": "images_website"},
        allow(["office", "slt", "head"], status=302),
    ),
    ("consent:requests_send", ""): ("post", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"], 302)),
    ("consent:year", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
    ("consent:coverage", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
    ("consent:coverage_csv", ""): ("get", lambda f: {"slug": f.school.slug}, allow(["office", "slt", "head"])),
}

for _module in MATRIX_MODULES:
    MATRIX.update(_module.rows(allow, only))

# The admin site is for platform operators (is_staff) and guarded by Django itself; it is checked separately.
EXCLUDED_NAMESPACES = {"admin"}


def _url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_has_a_row():
    names = set(_url_names(get_resolver().url_patterns))
    covered = {name for name, _variant in MATRIX}
    assert names - covered == set(), "URLs without a row in the permission matrix"
    assert covered - names == set(), "rows for URLs that no longer exist"


class World:
    """Everything the URLs need, built once per module from the personas (see ``_world_once``)."""


def _build_world():
    """The personas (as the conftest fixtures make them) and the records every row's URL points at."""
    world = World()
    world.trust = make_trust()
    world.school = make_school(world.trust)
    world.other_school = make_other_school()
    world.pupil = make_pupil(world.school)
    world.other_pupil = make_other_pupil(world.other_school)
    parent = make_parent(make_guardian_link(world.pupil))
    world.classmate = factories.PupilFactory(school=world.school, school_class=world.pupil.school_class)
    world.uninvited_guardian = factories.PupilGuardianFactory(pupil=world.classmate).guardian
    world.users = {"anonymous": None, "parent": parent}
    for role in SIGNED_IN:
        if role == "trust_admin":
            world.users[role] = make_trust_admin(world.trust)
        elif role == "other_school_dsl":
            world.users[role] = make_other_school_dsl(world.other_school)
        elif role not in ("parent", "pupil"):
            world.users[role] = make_persona(world.school, role)
    _acceptable_use_world(world)
    for module in MATRIX_MODULES:
        module.build_world(world)
    return world


@pytest.fixture(scope="module")
def _world_media(tmp_path_factory):
    """The folder the world's files (policy document, scans, attachments) are saved in and read from."""
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker, _world_media):
    """Build the world once for the module (it is the slow part) inside a transaction rolled back at the end; each
    test runs in its own savepoint within it, and each role's request in one within that, so every request meets
    the world as built."""
    with django_db_blocker.unblock(), fixture_environment(_world_media), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_once, _world_media, db, settings):
    read_files_from(settings, _world_media)  # the world's files, not the test's own folder
    return _world_once


def _acceptable_use_world(world):
    """Policies and requests for the aup rows: no staff agreement, so the sign-in gate stays out of the way."""
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aup import services as aup_services
    from aup.models import PolicyVersion
    from aup.tests.factories import AgreementFactory, PolicyVersionFactory, pupil_agreement
    from aup.tokens import signing_token

    factories.AcademicYearFactory(school=world.school)
    office = world.users["office"]
    world.agreement_pending = pupil_agreement(world.school)
    world.policy = world.agreement_pending.version.policy
    world.version = world.agreement_pending.version
    world.version.document.save("policy.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    world.draft_version = PolicyVersionFactory(policy=world.policy, status=PolicyVersion.Status.DRAFT)
    world.draft_agreement = AgreementFactory(version=world.draft_version)
    world.agreement_done = pupil_agreement(world.school, version__policy__title="Home–School Agreement")
    world.request_pending, _ = aup_services.signature_request_open(
        actor=office, agreement=world.agreement_pending, school=world.school, pupil=world.pupil
    )
    world.request_done, _ = aup_services.signature_request_open(
        actor=office, agreement=world.agreement_done, school=world.school, pupil=world.pupil
    )
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    world.paper_signature = aup_services.paper_return_record(
        actor=office,
        request=world.request_done,
        returned_on=datetime.date(2026, 11, 2),
        returned_by="Mother",
        names={"pupil": world.pupil.display_name, "parent": "A Parent"},
        scan=scan,
    )[0]
    guardian = world.pupil.guardian_links.get().guardian
    world.signing_token = signing_token(world.request_pending, guardian)
    other_agreement = pupil_agreement(world.other_school)
    world.other_policy = other_agreement.version.policy
    world.other_request, _ = aup_services.signature_request_open(
        actor=None, agreement=other_agreement, school=world.other_school, pupil=world.other_pupil
    )
    _consent_world(world, guardian)


def _consent_world(world, guardian):
    """A published consent form, a draft next version and an event, for the consent rows."""
    import datetime

    from consent.models import ConsentFormVersion, ConsentPurpose, PhotoEvent
    from consent.tests.factories import published_form
    from consent.tokens import answer_token

    version = published_form(world.school)
    world.consent_draft = ConsentFormVersion.objects.create(form=version.form, number=2)
    for purpose in version.purposes.all():
        ConsentPurpose.objects.create(
            version=world.consent_draft,
            code=purpose.code,
            label=purpose.label,
            wording=purpose.wording,
            wording_sha256=purpose.wording_sha256,
            order=purpose.order,
        )
    world.consent_token = answer_token(world.pupil, guardian)
    world.event = PhotoEvent.objects.create(
        school=world.school,
        name="Harvest festival",
        happens_on=datetime.date(2026, 12, 3),
        purpose_codes=["images_website"],
        created_by=world.users["office"],
    )
    world.event.pupils.add(world.pupil)


ROWS = list(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "variant"), ROWS, ids=[f"{n}[{v}]" for n, v in ROWS])
def test_permission_matrix(client, world, name, variant):
    """One URL, every role: each role's request meets the world as built (a POST by one role is undone), and every
    role that gets the wrong status is listed in the failure."""
    method, kwargs, expected_by_role = MATRIX[(name, variant)]
    url = reverse(name, kwargs=kwargs(world))
    wrong = []
    for role in ROLES:
        client.cookies.clear()  # a new visitor: the previous role's session went with its rolled-back sign-in
        user = world.users[role]
        with transaction.atomic():  # each role meets the world as built: its sign-in and a POST are undone
            if user is not None:
                client.force_login(user)
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
        expected = expected_by_role[role]
        if expected == "login":
            ok = response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        else:
            ok = response.status_code == expected
        if not ok:
            wrong.append(f"{role}: expected {expected}, got {response.status_code}")
    assert not wrong, f"{method.upper()} {url}\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_not_yours_looks_exactly_like_not_there(client, world):
    """A pupil of another school and a pupil that does not exist give the same page."""
    import uuid

    client.force_login(world.users["office"])
    theirs = client.get(reverse("directory:pupil_detail", args=[world.school.slug, world.other_pupil.public_id]))
    missing = client.get(reverse("directory:pupil_detail", args=[world.school.slug, uuid.uuid4()]))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


@pytest.mark.django_db
def test_governor_pages_name_no_pupil(client, world):
    client.force_login(world.users["governor"])
    for url in [
        reverse("directory:school_home", args=[world.school.slug]),
        reverse("directory:governance_home", args=[world.school.slug]),
    ]:
        page = client.get(url).content.decode()
        assert "Pupils on roll" in page
        for pupil in (world.pupil, world.classmate):
            assert pupil.legal_last_name not in page
            assert pupil.legal_first_name not in page


@pytest.mark.django_db
def test_parent_sees_only_their_own_children(client, world):
    client.force_login(world.users["parent"])
    page = client.get(reverse("directory:parent_home")).content.decode()
    assert world.pupil.display_name in page
    assert world.classmate.display_name not in page
