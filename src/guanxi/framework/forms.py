"""Form helpers: Bootstrap classes on every widget, and the acting user on every form."""

from __future__ import annotations

import copy
import time
from typing import Iterable

from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.forms.utils import flatatt
from django.utils.functional import SimpleLazyObject, empty
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from .html import esc_always


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
        out = [f'<select name="{esc_always(name)}"{flatatt(final_attrs)}>']
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                out.append(f'<optgroup label="{esc_always(option_value)}">')
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
        return f'<option value="{esc_always(value)}"{selected}>{esc_always(label)}</option>'


class PythonRenderedInputMixin:
    """An ``<input>`` rendered in Python: same markup as ``django/forms/widgets/input.html``."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = "" if value is None else f' value="{esc_always(value)}"'
        return mark_safe(f'<input type="{esc_always(self.input_type)}" name="{esc_always(name)}"{shown}{flatatt(final_attrs)}>')


class PythonRenderedTextInput(PythonRenderedInputMixin, forms.TextInput):
    pass


class PythonRenderedNumberInput(PythonRenderedInputMixin, forms.NumberInput):
    pass


class PythonRenderedEmailInput(PythonRenderedInputMixin, forms.EmailInput):
    pass


class PythonRenderedDateInput(PythonRenderedInputMixin, forms.DateInput):
    pass


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
# Inputs only where a page renders many of them (a list's filter sidebar); forms keep Django's templates.
_PYTHON_RENDERED_INPUTS = {
    forms.TextInput: PythonRenderedTextInput,
    forms.NumberInput: PythonRenderedNumberInput,
    forms.EmailInput: PythonRenderedEmailInput,
    forms.DateInput: PythonRenderedDateInput,
}


def render_selects_in_python(form, only: Iterable[str] | None = None) -> None:
    """Swap the form's plain selects for their Python-rendered twins (same markup, no template), and
    read the choices of a model select once, as a list (see ``model_choices``). ``only``: the fields a
    page shows, when it shows a few (the others' choices are then not read at all)."""
    names = set(form.fields) if only is None else set(only) & set(form.fields)
    for name, field in form.fields.items():
        if name not in names:
            continue
        if type(field.widget) in _PYTHON_RENDERED:
            field.widget.__class__ = _PYTHON_RENDERED[type(field.widget)]
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                field.widget.choices = model_choices(field)
        elif type(field.widget) in _PYTHON_RENDERED_INPUTS:
            field.widget.__class__ = _PYTHON_RENDERED_INPUTS[type(field.widget)]


def filter_fields_html(form) -> SafeString:
    """A list's filter fields, label above widget, each with its errors: the sidebar of every list,
    joined here rather than by a template loop (18 fields, each a label, a widget and its errors)."""
    out = []
    for bound in form:
        label = esc_always(capfirst(str(bound.label)))
        errors = "".join(f'<div class="invalid-feedback d-block">{esc_always(e)}</div>' for e in bound.errors)
        out.append(f'<div class="mb-2"><label class="form-label small mb-0" for="{esc_always(bound.id_for_label)}">{label}</label>'
                   f"{bound}{errors}</div>")
    return mark_safe("".join(out))


def names_a_filter(filterset_class, params) -> bool:
    """Whether ``params`` (a query string) may filter by ``filterset_class`` — else its rows are all rows.

    Bound to a query that names none of its filters (``?page=2``, ``?sort=name``), a filterset still copies
    its filters, builds and validates a form of every field, and then filters by nothing. For a filterset
    that adds no behaviour of its own (no ``__init__``, ``filter_queryset``, ``qs`` or form override) and
    requires no filter, every filter passes an empty value through unchanged, so that work can be skipped;
    for any other, this answers ``True``. A parameter counts as naming a filter when it starts with the
    filter's name (a range filter reads ``<name>_min``, a multi-widget ``<name>_0``).
    """
    if not params:
        return False
    if not _plain_filterset(filterset_class):
        return True
    names = tuple(filterset_class.base_filters)
    return any(key.startswith(names) for key in params)


_PLAIN_FILTERSETS: dict[type, bool] = {}


def _keeps_filterset(filterset_class, *methods: str) -> bool:
    """Whether ``filterset_class`` takes django-filter's own ``methods`` and builds a plain ``forms.Form``."""
    from django_filters import FilterSet

    return (all(getattr(filterset_class, name) is getattr(FilterSet, name) for name in methods)
            and filterset_class._meta.form is forms.Form)


#: what a filterset builds its form with: one that overrides none of these is described by its query alone
_FORM_METHODS = ("__init__", "form", "get_form_class")


def _plain_filterset(filterset_class) -> bool:
    plain = _PLAIN_FILTERSETS.get(filterset_class)
    if plain is None:
        plain = _PLAIN_FILTERSETS[filterset_class] = (
            _keeps_filterset(filterset_class, *_FORM_METHODS, "filter_queryset", "qs")
            and not any(f.extra.get("required") for f in filterset_class.base_filters.values())
        )
    return plain


_SIDEBARS: dict[tuple, tuple[float, SafeString]] = {}
#: at most this many kept sidebars a process (one is ~5–20 kB of markup; each user, list, language and
#: distinct filter query has its own, so a search typed letter by letter adds several); then they start over
SIDEBARS_KEPT = 2000
#: what a list's filter fields leave out of their key: paging and sorting change the table, not the fields
_NOT_FILTERS = frozenset({"page", "per_page", "sort", "export", "_count"})


def filter_sidebar_html(filterset, request) -> SafeString:
    """``filter_fields_html`` of the filterset's form (selects rendered in Python), kept between requests.

    The fields of a list's sidebar are the same for every request of one user, language and query until a
    choice changes: building the form (a deep copy of every field), reading each select's choices and
    rendering them is a sixth of a list page's time. They are kept per access generation, user, language,
    the filter values of the query string, and the choices of every model select that the access generation
    does not cover (read on each request, e.g. tags, so a new one shows at once). A select of users, teams,
    territories or roles may depend on the requesting user and on those models alone (``_users``: the owners
    in the user's scope), never on the rest of the request. A filterset whose form the
    key cannot describe (its own ``__init__`` or form, callable choices) is rendered each time. Entries also
    expire after the access cache's lifetime, like ``model_choices``, because renaming a user does not
    replace the generation.
    """
    key = _sidebar_key(filterset, request)
    if key is None:
        render_selects_in_python(filterset.form)
        return filter_fields_html(filterset.form)
    now = time.monotonic()
    kept = _SIDEBARS.get(key)
    if kept is None or kept[0] < now:
        if len(_SIDEBARS) >= SIDEBARS_KEPT:
            _SIDEBARS.clear()
        render_selects_in_python(filterset.form)
        kept = _SIDEBARS[key] = (now + settings.GUANXI_ACCESS_CACHE_SECONDS, filter_fields_html(filterset.form))
    return kept[1]


class UnboundFilterset(SimpleLazyObject):
    """An unbound filterset, built on first use, whose class is known without building it.

    A list with no filter in its query shows every visible row; its filterset (a deep copy of every
    filter, the visible queryset) is needed only to render the sidebar, which is kept between requests
    (``filter_sidebar_html``): its key is made from the class alone, and the filterset is built only when
    the kept sidebar is missing or stale.
    """

    def __init__(self, filterset_class, build):
        self.__dict__["filterset_class"] = filterset_class
        super().__init__(build)

    def unbuilt_class(self):
        """The filterset's class while it is not built yet, else None."""
        return self.__dict__["filterset_class"] if self._wrapped is empty else None


def _sidebar_key(filterset, request) -> tuple | None:
    from django.utils.translation import get_language
    from django_filters.filters import QuerySetRequestMixin

    from guanxi.core.access_cache import generation

    unbuilt = filterset.unbuilt_class() if type(filterset) is UnboundFilterset else None
    kind = unbuilt or filterset.__class__  # the class of a lazily built filterset too
    if not _keeps_filterset(kind, *_FORM_METHODS) or (unbuilt is None and filterset.form_prefix):
        return None
    choices = []
    for name, f in (kind.base_filters if unbuilt else filterset.filters).items():
        if callable(f.extra.get("choices")):
            return None
        if isinstance(f, QuerySetRequestMixin):
            model = _CHOICE_MODELS.get((kind, name), False)
            if model is False:  # first request: what the select lists (a callable gives the same model each time)
                queryset = f.get_queryset(request)
                model = _CHOICE_MODELS[kind, name] = queryset.model if queryset is not None else None
            if model is None or model in _access_models():
                # Users, teams, territories, roles: what the select offers follows from the requesting user (in
                # the key) and the access data (its generation, in the key). Compiling the select's query to
                # tell its choices apart cost 1 ms a select, 4–6 ms a list page.
                continue
            # A class-level filter is shared by every request: its select is made apart rather than through
            # ``f.field``, which would keep this request's queryset on it.
            field = f.field if not unbuilt else f.field_class(label=f.label, **{**f.extra, "queryset": f.get_queryset(request)})
            choices.append((name, tuple(model_choices(field))))
    bound = unbuilt is None and filterset.is_bound
    query = tuple(sorted((k, tuple(v)) for k, v in (filterset.data or {}).lists() if k not in _NOT_FILTERS)) if bound else None
    user = getattr(request, "user", None)
    return (generation(), get_language(), kind, getattr(user, "pk", None), query, tuple(choices))


_CHOICES: dict[tuple, list] = {}
#: (filterset class, filter name) -> the model its select lists (None: no select)
_CHOICE_MODELS: dict[tuple, type | None] = {}


def _access_models() -> tuple:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from guanxi.core.models import Role, Team, Territory

    return (get_user_model(), Team, Territory, Role, Group)


def model_choices(field) -> list[tuple]:
    """The (key, label) pairs of a model select, read with one plain query.

    Django iterates a model select's queryset with ``.iterator()``, which on PostgreSQL is a server-side
    cursor: three round trips (declare, fetch, close) per select. Users, teams, territories and roles —
    the owner and territory filters of every list — are kept per access generation (any change to those
    models replaces it, see ``core.access_cache``), language and query.
    """
    from django.utils.translation import get_language

    from guanxi.core.access_cache import generation

    queryset = field.queryset
    head = [("", field.empty_label)] if field.empty_label is not None else []
    if queryset.model not in _access_models():
        return head + [(obj.pk, field.label_from_instance(obj)) for obj in queryset]
    try:
        sql = str(queryset.query)
    except EmptyResultSet:  # e.g. the owners of an empty scope
        return head
    label = getattr(field.label_from_instance, "__func__", field.label_from_instance)
    key = (generation(), get_language(), queryset.model, sql, label)
    now = time.monotonic()
    kept = _CHOICES.get(key)
    if kept is None or kept[0] < now:
        if len(_CHOICES) > 5000:
            _CHOICES.clear()
        # Renaming a user does not replace the generation (it changes no one's access): the labels
        # are read again after the access cache's lifetime.
        kept = _CHOICES[key] = (now + settings.GUANXI_ACCESS_CACHE_SECONDS,
                                [(obj.pk, field.label_from_instance(obj)) for obj in queryset])
    return head + kept[1]


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
