"""Form helpers: Bootstrap classes on every widget, and the acting user on every form."""

from __future__ import annotations

import copy

from django import forms


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
