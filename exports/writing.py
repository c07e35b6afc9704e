"""CSV files for spreadsheets: UTF-8 with a byte-order mark (Excel reads Turkish letters only with one), one header
row, and no cell a spreadsheet would run as a formula (OWASP "CSV injection")."""

import csv
import io

from django.http import HttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as the text of a CSV cell; text starting with = + - @, a tab or a carriage return gets a leading
    ``'`` so a spreadsheet shows it rather than running it. None is an empty cell."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(table):
    """The whole CSV of ``table`` (a ``selectors.Table``) as a string, starting with the byte-order mark."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(value) for value in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(table, filename):
    """An attachment response holding ``table`` as CSV, named ``filename`` (ours, ASCII), never cached."""
    response = HttpResponse(csv_text(table).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
