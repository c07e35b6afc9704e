"""Files handed back to users: the type is judged from the file's bytes, the name is made by the server.

Why (issue 12, item 9): an uploader chooses both the name and the extension of what they upload. Served back under that
name, ``report.pdf`` holding a PNG — or a name with a right-to-left override such as ``invoice\u202efdp.exe`` that
reads ``invoiceexe.pdf`` — lets one person mislead the next about what they are opening. So a download is always
``<slug of a title we choose>.<extension of the detected type>``, sent as an attachment with the detected type and
``nosniff``; and an uploaded name shown on a page first loses its bidirectional control characters.

Kinds detected (anything else is ``.bin``, ``application/octet-stream``): PDF, PNG, JPEG, GIF, the zip-based office
formats DOCX, XLSX and ODT, and plain UTF-8 text.
"""

import io
import zipfile

from django.http import FileResponse
from django.utils.text import slugify

OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"

EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", GIF: "gif", DOCX: "docx", XLSX: "xlsx", ODT: "odt", TEXT: "txt"}

# Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the marks
# LRM/RLM (U+200E, U+200F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f", "\u061c"]
)
_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f"}


def clean_display_name(name):
    """``name`` (a string, e.g. an uploaded file's name) without bidirectional control characters or other control
    characters, ready to show on a page; ``""`` for ``None``."""
    return "".join(ch for ch in (name or "") if ch not in BIDI_CONTROLS and (ch.isprintable() or ch == " "))


def _zip_kind(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _is_text(data):
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in _TEXT_CONTROLS_ALLOWED for ch in text if ch not in BIDI_CONTROLS)


def detect_type(data):
    """The MIME type of ``data`` (the whole file, bytes) judged by its content; ``application/octet-stream`` when it
    is none of the kinds above. Zip-based office formats need the whole file (their directory is at the end)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data) or OCTET_STREAM
    if data and _is_text(data):
        return TEXT
    return OCTET_STREAM


def extension_for(content_type):
    """The extension (with its dot) the server gives a file of ``content_type``: ``.pdf``, ``.png``, … or ``.bin``."""
    return "." + EXTENSIONS.get(content_type, "bin")


def download_name(title, data):
    """``<slug of title>.<extension of the type detected in data>``, e.g. ``("Report v1.2", <PNG bytes>)`` →
    ``report-v1-2.png``. The title is ours (a policy's title, a record's reference): never the uploader's extension.
    Dots in the title become hyphens so no second extension survives; an empty slug becomes ``file``."""
    slug = slugify(str(title or "").replace(".", " "), allow_unicode=True)[:80].strip("-_") or "file"
    return slug + extension_for(detect_type(data))


def file_download(file, *, title):
    """A ``FileResponse`` sending ``file`` (a Django ``FieldFile``, a file object or bytes; at most a few megabytes:
    it is read whole to judge its type) as an attachment named ``download_name(title, data)``, with the detected
    content type, ``X-Content-Type-Options: nosniff`` and ``Cache-Control: private, no-store``."""
    if isinstance(file, bytes):
        data = file
    else:
        if hasattr(file, "field"):  # a FieldFile: open it from storage
            file.open("rb")
        try:
            data = file.read()
        finally:
            file.close()
    content_type = detect_type(data)
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=download_name(title, data), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
