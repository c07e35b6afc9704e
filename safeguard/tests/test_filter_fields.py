"""``safeguard.filter_fields`` draws a filter bar's fields as crispy-forms' Bootstrap 5 field does — the same
labels, classes, ``aria-invalid``/``aria-describedby``, errors and help text — for drop-downs, date inputs and
checkboxes, empty, chosen and in error; and ``model_choices`` lists a model's rows with one plain query."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.directory.models import YearGroup
from safeguard.directory.tests import factories
from safeguard.filter_fields import FastSelect, field_group, field_groups, model_choices
from safeguard.forms import SafeModelChoiceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _form(select):
    class FilterForm(forms.Form):
        status = forms.ChoiceField(
            label="Status <all>",
            choices=[("", "Everyone"), ("open", "Open & waiting"), ("closed", "Closed")],
            required=False,
            widget=select,
        )
        kind = forms.ChoiceField(
            label="Kind",
            choices=[("a", "A"), ("Grouped", [("b", "B"), ("c", "C")])],
            help_text="Choose <em>one</em>.",
            widget=select,
        )
        date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
        only_no = forms.BooleanField(label="Only pupils with any no", required=False)

        def clean(self):
            if self.cleaned_data.get("status") == "closed":
                self.add_error("date_from", "Closed records need a date <here>.")
            return self.cleaned_data

    return FilterForm


def _same(html):
    """Markup with the whitespace between and inside tags taken out (the templates indent; Python does not)."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize(
    "data",
    [
        {},  # unbound-like: nothing chosen, the required drop-down in error
        {"status": "open", "kind": "c", "date_from": "2026-11-03", "only_no": "on"},
        {"status": "closed", "kind": "zz", "date_from": "3 November"},  # three fields in error
    ],
)
def test_each_field_is_drawn_as_crispy_forms_draws_it(data):
    crispy_form, fast_form = _form(forms.Select)(data), _form(FastSelect)(data)
    crispy_form.is_valid(), fast_form.is_valid()
    drawn = field_groups(fast_form)
    for name in crispy_form.fields:
        assert _same(drawn[name]) == _same(as_crispy_field(crispy_form[name])), name


def test_labels_options_and_errors_are_escaped():
    form = _form(FastSelect)({"status": "closed", "kind": "a", "date_from": "2026-11-03"})
    form.is_valid()
    html = str(field_group(form["status"])) + str(field_group(form["date_from"]))
    assert "Status &lt;all&gt;" in html and "Open &amp; waiting" in html
    assert "Closed records need a date &lt;here&gt;." in html
    assert '<option value="closed" selected>Closed</option>' in html


@pytest.mark.django_db
def test_model_choices_lists_the_rows_in_one_plain_query_and_still_checks_what_is_posted(school):
    later = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    earlier = factories.YearGroupFactory(school=school, code="Y3", name="Year 3", order=3)

    class YearForm(forms.Form):
        year_group = SafeModelChoiceField(
            label="Year group", queryset=YearGroup.objects.none(), required=False, widget=FastSelect
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            model_choices(self.fields["year_group"], YearGroup.objects.filter(school=school).order_by("order"))

    with CaptureQueriesContext(connection) as queries:
        form = YearForm({"year_group": str(earlier.pk)})
    assert form.is_valid()  # the posted key is looked up in the queryset, as by any ModelChoiceField
    html = str(field_group(form["year_group"]))
    assert len(queries.captured_queries) == 1 and not queries.captured_queries[0]["sql"].startswith("DECLARE")
    assert html.index(f'<option value="{earlier.pk}" selected>Year 3</option>') < html.index(
        f'<option value="{later.pk}">Year 4</option>'
    )
    chosen = YearForm({"year_group": str(later.pk)})
    assert chosen.is_valid() and chosen.cleaned_data["year_group"] == later
    assert not YearForm({"year_group": "999999"}).is_valid()
