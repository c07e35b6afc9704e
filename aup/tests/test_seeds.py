"""The real input: each seed policy in ../shared/seeds, loaded as a policy version, prints as a PDF that starts with
the policy's own opening words (English and Turkish)."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from aup.documents import policy_version_pdf
from aup.models import Policy
from aup.tests.factories import PolicyVersionFactory

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
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


def test_the_seed_folder_is_there():
    assert SEEDS.is_dir(), f"The seed policies are missing: expected the folder {SEEDS} (shared/seeds beside the repo)"
    missing = [name for name, _language in SEED_FILES if not (SEEDS / name).is_file()]
    assert not missing, f"Seed files missing from {SEEDS}: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "language"), SEED_FILES)
def test_each_seed_policy_prints_with_its_opening_words(name, language):
    path = SEEDS / name
    assert path.is_file(), f"Seed policy {name} is missing from {SEEDS} (shared/seeds beside the repo)"
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
