"""Tables for list pages: columns declared on a class, sorting limited to indexed orderings."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Callable

from django.db import models
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

from .html import esc, fmt
from .models import choices_by_value


@dataclass
class Column:
    label: Any
    accessor: str | None = None
    order_by: tuple[str, ...] | None = None
    linkify: bool = False
    template: str | None = None
    render: Callable[[Any], Any] | None = None
    css: str = ""
    #: hidden on phone-sized screens
    optional: bool = False


class Table:
    columns: dict[str, Column] = {}
    default_order: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        collected: dict[str, Column] = {}
        for base in reversed(cls.__mro__[1:]):
            collected.update(getattr(base, "columns", {}) or {})
        collected.update({k: v for k, v in vars(cls).items() if isinstance(v, Column)})
        cls.columns = collected

    def __init__(self, objects, *, sort: str | None = None):
        self.objects = objects
        self.sort = sort if self.valid_sort(sort) else self.default_order

    @classmethod
    def valid_sort(cls, sort: str | None) -> bool:
        if not sort:
            return False
        column = cls.columns.get(sort.lstrip("-"))
        return bool(column and column.order_by)

    @classmethod
    def ordering(cls, sort: str | None) -> list[str]:
        sort = sort if cls.valid_sort(sort) else cls.default_order
        if not sort:
            return []
        descending = sort.startswith("-")
        column = cls.columns[sort.lstrip("-")]
        return [("-" + f.lstrip("-") if not f.startswith("-") else f.lstrip("-")) if descending else f for f in column.order_by]

    def headers(self) -> list[dict]:
        out = []
        current = self.sort.lstrip("-") if self.sort else ""
        for name, column in self.columns.items():
            sorted_here = current == name
            next_sort = (name if self.sort.startswith("-") else f"-{name}") if sorted_here else name
            out.append({
                "name": name, "label": column.label, "sortable": bool(column.order_by), "next_sort": next_sort,
                "sorted": sorted_here, "descending": sorted_here and self.sort.startswith("-"),
                "css": column.css, "optional": column.optional,
            })
        return out

    def rows(self) -> list[dict]:
        return [{"object": obj, "cells": [self.cell(obj, c) for c in self.columns.values()]} for obj in self.objects]

    def body_html(self, *, selectable: bool = False) -> SafeString:
        """The ``<tbody>`` rows, built here rather than by template loops.

        A 50-row page has hundreds of cells; looping over them in the template language costs several
        times what the cells themselves cost, so the rows are joined as strings (every value escaped).
        Each column's way to its value is worked out once per table, not once per cell
        (``_cell_getter``).
        """
        columns = list(self.columns.values())
        classes = [(c.css + (" col-optional" if c.optional else "")).strip() for c in columns]
        cells = [(f'<td class="{esc(css)}">' if css else "<td>", self._cell_getter(c)) for css, c in zip(classes, columns)]
        select_label = esc(gettext("Select"))
        out: list[str] = []
        append = out.append
        for obj in self.objects:
            append("<tr>")
            if selectable:
                append(f'<td><input type="checkbox" class="form-check-input" name="pk" value="{obj.pk}" aria-label="{select_label}"></td>')
            for start, getter in cells:
                append(start)
                value = getter(obj)
                # Most cells are markup already built (links, badges) or plain text; only numbers and
                # dates need the locale's format.
                if type(value) is str:
                    append(escape(value))
                elif isinstance(value, SafeData):
                    append(value)
                elif isinstance(value, (str, models.Model)):
                    append(escape(str(value)))
                else:
                    append(esc(localize(value)))
                append("</td>")
            append("</tr>")
        if not out:
            nothing = esc(gettext("Nothing matches."))
            append(f'<tr><td colspan="20" class="text-center text-muted py-4">{nothing}</td></tr>')
        return mark_safe("".join(out))

    def _cell_getter(self, column: Column) -> Callable[[Any], Any]:
        """``lambda obj: self.cell_value(obj, column)``, shortened for the common columns: a plain attribute,
        or a choice field whose labels are translated once here instead of once per row."""
        accessor = column.accessor
        model = getattr(self.objects, "model", None) or (type(self.objects[0]) if self.objects else None)
        plain = isinstance(model, type) and issubclass(model, models.Model) and accessor and "." not in accessor
        if column.template or column.render or not plain:
            return lambda obj: self.cell_value(obj, column)
        labels = _choice_labels(model, accessor)
        if labels is not None:
            translated = {key: "" if label is None else str(label) for key, label in labels.items()}

            def value(obj):
                raw = getattr(obj, accessor)
                label = translated.get(raw, ...)
                if label is ...:  # a value outside the choices shows as itself, as get_FOO_display() does
                    label = "" if raw is None else str(raw)
                return label
        else:
            def value(obj):
                raw = getattr(obj, accessor, None)
                if callable(raw) and not isinstance(raw, models.Model) and not hasattr(raw, "all"):
                    raw = raw()
                return "" if raw is None else raw
        if not column.linkify:
            return value
        return lambda obj: fmt('<a href="{}">{}</a>', obj.get_absolute_url(), value(obj) or "—") if hasattr(obj, "get_absolute_url") else value(obj)

    def cell(self, obj, column: Column) -> dict:
        return {"value": self.cell_value(obj, column), "css": column.css, "optional": column.optional}

    def cell_value(self, obj, column: Column):
        if column.template:
            return render_to_string(column.template, {"record": obj})
        if column.render:
            return column.render(obj)
        value = resolve(obj, column.accessor)
        if column.linkify and hasattr(obj, "get_absolute_url"):
            value = fmt('<a href="{}">{}</a>', obj.get_absolute_url(), value or "—")
        return value


_CHOICE_FIELDS: dict[tuple[type, str], models.Field | None] = {}


def choice_label(instance: models.Model, name: str):
    """``get_<name>_display()`` without its per-call hashing: the labels of a field are looked up once.

    Returns ``None`` when ``name`` is not a field with choices.
    """
    labels = _choice_labels(type(instance), name)
    if labels is None:
        return None
    value = getattr(instance, name)
    label = labels.get(value, value)
    return "" if label is None else str(label)


def _choice_labels(model: type, name: str) -> dict | None:
    """The (untranslated) labels of field ``name`` of ``model`` by value (``framework.models.choices_by_value``);
    ``None`` when it is not a field with choices. Which names are such fields is worked out once per model."""
    key = (model, name)
    field = _CHOICE_FIELDS.get(key, ...)
    if field is ...:
        try:
            field = model._meta.get_field(name)
        except Exception:
            field = None
        field = _CHOICE_FIELDS[key] = field if field is not None and not field.is_relation and field.choices else None
    return choices_by_value(field) if field is not None else None


def resolve(obj, accessor: str | None):
    """Follow ``a.b.c``; choice fields give their label; None gives an empty cell."""
    if not accessor:
        return ""
    value = obj
    parts = accessor.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return ""
        if isinstance(value, models.Model) and i == len(parts) - 1:
            label = choice_label(value, part)
            if label is not None:
                return label
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, models.Model) and not hasattr(value, "all"):
            value = value()
    return "" if value is None else value
