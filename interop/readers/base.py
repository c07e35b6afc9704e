"""What every reader returns: the roster CSV rows built from the file, where each cell came from, and the file's
own errors."""

import csv
import io
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReportError:
    """One problem, named as the school sees it in its own file.

    ``file``: the file in the upload (``users.csv``, or the CTF's file name); ``line``: the line in that file
    (headings are line 1), or None; ``record``: for XML, which element (e.g. "Pupil 3, UPN …"), else "";
    ``field``: the column or element; ``message``: what is wrong (translated).
    """

    file: str
    line: int | None
    record: str
    field: str
    message: str

    def as_dict(self):
        return {
            "file": self.file,
            "line": self.line,
            "record": self.record,
            "field": self.field,
            "message": str(self.message),
        }


@dataclass(frozen=True)
class Origin:
    """Where a roster cell came from: ``file``, ``line`` (or None), ``record`` and ``field`` as in ``ReportError``."""

    file: str
    line: int | None
    record: str
    field: str


@dataclass
class Conversion:
    """A file read into roster rows.

    ``columns``: the roster CSV headings used; ``rows``: one dict per pupil (column → text); ``origins``: per row
    (index in ``rows``), per column, the ``Origin`` of its value, with ``""`` as the row's default origin.
    ``errors``: the file's own problems (when not empty, the roster plan is not built). ``new_year_groups``:
    unsaved ``YearGroup`` objects named by the file (OneRoster grades new to the school). ``notes``: things the
    preview should say that are not errors (a teacher matched to no member of staff). ``extra``: reader-specific
    facts the apply step needs (OneRoster sourcedIds, teachers).
    """

    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    origins: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    new_year_groups: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    offers_leavers: bool = True

    def add_row(self, values, origins):
        self.rows.append(values)
        self.origins.append(origins)

    def csv_text(self):
        """The rows as the roster CSV (headings on line 1, so row index ``i`` is spreadsheet row ``i + 2``)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        for values in self.rows:
            writer.writerow([values.get(column, "") for column in self.columns])
        return buffer.getvalue()

    def origin_of(self, roster_row, column):
        """The ``Origin`` of roster spreadsheet row ``roster_row`` (None for the whole file) and ``column``."""
        if roster_row is None or not 2 <= roster_row < len(self.rows) + 2:
            return None
        origins = self.origins[roster_row - 2]
        return origins.get(column) or origins.get(_contact_prefix(column)) or origins.get("")


def _contact_prefix(column):
    return column.split("_", 1)[0] if column.startswith("contact") else column
