"""What a signer was shown, in a canonical form, and its SHA-256 — the heart of "who signed exactly what"."""

import hashlib
import json


def agreement_content(agreement):
    """The exact content a signer of ``agreement`` is shown, as a JSON-serialisable dict.

    Keys: ``policy`` (title), ``version`` (number), ``agreement`` (title), ``audience``, ``introduction``,
    ``policy_text`` (the version's Markdown, or ``"document:<sha256>"`` for an uploaded document) and
    ``statements`` (list of ``{"number": int, "text": str}`` in order; a statement that also answers a photo consent
    question adds ``consent_purpose`` and ``consent_question``). Names and dates of the signer are not part of it:
    the same agreement hashes the same for every signer.
    """
    version = agreement.version
    statements = list(agreement.statements.order_by("order"))
    linked = any(s.consent_purpose_code for s in statements)
    questions = _consent_questions(version.policy.school) if linked else {}
    return {
        "policy": version.policy.title,
        "version": version.number,
        "agreement": agreement.title,
        "audience": agreement.audience,
        "introduction": agreement.introduction,
        "policy_text": version.body_markdown
        or (f"document:{version.document_sha256}" if version.document_sha256 else ""),
        "statements": [_statement(s, questions) for s in statements],
    }


def _statement(statement, questions):
    """One statement as shown. One that also answers a photo consent question (issue 13 item 10) carries the
    question's code and label, which the signing page shows with it; any other is as before, so the fingerprints of
    agreements already signed do not change."""
    content = {"number": statement.order, "text": statement.text}
    if statement.consent_purpose_code:
        content["consent_purpose"] = statement.consent_purpose_code
        content["consent_question"] = questions.get(statement.consent_purpose_code, "")
    return content


def _consent_questions(school):
    """``{purpose code: label}`` of ``school``'s published photo consent form (empty without one or a school)."""
    if school is None:
        return {}
    from consent.models import ConsentPurpose  # consent builds on this module: imported here, not at the top

    return dict(
        ConsentPurpose.objects.filter(version__form__school=school, version__status="published").values_list(
            "code", "label"
        )
    )


def content_sha256(content):
    """SHA-256 (hex, 64 characters) of ``content`` serialised as sorted, compact UTF-8 JSON."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(data):
    """SHA-256 (hex) of ``data`` (bytes)."""
    return hashlib.sha256(data).hexdigest()
