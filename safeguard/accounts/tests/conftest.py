"""Fixtures for the accounts tests, and the skip rules for the ``browser`` and ``redis`` markers.

A ``browser`` test needs Debian's Chromium at ``/usr/bin/chromium``; a ``redis`` test needs a Redis server at
``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Each is skipped with the reason when its service is missing,
so a laptop without them still runs everything else.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url():
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def _redis_unreachable_reason():
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # any failure to reach the server means "skip", with what went wrong
        return f"Redis is unreachable at {url} ({error.__class__.__name__}: {error})"
    return None


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items and not CHROMIUM.exists():
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
        for item in browser_items:
            item.add_marker(skip)
    redis_items = [item for item in items if item.get_closest_marker("redis")]
    if redis_items:
        reason = _redis_unreachable_reason()
        if reason:
            skip = pytest.mark.skip(reason=reason)
            for item in redis_items:
                item.add_marker(skip)


LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)")


def invitation_path_from(message):
    """The site-relative invitation link in an e-mail's text body (fails the test if there is none)."""
    match = LINK.search(message.body)
    assert match, f"no invitation link in the e-mail:\n{message.body}"
    return match.group(1)


@pytest.fixture
def guardian(guardian_link):
    """The persona parent's guardian record, before they have an account."""
    return guardian_link.guardian
