"""Write a leaver's Common Transfer File (CTF XML) in the DfE CTF message structure (``docs/ctf.md`` names the
sources and the version), which ``readers.ctf`` reads back.

Only the main pupil record goes in the file: UPN, names, date of birth, year group, looked-after, SEN and the
contacts with their parental-responsibility flag. The child protection file is never put in a CTF: KCSIE has it
transferred to the new school's DSL separately from the main file (``incidents`` records that transfer).

Attaching the CP file transfer to the CTF (issue 14 item 2) — the rule: office staff (``MANAGE_ROSTER``) must never
learn from Safeguard whether a pupil has a child protection file, because ``VIEW_SAFEGUARDING`` is the DSL team's and
the headteacher's only (KCSIE; ``safeguard.permissions``), and even a yes/no "a CP file transfer is needed" tells
them that. So:

- every export is recorded (``CtfExport``: who, when, SHA-256 of the XML, the leaving date) and audited
  (``interop.ctf.exported``);
- the office sees the same neutral sentence beside the CTF download of every leaver, with or without a child
  protection file ("The DSL has been told that this pupil is leaving, …");
- the first export of a leaving e-mails the DSL team (through the outbox, ``interop.tasks.send_leaver_ctf_notice``)
  with no name and no detail: a pupil is leaving, check whether a CP file transfer is needed, sign in to view. A
  second download of the same leaving e-mails no one; a pupil who returns and leaves again is a new leaving;
- the DSL team's transfer pages (``incidents:transfers``, ``incidents:pupil_transfers``) list the CTF exports
  beside the transfers (``interop.selectors.ctf_exports``), so they can send the file and chase receipt.
"""

import hashlib
import xml.etree.ElementTree as ElementTree

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian
from safeguard.jobs.services import enqueue

from . import tasks
from .models import CtfExport
from .readers.ctf import academic_year, ctf_version

_Rel = PupilGuardian.Relationship
RELATIONSHIP_TO_CODE = {
    _Rel.MOTHER: "PAR",
    _Rel.FATHER: "PAR",
    _Rel.PARENT: "PAR",
    _Rel.STEP_PARENT: "STP",
    _Rel.GRANDPARENT: "GRP",
    _Rel.FOSTER_CARER: "FOS",
    _Rel.CARER: "CAR",
    _Rel.SOCIAL_WORKER: "SWR",
    _Rel.OTHER: "OTH",
}


def _add(parent, tag, text=None):
    element = ElementTree.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _ctf_xml(pupil, now):
    """The CTF of ``pupil`` as UTF-8 XML bytes, header dated ``now`` (an aware local datetime).

    Elements in the order of the DfE CTF message structure (``docs/ctf.md``): ``Header`` (DocumentName,
    CTFversion, DateTime, DocumentQualifier, SupplierID, SourceSchool, DestSchool), then ``CTFpupilData/Pupil``
    with UPN, Surname, Forename, DOB, Sex (M/F, only when recorded), BasicDetails, LookedAfter, SENhistory and
    Contacts. Only what Safeguard holds is written: no ``Sex`` when not recorded, no address, attendance or
    assessments.
    """
    school = pupil.school
    root = ElementTree.Element("CTfile")
    header = _add(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", ctf_version(now.date()))
    _add(header, "DateTime", now.strftime("%Y-%m-%dT%H:%M:%S"))
    # "partial": this file carries part of the common transfer information (the MIS sends the rest).
    _add(header, "DocumentQualifier", "partial")
    _add(header, "SupplierID", "Safeguard")
    source = _add(header, "SourceSchool")
    _add(source, "LEA", school.laestab[:3])
    _add(source, "Estab", school.laestab[3:])
    if school.urn:
        _add(source, "URN", school.urn)
    _add(source, "SchoolName", school.name)
    _add(source, "AcademicYear", academic_year(now.date()))
    destination = _add(header, "DestSchool")
    _add(destination, "LEA", "MMM")  # destination not known to Safeguard
    _add(destination, "Estab", "MMMM")

    element = _add(_add(root, "CTFpupilData"), "Pupil")
    if pupil.upn:
        _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.legal_last_name)
    _add(element, "Forename", pupil.legal_first_name)
    _add(element, "DOB", pupil.date_of_birth.isoformat())
    if pupil.sex:
        _add(element, "Sex", pupil.sex)  # DfE CBDS code, M or F; not recorded: left out, never guessed
    basic = _add(element, "BasicDetails")
    if pupil.preferred_last_name:
        _add(basic, "PreferredSurname", pupil.preferred_last_name)
    if pupil.preferred_first_name:
        _add(basic, "PreferredForename", pupil.preferred_first_name)
    if pupil.year_group is not None:
        _add(basic, "NCyearActual", pupil.year_group.code)
    _add(_add(element, "LookedAfter"), "InCare", "true" if pupil.is_looked_after else "false")
    # Safeguard holds SEN as yes/no: yes is written as K (SEN support); an EHC plan (E) comes from the MIS's CTF.
    _add(_add(_add(element, "SENhistory"), "SEN"), "SENprovision", "K" if pupil.has_sen else "N")
    links = pupil.guardian_links.filter(ended_on__isnull=True).select_related("guardian").order_by("contact_order")
    if links:
        contacts = _add(element, "Contacts")
    for order, link in enumerate(links, start=1):
        contact = _add(contacts, "Contact")
        _add(contact, "Order", order)
        if link.guardian.title:
            _add(contact, "Title", link.guardian.title)
        _add(contact, "Surname", link.guardian.last_name)
        _add(contact, "Forename", link.guardian.first_name)
        _add(contact, "Relationship", RELATIONSHIP_TO_CODE.get(link.relationship, "OTH"))
        _add(contact, "Responsibility", "true" if link.has_parental_responsibility else "false")
        if link.guardian.phone:
            _add(_add(_add(contact, "Phones"), "Phone"), "PhoneNo", link.guardian.phone)
        if link.guardian.email:
            _add(contact, "Email", link.guardian.email)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def ctf_export_pupil(*, actor, pupil, now=None):
    """The CTF of ``pupil``, who has left, as UTF-8 XML bytes; writes the audit event ``interop.ctf.exported``.

    Args:
        actor: the ``User`` downloading; needs ``MANAGE_ROSTER`` in the pupil's school.
        pupil: a ``Pupil`` with ``left_on`` set.
        now: aware datetime for the header's ``DateTime`` (tests fix the clock).

    The destination is unknown to Safeguard, so ``DestSchool`` carries LA ``MMM``, establishment ``MMMM`` (the
    CTF's "destination not known"); ``CTFversion`` is the version in force on ``now``'s date. Raises
    ``PermissionError`` for an actor without the capability and ``DomainError`` for a pupil still on roll.
    """
    school = pupil.school
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("This user may not export this school's pupils.")
    if pupil.left_on is None:
        raise DomainError(_("A CTF is made when a pupil leaves. Mark the pupil as left first."), code="on_roll")
    now = now or timezone.now()
    content = _ctf_xml(pupil, timezone.localtime(now))
    with transaction.atomic():
        export = CtfExport.objects.create(
            school=school,
            pupil=pupil,
            left_on=pupil.left_on,
            exported_at=now,
            exported_by=actor,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        first_of_leaving = (
            not CtfExport.objects.filter(pupil=pupil, left_on=pupil.left_on).exclude(pk=export.pk).exists()
        )
        audit_log(
            actor=actor,
            action="interop.ctf.exported",
            school=school,
            subject=pupil,
            data={"export": str(export.public_id), "sha256": export.sha256, "left_on": pupil.left_on.isoformat()},
        )
        if first_of_leaving:
            enqueue(tasks.send_leaver_ctf_notice, export.pk)
    return content
