"""What a signer was shown, in a canonical form, and its SHA-256 — the heart of "who signed exactly what"."""

import hashlib
import json


def agreement_content(agreement):
    """The exact content a signer of ``agreement`` is shown, as a JSON-serialisable dict.

    Keys: ``policy`` (title), ``version`` (number), ``agreement`` (title), ``audience``, ``introduction``,
    ``policy_text`` (the version's Markdown, or ``"document:<sha256>"`` for an uploaded document) and
    ``statements`` (list of ``{"number": int, "text": str}`` in order). Names and dates of the signer are not part
    of it: the same agreement hashes the same for every signer.
    """
    version = agreement.version
    return {
        "policy": version.policy.title,
        "version": version.number,
        "agreement": agreement.title,
        "audience": agreement.audience,
        "introduction": agreement.introduction,
        "policy_text": version.body_markdown
        or (f"document:{version.document_sha256}" if version.document_sha256 else ""),
        "statements": [{"number": s.order, "text": s.text} for s in agreement.statements.order_by("order")],
    }


def content_sha256(content):
    """SHA-256 (hex, 64 characters) of ``content`` serialised as sorted, compact UTF-8 JSON."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(data):
    """SHA-256 (hex) of ``data`` (bytes)."""
    return hashlib.sha256(data).hexdigest()
