"""The real input: each seed policy, loaded as a policy version, prints as a PDF that starts with the policy's own
opening words (English and Turkish).

The seed policies are other schools' documents and are not part of the repository: they are read from the folder
``SAFEGUARD_SEEDS_DIR`` names (default ``../shared/seeds`` beside the repository). Without that folder these tests are
skipped with the reason, so ``make test`` passes on a fresh clone anywhere; CI (``.ci/run``) sets the folder and fails
on any skip, so there they always run.
"""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from aup.documents import policy_version_pdf
from aup.models import Policy
from aup.tests.factories import PolicyVersionFactory


def seeds_dir():
    """The folder of seed policies: ``SAFEGUARD_SEEDS_DIR``, or ``shared/seeds`` beside the repository."""
    configured = os.environ.get("SAFEGUARD_SEEDS_DIR", "").strip()
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "seeds"


SEEDS = seeds_dir()
SKIP_REASON = (
    f"the seed policies are not here: no folder {SEEDS} (set SAFEGUARD_SEEDS_DIR to the folder holding them; "
    "CI sets it and requires these tests)"
)
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=SKIP_REASON)
SEED_FILES = [
    ("000-st-james-online-safety-and-aup.txt", "en-gb"),
    ("001-westminster-behaviour-policy.txt", "en-gb"),
    ("002-sigma-trust-photography-policy.txt", "en-gb"),
    ("004-mehmet-akif-ersoy-aup-tr.txt", "tr"),
]
OPENING_WORDS = 5


def opening_words(text):
    """The first words of the first non-empty line, without Markdown's emphasis and heading marks."""
    first_line = next(line for line in text.splitlines() if line.strip())
    plain = re.sub(r"[*_#`>]", "", first_line)
    return " ".join(plain.split()[:OPENING_WORDS])


def pdf_text(data):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


@needs_seeds
def test_the_seed_folder_holds_every_seed_policy():
    missing = [name for name, _language in SEED_FILES if not (SEEDS / name).is_file()]
    assert not missing, f"Seed files missing from {SEEDS}: {missing}"


@needs_seeds
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "language"), SEED_FILES)
def test_each_seed_policy_prints_with_its_opening_words(name, language):
    path = SEEDS / name
    assert path.is_file(), f"Seed policy {name} is missing from {SEEDS} (SAFEGUARD_SEEDS_DIR)"
    text = path.read_text(encoding="utf-8")
    version = PolicyVersionFactory(
        policy__title=f"Seed policy {name[:3]}",
        policy__language=language,
        policy__category=Policy.Category.OTHER,
        body_markdown=text,
        body_html="",
    )

    data = policy_version_pdf(version=version)

    assert data.startswith(b"%PDF-")
    words = opening_words(text)
    assert len(words.split()) == OPENING_WORDS
    assert words in pdf_text(data), f"{name}: its opening words {words!r} are not in the printed policy"


def test_without_the_seed_folder_the_seed_tests_are_skipped_with_the_reason(tmp_path):
    """A fresh clone with no seeds beside it: the seed tests are reported as skipped, naming the folder and the
    variable, and the run passes (pytest in a subprocess, as ``make test`` would run it)."""
    missing = tmp_path / "no-seeds-here"
    environment = {**os.environ, "SAFEGUARD_SEEDS_DIR": str(missing)}
    environment.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-k",
            "not without_the_seed_folder",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-rs",
            "-q",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{len(SEED_FILES) + 1} skipped" in output, output
    assert "SKIPPED" in output
    assert f"no folder {missing}" in output
    assert "SAFEGUARD_SEEDS_DIR" in output
