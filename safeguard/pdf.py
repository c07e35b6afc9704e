"""Rendering HTML templates to PDF with WeasyPrint: the one place the portal makes a PDF.

Every PDF is A4, set in DejaVu (installed with the system's fonts; it covers Turkish letters such as ğ, ı, ş, İ),
with the page number and page count in the footer. Templates add their own styles for the rest.

WeasyPrint fetches the resources a document names (images, stylesheets). Documents include text that users wrote
(policy text, names), so only ``data:`` URLs and files under the project's ``static/`` folder are fetched: anything
else (``http://…``, ``file:///etc/…``) is refused and left out of the PDF rather than fetched from the server.
"""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from safeguard.country_words import context_country, english_variant

# WeasyPrint logs each layout step at INFO; keep them out of the portal's INFO logs unless LOGGING names the logger.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)

BASE_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-right {
    content: counter(page) " / " counter(pages);
    font-family: "DejaVu Sans", sans-serif;
    font-size: 8pt;
    color: #555;
  }
}
html {
  font-family: "DejaVu Sans", "DejaVu Sans Condensed", sans-serif;
  font-size: 10pt;
  line-height: 1.4;
  color: #111;
}
"""


class PdfResourceRefused(ValueError):
    """A document asked for a resource outside ``data:`` URLs and the project's static files."""


def _static_roots():
    roots = [Path(settings.BASE_DIR) / "static"]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        roots.append(Path(entry[1] if isinstance(entry, (list, tuple)) else entry))  # (prefix, folder) or folder
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def _allowed(url):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme == "file":
        path = Path(unquote(parts.path)).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in _static_roots())
    return False


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves ``data:`` URLs and the project's static files only.

    Anything else raises ``PdfResourceRefused``; WeasyPrint logs it and leaves the resource out of the PDF.
    """

    def __init__(self):
        super().__init__(allowed_protocols=["data", "file"], allow_redirects=False)

    def fetch(self, url, headers=None):
        if not _allowed(url):
            raise PdfResourceRefused(f"PDF resource refused: {url[:100]}")
        return super().fetch(url, headers)


def render_pdf(template_name, context, *, base_url=None):
    """Render a Django template to PDF and return the PDF as bytes.

    Args:
        template_name: a template path, e.g. ``"aup/pdf/signed_agreement.html"`` (templates of PDFs live in
            ``templates/<app>/pdf/``); it renders a whole HTML document.
        context: the template context (dict). Render inside ``translation.override(...)`` to choose the
            document's language. English is written as the school the document is about writes it
            (``context["school"]``, or the school of a record in the context; ``country_words.context_country``):
            American English (``en-us``) for a school in the United States, whatever English the caller chose.
        base_url: where relative URLs in the document resolve (str or ``Path``); defaults to
            ``settings.BASE_DIR``, so ``static/…`` names a project static file.

    Returns:
        The PDF (``bytes``, starting with ``b"%PDF-"``): A4, DejaVu fonts, "page / pages" in the footer.

    Raises:
        django.template.TemplateDoesNotExist / TemplateSyntaxError: the template is missing or broken.
        Any error WeasyPrint raises while laying out or writing the document (e.g. ``OSError`` when fonts or
        temporary files cannot be read or written). Resources the document may not fetch are left out, not
        raised (see ``SafeURLFetcher``).
    """
    language = translation.get_language()
    country = context_country(context)
    if country and language:
        language = english_variant(language, country)
    with translation.override(language):
        html = render_to_string(template_name, context)
    base = str(base_url if base_url is not None else settings.BASE_DIR)
    if not base.endswith("/"):
        base += "/"  # a folder: "static/x.png" resolves inside it, not beside it
    document = HTML(string=html, base_url=base, url_fetcher=SafeURLFetcher())
    return document.write_pdf(stylesheets=[CSS(string=BASE_CSS)])
