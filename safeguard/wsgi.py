"""WSGI entry point (gunicorn safeguard.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
application = get_wsgi_application()

# Load every view now rather than on the first request, then move what is loaded out of the garbage collector's way:
# full collections otherwise walk the ~180,000 objects of Django and the app on every busy request (~9 ms measured on
# the trust comparison; docs/benchmark.md).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 — imports every view module
gc.freeze()
