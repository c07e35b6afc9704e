"""Permission-matrix rows and world objects for cases and linked incidents (issue 16 item 3). Imported by
``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

Cases are the DSL team's (DSL, deputy DSL, headteacher) behind the second factor: they meet it first (302), everyone
else gets 404, and another school's case is 404 for all. A POST without the second factor goes back to the case
(302). Links between behaviour incidents are made by whoever manages them (DSL team and SLT: 302 back to the record);
the recorder who may not manage it gets 404, as does everyone who cannot read it."""

DSL_OTP = {"dsl": 302, "deputy_dsl": 302, "head": 302}  # to the second factor (or back to the case), then the page
MANAGERS = {"dsl": 302, "deputy_dsl": 302, "slt": 302, "head": 302}


def build_world(world):
    """Two linked behaviour incidents and a concern about ``world.pupil``, a case holding the concern, and a case of
    the other school (``matrix_later``'s incidents are recorded after this runs)."""
    import datetime

    from django.utils import timezone

    from cases.services import cases as case_services
    from cases.services import links as link_services
    from incidents import services
    from incidents.models import IncidentPupil
    from incidents.tests.factories import category

    users = world.users
    dsl = users["dsl"]
    now = timezone.now()

    def record(actor, code, hours, description, **extra):
        return services.incident_record(
            actor=actor,
            school=world.school,
            occurred_at=now - datetime.timedelta(hours=hours),
            location="playground",
            categories=[category(world.school, code)],
            pupils=[(world.pupil, IncidentPupil.Role.SUBJECT)],
            description=description,
            **extra,
        )

    world.cases_incident = record(users["office"], "verbal-abuse", 4, "Argued in the line.", behaviour_level=2)
    world.cases_other_incident = record(users["office"], "defiance", 3, "Refused to come in.", behaviour_level=2)
    world.cases_concern = record(users["teacher"], "neglect", 6, "Wore the same clothes all week.")
    world.incident_link, _created = link_services.incident_link(
        actor=users["slt"], incident=world.cases_incident, other=world.cases_other_incident, note="same event"
    )
    world.case = case_services.case_open(
        actor=dsl,
        school=world.school,
        title="Home situation",
        owner=dsl,
        pupils=[world.pupil],
        concerns=[world.cases_concern],
    )
    other_dsl = users["other_school_dsl"]
    world.other_case = case_services.case_open(
        actor=other_dsl, school=world.other_school, title="Elsewhere", owner=other_dsl, pupils=[world.other_pupil]
    )


def _school(f):
    return {"slug": f.school.slug}


def _case(f):
    return {"slug": f.school.slug, "public_id": f.case.public_id}


def _incident(f):
    return {"slug": f.school.slug, "public_id": f.cases_incident.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    dsl_only = only(DSL_OTP, 404)
    return {
        ("cases:case_list", ""): ("get", _school, dsl_only),
        ("cases:case_list", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug},
            only({"other_school_dsl": 302}, 404),
        ),
        ("cases:case_open", ""): ("get", _school, dsl_only),
        ("cases:case_detail", ""): ("get", _case, dsl_only),
        ("cases:case_detail", "case of another school"): (
            "get",
            lambda f: {"slug": f.school.slug, "public_id": f.other_case.public_id},
            allow([]),
        ),
        ("cases:case_detail", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "public_id": f.case.public_id},
            allow([]),
        ),
        ("cases:case_note_add", ""): ("post", _case, dsl_only),
        ("cases:case_note_add", "case of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_case.public_id},
            allow([]),
        ),
        ("cases:case_status", ""): ("post", _case, dsl_only),
        ("cases:case_owner", ""): ("post", _case, dsl_only),
        ("cases:case_pupil_add", ""): ("post", _case, dsl_only),
        ("cases:case_pupil_remove", ""): ("post", lambda f: {**_case(f), "pupil_id": f.pupil.public_id}, dsl_only),
        ("cases:case_concern_add", ""): ("post", _case, dsl_only),
        ("cases:case_concern_remove", ""): (
            "post",
            lambda f: {**_case(f), "incident_id": f.cases_concern.public_id},
            dsl_only,
        ),
        # Links: whoever manages the incident; the office recorded it but may not manage it (404, as for teachers).
        ("cases:incident_link_add", ""): ("post", _incident, only(MANAGERS, 404)),
        ("cases:incident_link_add", "concern"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.cases_concern.public_id},
            only(DSL_OTP, 404),
        ),
        ("cases:incident_link_add", "other school"): (
            "post",
            lambda f: {"slug": f.other_school.slug, "public_id": f.cases_incident.public_id},
            allow([]),
        ),
        ("cases:incident_link_end", ""): (
            "post",
            lambda f: {**_incident(f), "link_id": f.incident_link.public_id},
            only(MANAGERS, 404),
        ),
    }
