"""Permission-matrix rows and world objects for a parent's history (issue 17 item 7): the page of everything a parent
gave, one child's part of it, and the PDF copy of a consent response. Imported by ``test_permissions_matrix.py``,
which owns the rules (``allow``, ``only``, "login" = redirect to sign in).

Only the parent sees their history; staff (who are not parents here) get 404 as for a page that is not theirs. A
consent copy is for the parent who answered: another family's response answers 404 to everyone."""


def build_world(world):
    """A second child of the parent (``world.parent_history_sibling``) with the parent's consent answers, and another
    family's child with their parent's answers, on the school's published form (built by the matrix's consent world).
    ``world.pupil`` stays unanswered: the consent rows expect it ("not answered yet")."""
    from aup.evidence import content_sha256
    from consent import services
    from consent.models import ConsentResponse
    from consent.services import current_version, form_content
    from safeguard.directory.tests import factories

    version = current_version(world.school)
    answers = {purpose.code: True for purpose in version.purposes.all()}
    parent = world.users["parent"]
    guardian = world.pupil.guardian_links.get(guardian__user=parent).guardian
    sibling = factories.PupilFactory(school=world.school, school_class=world.pupil.school_class)
    factories.PupilGuardianFactory(pupil=sibling, guardian=guardian, has_parental_responsibility=True)
    world.parent_history_sibling = sibling
    world.parent_consent_response = services.consent_response_record(
        pupil=sibling,
        version=version,
        answers=answers,
        guardian=guardian,
        signer_user=parent,
        method=ConsentResponse.Method.PASSWORD_SESSION,
        typed_name=guardian.full_name,
        shown_sha256=content_sha256(form_content(version)),
    )
    other_child = factories.PupilFactory(school=world.school, school_class=world.pupil.school_class)
    classmate_guardian = factories.PupilGuardianFactory(pupil=other_child, has_parental_responsibility=True).guardian
    world.classmate_consent_response = services.consent_response_record(
        pupil=other_child,
        version=version,
        answers=answers,
        guardian=classmate_guardian,
        method=ConsentResponse.Method.INVITATION_LINK,
        typed_name=classmate_guardian.full_name,
        shown_sha256=content_sha256(form_content(version)),
    )


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    return {
        ("directory:parent_history", ""): ("get", lambda f: {}, allow(["parent"])),
        ("directory:parent_child_history", ""): ("get", lambda f: {"public_id": f.pupil.public_id}, allow(["parent"])),
        ("directory:parent_child_history", "second child, with answers"): (
            "get",
            lambda f: {"public_id": f.parent_history_sibling.public_id},
            allow(["parent"]),
        ),
        ("directory:parent_child_history", "someone else's child"): (
            "get",
            lambda f: {"public_id": f.classmate.public_id},
            allow([]),
        ),
        ("directory:parent_child_history", "pupil of another school"): (
            "get",
            lambda f: {"public_id": f.other_pupil.public_id},
            allow([]),
        ),
        ("directory:parent_consent_copy", ""): (
            "get",
            lambda f: {"public_id": f.parent_consent_response.public_id},
            allow(["parent"]),
        ),
        ("directory:parent_consent_copy", "another family's answers"): (
            "get",
            lambda f: {"public_id": f.classmate_consent_response.public_id},
            allow([]),
        ),
    }
