"""Server-side SVG charts and the tables of their numbers, for the dashboards (HTML) and the reports (PDF).

The functions here lay charts out — positions, sizes, colours, labels and links — as plain objects, and each
object writes its own markup (``svg()``, ``Table.html()``): inline SVG that WeasyPrint renders the same in a PDF,
each chart with a ``<title>`` and ``<desc>`` and an ``aria-labelledby``. The markup is built here rather than in
template loops because a dashboard has thousands of cells and Django's template engine would spend most of the
page's time on them; the templates ``reports/_chart_bars.html``, ``_chart_stacked.html``, ``_chart_heatmap.html``
and ``_chart_table.html`` place it on the page. Every chart is shown with a ``Table`` of its numbers, which is also
what the CSV export writes. Text is escaped; coordinates are never localised (a Turkish page would write "12,5").

Colours are the Okabe–Ito palette, which stays distinguishable with every common colour-vision deficiency; every
shape has a dark outline, and numbers are written on the chart or in the table, never left to colour alone.

Accessibility (issue 15, item 4): a chart is one image (``role="img"`` with its title and description) and holds no
link — a link inside an image is announced as neither, and axe reports it. The drill-down links are in the table of
its numbers; a shape with a drill-down carries it as ``data-href``, which ``static/js/components.js`` follows on a
click as a shortcut for the mouse. Text is 12 units, and the page never draws a chart narrower than its ``width``
(it scrolls sideways on a phone instead, see ``reports/_chart_*.html``), so no text is smaller than 12 CSS px; on a
wide screen the chart takes the card's width. Legends are written beside the chart in HTML (``legend``).
"""

import dataclasses
import html
import math
from decimal import Decimal

from django.utils import numberformat
from django.utils.formats import get_format, localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
GREY = "#BBBBBB"
OUTLINE = "#333333"
# Behaviour levels from mild to extreme, and no level.
LEVEL_COLOURS = {
    1: OKABE_ITO["sky_blue"],
    2: OKABE_ITO["bluish_green"],
    3: OKABE_ITO["yellow"],
    4: OKABE_ITO["orange"],
    5: OKABE_ITO["vermillion"],
    None: GREY,
}
BAR_COLOUR = OKABE_ITO["blue"]
WIDTH = 640


def escape(text):
    """``text`` (anything ``str()`` takes, lazy translations too) escaped for HTML — what ``django.utils.html.escape``
    does, without its check for lazy arguments on each of the thousands of calls a page makes."""
    return html.escape(str(text))


def shorten(text, length):
    text = str(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def nice_ceiling(value):
    """The top of an axis of four equal whole-number steps (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) at or above
    ``value``."""
    step = 1
    while step * 4 < value:
        magnitude = 10 ** math.floor(math.log10(step))
        following = [
            m * magnitude for m in (1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * magnitude > step and (m * magnitude) % 1 == 0
        ]
        step = int(following[0])
    return step * 4


RIGHT = ' class="text-end"'
NORMAL_WEIGHT = ' class="fw-normal"'
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
FONT_SIZE = 12  # in SVG units; the page never scales a chart below 1 unit = 1 CSS px


def _open_svg(chart, font_size=FONT_SIZE):
    return (
        f'<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" '
        f'width="100%" style="min-width: {chart.width}px" role="img" '
        f'aria-labelledby="{chart.id}-title {chart.id}-desc" font-family="{escape(FONT)}" font-size="{font_size}">'
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart.id}-desc">{escape(chart.description)}</desc>'
    )


def _linked(href, markup):
    """``markup`` in a group that a click follows to ``href`` (for the mouse; the table under the chart has the same
    link for everyone): never an ``<a>`` inside an image."""
    return f'<g class="chart-link" data-href="{escape(href)}">{markup}</g>' if href else markup


def mix_with_white(colour, share):
    """``colour`` (hex) at ``share`` (0–1) over white, as a solid hex colour (PDF renderers need no opacity)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = [round(255 - (255 - c) * share) for c in (red, green, blue)]
    return "#" + "".join(f"{c:02X}" for c in mixed)


# Tables -----------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)  # a comparison of twenty schools makes thousands: no __dict__ each
class Cell:
    """One cell of a figure's table: ``text`` as shown (and written to CSV), a drill-down ``href`` if any, and for
    the trust comparison the ``rate`` per 100 pupils beside a count."""

    text: object
    href: str = ""
    numeric: bool = False
    rate: object = None
    header: bool = False

    def __str__(self):
        return str(self.text)


def num(value, href="", rate=None):
    return Cell(value, href=href if value else "", numeric=True, rate=rate)


@dataclasses.dataclass
class Table:
    """A figure's numbers: ``columns`` (labels), ``rows`` (lists of ``Cell``, the first naming the row), optional
    ``footer`` rows (totals) and a ``note`` shown under it."""

    name: str
    title: str
    columns: list
    rows: list
    footer: list = dataclasses.field(default_factory=list)
    note: str = ""
    empty: str = ""

    @property
    def numeric_columns(self):
        """For each column, whether its cells are numbers (their header is then aligned right like them)."""
        rows = self.rows + self.footer
        return [bool(rows) and i < len(rows[0]) and rows[0][i].numeric for i in range(len(self.columns))]

    @property
    def header(self):
        """``[(column, numeric)]`` for the template."""
        return list(zip(self.columns, self.numeric_columns, strict=True))

    def html(self):
        """The table's markup (``<table>`` with caption, header, body and footer), every link and rate in place."""
        numeric = self.numeric_columns
        texts = _CellTexts(gettext("%(rate)s per 100"))
        head = "".join(
            f'<th{RIGHT if right else ""} scope="col">{texts.header(column)}</th>'
            for column, right in zip(self.columns, numeric, strict=True)
        )
        parts = [
            f'<table class="table table-sm table-striped bg-white align-middle mb-1" id="table-{escape(self.name)}">'
            f'<caption class="visually-hidden">{escape(self.title)}</caption><thead><tr>{head}</tr></thead><tbody>'
        ]
        for row in self.rows:
            parts.append(f"<tr>{texts.row(row)}</tr>")
        if not self.rows:
            empty = self.empty or gettext("Nothing to show for this period.")
            parts.append(f'<tr><td colspan="{len(self.columns)}" class="text-muted">{escape(empty)}</td></tr>')
        parts.append("</tbody>")
        if self.footer:
            parts.append("<tfoot>")
            parts.extend(f'<tr class="fw-semibold">{texts.row(row)}</tr>' for row in self.footer)
            parts.append("</tfoot>")
        parts.append("</table>")
        return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped

    def csv_rows(self, rate_label):
        """The header and every row as lists of strings; a column with rates gets a second column for them."""
        with_rate = [
            any(row[i].rate is not None for row in self.rows + self.footer if i < len(row))
            for i in range(len(self.columns))
        ]
        header = []
        for column, rated in zip(self.columns, with_rate, strict=True):
            header.append(str(column))
            if rated:
                header.append(f"{column} — {rate_label}")
        lines = [header]
        for row in self.rows + self.footer:
            line = []
            for cell, rated in zip(row, with_rate, strict=False):
                line.append(str(cell.text))
                if rated:
                    line.append("" if cell.rate is None else str(cell.rate))
            lines.append(line)
        return lines


class _CellTexts:
    """The markup of a table's cells, each number localised once per table: a comparison of twenty schools writes
    thousands of cells, most of them a handful of small numbers."""

    def __init__(self, per_100):
        self.per_100 = per_100  # "%(rate)s per 100", translated
        self.numbers, self.rates = {}, {}
        # ``django.utils.formats.number_format`` with the language's formats looked up once, not once per number.
        language = get_language()
        self.number_formats = [
            get_format(name, language, use_l10n=True)
            for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
        ]

    def number(self, value):
        """An int or Decimal as ``django.utils.formats.localize`` writes it."""
        decimal_separator, grouping, thousand_separator = self.number_formats
        return numberformat.format(value, decimal_separator, None, grouping, thousand_separator, use_l10n=True)

    def localize(self, value):
        if value.__class__ is int or value.__class__ is Decimal:
            return self.number(value)
        return localize(value)

    def text(self, value):
        """``value`` localised (numbers with the language's separators, dates in its format) and escaped."""
        # Decimals by their digits: 5.5 and 5.50 are equal but are written differently.
        if value.__class__ is int or value.__class__ is Decimal:
            key = value if value.__class__ is int else str(value)
            text = self.numbers.get(key)
            if text is None:
                text = self.numbers[key] = escape(self.number(value))
            return text
        return escape(localize(value))

    def header(self, column):
        if isinstance(column, Cell):
            return _linked(column.href, self.text(column.text))
        return escape(column)

    def rate(self, rate):
        key = (rate.__class__, str(rate))
        text = self.rates.get(key)
        if text is None:
            text = self.rates[key] = (
                f'<div class="small text-muted fw-normal">{escape(self.per_100 % {"rate": self.localize(rate)})}</div>'
            )
        return text

    def row(self, row):
        cells = []
        for index, cell in enumerate(row):
            text = self.text(cell.text)
            if cell.href:
                text = f'<a href="{escape(cell.href)}">{text}</a>'
            if cell.rate is not None:
                text += self.rate(cell.rate)
            if index == 0:
                cells.append(f'<th scope="row"{"" if cell.header else NORMAL_WEIGHT}>{text}</th>')
            else:
                cells.append(f"<td{RIGHT if cell.numeric else ''}>{text}</td>")
        return "".join(cells)


# Horizontal bars --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    label_x: int
    bars: list

    def svg(self):
        """The chart as inline SVG: a label, a bar (followed on a click when it has a drill-down) and its value per
        row."""
        parts = [_open_svg(self)]
        for bar in self.bars:
            shape = (
                f'<rect x="{bar["x"]}" y="{bar["y"]}" width="{bar["width"]}" height="{bar["height"]}" '
                f'fill="{bar["colour"]}" stroke="{OUTLINE}" stroke-width="0.5"><title>'
                f"{escape(bar['full_label'])}: {escape(localize(bar['value']))}</title></rect>"
                f'<text x="{bar["value_x"]}" y="{bar["text_y"]}" fill="#212529">{escape(localize(bar["value"]))}</text>'
            )
            parts.append(
                f'<g><text x="{self.label_x}" y="{bar["text_y"]}" text-anchor="end" fill="#212529">'
                f"{escape(bar['label'])}</text>{_linked(bar.get('href'), shape)}</g>"
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def bar_chart(rows, *, chart_id, title, description, colour=BAR_COLOUR):
    """Horizontal bars, one per row: ``rows`` is ``[(label, value, href), …]`` (href may be "")."""
    row_height, bar_height, top, label_width, value_room = 24, 16, 6, 250, 56
    longest = max([value for _l, value, _h in rows] or [0]) or 1
    plot = WIDTH - label_width - value_room
    bars = []
    for index, (label, value, href) in enumerate(rows):
        y = top + index * row_height
        length = round(plot * value / longest) if value else 0
        bars.append(
            {
                "label": shorten(label, 36),
                "full_label": str(label),
                "value": value,
                "href": href if value else "",
                "x": label_width,
                "y": y,
                "width": max(length, 1 if value else 0),
                "height": bar_height,
                "text_y": y + bar_height - 3,
                "value_x": label_width + length + 6,
                "colour": colour,
            }
        )
    height = top * 2 + row_height * max(len(rows), 1)
    return BarChart(chart_id, title, description, WIDTH, height, label_width - 8, bars)


# Stacked columns (weeks) -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class StackedChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    plot: dict
    ticks: list
    columns: list
    legend: list

    def svg(self):
        """The chart as inline SVG: grid lines with their values, the stacked columns (each segment followed on a
        click when it has a drill-down) and the column labels. The legend is written by the template."""
        plot = self.plot
        parts = [_open_svg(self)]
        for tick in self.ticks:
            parts.append(
                f'<line x1="{plot["left"]}" x2="{plot["right"]}" y1="{tick["y"]}" y2="{tick["y"]}" stroke="#DDDDDD" '
                f'stroke-width="1"/><text x="{plot["left"] - 6}" y="{tick["y"]}" dy="4" text-anchor="end" '
                f'fill="#495057">{tick["value"]}</text>'
            )
        parts.append(
            f'<line x1="{plot["left"]}" x2="{plot["right"]}" y1="{plot["bottom"]}" y2="{plot["bottom"]}" '
            f'stroke="{OUTLINE}" stroke-width="1"/>'
        )
        for column in self.columns:
            parts.append("<g>")
            for segment in column["segments"]:
                rect = (
                    f'<rect x="{segment["x"]}" y="{segment["y"]}" width="{segment["width"]}" '
                    f'height="{segment["height"]}" fill="{segment["colour"]}" stroke="{OUTLINE}" stroke-width="0.5">'
                    f"<title>{escape(segment['title'])}</title></rect>"
                )
                parts.append(_linked(segment["href"], rect))
            if column["label"]:
                x, y = column["label_x"], plot["label_y"]
                parts.append(
                    f'<text x="{x}" y="{y}" text-anchor="end" transform="rotate(-40 {x} {y})" fill="#495057">'
                    f"{escape(column['label'])}</text>"
                )
            parts.append("</g>")
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def stacked_columns(columns, series, *, chart_id, title, description):
    """Vertical stacked columns (incidents per week by level, or per school by level).

    Args:
        columns: ``[{"label": short x label, "title": full name, "segments": [(series key, value, href), …]}]``.
        series: ``[(key, label, colour), …]`` in stacking order (bottom first), also the legend.
    """
    # Column labels are turned 40°: a long first label needs room on the left.
    longest = max([len(str(column["label"])) for column in columns] or [0])
    left, right, top, plot_height = max(40, longest * 6), WIDTH - 8, 10, 190
    bottom = top + plot_height
    totals = [sum(value for _k, value, _h in column["segments"]) for column in columns]
    ceiling = nice_ceiling(max(totals or [0]))
    scale = plot_height / ceiling
    slot = (right - left) / max(len(columns), 1)
    bar_width = max(min(slot * 0.7, 48), 2)
    every = max(1, math.ceil(len(columns) / 14))  # a label every n-th column so labels never overlap
    labels = {key: (label, colour) for key, label, colour in series}
    laid_out = []
    for index, (column, total) in enumerate(zip(columns, totals, strict=True)):
        x = left + slot * index + (slot - bar_width) / 2
        y, segments = bottom, []
        for key, value, href in column["segments"]:
            if not value:
                continue
            height = value * scale
            y -= height
            label, colour = labels[key]
            segments.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(bar_width, 1),
                    "height": round(height, 1),
                    "colour": colour,
                    "value": value,
                    "href": href,
                    "title": f"{column['title']} · {label}: {value}",
                }
            )
        laid_out.append(
            {
                "segments": segments,
                "total": total,
                "label": column["label"] if index % every == 0 else "",
                "label_x": round(x + bar_width / 2, 1),
                "title": column["title"],
            }
        )
    ticks = [{"value": ceiling * i // 4, "y": round(bottom - plot_height * i / 4, 1)} for i in range(5)]
    legend = [{"label": label, "colour": colour} for _key, label, colour in series]  # drawn in HTML by the template
    plot = {"left": left, "right": right, "top": top, "bottom": bottom, "label_y": bottom + 14}
    # Room under the plot for the column labels turned 40° (12-unit text, about 7 units a character).
    label_room = 24 + round(min(longest, 14) * 7 * math.sin(math.radians(40)))
    return StackedChart(chart_id, title, description, WIDTH, bottom + label_room, plot, ticks, laid_out, legend)


# Heat map ---------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class HeatMapChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    columns: list
    rows: list

    def svg(self):
        """The chart as inline SVG: column labels, then a row label and a shaded cell (with its count written in
        it, followed on a click when it has a drill-down) for each row and column."""
        parts = [_open_svg(self)]
        for column in self.columns:
            parts.append(
                f'<text x="{column["x"]}" y="14" text-anchor="middle" fill="#495057">{escape(column["label"])}</text>'
            )
        for row in self.rows:
            parts.append(
                f'<g><text x="86" y="{row["label_y"]}" text-anchor="end" fill="#212529">{escape(row["label"])}</text>'
            )
            for cell in row["cells"]:
                markup = (
                    f'<rect x="{cell["x"]}" y="{cell["y"]}" width="{cell["width"]}" height="{cell["height"]}" '
                    f'fill="{cell["fill"]}" stroke="{OUTLINE if cell["value"] else "#DDDDDD"}" stroke-width="0.5">'
                    f"<title>{escape(cell['title'])}</title></rect>"
                )
                if cell["value"]:
                    markup += (
                        f'<text x="{cell["text_x"]}" y="{cell["text_y"]}" text-anchor="middle" '
                        f'fill="{cell["text_colour"]}">{cell["value"]}</text>'
                    )
                parts.append(_linked(cell["href"], markup))
            parts.append("</g>")
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def heat_map(rows, columns, cells, *, chart_id, title, description, colour=BAR_COLOUR):
    """A grid of counts shaded by size, each count written in its cell.

    Args:
        rows: ``[(key, label), …]`` (days); columns: ``[(key, label), …]`` (hours).
        cells: ``{(row key, column key): (value, href)}``; missing cells are 0.
    """
    label_width, top, cell_height = 92, 22, 26
    cell_width = min(44, (WIDTH - label_width - 4) / max(len(columns), 1))
    largest = max([value for value, _h in cells.values()] or [0]) or 1
    laid_rows = []
    for row_index, (row_key, row_label) in enumerate(rows):
        y = top + row_index * cell_height
        laid_cells = []
        for column_index, (column_key, column_label) in enumerate(columns):
            value, href = cells.get((row_key, column_key), (0, ""))
            share = 0.12 + 0.88 * value / largest if value else 0
            laid_cells.append(
                {
                    "x": round(label_width + column_index * cell_width, 1),
                    "y": y,
                    "width": round(cell_width - 2, 1),
                    "height": cell_height - 2,
                    "fill": mix_with_white(colour, share) if value else "#FFFFFF",
                    "text_colour": "#FFFFFF" if share > 0.55 else "#000000",
                    "value": value,
                    "href": href if value else "",
                    "title": f"{row_label} {column_label}: {value}",
                    "text_x": round(label_width + column_index * cell_width + (cell_width - 2) / 2, 1),
                    "text_y": y + cell_height / 2 + 3,
                }
            )
        laid_rows.append({"label": row_label, "label_y": y + cell_height / 2 + 4, "cells": laid_cells})
    laid_columns = [
        {"label": label, "x": round(label_width + index * cell_width + (cell_width - 2) / 2, 1)}
        for index, (_key, label) in enumerate(columns)
    ]
    width = round(label_width + cell_width * len(columns) + 4)
    height = top + cell_height * max(len(rows), 1) + 4
    return HeatMapChart(chart_id, title, description, max(width, 200), height, laid_columns, laid_rows)
