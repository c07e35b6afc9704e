"""Write a leaver's Common Transfer File (CTF XML), the element names ``readers.ctf`` reads (``docs/ctf.md``).

Only the main pupil record goes in the file: names, UPN, date of birth, year group, SEN, EAL, looked-after and the
contacts with their parental-responsibility flag. The child protection file is never put in a CTF: KCSIE has it
transferred to the new school's DSL separately from the main file (``incidents`` records that transfer).
"""

import xml.etree.ElementTree as ElementTree

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian

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


def ctf_export_pupil(*, actor, pupil, now=None):
    """The CTF of ``pupil``, who has left, as UTF-8 XML bytes; writes the audit event ``interop.ctf.exported``.

    Args:
        actor: the ``User`` downloading; needs ``MANAGE_ROSTER`` in the pupil's school.
        pupil: a ``Pupil`` with ``left_on`` set.
        now: aware datetime for the header's ``DateTime`` (tests fix the clock).

    The destination is unknown to Safeguard, so ``DestSchool`` carries LEA ``MMM`` (CTF's "not known"). Raises
    ``PermissionError`` for an actor without the capability and ``DomainError`` for a pupil still on roll.
    """
    school = pupil.school
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("This user may not export this school's pupils.")
    if pupil.left_on is None:
        raise DomainError(_("A CTF is made when a pupil leaves. Mark the pupil as left first."), code="on_roll")
    now = now or timezone.now()
    root = ElementTree.Element("CTfile")
    header = _add(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", "24.0")
    _add(header, "DateTime", timezone.localtime(now).strftime("%Y-%m-%dT%H:%M:%S"))
    _add(header, "DocumentQualifier", "partial")
    _add(header, "SupplierID", "Safeguard")
    source = _add(header, "SourceSchool")
    _add(source, "LEA", school.laestab[:3] if school.laestab else "")
    _add(source, "Estab", school.laestab[3:] if school.laestab else "")
    _add(source, "URN", school.urn)
    _add(source, "SchoolName", school.name)
    destination = _add(header, "DestSchool")
    _add(destination, "LEA", "MMM")
    _add(destination, "Estab", "MMMM")

    element = _add(_add(root, "CTFpupilData"), "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.legal_last_name)
    _add(element, "Forename", pupil.legal_first_name)
    _add(element, "DOB", pupil.date_of_birth.isoformat())
    basic = _add(element, "BasicDetails")
    if pupil.preferred_last_name:
        _add(basic, "PreferredSurname", pupil.preferred_last_name)
    if pupil.preferred_first_name:
        _add(basic, "PreferredForename", pupil.preferred_first_name)
    if pupil.year_group is not None:
        _add(basic, "NCyearActual", pupil.year_group.code)
    _add(_add(basic, "InCare"), "InCare", "true" if pupil.is_looked_after else "false")
    _add(_add(_add(element, "SENhistory"), "SEN"), "SENprovision", "K" if pupil.has_sen else "N")
    contacts = _add(element, "Contacts")
    links = pupil.guardian_links.filter(ended_on__isnull=True).select_related("guardian").order_by("contact_order")
    for order, link in enumerate(links, start=1):
        contact = _add(contacts, "Contact")
        _add(contact, "Order", order)
        if link.guardian.title:
            _add(contact, "Title", link.guardian.title)
        _add(contact, "Surname", link.guardian.last_name)
        _add(contact, "Forename", link.guardian.first_name)
        _add(contact, "Relationship", RELATIONSHIP_TO_CODE.get(link.relationship, "OTH"))
        _add(contact, "Responsibility", "true" if link.has_parental_responsibility else "false")
        if link.guardian.email:
            _add(contact, "Email", link.guardian.email)
        if link.guardian.phone:
            _add(_add(_add(contact, "Phones"), "Phone"), "PhoneNo", link.guardian.phone)
    ElementTree.indent(root)
    content = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    with transaction.atomic():
        audit_log(actor=actor, action="interop.ctf.exported", school=school, subject=pupil, data={})
    return content
