"""Figures cached until their data changes: the dashboards' and governor reports' aggregates.

A page that computes figures over many records (the SLT dashboard, the trust comparison, a governor report's draft)
stores them under a key that carries the *data version* of every school it read. Saving or deleting any record of a
topic bumps that school's version once the transaction commits, so the next request recomputes; nothing is served
from before a change the viewer could have made or seen. ``MAX_AGE`` bounds what a change made without model signals
(a queryset ``update()``, a bulk import) could leave stale, and the figures' own date is part of every key, so
"overdue" and "this term" move with the calendar.

Versions are random tokens, not counters: if the cache loses a version, a new token is drawn, so figures stored under
an old one can never be served again.

Usage::

    figures = datacache.cached(
        ("dashboard", viewer_scope, filters_key),
        lambda: compute(...),
        topic=datacache.INCIDENTS,
        school_ids=[school.pk],
    )

The cache is Django's default cache (Redis in production, ``REDIS_URL``; in-process in the demo and tests).

Beside the tokens, every bump sends two signals, for figures kept outside the cache (``reports.precount``'s
database-side versions and pre-counted snapshots): ``changed`` inside the change's transaction, and ``committed``
once it has committed. Both carry ``topic`` (str) and ``school_id`` (int).
"""

import contextlib
import contextvars
import hashlib
import logging
import secrets

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

INCIDENTS = "incidents"
CONSENT = "consent"
AGREEMENTS = "agreements"
POLICIES = "policies"
TOPICS = (INCIDENTS, CONSENT, AGREEMENTS, POLICIES)

MAX_AGE = 10 * 60  # seconds a stored figure may be served for at most
VERSION_AGE = 7 * 24 * 60 * 60  # seconds a school's version token is kept (a lost one is redrawn)
_PREFIX = "datacache"

# Sent with ``topic`` and ``school_id`` for each bump: ``changed`` inside the transaction (a receiver's writes commit or
# roll back with the change; an error it raises fails the change), ``committed`` after commit (errors are logged, never
# raised: the change is already made).
changed = Signal()
committed = Signal()
# The bumps held back by ``bumps_at_end`` (a dict used as an ordered set of ``(topic, school_id)``), or None.
_pending_bumps = contextvars.ContextVar("datacache_pending_bumps", default=None)


def _version_key(topic, school_id):
    return f"{_PREFIX}:v:{topic}:{school_id}"


def versions(topic, school_ids):
    """The data version of each school for ``topic``, as a tuple in the order of ``school_ids`` (ints); a school
    without one gets a new token (stored)."""
    keys = [_version_key(topic, school_id) for school_id in school_ids]
    found = cache.get_many(keys)
    missing = {key: secrets.token_hex(8) for key in keys if key not in found}
    if missing:
        cache.set_many(missing, VERSION_AGE)
        found.update(missing)
    return tuple(found[key] for key in keys)


def bump(topic, school_id):
    """Mark ``topic``'s data of school ``school_id`` (int) as changed, once the current transaction commits (at once
    outside one). Sends ``changed`` now and ``committed`` after commit — or, inside ``bumps_at_end()``, once for each
    ``(topic, school_id)`` when that block ends."""
    pending = _pending_bumps.get()
    if pending is not None:
        pending[(topic, school_id)] = None
        return
    changed.send(sender=None, topic=topic, school_id=school_id)

    def store_new_version():
        cache.set(_version_key(topic, school_id), secrets.token_hex(8), VERSION_AGE)
        for receiver, error in committed.send_robust(sender=None, topic=topic, school_id=school_id):
            if isinstance(error, Exception):
                logger.error("datacache.committed receiver %r failed", receiver, exc_info=error)

    store_new_version.datacache_bump = True
    transaction.on_commit(store_new_version)


@contextlib.contextmanager
def bumps_at_end():
    """Hold back every ``bump`` made inside the block and make each distinct one once, as the block ends — for a
    service that writes many records in one transaction (a roster or OneRoster/CTF import, the year's roll-over).

    Call it inside the service's transaction, around its writes. ``changed``'s receivers lock a row per school and
    topic until the transaction ends (``reports.models.SchoolDataVersion.bump``): bumped on the first of 2,000 pupil
    saves, that row would hold every teacher's incident save at that school until the whole import committed; bumped
    at the end, only for the moment between the last write and the commit. It also sends one signal per school and
    topic instead of one per record.

    If the block raises, the held-back bumps are still made (a caller may catch the error and commit what was
    written before it), unless the transaction has already failed in the database, in which case nothing it wrote
    can commit. Nested blocks hold back into the outermost one.
    """
    if _pending_bumps.get() is not None:
        yield
        return
    pending = {}
    token = _pending_bumps.set(pending)
    try:
        yield
    except BaseException:
        _pending_bumps.reset(token)
        try:
            for topic, school_id in pending:
                bump(topic, school_id)
        except DatabaseError:
            logger.info("datacache: the transaction failed; %d held-back bumps dropped with it", len(pending))
        raise
    _pending_bumps.reset(token)
    for topic, school_id in pending:
        bump(topic, school_id)


def is_version_bump(callback):
    """Whether an on-commit ``callback`` is one of ``bump``'s (tests that count a service's own callbacks skip them)."""
    return getattr(callback, "datacache_bump", False)


def cached(key_parts, compute, *, topic, school_ids, timeout=MAX_AGE):
    """``compute()``'s result, from the cache while the data versions of ``school_ids`` (ints) for ``topic`` and
    today's date are those it was stored under, otherwise computed and stored for ``timeout`` seconds.

    ``key_parts`` (a tuple of strings or numbers) says what was asked and by whom it may be seen — callers must put
    the viewer's scope in it (e.g. whether safeguarding counts are included), because the cache does not know who
    asks. The result must be picklable.
    """
    school_ids = sorted(school_ids)
    raw = repr((key_parts, topic, school_ids, versions(topic, school_ids), timezone.localdate().isoformat()))
    key = f"{_PREFIX}:f:{hashlib.sha256(raw.encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def forget_all():
    """Drop every stored version and figure (tests: SQLite reuses ids after a rollback and a new test database
    restarts Postgres sequences, while the cache lives on). Leaves other keys alone (the Redis database may be shared
    with Celery's broker)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=backend.make_key(f"{_PREFIX}:*")))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


def watch(model, topic, school_id_of):
    """Bump ``topic`` for the school ``school_id_of(instance)`` (an int, an iterable of ints — a trust's record
    concerns all its schools — or ``None``) whenever an instance of ``model`` is saved or deleted. Called from an
    app's ``ready()``."""

    def changed(sender, instance, **kwargs):
        school_ids = school_id_of(instance)
        if school_ids is None:
            return
        for school_id in [school_ids] if isinstance(school_ids, int) else school_ids:
            bump(topic, school_id)

    uid = f"datacache:{topic}:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")
