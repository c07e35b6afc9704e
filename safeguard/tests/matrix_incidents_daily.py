"""Permission-matrix rows and world objects for the incident log in daily use (issue 16: search, corrections, pupil
flags, external referrals). Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``,
"login" = redirect to sign in).

The behaviour incident (``world.incident``, recorded by the office) and the concern (``world.concern``, raised by the
teacher) come from ``matrix_later``, whose ``build_world`` runs after this one: rows read them when the test runs.
The DSL team meet the second factor first on a concern's pages (302)."""

MANAGERS = ["dsl", "deputy_dsl", "slt", "head"]
DSL_OTP = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor, then the page


def build_world(world):
    """A flag on ``world.pupil`` and a concern of its own with a referral (``matrix_later``'s concern is recorded
    after this runs)."""
    import datetime

    from django.utils import timezone

    from incidents import services
    from incidents.models import IncidentPupil
    from incidents.services_flags import pupil_flag_start
    from incidents.services_referrals import referral_record
    from incidents.tests.factories import category

    dsl = world.users["dsl"]
    world.flag, _created = pupil_flag_start(
        actor=dsl, pupil=world.pupil, kind="cin", starts_on=world.school.today() - datetime.timedelta(days=10)
    )
    world.referred_concern = services.incident_record(
        actor=world.users["teacher"],
        school=world.school,
        occurred_at=timezone.now() - datetime.timedelta(hours=5),
        location="classroom",
        categories=[category(world.school, "neglect")],
        pupils=[(world.pupil, IncidentPupil.Role.SUBJECT)],
        description="Said there was no food at home at the weekend.",
    )
    world.referral = referral_record(
        actor=dsl,
        incident=world.referred_concern,
        agency="early_help",
        referred_on=world.school.today(),
        follow_up_on=world.school.today() + datetime.timedelta(days=5),
    )


def _incident(f):
    return {"slug": f.school.slug, "public_id": f.incident.public_id}


def _concern(f):
    return {"slug": f.school.slug, "public_id": f.concern.public_id}


def _pupil(f):
    return {"slug": f.school.slug, "public_id": f.pupil.public_id}


def _referred(f):
    return {"slug": f.school.slug, "public_id": f.referred_concern.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        # Issue 16 item 2: correcting a record — whoever manages it; the office recorded it but may not rewrite it.
        ("incidents:incident_amend", ""): ("get", _incident, allow(MANAGERS)),
        ("incidents:incident_amend", "concern"): ("get", _concern, only(DSL_OTP, 404)),
        ("incidents:incident_amend", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.incident.public_id},
            allow([]),
        ),
        # An empty POST shows the form again with its errors (200); nothing is saved.
        ("incidents:incident_amend", "post"): ("post", _incident, allow(MANAGERS)),
        # Issue 16 item 4: a pupil's safeguarding flags — the DSL team, behind the second factor.
        ("incidents:pupil_flags", ""): ("get", _pupil, only(DSL_OTP, 404)),
        ("incidents:pupil_flags", "pupil of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("incidents:pupil_flags", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.pupil.public_id},
            allow([]),
        ),
        ("incidents:pupil_flag_end", ""): (
            "post",
            lambda f: {**_pupil(f), "flag_id": f.flag.public_id},
            only(DSL_OTP, 404),
        ),
        # Issue 16 item 5: a concern's referrals — the DSL team, behind the second factor; 404 on a behaviour
        # incident and for everyone else (the raiser of the concern included).
        ("incidents:referral_add", ""): ("post", _referred, only(DSL_OTP, 404)),
        ("incidents:referral_add", "behaviour incident"): ("post", _incident, allow([])),
        ("incidents:referral_update", ""): (
            "post",
            lambda f: {**_referred(f), "referral_id": f.referral.public_id},
            only(DSL_OTP, 404),
        ),
        ("incidents:referral_pdf", ""): (
            "get",
            lambda f: {**_referred(f), "referral_id": f.referral.public_id},
            only(DSL_OTP, 404),
        ),
        ("incidents:referral_pdf", "other school"): (
            "get",
            lambda f: {
                "slug": f.other_school.slug,
                "public_id": f.referred_concern.public_id,
                "referral_id": f.referral.public_id,
            },
            allow([]),
        ),
    }
