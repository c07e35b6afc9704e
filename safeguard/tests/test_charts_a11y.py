"""Charts as a screen reader and a phone meet them (issue 15, item 4): one image with no link inside (the links are
in the table of numbers), 12-unit text never drawn narrower than the chart's own width, the legend written beside
the chart as text, and "the numbers" closed alike under every chart. The browser side (the frame takes the card's
width; the text measures 12 px at 360 px) is in ``test_a11y_components.py``."""

from django.template.loader import render_to_string

from reports import charts


def bars():
    return charts.bar_chart(
        [("Low-level disruption", 12, "/drill?category=1"), ("Defiance", 0, "/drill?category=2")],
        chart_id="chart-categories",
        title="Incidents by category",
        description="Horizontal bars.",
    )


def stacked():
    series = [(1, "Level 1", charts.LEVEL_COLOURS[1]), (2, "Level 2", charts.LEVEL_COLOURS[2])]
    columns = [
        {"label": "3 Nov", "title": "Week of 3 November", "segments": [(1, 4, "/drill?week=1&level=1"), (2, 1, "")]},
        {"label": "10 Nov", "title": "Week of 10 November", "segments": [(1, 0, ""), (2, 2, "/drill?week=2")]},
    ]
    return charts.stacked_columns(columns, series, chart_id="chart-weeks", title="Per week", description="Columns.")


def heat():
    return charts.heat_map(
        [("mon", "Monday")],
        [("9", "09"), ("10", "10")],
        {("mon", "9"): (3, "/drill?day=mon&hour=9")},
        chart_id="chart-times",
        title="When",
        description="A grid.",
    )


def test_no_chart_has_a_link_inside_its_image_but_a_click_target_remains():
    for chart in (bars(), stacked(), heat()):
        svg = str(chart.svg())
        assert 'role="img"' in svg
        assert "<a " not in svg and "href=" not in svg.replace("data-href=", ""), chart.id
        assert 'data-href="/drill?' in svg, chart.id
        assert 'data-href="/drill?category=2"' not in svg  # nothing to open behind a zero


def test_chart_text_is_12_units_and_the_chart_is_never_drawn_narrower_than_its_width():
    for chart in (bars(), stacked(), heat()):
        svg = str(chart.svg())
        assert 'font-size="12"' in svg and 'font-size="11"' not in svg
        assert f'style="min-width: {chart.width}px"' in svg
        assert "max-width" not in svg  # the card's width, not a fixed 640 px


def test_the_legend_is_text_beside_the_chart():
    chart = stacked()
    assert "Level 1" not in str(chart.svg()).split("</desc>")[1].split("<title>")[0]
    page = render_to_string("reports/_chart_stacked.html", {"chart": chart})
    assert 'class="chart-legend' in page and "Level 1" in page and "Level 2" in page
    assert 'role="region"' in page and 'aria-label="Per week"' in page


def test_the_numbers_are_closed_alike_under_every_kind_of_chart():
    table = charts.Table(name="t", title="T", columns=["A", "B"], rows=[[charts.Cell("x"), charts.num(1, "/d")]])
    for kind, chart in (("bars", bars()), ("stacked", stacked()), ("heatmap", heat())):
        section = {"name": kind, "title": kind, "kind": kind, "chart": chart, "tables": [table]}
        page = render_to_string("reports/_chart_section.html", {"section": section})
        assert '<details class="numbers-table mt-2">' in page, kind
        assert " open" not in page.split("<details")[1].split(">")[0], kind
        assert '<a href="/d">' in page  # the drill-down link is in the table
