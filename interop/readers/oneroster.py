"""Read a OneRoster 1.2 CSV zip (1EdTech OneRoster v1.2 CSV binding) for one school into roster rows.

Files read: ``manifest.csv``, ``orgs.csv``, ``academicSessions.csv``, ``classes.csv``, ``users.csv``,
``enrollments.csv``, ``roles.csv`` (1.2: a user's roles live there; a 1.1-style ``role`` and ``orgSourcedIds`` in
``users.csv`` are accepted instead) and, optionally, ``demographics.csv`` (``birthDate``; ``sex``: male → M, female
→ F, other and unspecified record nothing and never change a recorded sex). Other files in the zip
(``courses.csv``, ``userProfiles.csv``, results …) are ignored. Field names and enumerations follow the
specification; dates must be ISO 8601 (``YYYY-MM-DD``; ``dateLastModified`` a date-time). Only bulk files are read.

The school is the ``orgs.csv`` row of ``type`` school whose ``identifier`` is the school's district or campus code
(or, when the school has none, whose ``name`` is the school's name). Students with a role at that org become pupils
(matched by ``sourcedId`` through ``ExternalId``, else by ``identifier`` as MIS id); their ``agentSourcedIds`` with
role parent, guardian or relative become their parents and carers; their homeroom class (or their only class)
becomes their class; ``grades`` (CEDS) their year group. Staff (roles teacher, aide, counselor, proctor,
administrator, siteAdministrator, principal at the org, or a teacher enrollment) are read as facts
(``staff_facts``); ``interop.services_staff`` matches them to accounts, creates the missing ones and gives roles.
A district's zip is read once (``parse``) and converted per school (``convert(parsed=…, org=…)``).
Documented for schools in ``docs/oneroster.md``.
"""

import csv
import datetime
import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from safeguard.directory.models import Pupil, YearGroup
from safeguard.directory.roster import MAX_CONTACTS, _fold, _YearGroups

from ..models import ExternalId
from .base import Conversion, Origin, ReportError

MAX_ZIP_MEMBER_BYTES = 50 * 1024 * 1024  # uncompressed, per file: a zip bomb is refused, not unpacked

REQUIRED_FILES = ("manifest.csv", "orgs.csv", "academicSessions.csv", "classes.csv", "users.csv", "enrollments.csv")

# Required columns per file (OneRoster 1.2 CSV binding; status and dateLastModified may be blank in bulk files).
REQUIRED_COLUMNS = {
    "manifest.csv": ("propertyName", "value"),
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "classes.csv": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    "users.csv": ("sourcedId", "enabledUser", "givenName", "familyName"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "roles.csv": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
    "demographics.csv": ("sourcedId",),
}

STATUSES = {"active", "tobedeleted"}
ORG_TYPES = {"department", "school", "district", "local", "state", "national"}
SESSION_TYPES = {"gradingPeriod", "semester", "schoolYear", "term"}
CLASS_TYPES = {"homeroom", "scheduled"}
ROLE_TYPES = {"primary", "secondary"}
ROLES = {
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
    "administrator",  # OneRoster 1.1
}
# OneRoster 1.2 roles of a school's staff (``role`` enumeration). Which of our roles each gives is decided in
# ``interop.services_staff.STAFF_ROLE_MAP``: never a DSL or safeguarding role (the DSL is chosen in the product).
STAFF_ROLES = {"administrator", "aide", "counselor", "principal", "proctor", "siteAdministrator", "teacher"}
ENROLLMENT_ROLES = {"administrator", "proctor", "student", "teacher", "aide"}
GUARDIAN_ROLES = {  # role → (roster relationship, parental responsibility)
    "parent": ("Parent", "Y"),
    "guardian": ("Guardian", "Y"),
    "relative": ("Relative", "N"),
}
# CEDS grade levels (the OneRoster 1.2 grades vocabulary) → (name, order).
CEDS_GRADES = {
    "IT": ("Infant/toddler", 1),
    "PR": ("Preschool", 2),
    "PK": ("Prekindergarten", 3),
    "TK": ("Transitional Kindergarten", 4),
    "KG": ("Kindergarten", 5),
    **{f"{n:02d}": (f"Grade {n}", 5 + n) for n in range(1, 14)},
    "PS": ("Postsecondary", 19),
    "UG": ("Ungraded", 20),
    "Other": ("Other", 21),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class _File:
    """One CSV of the zip: its headings and its rows as (line, dict)."""

    def __init__(self, name, header, rows):
        self.name, self.header, self.rows = name, header, rows

    def has(self, column):
        return column in self.header


def _read_csv(name, raw, errors):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(ReportError(name, None, "", "", _("The file is not UTF-8 text.")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, header, line = [], None, 0
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in cells]
                missing = [column for column in REQUIRED_COLUMNS.get(name, ()) if column not in header]
                for column in missing:
                    errors.append(ReportError(name, 1, "", column, _("This required column is missing.")))
                if missing:
                    return None
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                errors.append(
                    ReportError(
                        name,
                        start,
                        "",
                        "",
                        _("This line has %(cells)s fields; the headings have %(columns)s.")
                        % {"cells": len(cells), "columns": len(header)},
                    )
                )
                continue
            rows.append((start, {column: cell.strip() for column, cell in zip(header, cells, strict=True)}))
    except csv.Error as error:
        errors.append(ReportError(name, line + 1, "", "", _("Not readable as CSV: %(error)s") % {"error": error}))
        return None
    if header is None:
        errors.append(ReportError(name, None, "", "", _("The file is empty.")))
        return None
    return _File(name, header, rows)


def read_zip(payload):
    """The CSV files of the zip (``payload``: bytes), by base name. Returns ``(files, errors)``."""
    errors, files = [], {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        return {}, [ReportError("", None, "", "", _("This is not a zip file. Upload the OneRoster zip as exported."))]
    with archive:
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or base not in REQUIRED_COLUMNS:
                continue  # courses.csv, userProfiles.csv, results … are not read
            if base in files:
                errors.append(ReportError(base, None, "", "", _("The zip holds this file twice.")))
                continue
            if info.file_size > MAX_ZIP_MEMBER_BYTES:
                errors.append(ReportError(base, None, "", "", _("The file is too large to read.")))
                continue
            parsed = _read_csv(base, archive.read(info), errors)
            if parsed is not None:
                files[base] = parsed
    for name in REQUIRED_FILES:
        if name not in files and not any(error.file == name for error in errors):
            errors.append(ReportError(name, None, "", "", _("The zip has no %(file)s.") % {"file": name}))
    return files, errors


def _check_date(errors, file, line, column, value, *, required=False, with_time=False):
    if not value:
        if required:
            errors.append(ReportError(file, line, "", column, _("This is required.")))
        return None
    pattern = _ISO_DATETIME if with_time else _ISO_DATE
    if with_time and _ISO_DATE.match(value):
        pattern = _ISO_DATE
    if pattern.match(value):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            pass
    errors.append(
        ReportError(
            file,
            line,
            "",
            column,
            _("“%(value)s” is not an ISO 8601 date (YYYY-MM-DD%(time)s).")
            % {"value": value, "time": "THH:MM:SSZ" if with_time else ""},
        )
    )
    return None


# demographics.csv ``sex`` (OneRoster 1.2 enumeration) → DfE code; other and unspecified are not a sex to record.
_SEXES = {"male": "M", "female": "F", "other": "", "unspecified": ""}


def _check_enum(errors, file, line, column, value, allowed, *, required=True):
    if not value:
        if required:
            errors.append(ReportError(file, line, "", column, _("This is required.")))
        return False
    if value not in allowed:
        errors.append(
            ReportError(
                file,
                line,
                "",
                column,
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": ", ".join(sorted(allowed))},
            )
        )
        return False
    return True


def _split(value):
    return [part.strip() for part in value.split(",") if part.strip()]


def _check_common(errors, file, rows, ids):
    """sourcedId present and unique; status and dateLastModified well formed. Fills ``ids`` (sourcedId → line)."""
    for line, row in rows:
        sourced_id = row.get("sourcedId", "")
        if not sourced_id:
            errors.append(ReportError(file, line, "", "sourcedId", _("This is required.")))
        elif sourced_id in ids:
            errors.append(
                ReportError(
                    file, line, "", "sourcedId", _("Also on line %(other)s of this file.") % {"other": ids[sourced_id]}
                )
            )
        else:
            ids[sourced_id] = line
        _check_enum(errors, file, line, "status", row.get("status", ""), STATUSES, required=False)
        _check_date(errors, file, line, "dateLastModified", row.get("dateLastModified", ""), with_time=True)


def _active(row):
    return row.get("status", "") != "tobedeleted"


class Parsed:
    """A OneRoster zip read and checked once, for one school or for every school of a district.

    ``errors``: the file's own problems (``ReportError``); when not empty nothing else is filled. ``orgs``: the
    ``orgs.csv`` rows as (line, dict); ``user_by_id``: sourcedId → (line, row); ``roles_by_user``: sourcedId → list
    of (role, org sourcedId, line, file) of active role rows; ``ended_roles_by_user`` the same for role rows marked
    ``tobedeleted``; ``birth_dates``: sourcedId → (date, line); ``class_by_id``: sourcedId → (line, row);
    ``enrolled``: user sourcedId → list of (class sourcedId, role, line) of active enrollments.
    """

    def __init__(self):
        self.errors = []
        self.files = {}
        self.orgs = []
        self.org_ids = {}
        self.user_by_id = {}
        self.roles_by_user = {}
        self.ended_roles_by_user = {}
        self.birth_dates = {}
        self.sexes = {}
        self.has_sex = False
        self.class_by_id = {}
        self.enrolled = {}
        self.users = None

    def school_orgs(self):
        """The active orgs of type school, as (line, row), in file order."""
        return [(line, row) for line, row in self.orgs if row["type"] == "school" and _active(row)]


def school_org_for(parsed, school):
    """The sourcedId of the ``orgs.csv`` school that is ``school`` — its ``identifier`` equals the school's district
    or campus code, or (for a school without one) its ``name`` the school's name — and None with a ``ReportError``
    when not exactly one matches. Returns ``(org_id, error)``."""
    found = [
        row["sourcedId"]
        for _line, row in parsed.school_orgs()
        if (school.district_code and row.get("identifier", "").casefold() == school.district_code.casefold())
        or (not school.district_code and _fold(row["name"]) == _fold(school.name))
    ]
    if len(found) == 1:
        return found[0], None
    return None, ReportError(
        "orgs.csv",
        None,
        "",
        "identifier" if school.district_code else "name",
        _(
            "orgs.csv must hold exactly one school with the identifier “%(code)s” (or, without a code, "
            "the name “%(name)s”); found %(count)s."
        )
        % {"code": school.district_code, "name": school.name, "count": len(found)},
    )


def convert(*, school, today, payload=None, parsed=None, org=None):
    """Read the OneRoster zip for ``school`` on ``today``: ``payload`` (bytes), or ``parsed`` (a ``Parsed`` already
    read, as the district import does once for all its schools). ``org``: the school's org sourcedId when the caller
    matched it (the district import); else found by ``school_org_for``. Returns a ``Conversion``; reads only."""
    conversion = Conversion()
    if parsed is None:
        parsed = parse(payload=payload, today=today)
    if parsed.errors:
        conversion.errors.extend(parsed.errors)
        return conversion
    if org is None:
        org, error = school_org_for(parsed, school)
        if error is not None:
            conversion.errors.append(error)
            return conversion
    _build_rows(conversion, school, org, parsed)
    return conversion


def parse(*, payload, today):
    """Read and check every file of the OneRoster zip ``payload`` (bytes) against the specification, on ``today``
    (a date of birth may not be later). Returns a ``Parsed``; reads only, and touches no school's records."""
    parsed = Parsed()
    errors = parsed.errors
    files, read_errors = read_zip(payload)
    errors.extend(read_errors)
    if errors:
        return parsed

    # manifest.csv
    manifest = {row["propertyName"]: (line, row["value"]) for line, row in files["manifest.csv"].rows}
    version_line, version = manifest.get("oneroster.version", (None, ""))
    if version not in ("1.2", "1.1"):
        errors.append(
            ReportError(
                "manifest.csv",
                version_line,
                "",
                "oneroster.version",
                _("“%(value)s” is not a OneRoster version this import reads (1.2, or 1.1).") % {"value": version},
            )
        )
    for name in ("users", "enrollments", "classes", "orgs"):
        line, mode = manifest.get(f"file.{name}", (None, "bulk"))
        if mode == "delta":
            errors.append(
                ReportError(
                    "manifest.csv", line, "", f"file.{name}", _("Only bulk files are read. Export a bulk file.")
                )
            )

    # orgs.csv
    orgs = files["orgs.csv"]
    org_ids = {}
    _check_common(errors, orgs.name, orgs.rows, org_ids)
    for line, row in orgs.rows:
        _check_enum(errors, orgs.name, line, "type", row["type"], ORG_TYPES)
        if not row["name"]:
            errors.append(ReportError(orgs.name, line, "", "name", _("This is required.")))

    # academicSessions.csv: checked, not stored (classes belong to the school's current academic year).
    sessions = files["academicSessions.csv"]
    session_ids = {}
    _check_common(errors, sessions.name, sessions.rows, session_ids)
    for line, row in sessions.rows:
        _check_enum(errors, sessions.name, line, "type", row["type"], SESSION_TYPES)
        start = _check_date(errors, sessions.name, line, "startDate", row["startDate"], required=True)
        end = _check_date(errors, sessions.name, line, "endDate", row["endDate"], required=True)
        if start and end and end < start:
            errors.append(ReportError(sessions.name, line, "", "endDate", _("The end date is before the start date.")))
        if not re.fullmatch(r"\d{4}", row["schoolYear"]):
            errors.append(
                ReportError(
                    sessions.name,
                    line,
                    "",
                    "schoolYear",
                    _("“%(value)s” is not a year (YYYY).") % {"value": row["schoolYear"]},
                )
            )

    # users.csv
    users = files["users.csv"]
    user_ids = {}
    _check_common(errors, users.name, users.rows, user_ids)
    user_by_id = {row["sourcedId"]: (line, row) for line, row in users.rows}
    for line, row in users.rows:
        if row["enabledUser"].lower() not in ("true", "false"):
            errors.append(
                ReportError(
                    users.name,
                    line,
                    "",
                    "enabledUser",
                    _("“%(value)s” is not true or false.") % {"value": row["enabledUser"]},
                )
            )
        for column, _model_field in (("givenName", "first_name"), ("familyName", "last_name")):
            if not row[column]:
                errors.append(ReportError(users.name, line, "", column, _("This is required.")))
            elif len(row[column]) > 100:
                errors.append(
                    ReportError(users.name, line, "", column, _("Longer than %(max)s characters.") % {"max": 100})
                )
        for column in ("preferredGivenName", "preferredFamilyName"):
            if len(row.get(column, "")) > 100:
                errors.append(
                    ReportError(users.name, line, "", column, _("Longer than %(max)s characters.") % {"max": 100})
                )
        if row.get("email"):
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(
                    ReportError(
                        users.name,
                        line,
                        "",
                        "email",
                        _("“%(value)s” is not an e-mail address.") % {"value": row["email"]},
                    )
                )
        for grade in _split(row.get("grades", "")):
            _check_enum(errors, users.name, line, "grades", grade, set(CEDS_GRADES))
        for agent in _split(row.get("agentSourcedIds", "")):
            if agent not in user_by_id:
                errors.append(
                    ReportError(
                        users.name,
                        line,
                        "",
                        "agentSourcedIds",
                        _("No user “%(value)s” in users.csv.") % {"value": agent},
                    )
                )
        if users.has("role"):  # OneRoster 1.1
            _check_enum(errors, users.name, line, "role", row["role"], ROLES)

    # roles.csv (1.2) or users.csv role (1.1): roles per user, per org.
    roles_by_user = {}  # sourcedId → list of (role, org, line, file)
    ended_roles = {}  # the same, for role rows marked tobedeleted (a member of staff leaving that org)
    if "roles.csv" in files:
        roles = files["roles.csv"]
        _check_common(errors, roles.name, roles.rows, {})
        for line, row in roles.rows:
            _check_enum(errors, roles.name, line, "roleType", row["roleType"], ROLE_TYPES)
            valid_role = _check_enum(errors, roles.name, line, "role", row["role"], ROLES)
            if row["userSourcedId"] not in user_by_id:
                errors.append(
                    ReportError(
                        roles.name,
                        line,
                        "",
                        "userSourcedId",
                        _("No user “%(value)s” in users.csv.") % {"value": row["userSourcedId"]},
                    )
                )
            if row["orgSourcedId"] not in org_ids:
                errors.append(
                    ReportError(
                        roles.name,
                        line,
                        "",
                        "orgSourcedId",
                        _("No org “%(value)s” in orgs.csv.") % {"value": row["orgSourcedId"]},
                    )
                )
            _check_date(errors, roles.name, line, "beginDate", row.get("beginDate", ""))
            _check_date(errors, roles.name, line, "endDate", row.get("endDate", ""))
            if valid_role:
                (roles_by_user if _active(row) else ended_roles).setdefault(row["userSourcedId"], []).append(
                    (row["role"], row["orgSourcedId"], line, roles.name)
                )
    elif users.has("role") and users.has("orgSourcedIds"):
        for line, row in users.rows:
            for org_id in _split(row["orgSourcedIds"]):
                roles_by_user.setdefault(row["sourcedId"], []).append((row["role"], org_id, line, users.name))
    else:
        errors.append(
            ReportError(
                "roles.csv", None, "", "", _("The zip has no roles.csv (OneRoster 1.2 keeps users' roles there).")
            )
        )

    # demographics.csv (optional): birthDate, sex.
    birth_dates = {}
    sexes = {}
    has_sex = False
    if "demographics.csv" in files:
        demographics = files["demographics.csv"]
        _check_common(errors, demographics.name, demographics.rows, {})
        for line, row in demographics.rows:
            if row["sourcedId"] not in user_by_id:
                errors.append(
                    ReportError(
                        demographics.name,
                        line,
                        "",
                        "sourcedId",
                        _("No user “%(value)s” in users.csv.") % {"value": row["sourcedId"]},
                    )
                )
            birth_date = _check_date(errors, demographics.name, line, "birthDate", row.get("birthDate", ""))
            if birth_date and birth_date > today:
                errors.append(
                    ReportError(demographics.name, line, "", "birthDate", _("The date of birth is in the future."))
                )
            elif birth_date:
                birth_dates[row["sourcedId"]] = (birth_date, line)
            sex = row.get("sex", "").strip().lower()
            if sex and _check_enum(errors, demographics.name, line, "sex", sex, set(_SEXES), required=False):
                has_sex = True
                if _SEXES[sex]:
                    sexes[row["sourcedId"]] = (_SEXES[sex], line)

    # classes.csv
    classes = files["classes.csv"]
    class_ids = {}
    _check_common(errors, classes.name, classes.rows, class_ids)
    class_by_id = {}
    for line, row in classes.rows:
        _check_enum(errors, classes.name, line, "classType", row["classType"], CLASS_TYPES)
        if not row["title"]:
            errors.append(ReportError(classes.name, line, "", "title", _("This is required.")))
        if row["schoolSourcedId"] not in org_ids:
            errors.append(
                ReportError(
                    classes.name,
                    line,
                    "",
                    "schoolSourcedId",
                    _("No org “%(value)s” in orgs.csv.") % {"value": row["schoolSourcedId"]},
                )
            )
        for term in _split(row["termSourcedIds"]):
            if term not in session_ids:
                errors.append(
                    ReportError(
                        classes.name,
                        line,
                        "",
                        "termSourcedIds",
                        _("No academic session “%(value)s” in academicSessions.csv.") % {"value": term},
                    )
                )
        for grade in _split(row.get("grades", "")):
            _check_enum(errors, classes.name, line, "grades", grade, set(CEDS_GRADES))
        class_by_id[row["sourcedId"]] = (line, row)

    # enrollments.csv
    enrollments = files["enrollments.csv"]
    _check_common(errors, enrollments.name, enrollments.rows, {})
    enrolled = {}  # user sourcedId → [(class sourcedId, role, line)]
    for line, row in enrollments.rows:
        valid_role = _check_enum(errors, enrollments.name, line, "role", row["role"], ENROLLMENT_ROLES)
        for column, known, file in (
            ("classSourcedId", class_by_id, "classes.csv"),
            ("userSourcedId", user_by_id, "users.csv"),
            ("schoolSourcedId", org_ids, "orgs.csv"),
        ):
            if row[column] not in known:
                errors.append(
                    ReportError(
                        enrollments.name,
                        line,
                        "",
                        column,
                        _("“%(value)s” is not in %(file)s.") % {"value": row[column], "file": file},
                    )
                )
        if row.get("primary", "") and row["primary"].lower() not in ("true", "false"):
            errors.append(
                ReportError(
                    enrollments.name,
                    line,
                    "",
                    "primary",
                    _("“%(value)s” is not true or false.") % {"value": row["primary"]},
                )
            )
        _check_date(errors, enrollments.name, line, "beginDate", row.get("beginDate", ""))
        _check_date(errors, enrollments.name, line, "endDate", row.get("endDate", ""))
        if valid_role and _active(row) and row["classSourcedId"] in class_by_id:
            enrolled.setdefault(row["userSourcedId"], []).append((row["classSourcedId"], row["role"], line))

    if errors:
        return parsed
    parsed.files, parsed.orgs, parsed.org_ids, parsed.users = files, orgs.rows, org_ids, users
    parsed.user_by_id, parsed.roles_by_user, parsed.ended_roles_by_user = user_by_id, roles_by_user, ended_roles
    parsed.birth_dates, parsed.class_by_id, parsed.enrolled = birth_dates, class_by_id, enrolled
    parsed.sexes, parsed.has_sex = sexes, has_sex
    return parsed


def _roles_at(roles_by_user, user_id, org):
    return {role for role, role_org, _line, _file in roles_by_user.get(user_id, []) if role_org == org}


def _guardian_role(roles_by_user, user_id):
    for role, _org, _line, _file in roles_by_user.get(user_id, []):
        if role in GUARDIAN_ROLES:
            return role
    return None


def _class_titles(class_by_id, org):
    """Class sourcedId → the name our class gets: the title, with the classCode (or sourcedId) when two share it."""
    titles = {}
    ours = {cid: row for cid, (_line, row) in class_by_id.items() if row["schoolSourcedId"] == org and _active(row)}
    counts = {}
    for row in ours.values():
        counts[_fold(row["title"])] = counts.get(_fold(row["title"]), 0) + 1
    for cid, row in ours.items():
        title = row["title"]
        if counts[_fold(title)] > 1:
            title = f"{title} ({row.get('classCode') or cid})"
        titles[cid] = title
    return titles


def _build_rows(conversion, school, org, parsed):
    errors = conversion.errors
    user_by_id, roles_by_user, birth_dates = parsed.user_by_id, parsed.roles_by_user, parsed.birth_dates
    sexes = parsed.sexes
    class_by_id, enrolled, users = parsed.class_by_id, parsed.enrolled, parsed.users
    external = {
        (link.kind, link.source_id): link
        for link in ExternalId.objects.filter(school=school, source=ExternalId.Source.ONEROSTER).select_related(
            "pupil__year_group", "school_class"
        )
    }
    pupils_by_mis_id = {
        pupil.mis_id: pupil
        for pupil in Pupil.objects.filter(school=school).exclude(mis_id="").select_related("year_group")
    }
    year_groups = _YearGroups(school)
    new_year_groups = {}
    titles = _class_titles(class_by_id, org)
    has_preferred = users.has("preferredGivenName") or users.has("preferredFamilyName")
    students = [
        (line, row)
        for line, row in sorted(user_by_id.values(), key=lambda item: item[0])
        if "student" in _roles_at(roles_by_user, row["sourcedId"], org) and _active(row)
    ]
    max_agents = 0
    student_facts = []
    seen_ids = {}
    for line, row in students:
        sid = row["sourcedId"]
        here = Origin("users.csv", line, "", "sourcedId")
        values, origins = {}, {"": here}
        link = external.get((ExternalId.Kind.PUPIL, sid))
        pupil = link.pupil if link else None
        if pupil is not None and (pupil.upn or pupil.mis_id):
            values["upn"], values["mis_id"] = pupil.upn, pupil.mis_id
        else:
            values["mis_id"] = row.get("identifier") or sid
            if len(values["mis_id"]) > 50:
                errors.append(
                    ReportError("users.csv", line, "", "identifier", _("Longer than %(max)s characters.") % {"max": 50})
                )
            pupil = pupils_by_mis_id.get(values["mis_id"])
        if values["mis_id"] in seen_ids:
            errors.append(
                ReportError(
                    "users.csv",
                    line,
                    "",
                    "identifier" if row.get("identifier") else "sourcedId",
                    _("Also the identifier of the student on line %(other)s.") % {"other": seen_ids[values["mis_id"]]},
                )
            )
        seen_ids.setdefault(values["mis_id"], line)
        origins["mis_id"] = Origin("users.csv", line, "", "identifier" if row.get("identifier") else "sourcedId")
        values["legal_first_name"], values["legal_last_name"] = row["givenName"], row["familyName"]
        origins["legal_first_name"] = Origin("users.csv", line, "", "givenName")
        origins["legal_last_name"] = Origin("users.csv", line, "", "familyName")
        if has_preferred:
            values["preferred_first_name"] = row.get("preferredGivenName", "")
            values["preferred_last_name"] = row.get("preferredFamilyName", "")
            origins["preferred_first_name"] = Origin("users.csv", line, "", "preferredGivenName")
            origins["preferred_last_name"] = Origin("users.csv", line, "", "preferredFamilyName")
        if sid in birth_dates:
            birth_date, demo_line = birth_dates[sid]
            values["date_of_birth"] = birth_date.isoformat()
            origins["date_of_birth"] = Origin("demographics.csv", demo_line, "", "birthDate")
        elif pupil is not None:
            values["date_of_birth"] = pupil.date_of_birth.isoformat()
        else:
            errors.append(
                ReportError(
                    "demographics.csv",
                    None,
                    "",
                    "birthDate",
                    _("No birthDate for student %(id)s (users.csv line %(line)s): a new pupil needs a date of birth.")
                    % {"id": sid, "line": line},
                )
            )
        if sid in sexes:
            values["sex"] = sexes[sid][0]
            origins["sex"] = Origin("demographics.csv", sexes[sid][1], "", "sex")
        grades = _split(row.get("grades", ""))
        if grades:
            code = grades[0]
            name, order = CEDS_GRADES[code]
            found = year_groups.find(code) or year_groups.find(name)
            if found is None:
                found = new_year_groups.get(code)
                if found is None:
                    found = new_year_groups[code] = YearGroup(school=school, code=code, name=name, order=order)
            values["year_group"] = found.code
            origins["year_group"] = Origin("users.csv", line, "", "grades")
        elif pupil is not None and pupil.year_group is not None:
            values["year_group"] = pupil.year_group.code  # no grades: the stored year group stays
        # Class: the homeroom, else the only class of this school.
        own = [
            (cid, enrolment_line)
            for cid, role, enrolment_line in enrolled.get(sid, [])
            if role == "student" and cid in titles
        ]
        homerooms = [item for item in own if class_by_id[item[0]][1]["classType"] == "homeroom"]
        chosen = homerooms[0] if homerooms else (own[0] if len(own) == 1 else None)
        values["class"] = titles[chosen[0]] if chosen else ""
        if chosen:
            origins["class"] = Origin("classes.csv", class_by_id[chosen[0]][0], "", "title")
            if len(values["class"]) > 50:
                errors.append(
                    ReportError(
                        "classes.csv",
                        class_by_id[chosen[0]][0],
                        "",
                        "title",
                        _("Longer than %(max)s characters.") % {"max": 50},
                    )
                )
        agents = []
        for agent_id in _split(row.get("agentSourcedIds", "")):
            agent_line, agent = user_by_id[agent_id]
            if not _active(agent):
                continue  # a parent marked tobedeleted: the link ends
            role = _guardian_role(roles_by_user, agent_id)
            if role is None:
                errors.append(
                    ReportError(
                        "users.csv",
                        line,
                        "",
                        "agentSourcedIds",
                        _("%(id)s has no role parent, guardian or relative.") % {"id": agent_id},
                    )
                )
                continue
            agents.append((agent_id, agent_line, agent, role))
        if len(agents) > MAX_CONTACTS:
            errors.append(
                ReportError(
                    "users.csv", line, "", "agentSourcedIds", _("More than %(max)s agents.") % {"max": MAX_CONTACTS}
                )
            )
            agents = agents[:MAX_CONTACTS]
        for slot, (_agent_id, agent_line, agent, role) in enumerate(agents, start=1):
            relationship, responsibility = GUARDIAN_ROLES[role]
            prefix = f"contact{slot}"
            values.update(
                {
                    f"{prefix}_first_name": agent["givenName"],
                    f"{prefix}_last_name": agent["familyName"],
                    f"{prefix}_relationship": relationship,
                    f"{prefix}_parental_responsibility": responsibility,
                    f"{prefix}_email": agent.get("email", ""),
                    f"{prefix}_phone": agent.get("phone", "") or agent.get("sms", ""),
                    f"{prefix}_priority": str(slot),
                }
            )
            for column, source in (
                ("first_name", "givenName"),
                ("last_name", "familyName"),
                ("relationship", "role"),
                ("parental_responsibility", "role"),
                ("email", "email"),
                ("phone", "phone"),
                ("priority", "agentSourcedIds"),
            ):
                origins[f"{prefix}_{column}"] = Origin("users.csv", agent_line, "", source)
        max_agents = max(max_agents, len(agents))
        conversion.add_row(values, origins)
        student_facts.append(
            {
                "sourced_id": sid,
                "agents": [(a[0], a[2]["givenName"], a[2]["familyName"]) for a in agents],
                # The student's own address (users.csv ``email``), recorded on the pupil for their account
                # invitation (issue 14 item 1); checked as an e-mail address above.
                "email": (row.get("email") or "").strip().lower(),
            }
        )

    columns = ["upn", "mis_id", "legal_first_name", "legal_last_name"]
    if has_preferred:
        columns += ["preferred_first_name", "preferred_last_name"]
    columns += ["date_of_birth", "year_group", "class"]
    if parsed.has_sex:
        columns.append("sex")  # a pupil without male/female keeps what is recorded (blank never clears)
    from safeguard.directory.roster import CONTACT_FIELDS

    columns += [f"contact{n}_{name}" for n in range(1, max_agents + 1) for name in CONTACT_FIELDS]
    conversion.columns = columns
    conversion.new_year_groups = list(new_year_groups.values())
    if not students:
        errors.append(ReportError("users.csv", None, "", "", _("No student of this school is in the file.")))
    used_titles = {values["class"] for values in conversion.rows if values.get("class")}

    # Staff: teachers, aides, administrators, principals … of this school (roles.csv, or a teacher enrollment in one
    # of its classes). Matched to accounts and given roles by ``interop.services_staff``; facts only here.
    conversion.extra = {
        "students": student_facts,
        "staff": staff_facts(parsed, org, titles),
        "teacher_classes": [
            (titles[cid], user_id)
            for user_id, items in enrolled.items()
            for cid, role, _line in items
            if role == "teacher" and cid in titles and titles[cid] in used_titles and _active(user_by_id[user_id][1])
        ],
        "classes": {title: cid for cid, title in titles.items() if title in used_titles},
    }


def staff_facts(parsed, org, titles):
    """The members of staff of ``org`` in the file, in users.csv order: dicts with ``sourced_id``, ``line`` (in
    users.csv), ``given``, ``family``, ``email``, ``roles`` (OneRoster roles at the org, sorted) and ``leaving``
    (True when the user is ``tobedeleted``, or every staff role row of theirs at the org is). A user enrolled as
    ``teacher`` in a class of the org counts as a teacher there even without a roles.csv row (1.1 files)."""
    found = {}
    for user_id, items in parsed.roles_by_user.items():
        for role, role_org, _line, _file in items:
            if role_org == org and role in STAFF_ROLES:
                found.setdefault(user_id, set()).add(role)
    for user_id, items in parsed.enrolled.items():
        if any(role == "teacher" and cid in titles for cid, role, _line in items):
            found.setdefault(user_id, set()).add("teacher")
    ended = {}
    for user_id, items in parsed.ended_roles_by_user.items():
        for role, role_org, _line, _file in items:
            if role_org == org and role in STAFF_ROLES:
                ended.setdefault(user_id, set()).add(role)
    facts = []
    for user_id in sorted(set(found) | set(ended), key=lambda uid: parsed.user_by_id[uid][0]):
        line, row = parsed.user_by_id[user_id]
        roles = found.get(user_id) or ended.get(user_id, set())
        facts.append(
            {
                "sourced_id": user_id,
                "line": line,
                "given": row["givenName"],
                "family": row["familyName"],
                "email": row.get("email", ""),
                "roles": sorted(roles),
                "leaving": not _active(row) or user_id not in found,
            }
        )
    return facts


def guardians_by_pupil(school):
    """Pupil pk → {folded (first, last) name → ``Guardian``} of current links (for recording sourcedIds)."""
    from safeguard.directory.models import PupilGuardian

    found = {}
    links = PupilGuardian.objects.filter(pupil__school=school, ended_on__isnull=True).select_related("guardian")
    for link in links:
        key = (_fold(link.guardian.first_name), _fold(link.guardian.last_name))
        found.setdefault(link.pupil_id, {})[key] = link.guardian
    return found
