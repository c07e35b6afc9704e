"""Read a DfE Common Transfer File (CTF, XML) into roster rows for an English school.

The layout read is the DfE CTF message structure (``docs/ctf.md`` names the sources and the versions checked):

- ``<CTfile>`` → ``<Header>`` (``<CTFversion>`` is required: CTF 17.0 up to next year's version is read) and
  ``<CTFpupilData>`` → one ``<Pupil>`` per pupil;
- in ``<Pupil>``: ``<UPN>`` (check letter verified), ``<Surname>``, ``<Forename>`` (legal names), ``<DOB>``
  (YYYY-MM-DD), ``<Sex>`` (M/F; ``<Gender>`` before CTF 24; also found in ``<BasicDetails>``; absent or empty
  keeps the stored value); in ``<Pupil><BasicDetails>``: ``<PreferredSurname>``, ``<PreferredForename>``,
  ``<NCyearActual>`` and ``<Languages><Type>`` with ``<LanguageType>FLA</LanguageType>`` and ``<Language>``
  (first language: anything but ENG/ENB is EAL; NOT/REF leave the stored value alone);
- ``<Pupil><FSMhistory><FSMinstance>`` with ``<FSMstartDate>``/``<FSMendDate>``: an FSM period in the last six
  years sets pupil premium (never clears it);
- ``<Pupil><LookedAfter><InCare>`` (xs:boolean): looked after;
- ``<Pupil><SENhistory><SEN>`` with ``<StartDate>``, ``<EndDate>`` and ``<SENprovision>`` (N no SEN, K SEN support,
  E EHC plan; S, the statement that EHC plans replaced, is still read as SEN): the current entry counts;
- ``<Pupil><Contacts><Contact>``: ``<Order>``, ``<Title>``, ``<Surname>``, ``<Forename>``, ``<Relationship>``,
  ``<Responsibility>`` (xs:boolean: parental responsibility), ``<Phones><Phone><PhoneNo>`` and ``<Email>``.

One layout that is not the DfE's is also read, because Safeguard itself wrote it until December 2026:
``<BasicDetails><InCare><InCare>``. Everything else in the file (addresses, ethnicity, attendance, assessments,
school history …) is not read. A CTF is usually a partial list (pupils joining), so pupils not in it are never
offered as leavers.
"""

import datetime
import re
import xml.etree.ElementTree as ElementTree
import xml.parsers.expat as expat

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeguard.directory.models import Pupil
from safeguard.directory.roster import CONTACT_FIELDS, MAX_CONTACTS
from safeguard.directory.validators import upn_check_letter, validate_upn

from .base import Conversion, Origin, ReportError

# CTF relationship codes → the roster's relationship words (unknown codes are read as "Other"). PAR is the code the
# DfE sources use for a parent; the others are the CBDS codes as we know them (docs/ctf.md says which are verified).
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
# xs:boolean's lexical values (the CTF schema types InCare and Responsibility as xs:boolean).
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
_ENGLISH = {"ENG", "ENB"}
_UNKNOWN_LANGUAGE = {"NOT", "REF", ""}
_SEN = {"K", "E", "S"}
_SEN_CODES = _SEN | {"N"}
# The first CTF version whose layout we checked; files older than that are refused rather than half-read.
OLDEST_VERSION = 17


def academic_year(day):
    """The English academic year ``day`` falls in, as its first calendar year (September starts a new one).

    ``datetime.date(2026, 12, 4)`` → 2026; ``datetime.date(2027, 7, 1)`` → 2026. The DfE's own CTF writers
    (Multiplication Tables Check, Get Information About Pupils) derive ``<AcademicYear>`` and ``<CTFversion>`` so.
    """
    return day.year if day.month >= 9 else day.year - 1


def ctf_version(day):
    """The CTF version in force on ``day``: the last two digits of the academic year, e.g. ``"26.0"``."""
    return f"{academic_year(day) % 100}.0"


_SEX_CODES = {"M", "F"}  # DfE CBDS sex codes


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


def _date(value):
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _Refused(Exception):
    pass


def _declares_dtd(payload):
    """Whether ``payload`` declares a DTD or an entity, whatever its encoding (expat reads the declaration).

    A CTF has neither, and a DTD is how "billion laughs" and external-entity attacks get in, so such a file is
    refused before it is parsed into a tree. A file expat cannot read is left to the parse that reports it.
    """
    parser = expat.ParserCreate()

    def refuse(*args):
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(payload, True)
    except _Refused:
        return True
    except expat.ExpatError:
        return False
    return False


def _strip_namespaces(root):
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def _version_error(version, today):
    """An error message when ``version`` (the text of ``<CTFversion>``) is not one this reader takes, else None."""
    newest = academic_year(today) % 100 + 1
    match = re.fullmatch(r"(\d{1,2})(?:\.\d+)?", version or "")
    if match is None:
        return _("“%(value)s” is not a CTF version (such as %(example)s).") % {
            "value": version or "",
            "example": ctf_version(today),
        }
    if not OLDEST_VERSION <= int(match.group(1)) <= newest:
        return _("CTF %(value)s is not read: files from CTF %(oldest)s.0 to CTF %(newest)s.0 are.") % {
            "value": version,
            "oldest": OLDEST_VERSION,
            "newest": newest,
        }
    return None


def _current_sen(element, today):
    """The ``<SEN>`` entries of ``element``'s ``<SENhistory>`` as (provision, start) and the one in force.

    The one in force is the entry without an ``<EndDate>`` (or ending today or later) with the latest
    ``<StartDate>``; entries without a start date count as oldest, in file order.
    """
    entries = []
    for position, node in enumerate(element.findall("SENhistory/SEN")):
        provision = (_text(node, "SENprovision") or "").upper()
        start = _date(_text(node, "StartDate"))
        end = _date(_text(node, "EndDate"))
        entries.append((provision, start, end, position))
    current = [entry for entry in entries if entry[2] is None or entry[2] >= today]
    current.sort(key=lambda entry: (entry[1] or datetime.date.min, entry[3]))
    return entries, (current[-1] if current else None)


def convert(*, school, payload, today, filename="CTF"):
    """Read the CTF ``payload`` (bytes) for ``school`` on ``today``. Returns a ``Conversion``; reads only.

    Errors name the pupil ("Pupil 2, UPN …") and the element. Refused whole: a DTD or entity, XML that is not
    well formed, a root that is not ``<CTfile>``, a missing or unread ``<CTFversion>``, a ``<DestSchool>`` that is
    another school (LA ``MMM`` or ``XXX``, destination unknown or outside the maintained sector, may be read by any
    school), and a file without ``<Pupil>``.
    """
    conversion = Conversion(offers_leavers=False)
    errors = conversion.errors
    if _declares_dtd(payload):
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
    version = _text(root, "Header/CTFversion")
    if version is None:
        errors.append(
            ReportError(filename, None, "Header", "CTFversion", _("The file has no <Header> with a <CTFversion>."))
        )
        return conversion
    problem = _version_error(version, today)
    if problem:
        errors.append(ReportError(filename, None, "Header", "CTFversion", problem))
        return conversion
    dest_lea = _text(root, "Header/DestSchool/LEA")
    dest_estab = _text(root, "Header/DestSchool/Estab")
    # LEA "MMM" / "XXX": destination unknown / outside the maintained sector (CTF codes); any school may read those.
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
    has_sex = False
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
            except ValidationError as invalid:
                message = " ".join(invalid.messages)
                if re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn) and upn[0] != upn_check_letter(upn[1:]):
                    message = _("The check letter of UPN %(upn)s should be %(letter)s.") % {
                        "upn": upn,
                        "letter": upn_check_letter(upn[1:]),
                    }
                error("UPN", message)
        pupil = existing.get(upn)
        for column, label in (("legal_last_name", "Surname"), ("legal_first_name", "Forename")):
            value = _text(element, label) or ""
            values[column], origins[column] = value, origin(label)
            if not value:
                error(label, _("This is required."))
            elif len(value) > 100:
                error(label, _("Longer than %(max)s characters.") % {"max": 100})
        for column, label in (
            ("preferred_last_name", "PreferredSurname"),
            ("preferred_first_name", "PreferredForename"),
        ):
            value = _text(element, f"BasicDetails/{label}")
            if value is not None:
                has_preferred = True
            elif pupil is not None:
                value = getattr(pupil, column)  # not in the file for this pupil: the stored name stays
            values[column], origins[column] = value or "", origin(label)
            if value and len(value) > 100:
                error(label, _("Longer than %(max)s characters.") % {"max": 100})
        dob = _text(element, "DOB") or ""
        origins["date_of_birth"] = origin("DOB")
        values["date_of_birth"] = dob
        if not dob:
            error("DOB", _("This is required."))
        else:
            parsed = _date(dob)
            if parsed is None:
                error("DOB", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": dob})
            elif parsed > today:
                error("DOB", _("The date of birth is in the future."))
        year = _text(element, "BasicDetails/NCyearActual")
        if not year and pupil is not None and pupil.year_group is not None:
            year = pupil.year_group.code  # no NCyearActual: the stored year group stays
        values["year_group"], origins["year_group"] = year or "", origin("NCyearActual")

        # Sex: CTF 24+ ``<Sex>`` after ``<DOB>``; ``<Gender>`` before; ``BasicDetails`` also looked in. Blank keeps.
        sex, sex_label = None, "Sex"
        for path in ("Sex", "BasicDetails/Sex", "Gender", "BasicDetails/Gender"):
            sex = _text(element, path)
            if sex:
                sex_label = path.rsplit("/", 1)[-1]
                break
        values["sex"], origins["sex"] = "", origin(sex_label)
        if sex:
            has_sex = True
            if sex.upper() in _SEX_CODES:
                values["sex"] = sex.upper()
            else:
                error(sex_label, _("“%(value)s” is not M or F.") % {"value": sex})

        # Flags, only where the file says something; otherwise the stored value is kept.
        def keep(field_name, pupil=pupil):
            return "Y" if pupil is not None and getattr(pupil, field_name) else "N"

        entries, current = _current_sen(element, today)
        for provision, *_rest in entries:
            if provision not in _SEN_CODES:
                error("SENprovision", _("“%(value)s” is not N, K or E.") % {"value": provision})
        if entries:
            flag_columns.add("sen")
            values["sen"] = "Y" if current is not None and current[0] in _SEN else "N"
            origins["sen"] = origin("SENprovision")
        else:
            values["sen"] = keep("has_sen")

        language = None
        for node in element.findall("BasicDetails/Languages/Type"):
            if (_text(node, "LanguageType") or "").upper() == "FLA":
                language = _text(node, "Language")
                break
        if language is not None and language.upper() not in _UNKNOWN_LANGUAGE:
            flag_columns.add("eal")
            values["eal"], origins["eal"] = ("N" if language.upper() in _ENGLISH else "Y"), origin("Language")
        else:
            values["eal"] = keep("is_eal")

        in_care_text = _text(element, "LookedAfter/InCare", "BasicDetails/InCare/InCare")
        in_care = _flag(in_care_text)
        if in_care == "invalid":
            error("InCare", _("“%(value)s” is not true or false.") % {"value": in_care_text})
        elif in_care is not None:
            flag_columns.add("looked_after")
            values["looked_after"], origins["looked_after"] = ("Y" if in_care else "N"), origin("InCare")
        else:
            values["looked_after"] = keep("is_looked_after")

        fsm_recent = False
        instances = element.findall("FSMhistory/FSMinstance")
        for instance in instances:
            for label in ("FSMstartDate", "FSMendDate"):
                value = _text(instance, label)
                if value and _date(value) is None:
                    error(label, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value})
            end = _date(_text(instance, "FSMendDate"))
            if _text(instance, "FSMendDate") is None or (end is not None and end >= six_years_ago):
                fsm_recent = True
        if element.find("FSMhistory") is not None:
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
            for phone_node in contact.findall("Phones/Phone"):
                phone = _text(phone_node, "PhoneNo") or ""
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
    if has_sex:
        columns.append("sex")
    columns += [name for name in ("sen", "eal", "looked_after", "pupil_premium") if name in flag_columns]
    columns += [f"contact{n}_{name}" for n in range(1, max_contacts + 1) for name in CONTACT_FIELDS]
    conversion.columns = columns
    return conversion
