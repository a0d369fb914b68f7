"""Form helpers: Bootstrap classes on every widget, and the acting user on every form."""

from __future__ import annotations

import copy

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class PythonRenderedSelectMixin:
    """Render a select in Python: the template language costs ~50 µs an option, and a filter sidebar
    has hundreds (owners, territories, tags). Same markup as ``django/forms/widgets/select.html``, built
    straight from the choices rather than through ``optgroups()``, which makes a dict per option."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        formatted = self.format_value(value)  # a list, except NullBooleanSelect's single string
        chosen = {formatted} if isinstance(formatted, str) else {str(v) for v in formatted}
        out = [f'<select name="{escape(name)}"{flatatt(final_attrs)}>']
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                out.append(f'<optgroup label="{escape(option_value)}">')
                out.extend(self._option(v, label, chosen) for v, label in option_label)
                out.append("</optgroup>")
            else:
                out.append(self._option(option_value, option_label, chosen))
        out.append("</select>")
        return mark_safe("".join(out))

    @staticmethod
    def _option(value, label, chosen: set[str]) -> str:
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        return f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'


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
