"""Issue 12 #20: every audit action has a label in the registry (``safeguard.audit.labels``), and pages listing
audit events show the label, never the dotted code."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from safeguard.audit.labels import AUDIT_LABELS, UNKNOWN, audit_label

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "aup", "consent", "directory", "incidents", "onboarding", "reports", "interop", "exports", "sso")
SKIP = {".venv", "node_modules", "tests", "migrations", ".git", "var"}
# action="incidents.attachment.added" anywhere; and any other "app.noun.verb" string literal (passed positionally to
# a helper such as _log(request, "incidents.chronology.viewed", …)) that is not a module path.
KEYWORD = re.compile(r"""\baction\s*=\s*["']([a-z_]+\.[a-z_]+\.[a-z_]+)["']""")
LITERAL = re.compile(r"""["'](({})\.[a-z_]+\.[a-z_]+)["']""".format("|".join(APPS)))
F_STRING = re.compile(r"""\baction\s*=\s*f["']([a-z_]+\.[a-z_]+)\.\{""")


def _sources():
    for path in ROOT.rglob("*.py"):
        if SKIP.isdisjoint(path.relative_to(ROOT).parts):
            yield path


def _is_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def actions_in_source():
    """Every dotted audit action name written in the code (outside tests and migrations)."""
    found, prefixes = set(), set()
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        found.update(KEYWORD.findall(text))
        for name, _app in LITERAL.findall(text):
            if not _is_module(name.rsplit(".", 1)[0]) and not _is_module(name):
                found.add(name)
        prefixes.update(F_STRING.findall(text))
    return found, prefixes


def test_the_source_tree_has_actions_to_check():
    found, prefixes = actions_in_source()
    assert {"incidents.attachment.added", "incidents.chronology.viewed", "consent.measure.set"} <= found
    assert {"consent.response", "aup.review"} <= prefixes


def test_every_action_in_the_code_has_a_label_that_is_not_the_code():
    found, _prefixes = actions_in_source()
    missing = sorted(name for name in found if name not in AUDIT_LABELS)
    assert missing == []
    for name, label in AUDIT_LABELS.items():
        assert str(label) and str(label) != name and "." not in str(label).rstrip("."), name


def test_actions_built_at_run_time_have_labels():
    from aup.models import PolicyReviewStep
    from consent.models import ConsentResponse

    _found, prefixes = actions_in_source()
    assert prefixes == {"consent.response", "aup.review"}, "a new f-string action: list its names in the registry"
    for kind in ConsentResponse.Kind.values:
        assert f"consent.response.{kind}" in AUDIT_LABELS
    for step in PolicyReviewStep.Action.values:
        assert f"aup.review.{step}" in AUDIT_LABELS


def test_an_unknown_action_shows_a_neutral_label_never_its_code():
    assert audit_label("incidents.something.new") == UNKNOWN
    with translation.override("tr"):
        assert str(audit_label("incidents.attachment.added"))


@pytest.mark.django_db
def test_the_record_and_who_viewed_pages_show_labels_not_codes(client, school, pupil, dsl):
    import datetime
    import time

    from django.utils import timezone

    from incidents import services
    from incidents.models import IncidentPupil
    from incidents.services_files import attachment_add
    from incidents.tests.factories import category
    from safeguard.accounts import otp

    concern = services.incident_record(
        actor=dsl,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        location="classroom",
        categories=[category(school, "neglect")],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description="Came in hungry.",
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
    attachment_add(actor=dsl, incident=concern, uploaded=SimpleUploadedFile("note.png", png, "image/png"))
    client.force_login(dsl)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    record = client.get(reverse("incidents:incident_detail", args=[school.slug, concern.public_id])).content.decode()
    trail = record.split('id="audit-trail"', 1)[1].split("</table>", 1)[0]
    assert "Added an attachment" in trail and "Recorded the incident" in trail
    assert "incidents." not in trail
    viewers = client.get(reverse("incidents:viewers", args=[school.slug, pupil.public_id])).content.decode()
    table = viewers.split('id="viewers"', 1)[1]
    assert "Opened the concern" in table and "incidents." not in table.replace("/incidents/", "")
