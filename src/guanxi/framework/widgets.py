"""A record picker for foreign keys to large tables: type to search, pick one (htmx)."""

from __future__ import annotations

from django import forms
from django.urls import reverse


class LookupWidget(forms.Widget):
    template_name = "htmx/lookup_widget.html"

    def __init__(self, url_name: str, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.choices = None  # set by ModelChoiceField; never iterated (the table may be huge)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        queryset = getattr(self, "queryset", None)
        if value not in (None, "") and queryset is not None:
            obj = queryset.filter(pk=value).first() if str(value).isdigit() else None
            label = str(obj) if obj else ""
        context["widget"].update({"lookup_url": reverse(self.url_name), "label": label})
        return context


class LookupChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, url_name: str, **kwargs):
        super().__init__(queryset, widget=LookupWidget(url_name), **kwargs)
        self.widget.queryset = queryset

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        if hasattr(self, "widget"):
            self.widget.queryset = self._queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)
