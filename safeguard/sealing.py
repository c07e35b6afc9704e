"""Digital seals on finished PDFs (PAdES, with pyHanko): the proof a reader can check without visiting the portal.

A sealed PDF carries a signature made with the installation's certificate over every byte of the document (PAdES
baseline B-B, or B-T with an RFC 3161 timestamp when a timestamp authority is configured; SHA-256). Adobe Reader
says the document has not been changed since it was certified, and shows "Certified by <organisation>" as trusted
when the certificate comes from a CA on Adobe's or the EU's trust list (see ``docs/signing.md``). The seal is a
*certification* signature that allows no later changes, so anything appended afterwards shows as a change.

Settings (all optional, read through ``django.conf.settings``):

- ``SIGNING_PKCS12_PATH``: the PKCS#12 file (``.p12``/``.pfx``) holding the private key and its certificate (and
  the CA's intermediate certificates, if any). Unset: PDFs are left unsealed and nothing fails.
- ``SIGNING_PKCS12_PASSWORD``: the file's password (empty for none).
- ``SIGNING_TSA_URL``: an RFC 3161 timestamp authority; when set, each seal carries the authority's time.
- ``SIGNING_PREVIOUS_CERTIFICATES``: paths of certificates (PEM or DER) this installation sealed with before its
  key was rotated, so ``verify_seal`` still recognises copies sealed with them.

``manage.py make_signing_certificate`` makes a self-signed certificate for a demo or a school trying the product.
"""

import datetime
import functools
import hashlib
import io
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SEAL_FIELD_NAME = "Seal"
# A timestamp authority answers in well under a second; a slow one must not hold a worker for long.
TSA_TIMEOUT_SECONDS = 10
# The system check warns this long before the certificate expires (time to buy and install the next one).
EXPIRY_WARNING_DAYS = 30


class SealingNotConfigured(ImproperlyConfigured):
    """The signing key configured in settings cannot be used (missing file, wrong password, not a PKCS#12 file)."""


# Loading ---------------------------------------------------------------------------------------------------------


def _configured_path():
    return getattr(settings, "SIGNING_PKCS12_PATH", None) or None


def _configured_password():
    password = getattr(settings, "SIGNING_PKCS12_PASSWORD", None) or ""
    return password.encode() if isinstance(password, str) else password


def _signer_class():
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner

    class LoadedKeySigner(SimpleSigner):
        """pyHanko's ``SimpleSigner`` holding the key already parsed.

        ``SimpleSigner.sign_raw`` parses the private key again for every signature, and checking an RSA key takes
        about 0.1 s of CPU — more than sealing itself, twice per PDF (pyHanko signs once to size the seal). The
        key here is parsed (and checked) once, when the PKCS#12 file is loaded.
        """

        def __init__(self, *, private_key, **kwargs):
            super().__init__(**kwargs)
            self.private_key = private_key

        def sign_raw(self, data, digest_algorithm):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism == "rsassa_pkcs1v15" and isinstance(self.private_key, RSAPrivateKey):
                return self.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if mechanism == "ecdsa" and isinstance(self.private_key, EllipticCurvePrivateKey):
                return self.private_key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            return super().sign_raw(data, digest_algorithm)  # PSS, EdDSA, …: pyHanko's own (slower) path

    return LoadedKeySigner


@functools.lru_cache(maxsize=4)
def _load_signer_cached(path, password, mtime_ns):
    # mtime_ns is part of the key so a key file replaced in place (rotation) is read again without a restart.
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign.signers import SimpleSigner

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise SealingNotConfigured(
            f"SIGNING_PKCS12_PATH names {path}, which cannot be read ({error.strerror or error})."
        ) from error
    try:
        private_key, certificate, _chain = pkcs12.load_key_and_certificates(data, password or None)
        loaded = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password or None)
    except (ValueError, TypeError) as error:
        raise SealingNotConfigured(
            f"SIGNING_PKCS12_PATH ({path}) could not be opened as a PKCS#12 file with SIGNING_PKCS12_PASSWORD: "
            "the password is wrong or the file is not a PKCS#12 (.p12/.pfx) key and certificate."
        ) from error
    if private_key is None or certificate is None:
        raise SealingNotConfigured(f"SIGNING_PKCS12_PATH ({path}) holds no private key with its certificate.")
    # pyHanko's public loader gives the certificate, key and chain in its own (asn1crypto) types; the key parsed by
    # `cryptography` is kept beside them for signing.
    return _signer_class()(
        private_key=private_key,
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


def load_signer():
    """The pyHanko signer of the installation's certificate, or None when no key is configured.

    Loaded once per process (and again when the file changes on disk): decrypting a PKCS#12 file takes
    milliseconds that a PDF should not pay every time.

    Returns:
        ``pyhanko.sign.signers.SimpleSigner`` or ``None`` (``SIGNING_PKCS12_PATH`` unset).

    Raises:
        SealingNotConfigured: the file is missing or unreadable, the password is wrong, or it holds no key.
    """
    path = _configured_path()
    if not path:
        return None
    path = os.fspath(path)
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except OSError as error:
        raise SealingNotConfigured(
            f"SIGNING_PKCS12_PATH names {path}, which cannot be read ({error.strerror or error})."
        ) from error
    return _load_signer_cached(path, _configured_password(), mtime_ns)


def sealing_configured():
    """Whether a signing key is configured (``SIGNING_PKCS12_PATH`` is set); it says nothing about whether it loads."""
    return bool(_configured_path())


@functools.lru_cache(maxsize=4)
def _timestamper_cached(url):
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    # One instance per process: it keeps the size of the authority's answer, asked once, to reserve room for it.
    return RequestsHTTPTimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)


def _timestamper():
    url = getattr(settings, "SIGNING_TSA_URL", None) or ""
    return _timestamper_cached(url) if url else None


@functools.lru_cache(maxsize=8)
def _load_certificate_file(path, mtime_ns):
    from pyhanko.keys import load_certs_from_pemder

    return tuple(load_certs_from_pemder([path]))


def _previous_certificates():
    certificates = []
    for path in getattr(settings, "SIGNING_PREVIOUS_CERTIFICATES", None) or ():
        path = os.fspath(path)
        try:
            certificates.extend(_load_certificate_file(path, os.stat(path).st_mtime_ns))
        except (OSError, ValueError) as error:
            logger.warning("SIGNING_PREVIOUS_CERTIFICATES: %s cannot be read as a certificate (%s)", path, error)
    return certificates


def _our_certificates():
    """The installation's certificates: the current one (if configured and loadable) and the previous ones."""
    certificates = list(_previous_certificates())
    try:
        signer = load_signer()
    except SealingNotConfigured:
        signer = None
    if signer is not None:
        certificates.insert(0, signer.signing_cert)
    return certificates


def _certificate_name(certificate):
    """The name a certificate's subject gives, for people to read: its organisation, else its common name."""
    subject = certificate.subject.native
    organisation = subject.get("organization_name") or ""
    common_name = subject.get("common_name") or ""
    if isinstance(organisation, list):
        organisation = ", ".join(organisation)
    if isinstance(common_name, list):
        common_name = ", ".join(common_name)
    # The organisation is the name a parent knows; a CA-issued certificate's CN is often a person or a product.
    return organisation or common_name or certificate.subject.human_friendly


# Sealing ---------------------------------------------------------------------------------------------------------


def _sign(pdf_bytes, *, signer, timestamper, reason, location):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=str(reason) if reason else None,
        location=str(location) if location else None,
        # A certification signature that permits no change: anything added later reads as a change in Adobe Reader
        # and in verify_seal, rather than as a harmless extra revision.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    output = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    return output.getvalue()


def seal_pdf(pdf_bytes, *, reason, location=None):
    """Seal a finished PDF with the installation's certificate; return the sealed PDF.

    Args:
        pdf_bytes: the whole PDF (``bytes``), as ``safeguard.pdf.render_pdf`` returns it. Seal it last: the seal
            covers every byte, so the SHA-256 a caller stores must be taken of the returned bytes.
        reason: why it is sealed, shown by PDF readers beside the seal (e.g. "Signed acceptable use agreement");
            translate it in the document's language.
        location: where, optionally (e.g. the school's name).

    Returns:
        The sealed PDF (``bytes``): PAdES (``ETSI.CAdES.detached``), SHA-256, a certification signature allowing no
        changes, with an RFC 3161 timestamp when ``SIGNING_TSA_URL`` is set.

        The same ``pdf_bytes`` object, unchanged, when no key is configured (``SIGNING_PKCS12_PATH`` unset), and
        also when the configured key cannot be loaded or pyHanko cannot seal this PDF: that is logged as an error,
        and the system check (``check_signing_configuration``, at start-up) reports a broken key — a parent's
        signature and their copy never fail because of the seal.

        If the timestamp authority cannot be reached, the PDF is sealed without a timestamp (the seal then carries
        the server's own clock) and a warning is logged: a parent's copy is never held up by a third party's outage.

    Raises:
        Nothing of its own.
    """
    try:
        signer = load_signer()
    except SealingNotConfigured as error:
        logger.error("PDF left unsealed: %s", error)
        return pdf_bytes
    if signer is None:
        return pdf_bytes
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError

    timestamper = _timestamper()
    try:
        try:
            return _sign(pdf_bytes, signer=signer, timestamper=timestamper, reason=reason, location=location)
        except TimestampRequestError as error:
            if timestamper is None:
                raise
            logger.warning("Timestamp authority unavailable, PDF sealed without a timestamp: %s", error)
            return _sign(pdf_bytes, signer=signer, timestamper=None, reason=reason, location=location)
    except (PdfError, SigningError, TimestampRequestError, ValueError):
        logger.exception("PDF left unsealed: pyHanko could not seal it")
        return pdf_bytes


# Verifying -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    """What ``verify_seal`` found in a PDF; ``summary`` says it in a sentence for the verify page.

    ``sealed``: the PDF carries a digital signature. ``intact``: its bytes are exactly those signed (the
    cryptographic check passes). ``ours``: the signing certificate is this installation's (current or previous).
    ``signer``: the name on the certificate. ``signed_at``: when (aware UTC datetime) — the timestamp authority's
    time when ``timestamped``, else the time the server claimed. ``covers_whole_document``: nothing was added after
    the seal. ``timestamped``: an RFC 3161 timestamp is present and its signature checks (the authority itself is
    not judged: any authority the school configured). ``readable``: False when the file could not be parsed as a PDF.
    ``ok``: sealed by this installation, unchanged, nothing added.
    """

    sealed: bool
    intact: bool = False
    ours: bool = False
    signer: str = ""
    signed_at: datetime.datetime | None = None
    covers_whole_document: bool = False
    timestamped: bool = False
    readable: bool = True
    summary: str = ""

    @property
    def ok(self):
        """Sealed by this installation, unchanged, and nothing added since."""
        return self.sealed and self.intact and self.ours and self.covers_whole_document


def _format_utc(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _summary(check):
    if not check.readable:
        return _("This file could not be read as a PDF, so its digital seal could not be checked.")
    if not check.sealed:
        return _("This PDF carries no digital seal.")
    if not check.intact:
        return _("The digital seal is broken: the document was changed after it was sealed.")
    if not check.covers_whole_document:
        return _(
            "The digital seal is intact, but something was added to the document after it was sealed: "
            "only the part before the seal is vouched for."
        )
    if not check.ours:
        return _(
            "The document is unchanged since it was sealed, but the seal was made with a certificate this portal "
            "does not use (it names %(signer)s)."
        ) % {"signer": check.signer}
    if check.timestamped:
        return _(
            "Digitally sealed by %(signer)s at %(time)s (time from a timestamp authority) and unchanged since."
        ) % {"signer": check.signer, "time": _format_utc(check.signed_at)}
    if check.signed_at is None:
        return _("Digitally sealed by %(signer)s and unchanged since.") % {"signer": check.signer}
    return _("Digitally sealed by %(signer)s at %(time)s and unchanged since.") % {
        "signer": check.signer,
        "time": _format_utc(check.signed_at),
    }


def _with_summary(**fields):
    check = SealCheck(**fields)
    return SealCheck(**{**fields, "summary": _summary(check)})


def verify_seal(pdf_bytes):
    """Check the digital seal of a PDF: is it sealed, unchanged, by this installation, and when.

    Checks the *first* signature (the seal this portal puts on a finished document). Trust is this installation's
    own certificates (``SIGNING_PKCS12_PATH`` and ``SIGNING_PREVIOUS_CERTIFICATES``), not a CA list: the question is
    "did this portal seal exactly these bytes?" (Adobe Reader answers "is the certificate trusted by a CA?").
    Nothing is fetched over the network (no revocation or certificate downloads), so an upload cannot make the
    server call out.

    Args:
        pdf_bytes: the whole file (``bytes``), e.g. an upload on the verify page.

    Returns:
        ``SealCheck``. Never raises for a bad file: an unreadable file is ``readable=False, sealed=False``.

    Call it from synchronous code (a normal Django view, a task): pyHanko runs its validator with ``asyncio.run``.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # noqa: BLE001 — any parse failure of an uploaded file means "unreadable", never a 500
        logger.info("verify_seal: unreadable PDF (%d bytes)", len(pdf_bytes))
        return _with_summary(sealed=False, readable=False)
    if not signatures:
        return _with_summary(sealed=False)

    embedded = signatures[0]
    ours = _our_certificates()
    context = ValidationContext(trust_roots=ours, allow_fetching=False, revocation_mode="soft-fail")
    # A CA-issued document-signing certificate may carry either bit; ours carries both.
    key_usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    try:
        status = validate_pdf_signature(
            embedded, signer_validation_context=context, key_usage_settings=key_usage, skip_diff=True
        )
    except Exception:  # noqa: BLE001 — a malformed signature is a broken seal, not a server error
        logger.info("verify_seal: signature could not be validated", exc_info=True)
        return _with_summary(sealed=True, intact=False)

    signer_cert = status.signing_cert
    fingerprint = hashlib.sha256(signer_cert.dump()).digest()
    is_ours = any(hashlib.sha256(cert.dump()).digest() == fingerprint for cert in ours)
    timestamp = status.timestamp_validity
    timestamped = bool(timestamp is not None and timestamp.intact and timestamp.valid)
    signed_at = timestamp.timestamp if timestamped else status.signer_reported_dt
    return _with_summary(
        sealed=True,
        intact=bool(status.intact and status.valid),
        # The exact certificate, not a trust chain: a copy sealed in 2026 still reads as ours after the certificate
        # expires in 2031 (a chain is judged at today's date), and the CMS check above used this certificate's key.
        ours=is_ours and bool(status.intact and status.valid),
        signer=_certificate_name(signer_cert),
        signed_at=signed_at,
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        timestamped=timestamped,
    )


# System check ----------------------------------------------------------------------------------------------------


def check_signing_configuration(app_configs=None, **kwargs):
    """Django system check of the sealing key; register with ``checks.register(check_signing_configuration)``.

    - ``safeguard.E101`` (error): ``SIGNING_PKCS12_PATH`` is set but the key cannot be loaded (message says why).
    - ``safeguard.E102`` (error): the certificate has expired (Adobe Reader would show every new seal as invalid).
    - ``safeguard.W101`` (warning): production (``DEBUG`` off) with no key: signed PDFs are not sealed.
    - ``safeguard.W102`` (warning): the certificate expires within 30 days.
    - ``safeguard.W103`` (warning): production with a self-signed certificate: Adobe Reader shows "validity
      unknown" until each reader trusts it by hand (``docs/signing.md`` says how to get a CA-issued one).
    """
    messages = []
    if not sealing_configured():
        if not settings.DEBUG:
            messages.append(
                checks.Warning(
                    "No signing certificate is configured: signed agreements and consent copies are not digitally "
                    "sealed.",
                    hint="Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD (docs/signing.md); "
                    "`manage.py make_signing_certificate` makes a self-signed one to try it.",
                    id="safeguard.W101",
                )
            )
        return messages
    try:
        signer = load_signer()
    except SealingNotConfigured as error:
        return [checks.Error(str(error), hint="See docs/signing.md.", id="safeguard.E101")]

    certificate = signer.signing_cert
    not_after = certificate["tbs_certificate"]["validity"]["not_after"].native
    now = datetime.datetime.now(datetime.UTC)
    if not_after <= now:
        messages.append(
            checks.Error(
                f"The signing certificate expired on {_format_utc(not_after)}.",
                hint="Install a new certificate (docs/signing.md, 'Rotating the key').",
                id="safeguard.E102",
            )
        )
    elif not_after - now <= datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        messages.append(
            checks.Warning(
                f"The signing certificate expires on {_format_utc(not_after)}.",
                hint="Install the next certificate before then (docs/signing.md, 'Rotating the key').",
                id="safeguard.W102",
            )
        )
    if not settings.DEBUG and certificate.self_signed in ("maybe", "yes"):
        messages.append(
            checks.Warning(
                "The signing certificate is self-signed: Adobe Reader shows sealed PDFs as 'validity unknown'.",
                hint="Use a document-signing certificate from a CA on the AATL or EU trust list (docs/signing.md).",
                id="safeguard.W103",
            )
        )
    return messages
