"""Files prepared by the worker: large PDFs and zips are built in the background, never inside a web request.

Why (issue 18 item 2): a child protection file of a few hundred incidents took 18–23 s of CPU and 156 MB inside a
request, near gunicorn's 30-second timeout. Now a view asks for the file (``prepare``), the page says "being
prepared" and refreshes itself, the worker builds it (``build``, task ``build_prepared_file``), the person is
e-mailed a link when it is ready, and the download checks again that they may still have it.

A feature defines a *kind* once, in ``<app>/documents.py`` (the module is imported by name when the worker meets a
kind it does not know yet), with ``register(PreparedKind(...))``:

- ``build(prepared)`` returns the file's bytes, from ``prepared.params`` (public ids) and ``prepared.school``,
  built for ``prepared.requested_by``; it may raise anything (the request is then marked failed, nothing stored);
- ``may_have(user, prepared)`` says whether ``user`` may have it — asked when it is requested, built and downloaded;
- ``subject(prepared)`` the record the audit events name (the pupil of a CP file, say), or None;
- ``requested_action`` / ``downloaded_action`` the audit action names, ``second_factor`` whether the person must have
  passed the second factor to open the page and download (safeguarding records), ``content_type`` and
  ``extension`` of the file;
- ``on_ready(prepared)``, optional: called inside the transaction that marks a request ready (built by the worker,
  or served at once from a file built before), for a feature that keeps the file's SHA-256 on a record of its own
  (a CP file transfer: ``incidents.services_transfers``). It must not fail: an error there leaves the request
  "being prepared" until ``STALE_AFTER``.

Reuse: ``prepare`` takes ``inputs`` — whatever the content depends on, such as the latest change time of each table
the file reads — and keeps their SHA-256 (with the kind, school and params) as the request's ``input_key``. The
same person asking again while nothing changed gets their request back; anyone asking for the same key gets the
file already built (kinds whose content depends on the person, such as a CP file naming who generated it, put the
person in ``inputs``). Files are stored once per content under their SHA-256, with the bytes checked again before
an existing file is reused, so a half-written file from a crash is never served.
"""

import dataclasses
import datetime
import hashlib
import importlib
import json
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import PreparedFile
from .services import enqueue

logger = logging.getLogger(__name__)

# A request still "being prepared" after this long has lost its worker: asking again marks it failed and starts anew.
STALE_AFTER = datetime.timedelta(minutes=30)
# How often the "being prepared" page reloads itself (HTTP Refresh header), in seconds.
REFRESH_SECONDS = 5
_HASH_CHUNK = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class PreparedKind:
    """What one kind of prepared file is and who may have it (see the module docstring)."""

    name: str
    build: object
    may_have: object
    requested_action: str
    downloaded_action: str
    subject: object = None
    second_factor: bool = False
    content_type: str = "application/pdf"
    extension: str = "pdf"
    on_ready: object = None


KINDS = {}


def register(kind):
    """Add ``kind`` (a ``PreparedKind``) to the registry; returns it. Registering a name twice replaces it."""
    KINDS[kind.name] = kind
    return kind


def get_kind(name):
    """The ``PreparedKind`` called ``name`` (``"<app>.<what>"``), importing ``<app>.documents`` first if it has not
    registered yet (a worker imports feature modules only as it needs them). Raises ``LookupError`` if unknown."""
    if name not in KINDS:
        app = name.split(".", 1)[0]
        try:
            importlib.import_module(f"{app}.documents")
        except ImportError as error:
            raise LookupError(f"unknown prepared file kind {name!r}") from error
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown prepared file kind {name!r}") from None


def input_key(*, kind, school, params, inputs):
    """The SHA-256 (hex) of what a file's content depends on: ``kind`` (name), ``school`` (pk), ``params`` and
    ``inputs`` (JSON-serialisable; dates and times become ISO strings)."""
    payload = json.dumps([kind, school.pk, params, inputs], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _audit(prepared, action, *, actor, ip_address=None, **data):
    kind = get_kind(prepared.kind)
    subject = kind.subject(prepared) if kind.subject else None
    audit_log(
        actor=actor,
        action=action,
        school=prepared.school,
        subject=subject if subject is not None else prepared,
        ip_address=ip_address,
        data={"kind": prepared.kind, "file": str(prepared.public_id), **data},
    )


def prepare(*, kind, school, actor, params, title, inputs, ip_address=None, now=None):
    """Ask for a file of ``kind`` for ``actor``; returns ``(prepared, queued)``.

    Args:
        kind: a registered kind's name (``"incidents.cp_file"``).
        school: the ``School`` the file is about; actor: the ``User`` asking.
        params: what the builder reads (dict of JSON values: public ids, never secrets); title: what the page and
            the downloaded file are called (str, at most 300 characters).
        inputs: what the content depends on (JSON values, e.g. latest change times) — see the module docstring.
        ip_address: the asker's address for the audit event; now: aware datetime (tests).

    If the same person already asked for the same content and it is ready or still being prepared, that request is
    returned (``queued`` False). Otherwise a new request is recorded: ready at once when anyone's file of the same
    content exists (``reused``), else queued for the worker (``queued`` True). Every call writes the kind's
    ``requested_action`` audit event. Raises ``DomainError`` (code ``forbidden``) when ``actor`` may not have it.
    """
    spec = get_kind(kind)
    now = now or timezone.now()
    key = input_key(kind=kind, school=school, params=params, inputs=inputs)
    probe = PreparedFile(kind=kind, school=school, requested_by=actor, params=params, title=title[:300])
    if not spec.may_have(actor, probe):
        raise DomainError(_("You may not have this file."), code="forbidden")
    from . import tasks

    with transaction.atomic():
        same = (
            PreparedFile.objects.select_for_update()
            .filter(kind=kind, school=school, input_key=key, requested_by=actor)
            .exclude(status=PreparedFile.Status.FAILED)
            .order_by("-created_at")
            .first()
        )
        if same is not None and same.in_progress and same.created_at < now - STALE_AFTER:
            _fail(same, f"stale: no worker finished it within {STALE_AFTER}")
            same = None
        if same is not None:
            _audit(same, spec.requested_action, actor=actor, ip_address=ip_address, again=True)
            return same, False
        built = (
            PreparedFile.objects.filter(kind=kind, school=school, input_key=key, status=PreparedFile.Status.READY)
            .exclude(file="")
            .order_by("-finished_at")
            .first()
        )
        prepared = PreparedFile(kind=kind, school=school, requested_by=actor, params=params, title=title[:300])
        prepared.input_key = key
        if built is not None:
            prepared.status = PreparedFile.Status.READY
            prepared.file.name = built.file.name
            prepared.sha256, prepared.size, prepared.content_type = built.sha256, built.size, built.content_type
            prepared.reused = True
            prepared.started_at = prepared.finished_at = now
        prepared.save()
        _audit(prepared, spec.requested_action, actor=actor, ip_address=ip_address, reused=prepared.reused)
        if built is None:
            enqueue(tasks.build_prepared_file, prepared.pk)
        elif spec.on_ready is not None:
            spec.on_ready(prepared)
    return prepared, built is None


def _stored_name(sha256, extension):
    return f"prepared/{sha256[:2]}/{sha256}.{extension}"


def _file_sha256(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def store(data, *, extension, storage):
    """Keep ``data`` (bytes) in ``storage`` under its SHA-256; returns ``(name, sha256)``.

    An existing file of that name is reused only if its bytes still hash to the name (a file left half-written by a
    crash is replaced). Storage writes a new file whole before the name is returned to anyone."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = _stored_name(sha256, extension)
    if storage.exists(name):
        if _file_sha256(storage, name) == sha256:
            return name, sha256
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if _file_sha256(storage, saved) != sha256:  # a short write: never hand out a half file
        storage.delete(saved)
        raise OSError("the prepared file was not stored whole")
    return saved, sha256


def build(*, prepared_id, now=None):
    """Build the file of request ``prepared_id`` (int pk) once: claim it (``pending`` → ``building`` by a conditional
    update: a second run finds nothing to claim and returns None), check that its requester may still have it, call
    the kind's builder, store the bytes under their SHA-256, mark it ready, audit ``jobs.prepared_file.built``, call
    the kind's ``on_ready`` and queue the "ready" e-mail. Any error marks it failed with the reason (nothing is
    stored for it). Returns the ``PreparedFile`` or None."""
    now = now or timezone.now()
    claimed = PreparedFile.objects.filter(pk=prepared_id, status=PreparedFile.Status.PENDING).update(
        status=PreparedFile.Status.BUILDING, started_at=now
    )
    if not claimed:
        return None
    prepared = PreparedFile.objects.select_related("school", "requested_by").get(pk=prepared_id)
    try:
        spec = get_kind(prepared.kind)
        if not spec.may_have(prepared.requested_by, prepared):
            return _fail(prepared, "forbidden: the person who asked may no longer have this file")
        data = spec.build(prepared)
        name, sha256 = store(data, extension=spec.extension, storage=prepared.file.storage)
    except Exception as error:  # noqa: BLE001 — any failure is shown on the page, never a silent "being prepared"
        logger.exception("Prepared file %s (%s) failed", prepared_id, prepared.kind)
        return _fail(prepared, f"{error.__class__.__name__}: {error}")
    from . import tasks

    with transaction.atomic():
        prepared = PreparedFile.objects.select_for_update().select_related("school").get(pk=prepared_id)
        if prepared.status != PreparedFile.Status.BUILDING:  # marked failed meanwhile (it took too long)
            return None
        prepared.file.name = name
        prepared.sha256, prepared.size = sha256, len(data)
        prepared.content_type = spec.content_type
        prepared.status = PreparedFile.Status.READY
        prepared.finished_at = timezone.now()
        prepared.save()  # saved, not updated: django-simple-history keeps the change
        _audit(prepared, "jobs.prepared_file.built", actor=None, sha256=sha256, bytes=len(data))
        if spec.on_ready is not None:
            spec.on_ready(prepared)
        enqueue(tasks.send_prepared_file_ready, prepared.pk)
    return prepared


def _fail(prepared, reason):
    with transaction.atomic():
        prepared.status = PreparedFile.Status.FAILED
        prepared.error = reason[:2000]
        prepared.finished_at = timezone.now()
        prepared.file.name = ""
        prepared.save()
        audit_log(
            actor=None,
            action="jobs.prepared_file.failed",
            school=prepared.school,
            subject=prepared,
            data={"kind": prepared.kind, "error": reason[:200]},
        )
    return prepared


def may_open(user, prepared):
    """Whether ``user`` may see the request ``prepared`` and download its file: only the person who asked, and only
    while the kind still allows them (``PreparedKind.may_have``, asked again each time)."""
    if not user.is_authenticated or not user.is_active or prepared.requested_by_id != user.pk:
        return False
    return bool(get_kind(prepared.kind).may_have(user, prepared))


def downloaded(*, actor, prepared, ip_address=None):
    """Audit a download of ``prepared`` by ``actor`` (the kind's ``downloaded_action``, with the SHA-256). Raises
    ``DomainError`` (code ``forbidden``) when ``actor`` may not (``may_open``) or the file is not ready."""
    if not may_open(actor, prepared) or prepared.status != PreparedFile.Status.READY:
        raise DomainError(_("You may not have this file."), code="forbidden")
    _audit(
        prepared,
        get_kind(prepared.kind).downloaded_action,
        actor=actor,
        ip_address=ip_address,
        sha256=prepared.sha256,
    )
