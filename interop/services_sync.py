"""Scheduled roster syncs: re-import a school's roster from a file in a folder, at an HTTPS address or on an SFTP
server, on a schedule (issue 14 item 3).

* ``roster_sync_save`` creates or changes a sync (office or headteacher: ``MANAGE_ROSTER``); the secret is sealed
  (encrypted with a key derived from ``SECRET_KEY``) and never shown again.
* ``roster_sync_request_run`` ("run now") makes a sync due at once and queues it.
* ``roster_sync_sweep`` (Celery beat, every 5 minutes: ``interop.tasks.sweep_roster_syncs``) runs every sync that
  is due. ``roster_sync_run`` claims the sync with a conditional UPDATE on ``running_since`` — two sweeps at once
  run it once — then fetches the file (timeouts, the upload's size limit), skips it when its SHA-256 is the last
  one applied ("no change": nothing written, no e-mail), else previews it with the import the format already has
  (``safeguard.directory.roster`` for our CSV, ``interop.services`` for OneRoster and CTF) and applies it all or
  nothing when the preview has no errors. A file with errors, or a fetch that fails, applies nothing and the office
  and headteacher get the report by e-mail (``roster_sync_failed``), once per file.

Runs act as the person who configured the sync (``configured_by``): the imports check ``MANAGE_ROSTER`` again and
history names them. Leavers (pupils missing from the file) are marked left only when the sync says so
(``mark_leavers``); otherwise the run lists them and a person confirms them (``roster_sync_confirm_leavers``).
"""

import base64
import datetime
import hashlib
import io
import ipaddress
import logging
import posixpath
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory import roster
from safeguard.jobs.services import enqueue

from . import services as interop_services
from .models import InteropImport, RosterSync, RosterSyncRun

logger = logging.getLogger(__name__)

# A run still "running" after this long is taken to have died with its worker; the next sweep may claim it again.
STALE_RUN = datetime.timedelta(minutes=30)
EXTENSIONS = {
    RosterSync.Kind.CSV: (".csv", ".txt"),
    RosterSync.Kind.ONEROSTER: (".zip",),
    RosterSync.Kind.CTF: (".xml",),
}
MAX_ERRORS_IN_EMAIL = 50


class FetchError(Exception):
    """The file could not be fetched (message translated, shown to the office)."""


# Secrets ----------------------------------------------------------------------------------------------------------


def _fernet():
    key = hashlib.sha256(f"interop.roster_sync:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret):
    """``secret`` (str) encrypted for storage; "" stays "". Changing ``SECRET_KEY`` means entering secrets again."""
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def unseal(sealed):
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise FetchError(
            _("The stored password or key cannot be read (the server's key changed). Enter it again.")
        ) from error


# Schedule ---------------------------------------------------------------------------------------------------------


def next_run(sync, after):
    """The first time strictly after ``after`` (aware datetime) the sync is due: daily at ``run_at`` in the school's
    time zone, or hourly at ``run_at``'s minute. Returns an aware UTC datetime."""
    zone = zoneinfo.ZoneInfo(sync.school.time_zone)
    local = after.astimezone(zone)
    if sync.schedule == RosterSync.Schedule.HOURLY:
        candidate = local.replace(minute=sync.run_at.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate += datetime.timedelta(hours=1)
        return candidate.astimezone(datetime.UTC)
    day = local.date()
    for _days in range(3):
        candidate = datetime.datetime.combine(day, sync.run_at, tzinfo=zone)
        if candidate > local:
            return candidate.astimezone(datetime.UTC)
        day += datetime.timedelta(days=1)
    raise AssertionError("unreachable")  # pragma: no cover


# Folder sources ---------------------------------------------------------------------------------------------------


def school_drop_dir(school):
    """The folder a school's "folder" syncs must lie in: ``ROSTER_SYNC_DIR/<school slug>/`` (a ``Path``)."""
    return Path(settings.ROSTER_SYNC_DIR) / school.slug


def resolve_folder(school, relative):
    """The absolute path of ``relative`` (a path typed by the school) inside the school's drop folder.

    Raises ``DomainError`` for an absolute path, any ``..`` part, or a path that leaves the folder once symbolic
    links are followed (``../../etc/passwd`` is refused, as is a link pointing out)."""
    relative = (relative or "").strip()
    parts = Path(relative).parts
    if Path(relative).is_absolute() or relative.startswith(("/", "\\", "~")) or ".." in parts or "\x00" in relative:
        raise DomainError(_("Give a path inside the school's drop folder, without “..”."), code="outside")
    base = school_drop_dir(school).resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise DomainError(_("Give a path inside the school's drop folder, without “..”."), code="outside")
    return target


def _fetch_folder(sync, limit):
    try:
        target = resolve_folder(sync.school, sync.folder)
    except DomainError as error:
        raise FetchError(error.message) from error
    if target.is_dir():
        base = school_drop_dir(sync.school).resolve()
        candidates = [
            entry
            for entry in target.iterdir()
            if entry.is_file()
            and not entry.name.startswith(".")
            and entry.name.lower().endswith(EXTENSIONS[sync.kind])
            and base in entry.resolve().parents  # a link dropped in the folder must not lead out of it
        ]
        if not candidates:
            raise FetchError(_("No %(ext)s file is in the folder.") % {"ext": " / ".join(EXTENSIONS[sync.kind])})
        target = max(candidates, key=lambda entry: (entry.stat().st_mtime, entry.name))
    elif not target.is_file():
        raise FetchError(_("The file or folder does not exist."))
    if target.stat().st_size > limit:
        raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
    with open(target, "rb") as handle:
        payload = handle.read(limit + 1)
    if len(payload) > limit:
        raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
    return target.name, payload


# HTTPS sources ----------------------------------------------------------------------------------------------------


def _local_http_allowed(parsed):
    if not settings.ROSTER_SYNC_ALLOW_LOCAL_HTTP or parsed.scheme != "http":
        return False
    try:
        return ipaddress.ip_address(parsed.hostname or "").is_loopback
    except ValueError:
        return False


def check_https_url(url):
    """Raise ``DomainError`` unless ``url`` is an https:// address with a host (plain http only to 127.0.0.1 when
    ``ROSTER_SYNC_ALLOW_LOCAL_HTTP``, which only tests set)."""
    parsed = urllib.parse.urlsplit(url or "")
    if not parsed.hostname or (parsed.scheme != "https" and not _local_http_allowed(parsed)):
        raise DomainError(_("Give an address starting with https://."), code="not_https")
    if parsed.username or parsed.password:
        raise DomainError(_("Put the user name and password in their own boxes, not in the address."), code="userinfo")
    return parsed


class _NoInsecureRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_https_url(newurl)
        except DomainError as error:
            raise FetchError(_("The server redirected to an address that is not https://.")) from error
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch_https(sync, limit):
    try:
        parsed = check_https_url(sync.url)
    except DomainError as error:
        raise FetchError(error.message) from error
    # The scheme was checked just above (https://, or http:// to 127.0.0.1 in tests only).
    request = urllib.request.Request(sync.url, headers={"User-Agent": "Safeguard roster sync"})  # noqa: S310
    if sync.auth == RosterSync.Auth.BASIC:
        token = base64.b64encode(f"{sync.username}:{unseal(sync.secret)}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    elif sync.auth == RosterSync.Auth.BEARER:
        request.add_header("Authorization", f"Bearer {unseal(sync.secret)}")
    opener = urllib.request.build_opener(_NoInsecureRedirects)
    try:
        with opener.open(request, timeout=settings.ROSTER_SYNC_TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
            payload = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise FetchError(_("The server answered %(status)s.") % {"status": error.code}) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise FetchError(
            _("The server could not be reached: %(reason)s") % {"reason": getattr(error, "reason", error)}
        ) from error
    if len(payload) > limit:
        raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
    filename = posixpath.basename(parsed.path) or "download"
    return filename, payload


# SFTP sources -----------------------------------------------------------------------------------------------------


def check_sftp_url(url):
    """Raise ``DomainError`` unless ``url`` is ``sftp://user@host[:port]/path``; returns the parsed address."""
    parsed = urllib.parse.urlsplit(url or "")
    if parsed.scheme != "sftp" or not parsed.hostname or not parsed.username or not parsed.path.strip("/"):
        raise DomainError(_("Give an address like sftp://user@host:22/exports/roster.csv."), code="not_sftp")
    if parsed.password:
        raise DomainError(_("Put the password in its own box, not in the address."), code="userinfo")
    try:
        parsed.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError as error:
        raise DomainError(_("The port is not a number."), code="port") from error
    return parsed


def _private_key(text):
    import paramiko

    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return key_class.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise FetchError(_("The private key cannot be read (give an unencrypted OpenSSH or PEM key)."))


def _fetch_sftp(sync, limit):
    """Fetch over SFTP with paramiko. The server's host key must match ``sync.host_key`` (as ``ssh-keyscan``
    prints it: ``ssh-ed25519 AAAA…``), so a server that is not the school's is never sent the password."""
    import paramiko

    try:
        parsed = check_sftp_url(sync.url)
    except DomainError as error:
        raise FetchError(error.message) from error
    expected = sync.host_key.split()
    if len(expected) < 2:
        raise FetchError(_("The SFTP server's host key is missing."))
    timeout = settings.ROSTER_SYNC_TIMEOUT
    transport = None
    try:
        transport = paramiko.Transport((parsed.hostname, parsed.port or 22))
        transport.banner_timeout = transport.auth_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        if (key.get_name(), key.get_base64()) != (expected[-2], expected[-1]) and tuple(expected[:2]) != (
            key.get_name(),
            key.get_base64(),
        ):
            raise FetchError(_("The SFTP server's host key is not the one configured."))
        secret = unseal(sync.secret)
        if sync.auth == RosterSync.Auth.PRIVATE_KEY:
            transport.auth_publickey(parsed.username, _private_key(secret))
        else:
            transport.auth_password(parsed.username, secret)
        client = paramiko.SFTPClient.from_transport(transport)
        client.get_channel().settimeout(timeout)
        path = urllib.parse.unquote(parsed.path)
        if client.stat(path).st_size > limit:
            raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
        with client.open(path, "rb") as handle:
            payload = handle.read(limit + 1)
    except FetchError:
        raise
    except (paramiko.SSHException, OSError, EOFError) as error:
        raise FetchError(_("The SFTP server could not be read: %(reason)s") % {"reason": error}) from error
    finally:
        if transport is not None:
            transport.close()
    if len(payload) > limit:
        raise FetchError(_("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)})
    return posixpath.basename(path), payload


def size_limit(kind):
    """The largest file (bytes) a sync of ``kind`` fetches: the same as the upload page of that format."""
    return roster.MAX_UPLOAD_BYTES if kind == RosterSync.Kind.CSV else interop_services.MAX_UPLOAD_BYTES


def fetch(sync):
    """``(filename, payload bytes)`` of the sync's file. Raises ``FetchError`` (translated message)."""
    limit = size_limit(sync.kind)
    if sync.source == RosterSync.Source.FOLDER:
        return _fetch_folder(sync, limit)
    if sync.source == RosterSync.Source.HTTPS:
        return _fetch_https(sync, limit)
    return _fetch_sftp(sync, limit)


# Configuring ------------------------------------------------------------------------------------------------------

CONFIG_FIELDS = (
    "name",
    "kind",
    "source",
    "folder",
    "url",
    "auth",
    "username",
    "host_key",
    "schedule",
    "run_at",
    "mark_leavers",
    "enabled",
)


def _check_actor(actor, school):
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("This user may not manage the roster of this school.")


def roster_sync_save(*, actor, school, data, sync=None, now=None):
    """Create (``sync`` None) or change a roster sync of ``school``.

    Args:
        actor: the ``User``; needs ``MANAGE_ROSTER``. Becomes ``configured_by``: runs act as them.
        data: the form's cleaned data: the ``CONFIG_FIELDS`` and ``secret`` (str; "" keeps the stored one, unless
            ``clear_secret`` is true).
        sync: the ``RosterSync`` to change, of ``school``.
        now: aware datetime (tests fix the clock).

    Checks the source again (folder inside the drop folder, https:// or sftp:// address). Writes the audit event
    ``interop.roster_sync.created`` or ``.updated`` (the secret is never in it). Returns the sync. Raises
    ``PermissionError`` and ``DomainError``.
    """
    _check_actor(actor, school)
    now = now or timezone.now()
    if data["source"] == RosterSync.Source.FOLDER:
        resolve_folder(school, data.get("folder", ""))
    elif data["source"] == RosterSync.Source.HTTPS:
        check_https_url(data.get("url", ""))
    else:
        check_sftp_url(data.get("url", ""))
    created = sync is None
    with transaction.atomic():
        if created:
            sync = RosterSync(school=school)
        for name in CONFIG_FIELDS:
            setattr(sync, name, data.get(name, getattr(sync, name)))
        if data.get("secret"):
            sync.secret = seal(data["secret"])
        elif data.get("clear_secret") or sync.auth == RosterSync.Auth.NONE:
            sync.secret = ""
        sync.configured_by = actor
        sync.next_run_at = next_run(sync, now) if sync.enabled else None
        sync.full_clean(exclude=["school", "configured_by", "secret"])
        sync._history_user = actor
        sync.save()
        audit_log(
            actor=actor,
            action="interop.roster_sync.created" if created else "interop.roster_sync.updated",
            school=school,
            subject=sync,
            data={
                "kind": sync.kind,
                "source": sync.source,
                "schedule": sync.schedule,
                "enabled": sync.enabled,
                "mark_leavers": sync.mark_leavers,
                "secret_changed": bool(data.get("secret")),
            },
        )
    return sync


def roster_sync_request_run(*, actor, sync, now=None):
    """ "Run now": make ``sync`` due at once and queue it (``interop.tasks.run_roster_sync``). The sweep starts it
    too if the queue is down. Audit event ``interop.roster_sync.run_requested``. Raises ``PermissionError``."""
    _check_actor(actor, sync.school)
    now = now or timezone.now()
    from . import tasks

    with transaction.atomic():
        RosterSync.objects.filter(pk=sync.pk).update(next_run_at=now, updated_at=now)
        audit_log(actor=actor, action="interop.roster_sync.run_requested", school=sync.school, subject=sync, data={})
        enqueue(tasks.run_roster_sync, sync.pk, "manual")


def roster_sync_confirm_leavers(*, actor, run, now=None):
    """Mark as left (``left_on`` = the school's today) the pupils missing from the file of ``run``, as listed when
    it was applied: the person's confirmation that a sync without automatic leavers waits for.

    Args:
        actor: the ``User``; needs ``MANAGE_ROSTER`` in the sync's school.
        run: an ``ok`` ``RosterSyncRun`` that is the sync's latest applied run (a newer file may list the pupils again)
            and whose leavers were not marked by the sync itself.
        now: aware datetime (tests fix the clock).

    Claimed once (``leavers_confirmed_at`` by a conditional UPDATE). Pupils already left, or no longer of the school,
    are skipped; pupils are never deleted. Writes history (as ``actor``) and the audit event
    ``interop.roster_sync.leavers_confirmed`` with the count. Returns the number marked. Raises ``PermissionError``;
    ``DomainError`` when the run is not the latest applied one, has no leavers, or was already confirmed.
    """
    from safeguard.directory.models import Pupil

    sync = run.sync
    _check_actor(actor, sync.school)
    now = now or timezone.now()
    latest = sync.runs.filter(status=RosterSyncRun.Status.OK).order_by("-started_at", "-pk").first()
    absent = run.report.get("absent_pupils") or []
    if latest is None or latest.pk != run.pk or not absent or run.counts.get("pupils_marked_left"):
        raise DomainError(
            _("Only the leavers of the latest applied file can be confirmed, and only once."), code="not_latest"
        )
    today = sync.school.today(now)
    with transaction.atomic():
        claimed = RosterSyncRun.objects.filter(pk=run.pk, leavers_confirmed_at__isnull=True).update(
            leavers_confirmed_at=now, leavers_confirmed_by=actor, updated_at=now
        )
        if claimed != 1:
            raise DomainError(_("These leavers have already been confirmed."), code="already_confirmed")
        marked = 0
        for pupil in Pupil.objects.filter(school=sync.school, public_id__in=absent, left_on__isnull=True):
            pupil.left_on = today
            pupil._history_user = actor
            pupil.save(update_fields=["left_on", "updated_at"])
            marked += 1
        audit_log(
            actor=actor,
            action="interop.roster_sync.leavers_confirmed",
            school=sync.school,
            subject=sync,
            data={"pupils_marked_left": marked, "run": str(run.public_id)},
        )
    return marked


# Running ----------------------------------------------------------------------------------------------------------


def _claim(sync, now):
    """Take the sync for one run: a conditional UPDATE that succeeds for one caller only (healthchecks'
    ``sendalerts``). Moves ``next_run_at`` on at the same time, so a failing sync runs again at its next time."""
    free = Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_RUN)
    return (
        RosterSync.objects.filter(free, pk=sync.pk, enabled=True, next_run_at__lte=now).update(
            running_since=now, next_run_at=next_run(sync, now), updated_at=now
        )
        == 1
    )


def _error_dicts_csv(filename, plan_errors):
    return [
        {"file": filename, "line": error.row, "record": "", "field": error.column, "message": str(error.message)}
        for error in plan_errors
    ]


def _preview_and_apply(sync, actor, filename, payload, now):
    """Import ``payload`` with the format's own services. Returns ``(status, counts, report)``; nothing is written
    when the file has errors (the imports are all or nothing)."""
    upload = SimpleUploadedFile(filename or "roster", payload)
    if sync.kind == RosterSync.Kind.CSV:
        roster_import, plan = roster.roster_import_preview(
            actor=actor, school=sync.school, uploaded_file=upload, now=now
        )
        report = {
            "import": "roster",
            "import_id": str(roster_import.public_id),
            "absent_pupils": roster_import.summary.get("absent_pupils", []),
        }
        if not plan.is_valid:
            return (
                RosterSyncRun.Status.FAILED,
                plan.counts(),
                {**report, "errors": _error_dicts_csv(filename, plan.errors)},
            )
        counts = roster.roster_import_apply(
            actor=actor, roster_import=roster_import, mark_absent_as_left=sync.mark_leavers, now=now
        )
    else:
        kind = InteropImport.Kind.ONEROSTER if sync.kind == RosterSync.Kind.ONEROSTER else InteropImport.Kind.CTF
        interop_import, preview = interop_services.interop_import_preview(
            actor=actor, school=sync.school, kind=kind, uploaded_file=upload, now=now
        )
        report = {
            "import": "interop",
            "import_id": str(interop_import.public_id),
            "absent_pupils": interop_import.summary.get("absent_pupils", []) if preview.offers_leavers else [],
        }
        if not preview.is_valid:
            errors = [error.as_dict() for error in preview.errors]
            return RosterSyncRun.Status.FAILED, preview.counts(), {**report, "errors": errors}
        counts = interop_services.interop_import_apply(
            actor=actor, interop_import=interop_import, mark_absent_as_left=sync.mark_leavers, now=now
        )
    return RosterSyncRun.Status.OK, counts, report


def roster_sync_run(*, sync_id, trigger=RosterSyncRun.Trigger.SCHEDULE, now=None):
    """Run the sync ``sync_id`` (int pk) once if it is due and nobody else is running it.

    Returns the ``RosterSyncRun``, or None when the sync was not claimed (not due, disabled, or already running).
    The run ends ``ok``, ``no_change`` or ``failed``; a failed run with a file not reported before queues the
    e-mail to the office and headteacher (``interop.tasks.send_roster_sync_failed``). Expected failures (fetch,
    file errors, the configuring person no longer allowed, a rule of the import) are recorded, not raised.
    """
    now = now or timezone.now()
    sync = RosterSync.objects.select_related("school", "configured_by").filter(pk=sync_id).first()
    if sync is None or not _claim(sync, now):
        return None
    run = RosterSyncRun.objects.create(sync=sync, trigger=trigger, started_at=now)
    status, counts, report, notify = RosterSyncRun.Status.FAILED, {}, {}, True
    try:
        filename, payload = fetch(sync)
        run.filename = filename[-255:]
        run.sha256 = hashlib.sha256(payload).hexdigest()
        if run.sha256 == sync.last_applied_sha256:
            status, notify = RosterSyncRun.Status.NO_CHANGE, False
        else:
            notify = run.sha256 != sync.last_failed_sha256  # the same bad file again: reported once
            if not payload.strip():
                raise FetchError(_("The file is empty."))
            status, counts, report = _preview_and_apply(sync, sync.configured_by, run.filename, payload, now)
    except FetchError as error:
        report = {"message": str(error)}
    except PermissionError:
        report = {
            "message": _(
                "%(name)s, who set up this sync, no longer manages the roster. Save the sync again to run it as you."
            )
            % {"name": sync.configured_by.get_full_name() or sync.configured_by.email}
        }
    except DomainError as error:
        report = {"message": error.message}
    except Exception:  # an unexpected bug: record the run as failed (and tell the office), then let Celery log it
        logger.exception("roster sync %s failed", sync.pk)
        report = {"message": _("An unexpected error stopped the sync. The administrators have been told.")}
    finished = timezone.now() if now is None else now
    with transaction.atomic():
        run.status, run.counts, run.report, run.finished_at = status, counts, report, finished
        run.save()
        changes = {"running_since": None, "updated_at": finished}
        if status == RosterSyncRun.Status.OK:
            changes.update(last_applied_sha256=run.sha256, last_failed_sha256="")
        elif status == RosterSyncRun.Status.FAILED and run.sha256:
            changes["last_failed_sha256"] = run.sha256
        RosterSync.objects.filter(pk=sync.pk).update(**changes)
        if status == RosterSyncRun.Status.FAILED and notify:
            from . import tasks

            enqueue(tasks.send_roster_sync_failed, run.pk)
    return run


def due_sync_ids(now):
    """The ids of enabled syncs due at ``now`` and not running (a stale run counts as not running)."""
    free = Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_RUN)
    return list(
        RosterSync.objects.filter(free, enabled=True, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("pk", flat=True)
    )


def roster_sync_sweep(*, now=None):
    """Run every due sync, one after the other (each claimed first). Returns the runs started (a list)."""
    now = now or timezone.now()
    runs = []
    for sync_id in due_sync_ids(now):
        run = roster_sync_run(sync_id=sync_id, now=now)
        if run is not None:
            runs.append(run)
    return runs


def failure_recipients(school):
    """E-mail addresses of the school's office staff and headteacher (current roles, active accounts), sorted."""
    from safeguard.directory.models import Role, StaffRole

    return sorted(
        set(
            StaffRole.objects.current()
            .filter(school=school, role__in=[Role.OFFICE, Role.HEADTEACHER], user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def errors_for_email(run):
    return (run.report.get("errors") or [])[:MAX_ERRORS_IN_EMAIL]
