"""Digital seals on signed PDFs (issue 17 item 1): a sealed PDF opens in pyHanko's validator as intact and covering
the whole document; one changed byte breaks it; anything appended shows; no key means no seal and no failure."""

import datetime
import io
import logging
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from weasyprint import CSS, HTML

from safeguard import sealing
from safeguard.pdf import BASE_CSS

PASSWORD = "correct horse battery staple"
SCHOOL = "St James CE Primary School"

AGREEMENT_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pupil AUP</title></head><body>
<h1>Pupil acceptable use agreement</h1>
<ol><li>I will only use the internet when a teacher is present.</li><li>I will tell a teacher if I see something
that upsets me.</li><li>Şule İnce, Ğ ı ş — Turkish letters.</li></ol>
<p>Signed by Jane Parent at 2026-09-07 08:14:03 UTC.</p></body></html>"""


def _make_certificate(directory, *args):
    path = directory / "seal.p12"
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "make_signing_certificate",
        SCHOOL,
        "--output",
        str(path),
        "--password",
        PASSWORD,
        "--country",
        "GB",
        *args,
        stdout=out,
        stderr=err,
    )
    return path, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def certificate_file(tmp_path_factory):
    """A throwaway sealing certificate made by the management command (one RSA key for the whole module)."""
    path, out, _ = _make_certificate(tmp_path_factory.mktemp("signing"))
    return path, out


@pytest.fixture
def sealing_key(settings, certificate_file):
    settings.SIGNING_PKCS12_PATH = str(certificate_file[0])
    settings.SIGNING_PKCS12_PASSWORD = PASSWORD
    settings.SIGNING_TSA_URL = ""
    return sealing.load_signer()


@pytest.fixture(scope="module")
def agreement_pdf():
    """A real WeasyPrint PDF, set up as the portal's PDFs are (A4, DejaVu, page numbers)."""
    return HTML(string=AGREEMENT_HTML).write_pdf(stylesheets=[CSS(string=BASE_CSS)])


def _validate(pdf, certificate):
    """pyHanko's own verdict on the first signature, trusting only ``certificate``."""
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate]))


# The certificate ---------------------------------------------------------------------------------------------------


def test_the_command_makes_a_five_year_sealing_certificate_in_the_schools_name(certificate_file):
    path, out = certificate_file
    key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())

    assert key is not None
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == SCHOOL
    assert certificate.issuer == certificate.subject  # self-signed
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # content_commitment is nonRepudiation
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    validity = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert datetime.timedelta(days=5 * 365) <= validity <= datetime.timedelta(days=5 * 366 + 1)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # the private key is readable by its owner only
    assert f"SIGNING_PKCS12_PATH={path}" in out.splitlines()
    assert f"SIGNING_PKCS12_PASSWORD={PASSWORD}" in out.splitlines()


def test_the_command_will_not_replace_a_key_unless_told(certificate_file):
    path, _ = certificate_file
    before = path.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        _make_certificate(path.parent)
    assert path.read_bytes() == before


def test_the_command_makes_up_a_password_when_none_is_given(tmp_path):
    out = io.StringIO()
    call_command(
        "make_signing_certificate", SCHOOL, "--output", str(tmp_path / "k.p12"), stdout=out, stderr=io.StringIO()
    )
    password = dict(line.split("=", 1) for line in out.getvalue().splitlines())["SIGNING_PKCS12_PASSWORD"]
    assert len(password) >= 24
    key, _, _ = pkcs12.load_key_and_certificates((tmp_path / "k.p12").read_bytes(), password.encode())
    assert key is not None


# Sealing and verifying ---------------------------------------------------------------------------------------------


def test_a_sealed_pdf_is_intact_trusted_and_covers_the_whole_document(sealing_key, agreement_pdf):
    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement", location=SCHOOL)

    assert sealed.startswith(b"%PDF-") and sealed[: len(agreement_pdf)] == agreement_pdf  # an incremental update
    status = _validate(sealed, sealing_key.signing_cert)
    assert status.intact and status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert status.bottom_line
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature.sig_object["/Reason"] == "Signed acceptable use agreement"

    check = sealing.verify_seal(sealed)
    assert check.ok
    assert (check.sealed, check.intact, check.ours, check.covers_whole_document) == (True, True, True, True)
    assert check.signer == SCHOOL
    assert abs(check.signed_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=5)
    assert not check.timestamped
    assert check.summary.startswith(f"Digitally sealed by {SCHOOL} at ")


def test_one_changed_byte_inside_the_sealed_range_breaks_the_seal(sealing_key, agreement_pdf):
    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    offset = sealed.index(b"Signed acceptable use agreement")  # the /Reason, inside the signed byte range
    first_start, first_length, second_start, second_length = signature.sig_object["/ByteRange"]
    assert first_start <= offset < first_start + first_length or second_start <= offset < second_start + second_length
    tampered = bytearray(sealed)
    tampered[offset] = ord("Z")
    tampered = bytes(tampered)

    assert not _validate(tampered, sealing_key.signing_cert).intact
    check = sealing.verify_seal(tampered)
    assert check.sealed and not check.intact and not check.ok
    assert "broken" in check.summary


def test_an_update_appended_after_the_seal_is_detected(sealing_key, agreement_pdf):
    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/SafeguardNote"] = generic.TextStringObject("added after sealing")
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    appended = appended.getvalue()

    assert _validate(appended, sealing_key.signing_cert).coverage == SignatureCoverageLevel.ENTIRE_REVISION
    check = sealing.verify_seal(appended)
    assert check.sealed and check.intact  # the sealed part itself is untouched …
    assert not check.covers_whole_document and not check.ok  # … but it no longer vouches for the whole file
    assert "added to the document after it was sealed" in check.summary


def test_without_a_key_the_pdf_is_left_as_it_is_and_reads_as_not_sealed(settings, agreement_pdf):
    settings.SIGNING_PKCS12_PATH = None

    assert sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement") is agreement_pdf
    check = sealing.verify_seal(agreement_pdf)
    assert not check.sealed and not check.ok
    assert check.summary == "This PDF carries no digital seal."


def test_a_seal_made_with_another_certificate_is_intact_but_not_ours(settings, sealing_key, agreement_pdf, tmp_path):
    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")
    other, _, _ = _make_certificate(tmp_path)  # the portal's key is replaced (without keeping the old certificate)
    settings.SIGNING_PKCS12_PATH = str(other)

    check = sealing.verify_seal(sealed)
    assert check.intact and check.covers_whole_document and not check.ours and not check.ok
    assert "certificate this portal does not use" in check.summary


def test_a_previous_certificate_still_recognises_copies_sealed_before_a_rotation(
    settings, sealing_key, agreement_pdf, tmp_path
):
    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")
    previous = tmp_path / "previous.pem"
    previous.write_bytes(sealing_key.signing_cert.dump())  # DER is accepted as well as PEM
    other, _, _ = _make_certificate(tmp_path)
    settings.SIGNING_PKCS12_PATH = str(other)
    settings.SIGNING_PREVIOUS_CERTIFICATES = [str(previous)]

    assert sealing.verify_seal(sealed).ok


def test_a_file_that_is_not_a_pdf_is_reported_not_raised(sealing_key):
    check = sealing.verify_seal(b"this is not a PDF")
    assert not check.readable and not check.sealed
    assert "could not be read as a PDF" in check.summary


# Timestamps --------------------------------------------------------------------------------------------------------


def _dummy_timestamper(moment):
    """pyHanko's test timestamp authority, with a certificate of its own made here."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's dummy TSA is RSA-only
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Test timestamp authority")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now, moment) - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        fixed_dt=moment,
    )


def test_a_timestamp_authority_s_time_is_the_time_of_the_seal(sealing_key, agreement_pdf, monkeypatch):
    moment = datetime.datetime(2026, 9, 7, 8, 15, tzinfo=datetime.UTC)
    monkeypatch.setattr(sealing, "_timestamper", lambda: _dummy_timestamper(moment))

    sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")

    status = _validate(sealed, sealing_key.signing_cert)
    assert status.intact and status.timestamp_validity is not None and status.timestamp_validity.intact
    check = sealing.verify_seal(sealed)
    assert check.ok and check.timestamped
    assert check.signed_at == moment
    assert "2026-09-07 08:15 UTC (time from a timestamp authority)" in check.summary


def test_an_unreachable_timestamp_authority_still_seals_without_a_timestamp(
    settings, sealing_key, agreement_pdf, caplog
):
    settings.SIGNING_TSA_URL = "http://127.0.0.1:9/"  # the discard port: nothing answers

    with caplog.at_level(logging.WARNING, logger="safeguard.sealing"):
        sealed = sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement")

    check = sealing.verify_seal(sealed)
    assert check.ok and not check.timestamped
    assert "sealed without a timestamp" in caplog.text


# Broken configuration and the system check -------------------------------------------------------------------------


def test_a_wrong_password_is_a_clear_error_at_start_up_and_never_fails_a_signature(
    settings, certificate_file, agreement_pdf, caplog
):
    settings.SIGNING_PKCS12_PATH = str(certificate_file[0])
    settings.SIGNING_PKCS12_PASSWORD = "not the password"

    with pytest.raises(sealing.SealingNotConfigured, match="password is wrong"):
        sealing.load_signer()
    with caplog.at_level(logging.ERROR, logger="safeguard.sealing"):
        assert sealing.seal_pdf(agreement_pdf, reason="Signed acceptable use agreement") is agreement_pdf
    assert "PDF left unsealed" in caplog.text and "password is wrong" in caplog.text
    [error] = sealing.check_signing_configuration()
    assert error.id == "safeguard.E101" and "SIGNING_PKCS12_PASSWORD" in error.msg


def test_a_missing_key_file_is_a_clear_configuration_error(settings, tmp_path):
    settings.SIGNING_PKCS12_PATH = str(tmp_path / "nowhere.p12")

    [error] = sealing.check_signing_configuration()
    assert error.id == "safeguard.E101" and "nowhere.p12" in error.msg


def test_the_check_warns_in_production_without_a_key(settings):
    settings.SIGNING_PKCS12_PATH = None
    settings.DEBUG = False
    assert [message.id for message in sealing.check_signing_configuration()] == ["safeguard.W101"]

    settings.DEBUG = True
    assert sealing.check_signing_configuration() == []  # the demo needs no key


def test_the_check_warns_in_production_about_a_self_signed_certificate(settings, sealing_key):
    settings.DEBUG = False
    assert [message.id for message in sealing.check_signing_configuration()] == ["safeguard.W103"]

    settings.DEBUG = True
    assert sealing.check_signing_configuration() == []
