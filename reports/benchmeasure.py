"""Measuring helpers of the trust-scale benchmark (``scripts/bench_trust.py``; issue 18 item 5), kept free of Django so
the bench's parent process and the tests can use them.

- ``summarise``: the median of several CPU samples and their spread (min–max and the interquartile range).
- ``cache_prefix`` / ``delete_prefix``: the bench's processes use a cache key prefix of their own (per database
  measured and per run), and "cold" deletes only the keys under that prefix (``SCAN`` + ``DEL``), never a whole Redis
  database (no ``FLUSHDB``/``FLUSHALL``, no ``cache.clear()`` on a shared cache).
- ``calibrate``: a fixed CPU workload — pure Python hashing plus a fixed Postgres aggregate over ``generate_series`` —
  run before and after the measurements, so two runs on different machines compare as ratios to it.
"""

import hashlib
import os
import re
import secrets
import statistics
import time
from pathlib import Path

# The calibration workload (fixed: changing it breaks the comparison with earlier runs' ratios).
CALIBRATION_HASHES = 200_000  # chained SHA-256 of 32 bytes, pure Python loop
CALIBRATION_SQL = "SELECT sum(hashtext(i::text)::bigint) FROM generate_series(1, 1000000) AS i"
CALIBRATION_VERSION = 1


def summarise(values):
    """The median and spread of ``values`` (a non-empty sequence of numbers, e.g. CPU milliseconds per request).

    Returns ``{"n", "median", "min", "max", "q1", "q3"}``, rounded to 0.1 (quartiles by the inclusive method; with one
    value all equal it). Raises ``ValueError`` for an empty sequence."""
    values = sorted(float(value) for value in values)
    if not values:
        raise ValueError("summarise() needs at least one value")
    if len(values) == 1:
        q1 = q3 = values[0]
    else:
        q1, _q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "min": round(values[0], 1),
        "max": round(values[-1], 1),
        "q1": round(q1, 1),
        "q3": round(q3, 1),
    }


def cache_prefix(database, run_id=None):
    """The cache ``KEY_PREFIX`` of one bench run on ``database`` (a str): ``bench:<database>:<run id>``, so the full
    and small databases' processes, two runs at once, and every other user of the Redis database never share a key.
    ``run_id`` defaults to a timestamp plus 6 random hex digits."""
    run_id = run_id or f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
    return f"bench:{database}:{run_id}"


def _glob_escape(text):
    """``text`` with Redis glob's special characters (``* ? [ ] \\``) escaped, for ``SCAN MATCH``."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def delete_prefix(client, prefix, *, batch=500):
    """Delete every key of Django's cache under ``prefix`` (Django writes ``<KEY_PREFIX>:<version>:<key>``) from the
    Redis connection ``client`` (a ``redis.Redis``), with ``SCAN`` + ``DEL`` in batches of ``batch``: other prefixes'
    keys — other processes', Celery's — are left alone. Returns how many keys were deleted. Refuses an empty prefix
    (``ValueError``), which would match every key."""
    if not prefix:
        raise ValueError("delete_prefix() needs a non-empty prefix")
    deleted, pending = 0, []
    for key in client.scan_iter(match=_glob_escape(prefix) + ":*", count=batch):
        pending.append(key)
        if len(pending) >= batch:
            deleted += client.delete(*pending)
            pending = []
    if pending:
        deleted += client.delete(*pending)
    return deleted


def calibrate(cursor=None, backend_cpu_ms=None):
    """Run the fixed calibration workload once; returns ``{"python_s", "postgres_s", "total_s"}`` (CPU seconds).

    ``python_s``: this process's CPU time for ``CALIBRATION_HASHES`` chained SHA-256 digests. ``postgres_s``: the CPU
    time of the Postgres backend for ``CALIBRATION_SQL``, measured by ``backend_cpu_ms()`` (a callable returning the
    backend's CPU milliseconds so far) around ``cursor.execute``; ``None`` without a cursor (then ``total_s`` is the
    Python part alone)."""
    started = time.process_time()
    digest = b"safeguard-bench-calibration-v1".ljust(32, b".")
    for _ in range(CALIBRATION_HASHES):
        digest = hashlib.sha256(digest).digest()
    python_s = time.process_time() - started
    postgres_s = None
    if cursor is not None and backend_cpu_ms is not None:
        before = backend_cpu_ms()
        cursor.execute(CALIBRATION_SQL)
        cursor.fetchone()
        postgres_s = (backend_cpu_ms() - before) / 1000
    total = python_s + (postgres_s or 0)
    return {
        "python_s": round(python_s, 3),
        "postgres_s": None if postgres_s is None else round(postgres_s, 3),
        "total_s": round(total, 3),
    }


def ratio(milliseconds, calibration_seconds):
    """``milliseconds`` of CPU as a share of the calibration workload's CPU (``calibration_seconds``), rounded to
    0.001; ``None`` when either is missing or the calibration is zero."""
    if milliseconds is None or not calibration_seconds:
        return None
    return round(milliseconds / (calibration_seconds * 1000), 3)


def backend_cpu_ms(pid):
    """CPU time (ms, float) the Postgres backend ``pid`` (int, on this machine) has used, from /proc: schedstat's
    nanoseconds on CPU where the kernel keeps them (a single request is a few ms), else stat's user + system clock
    ticks. Raises ``OSError`` if the process is gone or /proc cannot be read."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
