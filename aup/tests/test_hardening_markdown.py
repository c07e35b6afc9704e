"""Policy Markdown never loads a remote image (a tracking pixel): not on the page, not in the PDF (issue 12 #12)."""

import importlib
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from aup import documents, services_library
from aup.models import PolicyVersion
from aup.tests.factories import PolicyFactory
from safeguard import pdf

TRACKER = "https://tracker.example/p.gif"
TEXT = f'# Online safety\n\nRead this.\n\n![x]({TRACKER})\n\n<img src="{TRACKER}">\n'


def test_markdown_renders_no_image():
    html = services_library.render_markdown(TEXT)
    assert "<img" not in html and "tracker.example" not in html
    assert "Read this." in html
    assert "<img" not in documents.policy_text_html(TEXT)


@pytest.mark.django_db
def test_the_policy_page_and_pdf_load_no_remote_image(client, school, office, teacher):
    policy = PolicyFactory(school=school, title="Online Safety Policy")
    version = services_library.policy_version_create(
        actor=office, policy=policy, number="1", author="JEI", body_markdown=TEXT
    )
    client.force_login(teacher)
    page = client.get(reverse("aup:policy_detail", args=[school.slug, policy.public_id])).text
    assert "Read this." in page and "tracker.example" not in page

    fetched = []
    real_fetch = pdf.SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    with (
        mock.patch.object(pdf.SafeURLFetcher, "fetch", spy),
        mock.patch.object(pdf, "HTML", wraps=pdf.HTML) as weasy,
    ):
        assert documents.policy_version_pdf(version=version).startswith(b"%PDF-")
    html = weasy.call_args.kwargs["string"]
    assert "Read this." in html and "tracker.example" not in html
    assert not [url for url in fetched if "tracker.example" in url]


def test_the_pdf_fetcher_refuses_remote_urls():
    with pytest.raises(pdf.PdfResourceRefused):
        pdf.SafeURLFetcher().fetch(TRACKER)


@pytest.mark.django_db
def test_stored_policy_html_with_an_image_is_rendered_again_without_it(school):
    policy = PolicyFactory(school=school, title="Online Safety Policy")
    version = PolicyVersion.objects.create(
        policy=policy, number="9", author="A", body_markdown=TEXT, body_html=f'<p>Read this.</p><img src="{TRACKER}">'
    )
    migration = importlib.import_module("aup.migrations.0007_policy_text_without_images")
    migration.rerender_without_images(django_apps, None)
    version.refresh_from_db()
    assert "<img" not in version.body_html and "Read this." in version.body_html
