"""Roster import: read a CSV of pupils and contacts exported from the school's MIS, show what it would change, apply it.

Two services, both checking the actor with ``permissions.can(actor, MANAGE_ROSTER, school)``:

* ``roster_import_preview`` reads the upload, checks every row against the school's data, stores the file as a
  ``RosterImport`` and returns it with a ``RosterPlan``: every row's errors, or the changes the file would make.
  No pupil, parent or link is written.
* ``roster_import_apply`` checks the stored file again (never trusting the preview) and writes every change in one
  transaction: all or nothing. Re-applying an unchanged file changes nothing — fields are compared before saving
  and only changed fields are saved, so no history rows appear either.

The file format and the matching rules are documented for schools in ``docs/roster-import.md``; ``COLUMN_DOCS``
feeds the upload page. Rules in brief: one row per pupil; a pupil is matched by UPN, then MIS id, within the
school; a parent or carer by e-mail (case-insensitive), else by first name, last name and phone; a column missing
from the file leaves that field alone; a blank UPN, MIS id, e-mail, phone or sex never clears a stored one.
"""

import csv
import datetime
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import AcademicYear, Guardian, Pupil, PupilGuardian, RosterImport, SchoolClass, YearGroup
from .validators import upn_check_letter, validate_upn

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CONTACTS = 9  # contact1_ … contact9_

# Pupil columns → model field. Identifiers, names, dates, year group and class are handled one by one below.
PUPIL_COLUMNS = (
    "upn",
    "mis_id",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "year_group",
    "class",
    "on_roll_from",
    "looked_after",
    "previously_looked_after",
    "sen",
    "eal",
    "pupil_premium",
    "sex",
)
FLAG_COLUMNS = {
    "looked_after": "is_looked_after",
    "previously_looked_after": "is_previously_looked_after",
    "sen": "has_sen",
    "eal": "is_eal",
    "pupil_premium": "is_pupil_premium",
}
NAME_COLUMNS = ("legal_first_name", "legal_last_name", "preferred_first_name", "preferred_last_name")
REQUIRED_COLUMNS = ("legal_first_name", "legal_last_name", "date_of_birth")
CONTACT_FIELDS = ("first_name", "last_name", "relationship", "parental_responsibility", "email", "phone", "priority")
REQUIRED_CONTACT_FIELDS = ("first_name", "last_name", "relationship")

_CONTACT_COLUMN = re.compile(r"^contact(\d+)_(.+)$")
# Dates: YYYY-MM-DD anywhere; otherwise DD/MM/YYYY or DD.MM.YYYY, or MM/DD/YYYY in a US school (``_parse_date``).
_YES = {"y", "yes", "true", "1", "evet"}
_NO = {"n", "no", "false", "0", "hayir"}
# The ``sex`` column, folded (see ``_fold``) → DfE CBDS code. English and Turkish (erkek; kız, kadın).
SEX_SPELLINGS = {
    **{word: Pupil.Sex.MALE for word in ("m", "male", "erkek")},
    **{word: Pupil.Sex.FEMALE for word in ("f", "female", "kiz", "kadin")},
}

_Rel = PupilGuardian.Relationship
# Folded spellings (see ``_fold``) → relationship. English as MIS exports spell them, and Turkish (anne, baba, veli…).
RELATIONSHIP_SPELLINGS = {
    **{word: _Rel.MOTHER for word in ("mother", "mum", "mom", "mam", "birth mother", "anne")},
    **{word: _Rel.FATHER for word in ("father", "dad", "birth father", "baba")},
    **{word: _Rel.PARENT for word in ("parent", "veli", "ebeveyn")},
    **{
        word: _Rel.STEP_PARENT
        for word in (
            "step parent",
            "stepparent",
            "step mother",
            "stepmother",
            "step father",
            "stepfather",
            "uvey anne",
            "üvey anne",
            "uvey baba",
            "üvey baba",
            "üvey ebeveyn",
        )
    },
    **{
        word: _Rel.GRANDPARENT
        for word in (
            "grandparent",
            "grandmother",
            "grandfather",
            "grandma",
            "grandad",
            "granddad",
            "grandpa",
            "nan",
            "nana",
            "büyükanne",
            "büyükbaba",
            "anneanne",
            "babaanne",
            "dede",
        )
    },
    **{
        word: _Rel.FOSTER_CARER
        for word in ("foster carer", "foster parent", "foster mother", "foster father", "koruyucu aile")
    },
    **{
        word: _Rel.CARER
        for word in ("carer", "guardian", "legal guardian", "special guardian", "vasi", "bakım veren", "bakim veren")
    },
    **{word: _Rel.SOCIAL_WORKER for word in ("social worker", "sosyal hizmet uzmani", "sosyal çalişmaci")},
    **{
        word: _Rel.OTHER
        for word in (
            "other",
            "other relative",
            "other contact",
            "other relative or contact",
            "relative",
            "aunt",
            "uncle",
            "sibling",
            "brother",
            "sister",
            "family friend",
            "childminder",
            "diğer",
            "akraba",
            "teyze",
            "hala",
            "dayi",
            "amca",
        )
    },
}

EXAMPLE_UPN = upn_check_letter("999200126001") + "999200126001"  # fictional LA 999, establishment 2001

# The upload page's column list: (column, required, format, example). Strings are marked for translation.
COLUMN_DOCS = [
    ("upn", gettext_lazy("UPN or MIS id"), gettext_lazy("13 characters, check letter first"), EXAMPLE_UPN),
    ("mis_id", gettext_lazy("UPN or MIS id"), gettext_lazy("Your MIS's own pupil id"), "100234"),
    ("legal_first_name", gettext_lazy("Yes"), gettext_lazy("Text"), "Amelia"),
    ("legal_last_name", gettext_lazy("Yes"), gettext_lazy("Text"), "Hartwell"),
    ("preferred_first_name", gettext_lazy("No"), gettext_lazy("Text"), "Millie"),
    ("preferred_last_name", gettext_lazy("No"), gettext_lazy("Text"), ""),
    ("date_of_birth", gettext_lazy("Yes"), gettext_lazy("YYYY-MM-DD or DD/MM/YYYY"), "2019-03-14"),
    (
        "year_group",
        gettext_lazy("No"),
        gettext_lazy("Code or name of one of your year groups, e.g. R, 1, Y1, Year 1"),
        "Y1",
    ),
    (
        "class",
        gettext_lazy("No"),
        gettext_lazy("Class name this academic year; a new name creates the class"),
        "1 Oak",
    ),
    ("on_roll_from", gettext_lazy("No"), gettext_lazy("YYYY-MM-DD or DD/MM/YYYY"), "2024-09-04"),
    ("looked_after", gettext_lazy("No"), gettext_lazy("Y or N (blank means N)"), "N"),
    ("previously_looked_after", gettext_lazy("No"), gettext_lazy("Y or N (blank means N)"), "N"),
    ("sen", gettext_lazy("No"), gettext_lazy("Y or N (blank means N)"), "N"),
    ("eal", gettext_lazy("No"), gettext_lazy("Y or N (blank means N)"), "Y"),
    ("pupil_premium", gettext_lazy("No"), gettext_lazy("Y or N (blank means N)"), "N"),
    ("sex", gettext_lazy("No"), gettext_lazy("M or F (blank keeps what is recorded)"), "F"),
    ("contact1_first_name", gettext_lazy("For each contact given"), gettext_lazy("Text"), "Sarah"),
    ("contact1_last_name", gettext_lazy("For each contact given"), gettext_lazy("Text"), "Hartwell"),
    (
        "contact1_relationship",
        gettext_lazy("For each contact given"),
        gettext_lazy("Mother, Father, Parent, Step-parent, Grandparent, Foster carer, Carer, Social worker, Other"),
        "Mother",
    ),
    (
        "contact1_parental_responsibility",
        gettext_lazy("No"),
        gettext_lazy("Y or N (blank means N)"),
        "Y",
    ),
    ("contact1_email", gettext_lazy("No"), gettext_lazy("E-mail address"), "sarah.hartwell@example.com"),
    ("contact1_phone", gettext_lazy("No"), gettext_lazy("Phone number"), "07700 900123"),
    ("contact1_priority", gettext_lazy("No"), gettext_lazy("1 = contact first (blank: the contact's number)"), "1"),
]

TEMPLATE_HEADER = list(PUPIL_COLUMNS) + [f"contact{n}_{name}" for n in (1, 2) for name in CONTACT_FIELDS]
TEMPLATE_EXAMPLE_ROW = [
    EXAMPLE_UPN,
    "100234",
    "Amelia",
    "Hartwell",
    "Millie",
    "",
    "2019-03-14",
    "Y1",
    "1 Oak",
    "2024-09-04",
    "N",
    "N",
    "N",
    "Y",
    "N",
    "F",
    "Sarah",
    "Hartwell",
    "Mother",
    "Y",
    "sarah.hartwell@example.com",
    "07700 900123",
    "1",
    "Daniel",
    "Hartwell",
    "Father",
    "Y",
    "",
    "07700 900456",
    "2",
]


# Results --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file: ``row`` is the spreadsheet row (headings are row 1), None for the whole file."""

    row: int | None
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Change:
    """A record the import would create or change; ``fields`` names the changed model fields."""

    obj: object
    fields: list = field(default_factory=list)
    row: int | None = None

    @property
    def field_labels(self):
        return [str(self.obj._meta.get_field(name).verbose_name) for name in self.fields]


@dataclass
class RosterPlan:
    """What a roster file would do to a school, or why it cannot be imported.

    ``errors`` lists every problem (``RowError``); when it is not empty, every change list is empty. Otherwise
    the lists hold ``Change`` objects over model instances (unsaved for creations) that ``roster_import_apply``
    saves, and ``pupils_absent`` the pupils on roll who are not in the file (marked left only on confirmation).
    """

    row_count: int = 0
    errors: list = field(default_factory=list)
    classes_created: list = field(default_factory=list)
    pupils_created: list = field(default_factory=list)
    pupils_updated: list = field(default_factory=list)
    pupils_returning: list = field(default_factory=list)
    pupils_unchanged: int = 0
    pupils_absent: list = field(default_factory=list)
    guardians_created: list = field(default_factory=list)
    guardians_updated: list = field(default_factory=list)
    guardians_unchanged: int = 0
    links_created: list = field(default_factory=list)
    links_updated: list = field(default_factory=list)
    links_ended: list = field(default_factory=list)
    links_unchanged: int = 0

    @property
    def is_valid(self):
        return not self.errors

    @property
    def has_changes(self):
        return any(
            (
                self.classes_created,
                self.pupils_created,
                self.pupils_updated,
                self.pupils_returning,
                self.guardians_created,
                self.guardians_updated,
                self.links_created,
                self.links_updated,
                self.links_ended,
            )
        )

    def counts(self):
        """The figures shown in the preview, the success message and the audit event (no names)."""
        return {
            "rows": self.row_count,
            "errors": len(self.errors),
            "classes_created": len(self.classes_created),
            "pupils_created": len(self.pupils_created),
            "pupils_updated": len(self.pupils_updated),
            "pupils_returning": len(self.pupils_returning),
            "pupils_unchanged": self.pupils_unchanged,
            "pupils_absent": len(self.pupils_absent),
            "guardians_created": len(self.guardians_created),
            "guardians_updated": len(self.guardians_updated),
            "guardians_unchanged": self.guardians_unchanged,
            "links_created": len(self.links_created),
            "links_updated": len(self.links_updated),
            "links_ended": len(self.links_ended),
            "links_unchanged": self.links_unchanged,
        }


# Reading the file ------------------------------------------------------------------------------------------------


def decode_upload(raw):
    """The text of an uploaded CSV (``raw``: bytes). UTF-8 (with or without BOM) first, then Excel's cp1252.

    Raises ``DomainError`` for an empty file, an Excel workbook or a file that is not text.
    """
    if not raw.strip():
        raise DomainError(_("The file is empty."), code="empty")
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DomainError(
            _("This is an Excel workbook, not a CSV file. In Excel choose Save As → CSV, then upload that file."),
            code="workbook",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise DomainError(
                _("The file's characters could not be read. Save it as “CSV UTF-8” and upload it again."),
                code="encoding",
            )
    if "\x00" in text:
        raise DomainError(_("This does not look like a CSV file. Save it as CSV and upload it again."), code="binary")
    return text.lstrip("\ufeff")


def _fold(value):
    """Lower-case for comparing words, Turkish-aware (İ/ı → i), with -, _ and / read as spaces."""
    value = value.casefold().replace("i\u0307", "i").replace("ı", "i")
    return " ".join(re.sub(r"[-_/]", " ", value).split())


def _normalise_header(name):
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").casefold())


def _normalise_phone(value):
    return re.sub(r"[^\d+]", "", value)


_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})$")


def _parse_date(value, *, month_first=False):
    """Read a date cell in the school's order (docs/roster-import.md, "Dates"). Returns ``(date, problem)``:
    ``problem`` is None, ``"not_a_date"``, or ``"other_order"`` for a value that is a date only read the other way
    round (13/04/2019 in a US school's file), which is never read that way. ``month_first``: the school writes
    MM/DD/YYYY (the United States) rather than DD/MM/YYYY. ISO dates (YYYY-MM-DD) are read everywhere."""
    numeric = _NUMERIC_DATE.match(value)
    if numeric is None:
        try:
            parsed = datetime.datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            return None, "not_a_date"
        return (parsed, None) if parsed.year >= 1900 else (None, "not_a_date")
    first, second, year = int(numeric.group(1)), int(numeric.group(3)), int(numeric.group(4))
    month, day = (first, second) if month_first else (second, first)
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        try:
            datetime.date(year, day, month)
        except ValueError:
            return None, "not_a_date"
        return None, "other_order"
    return (parsed, None) if parsed.year >= 1900 else (None, "not_a_date")


def _is_ambiguous_date(value):
    """Whether ``value`` (a date cell) reads as two different dates, day first or month first (03/04/2019)."""
    numeric = _NUMERIC_DATE.match(value)
    return (
        bool(numeric)
        and numeric.group(1) != numeric.group(3)
        and max(int(numeric.group(1)), int(numeric.group(3))) <= 12
    )


def _parse_flag(value):
    """True/False for a yes/no cell (blank is no), None when the value is not recognised."""
    folded = _fold(value)
    if folded == "" or folded in _NO:
        return False
    if folded in _YES:
        return True
    return None


def _year_group_aliases(value):
    """Other ways of writing a year group: "Y1", "Yr 1", "Year 1" and "1. Sınıf" all mean "1"; "Rec" means "R"."""
    folded = _fold(value)
    aliases = set()
    match = re.fullmatch(r"(?:year|yr|y)?\s*(\d{1,2})", folded) or re.fullmatch(r"(\d{1,2})\.?\s*sinif", folded)
    if match:
        aliases.add(str(int(match.group(1))))
    if folded in {"r", "rec", "reception"}:
        aliases.add("r")
    return aliases


class _YearGroups:
    def __init__(self, school, extra=()):
        # ``extra``: unsaved year groups an importer will create first (OneRoster grades new to the school).
        self.all = list(YearGroup.objects.filter(school=school).order_by("order", "name")) + list(extra)
        self.exact = {}
        aliases = defaultdict(dict)  # keyed by id(): unsaved year groups (``extra``) are not hashable
        for year_group in self.all:
            for text in (year_group.code, year_group.name):
                self.exact.setdefault(_fold(text), year_group)
                for alias in _year_group_aliases(text):
                    aliases[alias][id(year_group)] = year_group
        self.aliases = {alias: next(iter(groups.values())) for alias, groups in aliases.items() if len(groups) == 1}

    def find(self, value):
        found = self.exact.get(_fold(value))
        if found is None:
            for alias in _year_group_aliases(value):
                found = self.aliases.get(alias)
                if found is not None:
                    break
        return found


@dataclass
class _ContactRow:
    slot: int
    first_name: str
    last_name: str
    relationship: str
    parental_responsibility: bool | None  # None: the file has no parental_responsibility column for this slot
    email: str
    phone: str
    priority: int

    @property
    def prefix(self):
        return f"contact{self.slot}"


@dataclass
class _PupilRow:
    row: int
    upn: str
    mis_id: str
    values: dict  # model field → value, only for columns in the file (never upn/mis_id)
    year_group_given: bool
    year_group: YearGroup | None
    class_name: str | None  # None: no class column; "": blank
    contacts: list


@dataclass
class _Header:
    index: dict  # column → cell index
    contact_slots: list  # contact numbers present, sorted
    ignored: list  # indexes of cells with a blank heading


def _read_header(cells, errors):
    index, unknown, duplicates, ignored = {}, [], [], []
    slots = defaultdict(set)
    for position, raw in enumerate(cells):
        name = _normalise_header(raw)
        if not name:
            ignored.append(position)
            continue
        if name in index:
            duplicates.append(name)
            continue
        match = _CONTACT_COLUMN.match(name)
        if name in PUPIL_COLUMNS:
            index[name] = position
        elif match and match.group(2) in CONTACT_FIELDS and 1 <= int(match.group(1)) <= MAX_CONTACTS:
            slot = int(match.group(1))
            name = f"contact{slot}_{match.group(2)}"  # "contact01_email" reads as contact 1
            if name in index:
                duplicates.append(name)
                continue
            index[name] = position
            slots[slot].add(match.group(2))
        else:
            unknown.append(raw.strip())
    if unknown:
        errors.append(
            RowError(
                None,
                ", ".join(unknown),
                _(
                    "Unknown columns: %(columns)s. Check the headings against the column list (contacts are "
                    "numbered contact1_ to contact%(max)s_)."
                )
                % {"columns": ", ".join(unknown), "max": MAX_CONTACTS},
            )
        )
    if duplicates:
        errors.append(
            RowError(
                None,
                ", ".join(duplicates),
                _("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(duplicates)},
            )
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in index]
    if missing:
        errors.append(
            RowError(
                None,
                ", ".join(missing),
                _("These required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            )
        )
    if "upn" not in index and "mis_id" not in index:
        errors.append(RowError(None, "upn, mis_id", _("The file needs a upn column, a mis_id column or both.")))
    for slot, present in sorted(slots.items()):
        missing = [f"contact{slot}_{name}" for name in REQUIRED_CONTACT_FIELDS if name not in present]
        if missing:
            errors.append(
                RowError(
                    None,
                    ", ".join(missing),
                    _("Contact %(number)s columns need these columns too: %(columns)s.")
                    % {"number": slot, "columns": ", ".join(missing)},
                )
            )
    return _Header(index=index, contact_slots=sorted(slots), ignored=ignored)


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def _read_contact(slot, get, row_number, errors):
    prefix = f"contact{slot}"
    cells = {name: get(f"{prefix}_{name}") for name in CONTACT_FIELDS}
    if not any(cells.values()):
        return None
    contact = _ContactRow(
        slot=slot,
        first_name=cells["first_name"] or "",
        last_name=cells["last_name"] or "",
        relationship="",
        parental_responsibility=None,
        email=cells["email"] or "",
        phone=cells["phone"] or "",
        priority=slot,
    )
    for name in ("first_name", "last_name"):
        value = getattr(contact, name)
        if not value:
            errors.append(RowError(row_number, f"{prefix}_{name}", _("Give the contact's first and last names.")))
        elif len(value) > _max_length(Guardian, name):
            errors.append(
                RowError(
                    row_number,
                    f"{prefix}_{name}",
                    _("Longer than %(max)s characters.") % {"max": _max_length(Guardian, name)},
                )
            )
    relationship = RELATIONSHIP_SPELLINGS.get(_fold(cells["relationship"] or ""))
    if relationship is None:
        errors.append(
            RowError(
                row_number,
                f"{prefix}_relationship",
                _(
                    "“%(value)s” is not a relationship we know. Use Mother, Father, Parent, Step-parent, "
                    "Grandparent, Foster carer, Carer, Social worker or Other."
                )
                % {"value": cells["relationship"] or ""},
            )
        )
    else:
        contact.relationship = relationship
    if cells["parental_responsibility"] is not None:
        contact.parental_responsibility = _parse_flag(cells["parental_responsibility"])
        if contact.parental_responsibility is None:
            errors.append(
                RowError(
                    row_number,
                    f"{prefix}_parental_responsibility",
                    _("“%(value)s” is not Y or N.") % {"value": cells["parental_responsibility"]},
                )
            )
    if contact.email:
        try:
            if len(contact.email) > _max_length(Guardian, "email"):
                raise ValidationError("too long")
            validate_email(contact.email)
        except ValidationError:
            errors.append(
                RowError(
                    row_number,
                    f"{prefix}_email",
                    _("“%(value)s” is not an e-mail address.") % {"value": contact.email},
                )
            )
    if len(contact.phone) > _max_length(Guardian, "phone"):
        errors.append(
            RowError(
                row_number,
                f"{prefix}_phone",
                _("Longer than %(max)s characters.") % {"max": _max_length(Guardian, "phone")},
            )
        )
    if cells["priority"]:
        if cells["priority"].isdigit() and 1 <= int(cells["priority"]) <= 99:
            contact.priority = int(cells["priority"])
        else:
            errors.append(
                RowError(
                    row_number,
                    f"{prefix}_priority",
                    _("“%(value)s” is not a whole number from 1 to 99.") % {"value": cells["priority"]},
                )
            )
    return contact


def _read_row(cells, row_number, header, year_groups, today, errors, *, month_first=False, dates=None):
    def get(column):
        position = header.index.get(column)
        if position is None:
            return None
        return cells[position].strip() if position < len(cells) else ""

    if len(cells) > len(header.index) + len(header.ignored) and any(
        cell.strip() for cell in cells[len(header.index) + len(header.ignored) :]
    ):
        errors.append(RowError(row_number, "", _("This row has more cells than the file has column headings.")))
    if any(position < len(cells) and cells[position].strip() for position in header.ignored):
        errors.append(RowError(row_number, "", _("This row has a value in a column without a heading.")))

    upn = (get("upn") or "").upper()
    mis_id = get("mis_id") or ""
    if not upn and not mis_id:
        errors.append(RowError(row_number, "upn", _("Give the pupil's UPN or MIS id.")))
    if upn:
        try:
            validate_upn(upn)
        except ValidationError as error:
            errors.append(RowError(row_number, "upn", " ".join(error.messages)))
    if len(mis_id) > _max_length(Pupil, "mis_id"):
        errors.append(
            RowError(row_number, "mis_id", _("Longer than %(max)s characters.") % {"max": _max_length(Pupil, "mis_id")})
        )

    values = {}
    for column in NAME_COLUMNS:
        value = get(column)
        if value is None:
            continue
        if not value and column in REQUIRED_COLUMNS:
            errors.append(RowError(row_number, column, _("This is required.")))
        elif len(value) > _max_length(Pupil, column):
            errors.append(
                RowError(row_number, column, _("Longer than %(max)s characters.") % {"max": _max_length(Pupil, column)})
            )
        values[column] = value

    for column, field_name in (("date_of_birth", "date_of_birth"), ("on_roll_from", "on_roll_from")):
        value = get(column)
        if value is None:
            continue
        if not value:
            if column in REQUIRED_COLUMNS:
                errors.append(RowError(row_number, column, _("This is required.")))
            else:
                values[field_name] = None
            continue
        parsed, problem = _parse_date(value, month_first=month_first)
        if dates is not None:
            dates.append((row_number, column, value, problem))
        if problem == "other_order":
            errors.append(
                RowError(
                    row_number,
                    column,
                    (
                        _("“%(value)s” is not a date month first (MM/DD/YYYY), the order of this school's dates.")
                        if month_first
                        else _("“%(value)s” is not a date day first (DD/MM/YYYY), the order of this school's dates.")
                    )
                    % {"value": value},
                )
            )
        elif parsed is None:
            errors.append(
                RowError(
                    row_number,
                    column,
                    (
                        _("“%(value)s” is not a date: use YYYY-MM-DD or MM/DD/YYYY.")
                        if month_first
                        else _("“%(value)s” is not a date: use YYYY-MM-DD or DD/MM/YYYY.")
                    )
                    % {"value": value},
                )
            )
        elif column == "date_of_birth" and parsed > today:
            errors.append(RowError(row_number, column, _("The date of birth is in the future.")))
        else:
            values[field_name] = parsed

    for column, field_name in FLAG_COLUMNS.items():
        value = get(column)
        if value is None:
            continue
        flag = _parse_flag(value)
        if flag is None:
            errors.append(RowError(row_number, column, _("“%(value)s” is not Y or N.") % {"value": value}))
        else:
            values[field_name] = flag

    sex_value = get("sex")
    if sex_value:
        sex = SEX_SPELLINGS.get(_fold(sex_value))
        if sex is None:
            errors.append(RowError(row_number, "sex", _("“%(value)s” is not M or F.") % {"value": sex_value}))
        else:
            values["sex"] = sex

    year_group_value = get("year_group")
    year_group = None
    if year_group_value:
        year_group = year_groups.find(year_group_value)
        if year_group is None:
            known = ", ".join(group.code for group in year_groups.all)
            if known:
                message = _("There is no year group “%(value)s” at this school. Year groups: %(known)s.") % {
                    "value": year_group_value,
                    "known": known,
                }
            else:
                message = _("There is no year group “%(value)s”: this school has no year groups set up yet.") % {
                    "value": year_group_value
                }
            errors.append(RowError(row_number, "year_group", message))

    class_name = get("class")
    if class_name and len(class_name) > _max_length(SchoolClass, "name"):
        errors.append(
            RowError(
                row_number, "class", _("Longer than %(max)s characters.") % {"max": _max_length(SchoolClass, "name")}
            )
        )

    contacts = []
    for slot in header.contact_slots:
        contact = _read_contact(slot, get, row_number, errors)
        if contact is not None:
            contacts.append(contact)
    for position, contact in enumerate(contacts):
        for earlier in contacts[:position]:
            same_email = contact.email and contact.email.casefold() == earlier.email.casefold()
            same_name = (
                not contact.email
                and not earlier.email
                and _fold(contact.first_name) == _fold(earlier.first_name)
                and _fold(contact.last_name) == _fold(earlier.last_name)
            )
            if same_email or same_name:
                errors.append(
                    RowError(
                        row_number,
                        f"{contact.prefix}_first_name",
                        _("Contact %(number)s is the same person as contact %(other)s.")
                        % {"number": contact.slot, "other": earlier.slot},
                    )
                )
                break

    return _PupilRow(
        row=row_number,
        upn=upn,
        mis_id=mis_id,
        values=values,
        year_group_given="year_group" in header.index,
        year_group=year_group,
        class_name=class_name,
        contacts=contacts,
    )


def _read_rows(content, year_groups, today, *, month_first=False):
    """Parse and check every row on its own (no matching yet). Returns ``(rows, errors, row_count, header)``.
    ``month_first``: the school writes dates MM/DD/YYYY (see ``_parse_date``)."""
    errors = []
    dates = []  # (row, column, value, problem) of every date cell, for _check_date_order
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows, row_count, header = [], 0, None
    try:
        for position, cells in enumerate(reader):
            row_number = position + 1
            if header is None:
                if not any(cell.strip() for cell in cells):
                    errors.append(RowError(1, "", _("The first row must hold the column headings.")))
                    return rows, errors, row_count, None
                header = _read_header(cells, errors)
                if errors:
                    return rows, errors, row_count, header
                continue
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets often leave empty rows at the end
            row_count += 1
            if row_count > MAX_ROWS:
                errors.append(
                    RowError(
                        None,
                        "",
                        _("The file has more than %(max)s pupils; split it and import each part.") % {"max": MAX_ROWS},
                    )
                )
                return [], errors, row_count, header
            rows.append(
                _read_row(cells, row_number, header, year_groups, today, errors, month_first=month_first, dates=dates)
            )
    except csv.Error as error:
        errors.append(RowError(None, "", _("The file could not be read as CSV: %(error)s") % {"error": error}))
    if header is None:
        errors.append(RowError(None, "", _("The file is empty.")))
    elif row_count == 0 and not errors:
        errors.append(RowError(None, "", _("The file has column headings but no pupils.")))
    _check_date_order(dates, errors)
    return rows, errors, row_count, header


def _check_date_order(dates, errors):
    """When some date of the file is written in the other order than the school's (13/04/2019 in a US school's
    file), the file's dates that read either way (03/04/2019) are refused too: in such a file they are ambiguous,
    and reading them the school's way could give the wrong day."""
    if not any(problem == "other_order" for *_cell, problem in dates):
        return
    for row_number, column, value, problem in dates:
        if problem is None and _is_ambiguous_date(value):
            errors.append(
                RowError(
                    row_number,
                    column,
                    _(
                        "“%(value)s” could be read either way, and other dates in this file are in the other order: "
                        "write it as YYYY-MM-DD."
                    )
                    % {"value": value},
                )
            )


def _check_duplicates(rows, errors):
    """A UPN or MIS id may appear once in the file."""
    for attribute, column, message in (
        ("upn", "upn", _("UPN %(value)s is also in row %(other)s.")),
        ("mis_id", "mis_id", _("MIS id %(value)s is also in row %(other)s.")),
    ):
        first_seen = {}
        for row in rows:
            value = getattr(row, attribute)
            if not value:
                continue
            if value in first_seen:
                errors.append(RowError(row.row, column, message % {"value": value, "other": first_seen[value]}))
            else:
                first_seen[value] = row.row


# Matching against the school's records ---------------------------------------------------------------------------


def _current_academic_year(school, today):
    return AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()


@dataclass
class _Person:
    """One parent or carer named in the file, perhaps on several rows (siblings)."""

    first_name: str
    last_name: str
    email: str
    phone: str
    first_row: int
    column_prefix: str
    guardian: Guardian | None = None


def _person_key(contact, row_number):
    if contact.email:
        return ("email", contact.email.casefold())
    if contact.phone:
        return ("name_phone", _fold(contact.first_name), _fold(contact.last_name), _normalise_phone(contact.phone))
    return ("row", row_number, contact.slot)  # no e-mail, no phone: never shared between rows


def _name_phone(person):
    """The matching key of a contact without e-mail: folded first and last names and the phone's digits."""
    return (_fold(person.first_name), _fold(person.last_name), _normalise_phone(person.phone))


def _snapshot(obj, names):
    return {name: getattr(obj, name) for name in names}


def _changed(obj, before):
    return [name for name, value in before.items() if getattr(obj, name) != value]


PUPIL_TRACKED = (
    "upn",
    "mis_id",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "year_group",
    "school_class",
    "on_roll_from",
    "left_on",
    *FLAG_COLUMNS.values(),
    "sex",
)
GUARDIAN_TRACKED = ("first_name", "last_name", "email", "phone")
LINK_TRACKED = ("relationship", "has_parental_responsibility", "contact_order", "ended_on")


def build_roster_plan(*, school, content, today, extra_year_groups=()):
    """Read ``content`` (the CSV text) against ``school``'s records on ``today`` (the school's date).

    ``extra_year_groups``: unsaved ``YearGroup`` objects of ``school`` that the caller saves before
    ``write_roster_plan`` (used by the OneRoster import in ``interop``); the file may name them like saved ones.

    Returns a ``RosterPlan``: every problem found, or — when there is none — every change the file would make.
    Only reads the database.
    """
    year_groups = _YearGroups(school, extra_year_groups)
    rows, errors, row_count, header = _read_rows(
        content, year_groups, today, month_first=school.reads_dates_month_first
    )
    plan = RosterPlan(row_count=row_count)
    if header is None or (errors and not rows):
        plan.errors = errors
        return plan
    _check_duplicates(rows, errors)
    academic_year = _current_academic_year(school, today)
    if academic_year is None and any(row.class_name for row in rows):
        errors.append(
            RowError(
                None,
                "class",
                _("Set up the current academic year before importing classes (or leave the class column empty)."),
            )
        )
    if errors:
        plan.errors = sorted(errors, key=lambda error: (error.row or 0, error.column))
        return plan
    _match(plan, school, rows, academic_year, today, has_contact_columns=bool(header.contact_slots))
    if plan.errors:
        plan.errors.sort(key=lambda error: (error.row or 0, error.column))
        return RosterPlan(row_count=row_count, errors=plan.errors)
    return plan


def _match(plan, school, rows, academic_year, today, *, has_contact_columns):
    errors = plan.errors
    pupils = list(Pupil.objects.filter(school=school).select_related("year_group", "school_class"))
    by_upn = {pupil.upn.upper(): pupil for pupil in pupils if pupil.upn}
    by_mis_id = {pupil.mis_id: pupil for pupil in pupils if pupil.mis_id}

    # Pupils: UPN first, then MIS id.
    matched = {}  # row number → Pupil
    matched_rows = {}  # pupil pk → row number
    for row in rows:
        by_u = by_upn.get(row.upn) if row.upn else None
        by_m = by_mis_id.get(row.mis_id) if row.mis_id else None
        if by_u and by_m and by_u.pk != by_m.pk:
            errors.append(
                RowError(
                    row.row,
                    "mis_id",
                    _("The UPN belongs to %(pupil)s but the MIS id belongs to %(other)s.")
                    % {"pupil": by_u.display_name, "other": by_m.display_name},
                )
            )
            continue
        pupil = by_u or by_m
        if pupil is None:
            continue
        if pupil.pk in matched_rows:
            errors.append(
                RowError(
                    row.row,
                    "upn" if by_u else "mis_id",
                    _("This is the same pupil (%(pupil)s) as row %(other)s.")
                    % {"pupil": pupil.display_name, "other": matched_rows[pupil.pk]},
                )
            )
            continue
        matched[row.row] = pupil
        matched_rows[pupil.pk] = row.row

    # Classes of the current academic year; a new name creates a class (with the year group its rows share).
    classes = {}
    if academic_year is not None:
        classes = {_fold(c.name): c for c in SchoolClass.objects.filter(school=school, academic_year=academic_year)}
    new_class_year_groups = defaultdict(dict)  # folded class name → {id(year group): year group}
    for row in rows:
        if row.class_name and _fold(row.class_name) not in classes:
            new_class_year_groups[_fold(row.class_name)][id(row.year_group)] = row.year_group
    for row in rows:
        key = _fold(row.class_name or "")
        if row.class_name and key not in classes:
            shared = new_class_year_groups[key]
            new_class = SchoolClass(
                school=school,
                academic_year=academic_year,
                name=row.class_name,
                year_group=next(iter(shared.values())) if len(shared) == 1 else None,
            )
            classes[key] = new_class
            plan.classes_created.append(Change(new_class, ["name"], row.row))

    # Parents and carers named in the file, merged across rows.
    people = {}
    person_of = {}  # (row number, slot) → _Person
    for row in rows:
        for contact in row.contacts:
            key = _person_key(contact, row.row)
            person = people.get(key)
            if person is None:
                person = people[key] = _Person(
                    contact.first_name, contact.last_name, contact.email, contact.phone, row.row, contact.prefix
                )
            else:
                if (_fold(person.first_name), _fold(person.last_name)) != (
                    _fold(contact.first_name),
                    _fold(contact.last_name),
                ):
                    errors.append(
                        RowError(
                            row.row,
                            f"{contact.prefix}_first_name",
                            _("Row %(other)s gives this e-mail address to %(name)s, a different name.")
                            % {"other": person.first_row, "name": f"{person.first_name} {person.last_name}"},
                        )
                    )
                if contact.phone and person.phone and _normalise_phone(contact.phone) != _normalise_phone(person.phone):
                    errors.append(
                        RowError(
                            row.row,
                            f"{contact.prefix}_phone",
                            _("Row %(other)s gives this contact a different phone number (%(phone)s).")
                            % {"other": person.first_row, "phone": person.phone},
                        )
                    )
                person.phone = person.phone or contact.phone
            person_of[(row.row, contact.slot)] = person
    # A contact given without e-mail on one row and with it on another is one person: merge on name and phone.
    with_email = defaultdict(list)
    for key, person in people.items():
        if key[0] == "email" and person.phone:
            with_email[_name_phone(person)].append(person)
    for slot_key, person in list(person_of.items()):
        candidates = with_email.get(_name_phone(person), []) if not person.email and person.phone else []
        if len(candidates) == 1:
            person_of[slot_key] = candidates[0]
    if errors:
        return
    named = list({id(person): person for person in person_of.values()}.values())  # each person once

    school_links = list(PupilGuardian.objects.filter(pupil__school=school))
    _match_guardians(school, rows, matched, named, person_of, school_links)

    guardian_before = {}
    for person in named:
        guardian = person.guardian
        if guardian.pk is not None and id(guardian) not in guardian_before:
            guardian_before[id(guardian)] = (guardian, _snapshot(guardian, GUARDIAN_TRACKED))
    for person in named:
        guardian = person.guardian
        guardian.first_name, guardian.last_name = person.first_name, person.last_name
        if person.email and person.email.casefold() != guardian.email.casefold():
            guardian.email = person.email
        if person.phone and _normalise_phone(person.phone) != _normalise_phone(guardian.phone):
            guardian.phone = person.phone
    created_guardians = {}
    for person in named:
        if person.guardian.pk is None and id(person.guardian) not in created_guardians:
            created_guardians[id(person.guardian)] = Change(person.guardian, list(GUARDIAN_TRACKED), person.first_row)
    plan.guardians_created = list(created_guardians.values())
    for guardian, before in guardian_before.values():
        changed = _changed(guardian, before)
        if changed:
            plan.guardians_updated.append(Change(guardian, changed))
        else:
            plan.guardians_unchanged += 1

    # Pupils and their links.
    links = defaultdict(dict)  # pupil pk → guardian pk → PupilGuardian
    for link in school_links:
        links[link.pupil_id][link.guardian_id] = link
    for row in rows:
        pupil = matched.get(row.row)
        before = None
        if pupil is None:
            pupil = Pupil(school=school)
        else:
            before = _snapshot(pupil, PUPIL_TRACKED)
        if row.upn:
            pupil.upn = row.upn
        if row.mis_id:
            pupil.mis_id = row.mis_id
        for name, value in row.values.items():
            setattr(pupil, name, value)
        if row.year_group_given:
            pupil.year_group = row.year_group
        if row.class_name is not None:
            pupil.school_class = classes[_fold(row.class_name)] if row.class_name else None
        returning = before is not None and pupil.left_on is not None and pupil.left_on <= today
        if returning:
            pupil.left_on = None
        if before is None:
            plan.pupils_created.append(Change(pupil, list(PUPIL_TRACKED), row.row))
        else:
            changed = _changed(pupil, before)
            if returning:
                plan.pupils_returning.append(Change(pupil, changed, row.row))
            elif changed:
                plan.pupils_updated.append(Change(pupil, changed, row.row))
            else:
                plan.pupils_unchanged += 1

        existing = links.get(pupil.pk, {}) if pupil.pk else {}
        linked = set()
        for contact in row.contacts:
            guardian = person_of[(row.row, contact.slot)].guardian
            if id(guardian) in linked:
                errors.append(
                    RowError(
                        row.row,
                        f"{contact.prefix}_first_name",
                        _("Contact %(number)s is the same person as another contact of this pupil.")
                        % {"number": contact.slot},
                    )
                )
                continue
            linked.add(id(guardian))
            link = existing.get(guardian.pk) if guardian.pk else None
            if link is None:
                link = PupilGuardian(
                    pupil=pupil,
                    guardian=guardian,
                    relationship=contact.relationship,
                    has_parental_responsibility=bool(contact.parental_responsibility),
                    contact_order=contact.priority,
                )
                plan.links_created.append(Change(link, list(LINK_TRACKED), row.row))
                continue
            before = _snapshot(link, LINK_TRACKED)
            link.relationship = contact.relationship
            if contact.parental_responsibility is not None:
                link.has_parental_responsibility = contact.parental_responsibility
            link.contact_order = contact.priority
            link.ended_on = None
            changed = _changed(link, before)
            if changed:
                plan.links_updated.append(Change(link, changed, row.row))
            else:
                plan.links_unchanged += 1
        if has_contact_columns:
            # A current link to a contact no longer in the file for this pupil is ended (listed in the preview).
            in_file = {person_of[(row.row, contact.slot)].guardian.pk for contact in row.contacts}
            for guardian_pk, link in existing.items():
                if link.ended_on is None and guardian_pk not in in_file:
                    link.ended_on = today
                    plan.links_ended.append(Change(link, ["ended_on"], row.row))

    plan.pupils_absent = sorted(
        (pupil for pupil in pupils if pupil.pk not in matched_rows and pupil.is_on_roll(today)),
        key=lambda pupil: (pupil.legal_last_name, pupil.legal_first_name),
    )


def _match_guardians(school, rows, matched, named, person_of, school_links):
    """Give every ``_Person`` in ``named`` its ``Guardian``: an existing one of the school, or a new unsaved one."""
    guardians = list(Guardian.objects.filter(school=school).order_by("pk"))
    by_pk = {guardian.pk: guardian for guardian in guardians}
    by_email = {guardian.email.casefold(): guardian for guardian in guardians if guardian.email}
    by_name_phone = defaultdict(list)
    for guardian in guardians:
        if guardian.phone:
            by_name_phone[_name_phone(guardian)].append(guardian)
    claimed = set()

    # 1. By e-mail address, case-insensitively.
    for person in named:
        if person.email and person.email.casefold() in by_email:
            person.guardian = by_email[person.email.casefold()]
            claimed.add(person.guardian.pk)
    # 2. By first name, last name and phone (also finds a parent whose e-mail changed); each guardian once.
    for person in named:
        if person.guardian is None and person.phone:
            for guardian in by_name_phone.get(_name_phone(person), []):
                if guardian.pk not in claimed:
                    person.guardian = guardian
                    claimed.add(guardian.pk)
                    break
    # 3. Still unmatched (no e-mail or phone, or both changed): a guardian already linked to this pupil with the
    #    same name. A contact without e-mail or phone may share that guardian (siblings' grandmother); others claim.
    linked_guardians = defaultdict(list)
    for link in school_links:
        if link.guardian_id in by_pk:
            linked_guardians[link.pupil_id].append(by_pk[link.guardian_id])
    for row in rows:
        pupil = matched.get(row.row)
        if pupil is None:
            continue
        for contact in row.contacts:
            person = person_of[(row.row, contact.slot)]
            if person.guardian is not None:
                continue
            shares = not person.email and not person.phone
            for guardian in linked_guardians.get(pupil.pk, []):
                same_name = (_fold(guardian.first_name), _fold(guardian.last_name)) == (
                    _fold(person.first_name),
                    _fold(person.last_name),
                )
                if same_name and (shares or guardian.pk not in claimed):
                    person.guardian = guardian
                    if not shares:
                        claimed.add(guardian.pk)
                    break
    # 4. Everyone else is new.
    for person in named:
        if person.guardian is None:
            person.guardian = Guardian(
                school=school,
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                phone=person.phone,
            )


# Services -------------------------------------------------------------------------------------------------------


def _check_actor(actor, school):
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("This user may not import the roster of this school.")


def roster_import_preview(*, actor, school, uploaded_file, now=None):
    """Check an uploaded roster file and store it for confirmation. Writes no pupil, parent or link.

    Args:
        actor: the ``User`` uploading; needs ``MANAGE_ROSTER`` in ``school``.
        school: the ``School`` whose roster this is.
        uploaded_file: a Django ``UploadedFile`` (has ``name``, ``size`` in bytes and ``read()``), at most
            ``MAX_UPLOAD_BYTES``.
        now: aware datetime for "today" (tests fix the clock); defaults to the current time.

    Returns ``(roster_import, plan)``: the stored ``RosterImport`` — ``pending``, or ``rejected`` when the plan has
    errors — and the ``RosterPlan``. Earlier pending imports of the school are cancelled, so only the newest
    preview can be confirmed.

    Raises ``PermissionError`` if the actor may not manage the roster, and ``DomainError`` for a file that cannot
    be read at all (too large, empty, an Excel workbook, not text). Problems inside the file are not raised: they
    are the plan's ``errors``.
    """
    _check_actor(actor, school)
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large"
        )
    content = decode_upload(uploaded_file.read())
    now = now or timezone.now()
    plan = build_roster_plan(school=school, content=content, today=school.today(now))
    summary = {
        "counts": plan.counts(),
        "errors": [error.as_dict() for error in plan.errors],
        "absent_pupils": [str(pupil.public_id) for pupil in plan.pupils_absent],
    }
    with transaction.atomic():
        RosterImport.objects.filter(school=school, status=RosterImport.Status.PENDING).update(
            status=RosterImport.Status.CANCELLED, updated_at=now
        )
        roster_import = RosterImport.objects.create(
            school=school,
            uploaded_by=actor,
            original_filename=(uploaded_file.name or "")[-255:],
            content=content,
            sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
            status=RosterImport.Status.PENDING if plan.is_valid else RosterImport.Status.REJECTED,
            summary=summary,
        )
    return roster_import, plan


def _save(obj, actor, fields=None):
    obj._history_user = actor  # django-simple-history records who made the change, request or not
    if fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*fields, "updated_at"])


BULK_BATCH = 500  # rows per INSERT: well under SQLite's and Postgres's parameter limits for these models


def _create_all(changes, model, actor):
    """Insert the unsaved objects of ``changes`` with their history rows in a few batched queries
    (``bulk_create_with_history``: one "+" history row per object, by ``actor``), rather than two queries each."""
    objs = [change.obj for change in changes]
    if objs:
        bulk_create_with_history(objs, model, batch_size=BULK_BATCH, default_user=actor)


@datacache.bumps_at_end()
def write_roster_plan(plan, *, actor, today, mark_absent_as_left):
    """Save every change of a valid ``RosterPlan`` (call inside the caller's transaction, after its checks).

    Also used by the OneRoster and CTF imports (``interop``), which build the plan from their own files. Creates
    classes, parents and carers, pupils and links in batches (``bulk_create_with_history``: a first import of 2,000
    pupils is a few dozen queries, not ten thousand); saves only the changed fields of updated records one by one;
    when ``mark_absent_as_left``, the plan's absent pupils get ``left_on`` = ``today``. Every created or changed row
    gets its history row by ``actor``. Returns the number of pupils marked left. The figures' data versions are bumped
    once per school and topic at the end (``datacache.bumps_at_end``), not on the first pupil's save.
    """
    _create_all(plan.classes_created, SchoolClass, actor)
    for change in plan.guardians_created:
        change.obj.clean_fields(exclude=["school", "user"])
    _create_all(plan.guardians_created, Guardian, actor)
    for change in plan.guardians_updated:
        change.obj.clean_fields(exclude=["school", "user"])
        _save(change.obj, actor, change.fields)
    for change in plan.pupils_created:
        change.obj.clean_fields(exclude=["school", "year_group", "school_class"])
    _create_all(plan.pupils_created, Pupil, actor)
    for change in plan.pupils_updated + plan.pupils_returning:
        change.obj.clean_fields(exclude=["school", "year_group", "school_class"])
        _save(change.obj, actor, change.fields)
    _create_all(plan.links_created, PupilGuardian, actor)
    for change in plan.links_updated + plan.links_ended:
        _save(change.obj, actor, change.fields)
    marked_left = 0
    if mark_absent_as_left:
        for pupil in plan.pupils_absent:
            pupil.left_on = today
            _save(pupil, actor, ["left_on"])
            marked_left += 1
    return marked_left


def roster_import_apply(*, actor, roster_import, mark_absent_as_left, now=None):
    """Apply a pending roster import: all its changes in one transaction, once.

    Args:
        actor: the ``User`` confirming; needs ``MANAGE_ROSTER`` in the import's school.
        roster_import: a ``RosterImport`` (its school must already be checked by the caller's look-up).
        mark_absent_as_left: True when the office ticked "mark pupils absent from the file as left": those pupils
            get ``left_on`` = the school's today. They must be the pupils listed in the preview.
        now: aware datetime (tests fix the clock); defaults to the current time.

    The stored file is checked again against the school's records as they are now. The import is claimed with
    a conditional UPDATE (pending → applied) so a double submit applies once. Writes classes, parents and carers,
    pupils, links (created, updated, ended) and the audit event ``directory.roster.imported`` with the counts.

    Returns the counts (dict of ints, as ``RosterPlan.counts`` plus ``pupils_marked_left``).

    Raises ``PermissionError`` if the actor may not manage the roster; ``DomainError`` when the import is not
    pending (already applied, rejected or replaced), when the file no longer passes the checks, or when the pupils
    absent from the file have changed since the preview and ``mark_absent_as_left`` is set. Nothing is written then.
    """
    school = roster_import.school
    _check_actor(actor, school)
    now = now or timezone.now()
    today = school.today(now)
    with transaction.atomic():
        claimed = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PENDING).update(
            status=RosterImport.Status.APPLIED, applied_at=now, updated_at=now
        )
        if claimed != 1:
            raise DomainError(
                _(
                    "This import can no longer be applied: it has already been applied, it had errors, or a newer "
                    "file was uploaded. Upload the file again."
                ),
                code="not_pending",
            )
        plan = build_roster_plan(school=school, content=roster_import.content, today=today)
        if not plan.is_valid:
            raise DomainError(
                _("The file no longer passes the checks (the roster changed since the preview). Upload it again."),
                code="invalid",
            )
        absent_ids = sorted(str(pupil.public_id) for pupil in plan.pupils_absent)
        if mark_absent_as_left and absent_ids != sorted(roster_import.summary.get("absent_pupils", [])):
            raise DomainError(
                _("The pupils missing from the file have changed since the preview. Upload the file again."),
                code="absent_changed",
            )

        marked_left = write_roster_plan(plan, actor=actor, today=today, mark_absent_as_left=mark_absent_as_left)

        counts = {**plan.counts(), "pupils_marked_left": marked_left}
        roster_import.refresh_from_db(fields=["status", "applied_at"])
        roster_import.summary = {**roster_import.summary, "applied": counts}
        roster_import.save(update_fields=["summary", "updated_at"])
        audit_log(
            actor=actor,
            action="directory.roster.imported",
            school=school,
            subject=roster_import,
            data={"counts": counts, "sha256": roster_import.sha256},
        )
    return counts


def roster_template_csv():
    """The downloadable template: column headings and one example row with fictional data, as UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(TEMPLATE_EXAMPLE_ROW)
    return "\ufeff" + buffer.getvalue()
