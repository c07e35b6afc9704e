"""``manage.py make_signing_certificate "St James CE Primary School"``: a self-signed sealing certificate to try with.

Writes a PKCS#12 file (RSA 3072 key and a certificate valid for 5 years, key usage digitalSignature and
nonRepudiation, not a CA) readable only by its owner, and prints the environment lines that make the portal seal
signed PDFs with it (``safeguard/sealing.py``). Adobe Reader shows a self-signed seal as "validity unknown" until the
reader trusts the certificate by hand: a school in production uses a CA-issued document-signing certificate instead
(``docs/signing.md``).
"""

import datetime
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

KEY_SIZE_BITS = 3072
VALID_YEARS = 5


def make_self_signed_pkcs12(*, organisation, password, country=None, email=None, years=VALID_YEARS, now=None):
    """A self-signed document-sealing certificate and its key as PKCS#12 bytes.

    Args:
        organisation: the organisation's name (str), put in the subject's O and CN ("<organisation> document seal").
        password: the PKCS#12 password (str, non-empty).
        country: optional ISO 3166 two-letter code (str) for the subject's C.
        email: optional contact address (str) put in the certificate's subject alternative name.
        years: validity in whole calendar years (int), from ``now`` to the same date ``years`` later.
        now: start of validity (aware datetime), default the current time.

    Returns:
        ``bytes``: the PKCS#12 file, encrypted with ``password`` (AES-256, PBKDF2).

    Raises:
        ValueError: an empty organisation or password, or a country that is not two letters.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    organisation = (organisation or "").strip()
    if not organisation:
        raise ValueError("The organisation's name is required.")
    if not password:
        raise ValueError("A password is required.")
    now = now or datetime.datetime.now(datetime.UTC)
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} document seal"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if country:
        if len(country) != 2 or not country.isalpha():
            raise ValueError("The country must be a two-letter code such as GB, TR or US.")
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()))
    name = x509.Name(attributes)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    try:
        not_after = now.replace(year=now.year + years)
    except ValueError:  # 29 February, and the year it ends is not a leap year
        not_after = now.replace(year=now.year + years, day=28)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a verifier whose clock is a little behind
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    certificate = builder.sign(key, hashes.SHA256())
    return pkcs12.serialize_key_and_certificates(
        name=f"{organisation} document seal".encode(),
        key=key,
        cert=certificate,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )


def _default_output():
    var_dir = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))
    return var_dir / "signing" / "seal.p12"


class Command(BaseCommand):
    help = (
        "Make a self-signed certificate and key (PKCS#12) for sealing signed PDFs, for a demo or a school trying the "
        "product, and print the environment lines to use it. Production uses a CA-issued certificate "
        "(docs/signing.md)."
    )
    # Making a new key must work while the configured one is missing or broken (the check would refuse to start).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="The school's or trust's name, shown as the signer of every seal.")
        parser.add_argument(
            "--output",
            help=f"Where to write the PKCS#12 file (default: {_default_output()}).",
        )
        parser.add_argument(
            "--password", help="The file's password (default: a new random one, printed with the other lines)."
        )
        parser.add_argument("--country", help="Two-letter country code for the certificate, e.g. GB, TR, US.")
        parser.add_argument("--email", help="A contact address to put in the certificate.")
        parser.add_argument(
            "--years", type=int, default=VALID_YEARS, help=f"Validity in years (default {VALID_YEARS})."
        )
        parser.add_argument("--force", action="store_true", help="Replace the file if it already exists.")

    def handle(self, *args, **options):
        output = Path(options["output"] or _default_output()).expanduser().resolve()
        if output.exists() and not options["force"]:
            raise CommandError(
                f"{output} already exists; PDFs sealed with it would no longer verify as this portal's if it were "
                "replaced. Use --force to replace it, or --output for another file."
            )
        if not 1 <= options["years"] <= 10:
            raise CommandError("--years must be between 1 and 10.")
        password = options["password"] or secrets.token_urlsafe(24)
        try:
            data = make_self_signed_pkcs12(
                organisation=options["organisation"],
                password=password,
                country=options["country"],
                email=options["email"],
                years=options["years"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        output.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only from the first byte: the private key never sits world-readable, even briefly.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(output, 0o600)
        self.stderr.write(
            f"Wrote a self-signed sealing certificate for {options['organisation']!r} to {output} "
            f"(valid {options['years']} years). Set these environment variables and restart the portal:"
        )
        self.stdout.write(f"SIGNING_PKCS12_PATH={output}")
        self.stdout.write(f"SIGNING_PKCS12_PASSWORD={password}")
