"""Permission-matrix rows for declining, expiry, reminding now and sending to a selection (issue 17 items 2-5).
Imported by ``test_permissions_matrix.py``, which owns the rules (``allow``, ``only``, "login" = redirect to sign
in). Uses the aup world: ``request_pending`` (Amara's pupil agreement, waiting for her parent) and its signing link.

The office's pages are for whoever manages agreements (office, SLT, headteacher); a parent declines or asks for a
new link only on a request they have a seat on — anyone else gets 404 (signed in) or the link's own answer."""

MANAGERS = ["office", "slt", "head"]


def build_world(world):
    """Nothing to add: the aup world's pending request and link are enough."""


def _agreement(f):
    return {"slug": f.school.slug, "agreement_id": f.agreement_pending.public_id}


def _request(f):
    return {"slug": f.school.slug, "public_id": f.request_pending.public_id}


def rows(allow, only):
    """(url name, variant) -> (method, kwargs builder, expected status by role)."""
    by_link_page = {**only({}, 200), "anonymous": 200}
    by_link_back = {**only({}, 302), "anonymous": 302}
    return {
        # Declining: the parent with parental responsibility (signed in), or anyone holding the personal link.
        ("aup:decline", ""): ("get", lambda f: {"public_id": f.request_pending.public_id}, allow(["parent"])),
        ("aup:decline", "empty form posted"): (
            "post",
            lambda f: {"public_id": f.request_pending.public_id},
            allow(["parent"]),
        ),
        ("aup:decline_by_link", ""): ("get", lambda f: {"token": f.signing_token}, by_link_page),
        ("aup:decline_by_link", "forged link"): (
            "get",
            lambda f: {"token": "forged"},
            {**only({}, 400), "anonymous": 400},
        ),
        # A new link: the request has not expired, so back to the signing page (nothing is sent).
        ("aup:fresh_link", ""): (
            "post",
            lambda f: {"public_id": f.request_pending.public_id},
            allow(["parent"], status=302),
        ),
        ("aup:fresh_link_by_link", ""): ("post", lambda f: {"token": f.signing_token}, by_link_back),
        ("aup:fresh_link_by_link", "forged link"): (
            "post",
            lambda f: {"token": "forged"},
            {**only({}, 400), "anonymous": 400},
        ),
        # The office: remind now, choose whom to send to, reopen a declined request.
        ("aup:chase", ""): ("get", _agreement, allow(MANAGERS)),
        ("aup:chase", "empty form posted"): ("post", _agreement, allow(MANAGERS)),
        ("aup:chase", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "agreement_id": f.agreement_pending.public_id},
            allow([]),
        ),
        ("aup:requests_send_choose", ""): ("get", _agreement, allow(MANAGERS)),
        ("aup:requests_send_choose", "other school"): (
            "get",
            lambda f: {"slug": f.other_school.slug, "agreement_id": f.agreement_pending.public_id},
            allow([]),
        ),
        # Not declined: the page says so and goes back to the request (302); nothing changes.
        ("aup:request_reopen", ""): ("post", _request, allow(MANAGERS, status=302)),
        ("aup:request_reopen", "request of another school"): (
            "post",
            lambda f: {"slug": f.school.slug, "public_id": f.other_request.public_id},
            allow([]),
        ),
    }
