"""Sessions in Redis and the database that keep working while Redis is down (``SESSION_ENGINE`` with ``REDIS_URL``).

Django's ``cached_db`` store reads the cache first and writes to both, but two of its cache calls are not guarded: the
copy it puts back into the cache after reading a session from the database, and the "is this key taken" check when a
new session key is drawn. With Redis unreachable those raise, so every signed-in page and every sign-in would fail
although the database holds everything. Here they fall back to the database. Deleting a session (sign-out) removes
the cache copy *first* and still raises if it cannot, so a copy a Redis outage kept can never bring a signed-out
session back once Redis returns.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    """``cached_db`` whose reads survive an unreachable cache (see the module docstring)."""

    def load(self):
        """The session's data (a dict; empty when there is no live session). Raises nothing for cache failures."""
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # an unreachable Redis, or a key the backend refuses
            logger.warning("Session cache unreachable; reading the session from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("Session cache unreachable; the session was not copied back to it", exc_info=True)
        return data

    def exists(self, session_key):
        """Whether ``session_key`` (str) is taken, from the cache if it answers, else from the database."""
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Session cache unreachable; checking the database only", exc_info=True)
        return DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        """Remove the session from the cache, then from the database. Raises the cache's error if the cache copy
        cannot be removed (the database row is then kept too, so the sign-out visibly fails rather than half-works)."""
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache.delete(self.cache_key_prefix + session_key)
        DBStore.delete(self, session_key)
