"""The acceptable use demo: what a newcomer finds after `make demo`, and that loading it twice changes nothing."""

import pytest
from django.db.models import Q

from aup import demo_content, services
from aup.evidence import agreement_content, content_sha256
from aup.models import Agreement, Audience, Policy, PolicyVersion, Signature, SignatureRequest
from safeguard.accounts.models import User
from safeguard.directory import demo
from safeguard.directory.models import Guardian, Role, StaffRole

Status = SignatureRequest.Status
DOCUMENTATION_RANGES = ("192.0.2.", "198.51.100.", "203.0.113.")


@pytest.fixture
def loaded(full_demo):
    """The acceptable use demo's summary lines; the whole demo is loaded once for every demo test (``full_demo``
    in the root conftest)."""
    return full_demo.parts["aup"].lines


def _current(school_slug, audience):
    return Agreement.objects.get(
        version__policy__school__slug=school_slug, version__status=PolicyVersion.Status.APPROVED, audience=audience
    )


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Policy, PolicyVersion, Agreement, SignatureRequest, Signature)
    }


def test_the_demo_has_the_policies_and_agreements_the_issue_describes(loaded):
    primary = Policy.objects.filter(school__slug="demo-primary")
    assert {
        "Online Safety and Acceptable Use Policy",
        "Home–School Agreement",
        "Photography and Videos at School Policy",
    } <= set(primary.values_list("title", flat=True))
    online_safety = primary.get(title="Online Safety and Acceptable Use Policy")
    history = list(online_safety.versions.order_by("number").values_list("number", "status"))
    assert history == [("1", "superseded"), ("2", "superseded"), ("3", "approved")]

    pupil = _current("demo-primary", Audience.PUPIL)
    assert pupil.countersignature == Agreement.Countersignature.PARENT and pupil.parent_may_sign_for_pupil
    assert 8 <= pupil.statements.count() <= 10
    assert pupil.statements.filter(text__startswith="I will").count() >= 8
    staff = Agreement.objects.filter(version__policy=online_safety, audience=Audience.STAFF).get()
    assert staff.statements.filter(text__startswith="I will not").count() >= 8
    home_school = _current("demo-primary", Audience.PARENT)
    assert home_school.countersignature == Agreement.Countersignature.PUPIL
    assert home_school.version.policy.approving_body == Policy.ApprovingBody.HEADTEACHER
    camera = Agreement.objects.get(version__policy__title="Photography and Videos at School Policy")
    assert camera.countersignature == Agreement.Countersignature.HEADTEACHER
    assert camera.version.number == "3" and camera.version.policy.approving_committee == "Audit and Risk Committee"

    turkish = Policy.objects.get(
        school__slug="ornek-ilkokulu", title="Bilişim Teknolojileri Kabul Edilebilir Kullanım Politikası"
    )
    version = turkish.versions.get(status=PolicyVersion.Status.APPROVED)
    assert turkish.language == "tr" and turkish.approving_body == Policy.ApprovingBody.HEADTEACHER
    assert "uygundur" in version.approved_by and version.approved_on.month == 9
    assert "<h2>" in version.body_html and "<script" not in version.body_html
    assert set(version.agreements.values_list("audience", flat=True)) == {Audience.PUPIL, Audience.STAFF}
    assert version.agreements.get(audience=Audience.PUPIL).statements.filter(text__contains="öğretmen").exists()


def test_pupil_agreements_show_a_realistic_mix_with_real_looking_evidence(loaded):
    pupil = _current("demo-primary", Audience.PUPIL)
    requests = SignatureRequest.objects.filter(agreement=pupil)
    total = requests.count()
    complete = requests.filter(status=Status.COMPLETED).count()
    partly = requests.filter(status=Status.PARTLY_SIGNED).count()
    paper = requests.filter(signatures__method=Signature.Method.PAPER_RETURN).distinct().count()
    assert total >= 240
    assert 0.55 <= complete / total <= 0.75
    assert 0.05 <= partly / total <= 0.15
    assert 0.05 <= paper / total <= 0.15
    assert requests.filter(status=Status.PENDING).count() >= 0.15 * total

    # Every signature hashes what the page would have shown, and its evidence is fictional but plausible.
    shown = content_sha256(agreement_content(pupil))
    signatures = Signature.objects.filter(request__agreement=pupil)
    assert set(signatures.values_list("content_sha256", flat=True)) == {shown}
    online = signatures.exclude(method=Signature.Method.PAPER_RETURN)
    assert all(ip.startswith(DOCUMENTATION_RANGES) for ip in online.values_list("ip_address", flat=True))
    assert not online.filter(user_agent="").exists()
    parent = online.filter(party=Signature.Party.PARENT).select_related("signer_guardian").first()
    assert parent.typed_name == parent.signer_guardian.full_name
    in_class = online.filter(method=Signature.Method.TEACHER_PRESENT).select_related("signer_pupil").first()
    assert in_class.typed_name == in_class.signer_pupil.display_name
    assert in_class.teacher_present in in_class.signer_pupil.school_class.teachers.all()
    assert signatures.filter(on_behalf_of_pupil=True).exists()
    assert signatures.filter(~Q(drawn_signature="")).exists()

    home_school = SignatureRequest.objects.filter(agreement=_current("demo-primary", Audience.PARENT))
    assert home_school.filter(status=Status.COMPLETED).count() > home_school.count() / 2
    assert home_school.filter(status=Status.PARTLY_SIGNED).exists()
    turkish = SignatureRequest.objects.filter(agreement=_current("ornek-ilkokulu", Audience.PUPIL))
    assert {Status.COMPLETED, Status.PARTLY_SIGNED, Status.PENDING} <= set(turkish.values_list("status", flat=True))


def test_every_demo_staff_account_has_signed_except_the_new_teacher(loaded):
    staff = User.objects.filter(staff_roles__ended_on__isnull=True).distinct()
    assert staff.count() >= 30
    for user in staff.exclude(email=demo_content.NEW_TEACHER_EMAIL):
        assert services.staff_agreements_outstanding(user) == [], user.email
    new_teacher = User.objects.get(email=demo_content.NEW_TEACHER_EMAIL)
    assert StaffRole.objects.filter(user=new_teacher, role=Role.TEACHER, school__slug="demo-primary").exists()
    assert len(services.staff_agreements_outstanding(new_teacher)) == 2  # staff AUP and camera agreement

    # One camera agreement waits for the headteacher; every other is authorised by head@demo.test.
    camera = SignatureRequest.objects.filter(agreement__title="Staff camera agreement")
    waiting = camera.get(status=Status.PARTLY_SIGNED)
    assert waiting.user.email == demo_content.AWAITING_AUTHORISATION_EMAIL
    heads = Signature.objects.filter(request__in=camera, party=Signature.Party.HEADTEACHER)
    assert set(heads.values_list("signer_user__email", flat=True)) == {"head@demo.test"}
    turkish_heads = Signature.objects.filter(
        request__school__slug="ornek-ilkokulu", party=Signature.Party.HEADTEACHER
    ).values_list("signer_user__email", flat=True)
    assert set(turkish_heads) == {"mudur.tr@demo.test"}
    assert not SignatureRequest.objects.filter(
        school__slug="ornek-ilkokulu", user__isnull=False, status=Status.PARTLY_SIGNED
    ).exists()


def test_the_demo_parent_has_one_agreement_to_sign_and_one_signed(loaded):
    for email in (demo.PARENT_EMAIL, demo.PARENT_TR_EMAIL):
        guardian = Guardian.objects.get(email=email)
        requests = SignatureRequest.objects.filter(
            pupil__guardian_links__guardian=guardian, agreement__audience=Audience.PUPIL
        )
        assert sorted(requests.values_list("status", flat=True)) == [Status.COMPLETED, Status.PENDING], email
        signed = Signature.objects.get(request__in=requests, party=Signature.Party.PARENT)
        assert signed.method == Signature.Method.PASSWORD_SESSION and signed.signer_user.email == email


def test_loading_twice_creates_nothing(loaded):
    before = _counts()
    lines = demo_content.load()
    assert _counts() == before
    assert "Created this run: 0 signature requests, 0 signatures." in " ".join(lines)
    assert any(line.startswith("Demo Primary School: 28 policies, 6 agreements") for line in loaded)


def test_demo_primary_has_visitors_signed_at_the_front_desk(loaded):
    visitor = _current("demo-primary", Audience.VISITOR)
    signatures = Signature.objects.filter(request__agreement=visitor, method=Signature.Method.FRONT_DESK)
    assert signatures.count() == 8
    assert all(s.request.visitor_name and s.request.visitor_organisation for s in signatures)
    assert all(s.front_desk_by.email == "office@demo.test" for s in signatures)
    assert all(s.ip_address.startswith(DOCUMENTATION_RANGES) for s in signatures)
    assert {s.request.visitor_role for s in signatures} == {Audience.VISITOR, Audience.VOLUNTEER}
    assert any("Visitor and volunteer agreement: 8 signed at the front desk" in line for line in loaded)
