"""Settings of the benchmark's Django processes (``scripts/bench_trust.py``): production's ``safeguard.settings``
unchanged, except that every cache gets the run's own key prefix (``CACHE_KEY_PREFIX``, set by the bench to
``bench:<database>:<run id>``; issue 18 item 5), so the full and the small database's processes never share a cached
figure or session, and the bench's "cold" deletes only its own keys.

Once ``safeguard.settings`` reads ``CACHE_KEY_PREFIX`` itself, this module changes nothing.
"""

import os

from safeguard.settings import *  # noqa: F403
from safeguard.settings import CACHES

_prefix = os.environ.get("CACHE_KEY_PREFIX", "")
if _prefix:
    for _cache in CACHES.values():
        _cache["KEY_PREFIX"] = _prefix
