"""Percentages are written as the page's language writes them: "25%" in English, "%25" in Turkish (issue 12 item 24)."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from aup.tests.factories import pupil_agreement
from aup.tests.test_coverage import _new_class, _open, _paper
from safeguard.directory.tests import factories
from safeguard.templatetags.safeguard_tags import format_percent


def test_format_percent_puts_the_sign_where_the_language_does():
    with translation.override("en-gb"):
        assert (format_percent(79), format_percent(0), format_percent(None)) == ("79%", "0%", "")
    with translation.override("tr"):
        assert format_percent(79) == "%79"
        assert format_percent(5.5, 1) == "%5,5"


def test_the_filter_in_a_template():
    template = Template("{% load safeguard %}{{ share|percent }}")
    with translation.override("tr"):
        assert template.render(Context({"share": 40})) == "%40"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "written", "not_written"), [("en-gb", "25%", "%25"), ("tr", "%25", "25%")])
def test_the_agreement_coverage_page_writes_percentages_in_the_users_language(
    client, school, office, language, written, not_written
):
    academic_year = factories.AcademicYearFactory(school=school)
    agreement = pupil_agreement(school)
    _school_class, pupils = _new_class(school, academic_year, "4 Oak", "Y4", 4)
    _paper(_open(agreement, office, pupils[0]), office)
    office.language = language
    office.save()
    client.force_login(office)

    page = client.get(reverse("aup:coverage", args=[school.slug, agreement.public_id]))

    assert page.status_code == 200
    cells = [cell.strip() for cell in page.text.split('<td class="text-end">')[1:]]
    percent_cells = [cell.split("<")[0] for cell in cells if "%" in cell.split("<")[0]]
    assert written in percent_cells
    assert not_written not in percent_cells
