"""Tables for list pages: columns declared on a class, sorting limited to indexed orderings."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable

from django.db import models
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext


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
        """
        classes = [(c.css + (" col-optional" if c.optional else "")).strip() for c in self.columns.values()]
        opening = [f'<td class="{conditional_escape(css)}">' if css else "<td>" for css in classes]
        select_label = conditional_escape(gettext("Select"))
        out: list[str] = []
        for obj in self.objects:
            out.append("<tr>")
            if selectable:
                out.append(f'<td><input type="checkbox" class="form-check-input" name="pk" value="{obj.pk}" aria-label="{select_label}"></td>')
            for start, column in zip(opening, self.columns.values()):
                out.append(start)
                value = self.cell_value(obj, column)
                # Most cells are markup already built (links, badges) or plain text; only numbers and
                # dates need the locale's format.
                if isinstance(value, SafeData):
                    out.append(value)
                elif isinstance(value, (str, models.Model)):
                    out.append(html.escape(str(value)))
                else:
                    out.append(conditional_escape(localize(value)))
                out.append("</td>")
            out.append("</tr>")
        if not out:
            nothing = conditional_escape(gettext("Nothing matches."))
            out.append(f'<tr><td colspan="20" class="text-center text-muted py-4">{nothing}</td></tr>')
        return mark_safe("".join(out))

    def cell(self, obj, column: Column) -> dict:
        return {"value": self.cell_value(obj, column), "css": column.css, "optional": column.optional}

    def cell_value(self, obj, column: Column):
        if column.template:
            return render_to_string(column.template, {"record": obj})
        if column.render:
            return column.render(obj)
        value = resolve(obj, column.accessor)
        if column.linkify and hasattr(obj, "get_absolute_url"):
            value = format_html('<a href="{}">{}</a>', obj.get_absolute_url(), value or "—")
        return value


_CHOICE_LABELS: dict[tuple[type, str], dict | None] = {}


def choice_label(instance: models.Model, name: str):
    """``get_<name>_display()`` without its per-call hashing: the labels of a field are looked up once.

    Returns ``None`` when ``name`` is not a field with choices.
    """
    key = (type(instance), name)
    labels = _CHOICE_LABELS.get(key, ...)
    if labels is ...:
        try:
            field = instance._meta.get_field(name)
        except Exception:
            field = None
        choices = getattr(field, "flatchoices", None) if field is not None and not field.is_relation else None
        labels = dict(choices) if choices else None
        _CHOICE_LABELS[key] = labels
    if labels is None:
        return None
    value = getattr(instance, name)
    label = labels.get(value, value)
    return "" if label is None else str(label)


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
