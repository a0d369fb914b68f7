"""Form helpers: Bootstrap classes on every widget, and the acting user on every form."""

from __future__ import annotations

import copy

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class PythonRenderedSelectMixin:
    """Render a select in Python: the template language costs ~50 µs an option, and a filter sidebar
    has hundreds (owners, territories, tags). Same markup as ``django/forms/widgets/select.html``."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{escape(widget["name"])}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'<optgroup label="{escape(group_name)}">')
            for option in options:
                selected = " selected" if option["selected"] else ""
                out.append(f'<option value="{escape(option["value"])}"{selected}>{escape(option["label"])}</option>')
            if group_name:
                out.append("</optgroup>")
        out.append("</select>")
        return mark_safe("".join(out))


class PythonRenderedSelect(PythonRenderedSelectMixin, forms.Select):
    pass


class PythonRenderedSelectMultiple(PythonRenderedSelectMixin, forms.SelectMultiple):
    pass


class PythonRenderedNullBooleanSelect(PythonRenderedSelectMixin, forms.NullBooleanSelect):
    pass


_PYTHON_RENDERED = {
    forms.Select: PythonRenderedSelect,
    forms.SelectMultiple: PythonRenderedSelectMultiple,
    forms.NullBooleanSelect: PythonRenderedNullBooleanSelect,
}


def render_selects_in_python(form) -> None:
    """Swap the form's plain selects for their Python-rendered twins (same markup, no template)."""
    for field in form.fields.values():
        if type(field.widget) in _PYTHON_RENDERED:
            field.widget.__class__ = _PYTHON_RENDERED[type(field.widget)]


class StyledFormMixin:
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        style(self)


def style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput,)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
            # Plain selects only (a subclass may have its own template); the subclass adds no state.
            if type(widget) in _PYTHON_RENDERED:
                widget.__class__ = _PYTHON_RENDERED[type(widget)]
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        else:
            widget.attrs.setdefault("class", "form-control")


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    """A model form that validates without touching the caller's instance.

    ``ModelForm`` validation writes the submitted values onto its instance; the service that saves
    the form diffs that same instance against the values, so it would find nothing changed. The
    form works on a copy, and the view hands the untouched original to the service.
    """

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and instance.pk is not None:
            instance = copy.copy(instance)
        super().__init__(*args, instance=instance, **kwargs)


class StyledForm(StyledFormMixin, forms.Form):
    pass
