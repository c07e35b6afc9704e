"""Read a DfE Common Transfer File (CTF, XML) into roster rows for an English school.

Read per ``<Pupil>`` (under ``<CTFpupilData>``): ``<UPN>`` (13 characters; the check letter is verified),
``<Surname>`` and ``<Forename>`` (legal names), ``<PreferredSurname>``/``<PreferredForename>``, ``<DOB>``
(YYYY-MM-DD) and ``<NCyearActual>`` (year group), directly under ``<Pupil>`` or inside ``<BasicDetails>``;
``<Contacts><Contact>`` with ``<Order>``, ``<Title>``, ``<Surname>``, ``<Forename>``, ``<Relationship>``,
``<Responsibility>`` (true/false: parental responsibility), ``<Email>`` and ``<Phones><Phone><PhoneNo>``; SEN
(``<SENprovision>`` anywhere in the pupil: K, E or S is SEN, N is not); first language (``<FirstLanguage>``, or
``<Language>`` of ``<LanguageType>`` FLA: anything but ENG/ENB is EAL; NOT/REF leave it alone); ``<FSMhistory>``
(an FSM period in the last six years sets pupil premium, never clears it); ``<InCare>`` (looked after).
Everything else in the file (addresses, attendance, assessments, ``<CareAuthority>`` …) is not read.

The element names follow the DfE CTF specification as we know it; a file that names things differently is read
as far as it matches. A CTF is usually a partial list (pupils joining), so pupils not in it are never offered as
leavers. Documented for schools in ``docs/ctf.md``.
"""

import datetime
import re
import xml.etree.ElementTree as ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeguard.directory.models import Pupil
from safeguard.directory.roster import CONTACT_FIELDS, MAX_CONTACTS
from safeguard.directory.validators import upn_check_letter, validate_upn

from .base import Conversion, Origin, ReportError

# CTF relationship codes → the roster's relationship words (unknown codes are read as "Other").
RELATIONSHIP_CODES = {
    "PAR": "Parent",
    "MUM": "Mother",
    "DAD": "Father",
    "STP": "Step-parent",
    "CAR": "Carer",
    "FOS": "Foster carer",
    "GRP": "Grandparent",
    "SWR": "Social worker",
    "REL": "Other",
    "FAM": "Other",
    "OTH": "Other",
    "CHM": "Other",
    "DOC": "Other",
}
_TRUE = {"true", "1", "y", "yes"}
_FALSE = {"false", "0", "n", "no"}
_ENGLISH = {"ENG", "ENB"}
_UNKNOWN_LANGUAGE = {"NOT", "REF", ""}
_SEN = {"K", "E", "S"}


def _text(element, *paths):
    for path in paths:
        found = element.find(path)
        if found is not None and found.text is not None:
            return found.text.strip()
    return None


def _flag(value):
    if value is None:
        return None
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return "invalid"


def _strip_namespaces(root):
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def convert(*, school, payload, today, filename="CTF"):
    """Read the CTF ``payload`` (bytes) for ``school`` on ``today``. Returns a ``Conversion``; reads only."""
    conversion = Conversion(offers_leavers=False)
    errors = conversion.errors
    head = payload[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in payload.upper():
        errors.append(ReportError(filename, None, "", "", _("The file declares a DTD or entities; a CTF has none.")))
        return conversion
    try:
        root = ElementTree.fromstring(payload)  # noqa: S314 - DTDs and entities refused above
    except ElementTree.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        errors.append(
            ReportError(filename, line, "", "", _("This is not well-formed XML: %(error)s") % {"error": error})
        )
        return conversion
    _strip_namespaces(root)
    if root.tag != "CTfile":
        errors.append(ReportError(filename, None, "", "", _("This is not a Common Transfer File (no <CTfile>).")))
        return conversion
    dest_lea = _text(root, "Header/DestSchool/LEA")
    dest_estab = _text(root, "Header/DestSchool/Estab")
    # LEA "MMM" / "XXX": destination unknown / not a maintained school (CTF codes); any school may read those.
    other_school = dest_lea and dest_estab and school.laestab and f"{dest_lea}{dest_estab}" != school.laestab
    if other_school and dest_lea not in ("MMM", "XXX"):
        errors.append(
            ReportError(
                filename,
                None,
                "Header",
                "DestSchool",
                _("This file is for the school %(laestab)s, not this school (%(ours)s).")
                % {"laestab": f"{dest_lea}{dest_estab}", "ours": school.laestab},
            )
        )
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        errors.append(ReportError(filename, None, "", "CTFpupilData", _("The file has no <Pupil>.")))
        return conversion

    existing = {
        pupil.upn.upper(): pupil
        for pupil in Pupil.objects.filter(school=school).exclude(upn="").select_related("year_group")
    }
    flag_columns = set()
    max_contacts = 0
    has_preferred = False
    six_years_ago = (
        today.replace(year=today.year - 6)
        if not (today.month == 2 and today.day == 29)
        else today - datetime.timedelta(days=6 * 365)
    )
    for position, element in enumerate(pupils, start=1):
        upn = (_text(element, "UPN") or "").upper()
        record = _("Pupil %(number)s, UPN %(upn)s") % {"number": position, "upn": upn or "—"}

        def origin(field, record=record):
            return Origin(filename, None, record, field)

        def error(field, message, record=record):
            errors.append(ReportError(filename, None, record, field, message))

        values, origins = {"upn": upn}, {"": origin("UPN"), "upn": origin("UPN")}
        if not upn:
            error("UPN", _("Every pupil needs a UPN."))
        else:
            try:
                validate_upn(upn)
            except ValidationError as problem:
                message = " ".join(problem.messages)
                if re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn) and upn[0] != upn_check_letter(upn[1:]):
                    message = _("The check letter of UPN %(upn)s should be %(letter)s.") % {
                        "upn": upn,
                        "letter": upn_check_letter(upn[1:]),
                    }
                error("UPN", message)
        pupil = existing.get(upn)
        for column, paths, label in (
            ("legal_last_name", ("Surname", "BasicDetails/Surname", "BasicDetails/LegalSurname"), "Surname"),
            ("legal_first_name", ("Forename", "BasicDetails/Forename", "BasicDetails/LegalForename"), "Forename"),
        ):
            value = _text(element, *paths) or ""
            values[column], origins[column] = value, origin(label)
            if not value:
                error(label, _("This is required."))
            elif len(value) > 100:
                error(label, _("Longer than %(max)s characters.") % {"max": 100})
        for column, label in (
            ("preferred_last_name", "PreferredSurname"),
            ("preferred_first_name", "PreferredForename"),
        ):
            value = _text(element, label, f"BasicDetails/{label}")
            if value is not None:
                has_preferred = True
            elif pupil is not None:
                value = getattr(pupil, column)  # not in the file for this pupil: the stored name stays
            values[column], origins[column] = value or "", origin(label)
            if value and len(value) > 100:
                error(label, _("Longer than %(max)s characters.") % {"max": 100})
        dob = _text(element, "DOB", "BasicDetails/DOB") or ""
        origins["date_of_birth"] = origin("DOB")
        values["date_of_birth"] = dob
        if not dob:
            error("DOB", _("This is required."))
        else:
            try:
                parsed = datetime.date.fromisoformat(dob) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", dob) else None
            except ValueError:
                parsed = None
            if parsed is None:
                error("DOB", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": dob})
            elif parsed > today:
                error("DOB", _("The date of birth is in the future."))
        year = _text(element, "NCyearActual", "BasicDetails/NCyearActual")
        if not year and pupil is not None and pupil.year_group is not None:
            year = pupil.year_group.code  # no NCyearActual: the stored year group stays
        values["year_group"], origins["year_group"] = year or "", origin("NCyearActual")

        # Flags, only where the file says something; otherwise the stored value is kept.
        def keep(field_name, pupil=pupil):
            return "Y" if pupil is not None and getattr(pupil, field_name) else "N"

        provisions = [
            node.text.strip().upper() for node in element.iter("SENprovision") if node.text and node.text.strip()
        ]
        if provisions:
            flag_columns.add("sen")
            values["sen"], origins["sen"] = ("Y" if provisions[-1] in _SEN else "N"), origin("SENprovision")
            if provisions[-1] not in _SEN | {"N"}:
                error("SENprovision", _("“%(value)s” is not N, K, E or S.") % {"value": provisions[-1]})
        else:
            values["sen"] = keep("has_sen")
        language = _text(element, "FirstLanguage", "BasicDetails/FirstLanguage")
        if language is None:
            for node in element.iter("Type"):
                if (_text(node, "LanguageType") or "").upper() == "FLA":
                    language = _text(node, "Language")
                    break
        if language is not None and language.upper() not in _UNKNOWN_LANGUAGE:
            flag_columns.add("eal")
            values["eal"], origins["eal"] = ("N" if language.upper() in _ENGLISH else "Y"), origin("FirstLanguage")
        else:
            values["eal"] = keep("is_eal")
        in_care_node = None
        for node in element.iter("InCare"):
            in_care_node = node
        in_care = None
        if in_care_node is not None:
            in_care = _flag(_text(in_care_node, "InCare") if len(in_care_node) else (in_care_node.text or ""))
        if in_care == "invalid":
            error("InCare", _("“%(value)s” is not true or false.") % {"value": (in_care_node.text or "").strip()})
        elif in_care is not None:
            flag_columns.add("looked_after")
            values["looked_after"], origins["looked_after"] = ("Y" if in_care else "N"), origin("InCare")
        else:
            values["looked_after"] = keep("is_looked_after")
        fsm_recent = False
        for instance in element.iter("FSMinstance"):
            end = _text(instance, "FSMendDate")
            try:
                if not end or datetime.date.fromisoformat(end) >= six_years_ago:
                    fsm_recent = True
            except ValueError:
                error("FSMendDate", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": end})
        if element.find(".//FSMhistory") is not None:
            flag_columns.add("pupil_premium")
        values["pupil_premium"] = "Y" if fsm_recent or keep("is_pupil_premium") == "Y" else "N"
        origins["pupil_premium"] = origin("FSMhistory")

        contacts = element.findall("Contacts/Contact")
        contacts.sort(
            key=lambda node: int(_text(node, "Order") or 99) if (_text(node, "Order") or "99").isdigit() else 99
        )
        if len(contacts) > MAX_CONTACTS:
            error("Contacts", _("More than %(max)s contacts.") % {"max": MAX_CONTACTS})
            contacts = contacts[:MAX_CONTACTS]
        for slot, contact in enumerate(contacts, start=1):
            contact_record = _("%(pupil)s, contact %(number)s") % {"pupil": record, "number": slot}
            prefix = f"contact{slot}"
            code = (_text(contact, "Relationship") or "").strip()
            relationship = RELATIONSHIP_CODES.get(code.upper(), code if len(code) > 3 else "Other")
            responsibility = _flag(_text(contact, "Responsibility"))
            if responsibility == "invalid":
                errors.append(
                    ReportError(
                        filename,
                        None,
                        contact_record,
                        "Responsibility",
                        _("“%(value)s” is not true or false.") % {"value": _text(contact, "Responsibility")},
                    )
                )
            order = _text(contact, "Order") or str(slot)
            if not (order.isdigit() and 1 <= int(order) <= 99):
                errors.append(
                    ReportError(
                        filename,
                        None,
                        contact_record,
                        "Order",
                        _("“%(value)s” is not a whole number from 1 to 99.") % {"value": order},
                    )
                )
                order = str(slot)
            phone = ""
            for phone_node in contact.iter("Phone"):
                phone = _text(phone_node, "PhoneNo", "TelephoneNumber") or ""
                if phone:
                    break
            values.update(
                {
                    f"{prefix}_first_name": _text(contact, "Forename") or "",
                    f"{prefix}_last_name": _text(contact, "Surname") or "",
                    f"{prefix}_relationship": relationship,
                    f"{prefix}_parental_responsibility": "Y" if responsibility is True else "N",
                    f"{prefix}_email": _text(contact, "Email") or "",
                    f"{prefix}_phone": phone,
                    f"{prefix}_priority": order,
                }
            )
            for column, label in (
                ("first_name", "Forename"),
                ("last_name", "Surname"),
                ("relationship", "Relationship"),
                ("parental_responsibility", "Responsibility"),
                ("email", "Email"),
                ("phone", "PhoneNo"),
                ("priority", "Order"),
            ):
                origins[f"{prefix}_{column}"] = Origin(filename, None, contact_record, label)
        max_contacts = max(max_contacts, len(contacts))
        conversion.add_row(values, origins)

    columns = ["upn", "legal_first_name", "legal_last_name"]
    if has_preferred:
        columns += ["preferred_first_name", "preferred_last_name"]
    columns += ["date_of_birth", "year_group"]
    columns += [name for name in ("sen", "eal", "looked_after", "pupil_premium") if name in flag_columns]
    columns += [f"contact{n}_{name}" for n in range(1, max_contacts + 1) for name in CONTACT_FIELDS]
    conversion.columns = columns
    return conversion
