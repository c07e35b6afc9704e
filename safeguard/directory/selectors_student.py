"""Reads for a pupil's own account (issue 14 item 1): the agreements waiting for the pupil's own signature and what
they have signed. Always scoped to the one pupil given — the caller has it from ``permissions.pupil_of_user``.

The agreements are the ``aup`` app's records; the platform reads them here (imported inside the functions, as the
pupil's home is the one platform page that lists a feature's records) and never writes them: opening and signing go
through ``aup.services``.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q


def _pupil_requests(pupil):
    from aup.models import Signature, SignatureRequest

    return (
        SignatureRequest.objects.filter(pupil=pupil, school_id=pupil.school_id)
        .exclude(status=SignatureRequest.Status.CANCELLED)
        .filter(Q(agreement__audience="pupil") | Q(agreement__countersignature=Signature.Party.PUPIL))
        .select_related("agreement__version__policy")
    )


def waiting_for_pupil(pupil):
    """Open requests of ``pupil`` that need the pupil's own signature and do not have it, on a policy version still
    approved (a superseded one cannot be signed), oldest first. One query."""
    from aup.models import PolicyVersion, Signature, SignatureRequest

    pupil_signed = Signature.objects.filter(
        request=OuterRef("pk"), party=Signature.Party.PUPIL, revoked_at__isnull=True
    )
    return (
        _pupil_requests(pupil)
        .filter(status__in=(SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED))
        .filter(agreement__version__status=PolicyVersion.Status.APPROVED)
        .exclude(Exists(pupil_signed))
        .order_by("created_at")
    )


def signed_by_pupil(pupil):
    """Requests of ``pupil`` that carry the pupil's own (live) signature, newest signature first, each with
    ``pupil_signatures`` (a one-item list: that signature). Two queries."""
    from aup.models import Signature

    live = Signature.objects.filter(party=Signature.Party.PUPIL, revoked_at__isnull=True)
    return (
        _pupil_requests(pupil)
        .filter(Exists(live.filter(request=OuterRef("pk"))))
        .prefetch_related(Prefetch("signatures", queryset=live, to_attr="pupil_signatures"))
        .order_by("-updated_at")
    )


def pupil_request(pupil, public_id):
    """The request ``public_id`` of ``pupil`` needing the pupil's signature (signed or not), or None — another
    pupil's request is "not found" exactly like a missing one."""
    return _pupil_requests(pupil).select_related("school", "pupil").filter(public_id=public_id).first()
