"""The fields of a page's filter bar (a class, a year group, a status, dates), as Bootstrap 5 HTML built in Python.

Why: a filter bar is drawn on every request of the busiest lists (the chronology, agreement coverage, the consent
grid), and drawing it with templates cost more than the list it filters. ``{{ field|as_crispy_field }}`` renders
five templates per field, and Django's ``Select`` one more per option (with its attributes, two): a bar of four
drop-downs with forty options was 80 template renders, about 2–5 ms of a page's 25–45 ms (issue 18 item 6). The
HTML here is crispy-forms' Bootstrap 5 field (``bootstrap5/field.html``) for the widgets a filter bar uses — the
same ids, classes, label, ``aria-describedby``/``aria-invalid``, errors and help text — so tests, styles and the
accessibility checks see the same page.

Use::

    from safeguard.filter_fields import FastSelect, field_group, model_choices

    class GridFilterForm(forms.Form):
        purpose = forms.ChoiceField(label=_("Purpose"), choices=[], required=False, widget=FastSelect)

    # in the view:  "filter_fields": {name: field_group(form[name]) for name in form.fields}
    # template:     <div class="col-6 col-md-3">{{ filter_fields.purpose }}</div>

``model_choices`` gives a ``ModelChoiceField`` its options from one ordinary query: without it Django reads them
with ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor (``DECLARE … WITH HOLD``, fetch, close)
each time the drop-down is drawn.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A ``Select`` whose HTML is built in Python rather than with a template per option. Same output as Django's
    ``django/forms/widgets/select.html``: the ``<select>`` with its attributes, optgroups, and each option with its
    value, ``selected`` and label (escaped)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attributes(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.append(
                format_html_join(
                    "",
                    '\n  <option value="{}"{}>{}</option>',
                    ((option["value"], _attributes(option["attrs"]), option["label"]) for option in options),
                )
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 -- every part is format_html output or a constant


def _attributes(attrs):
    """HTML attributes as Django's ``django/forms/widgets/attrs.html`` writes them: in their order, ``True`` as the
    name alone, ``False`` left out, anything else as ``name="value"`` (escaped)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def model_choices(field, queryset, label="name"):
    """Give the ``ModelChoiceField`` ``field`` the options of ``queryset`` (its empty label first, then ``(pk,
    label column)`` in the queryset's order) read by one plain query, and keep ``queryset`` for validating what is
    posted. ``label``: the column shown, which must read as the model's ``__str__`` does."""
    field.queryset = queryset
    options = list(queryset.values_list("pk", label))
    field.choices = [("", field.empty_label), *options] if field.empty_label is not None else options


def _widget_class(widget):
    """The class crispy-forms' ``crispy_field`` tag adds: the widget's class name in lower case (``select``,
    ``dateinput``, ``checkboxinput``), a ``Select`` subclass counting as ``select``."""
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        return "select"
    return widget.__class__.__name__.lower()


def _control(bound_field, bootstrap_class):
    widget = bound_field.field.widget
    own = widget.attrs.get("class", "")
    name = _widget_class(widget)
    classes = own.split()
    if name not in own:
        classes.append(name)
    for extra in (bootstrap_class, "is-invalid") if bound_field.errors else (bootstrap_class,):
        if extra not in classes:
            classes.append(extra)
    return bound_field.as_widget(attrs={"class": " ".join(classes)})


def _help_and_errors(bound_field):
    parts = []
    errors = bound_field.errors
    if errors:
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                errors.field_id or bound_field.auto_id,
                format_html_join(
                    "",
                    '<p id="error_{}_{}"><strong>{}</strong></p>',
                    ((index, bound_field.auto_id, error) for index, error in enumerate(errors, start=1)),
                ),
            )
        )
    if bound_field.help_text:
        # As crispy-forms: help text is trusted HTML (|safe), written by us, never by a user.
        parts.append(
            format_html(
                '<div id="{}_helptext" class="form-text">{}</div>',
                bound_field.auto_id,
                mark_safe(bound_field.help_text),  # noqa: S308
            )
        )
    return mark_safe("".join(parts))  # noqa: S308


def field_group(bound_field):
    """One field of a filter bar as crispy-forms' Bootstrap 5 ``field.html`` draws it (``as_crispy_field``): a
    checkbox in a ``form-check`` with its label after it; anything else with its label above and the control as
    ``form-select`` (drop-downs) or ``form-control``; then errors (``invalid-feedback``) and help text. Safe HTML.

    For the widgets of filter bars (drop-downs, text, date and number inputs, checkboxes); a hidden field is its
    widget alone. Radio buttons, checkbox lists and files are not drawn here: use ``as_crispy_field`` for those."""
    widget = bound_field.field.widget
    if bound_field.is_hidden:
        return bound_field.as_widget()
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.FileInput)):
        raise ValueError(f"field_group does not draw {type(widget).__name__}: use as_crispy_field")
    required = bound_field.field.required
    asterisk = mark_safe('<span class="asteriskField">*</span>') if required else ""
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}<label for="{}" class="form-check-label{}">{}{}'
            "</label>{}</div></div>",
            bound_field.auto_id,
            _control(bound_field, "form-check-input"),
            bound_field.id_for_label,
            " requiredField" if required else "",
            bound_field.label,
            asterisk,
            _help_and_errors(bound_field),
        )
    label = ""
    if bound_field.label:
        label = format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', bound_field.id_for_label) if bound_field.id_for_label else "",
            " requiredField" if required else "",
            bound_field.label,
            asterisk,
        )
    bootstrap_class = "form-select" if isinstance(widget, forms.Select) else "form-control"
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}{}</div>',
        bound_field.auto_id,
        format_html(" {}", bound_field.css_classes()) if bound_field.css_classes() else "",
        label,
        _control(bound_field, bootstrap_class),
        _help_and_errors(bound_field),
    )


def field_groups(form, names=None):
    """``{name: field_group(form[name])}`` for ``names`` (default: every field of ``form``)."""
    return {name: field_group(form[name]) for name in (names or form.fields)}
