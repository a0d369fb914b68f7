"""Generic views: list, detail, edit, delete, bulk edit and export for any registered model.

A concrete view is a few attributes (``model``, ``filterset_class``, ``table_class``,
``form_class``) and, for writes, the service to call. Reads always start from
``Model.objects.visible_to(user)``, so a record outside the user's scope is a 404 everywhere.
One view answers both the full page and the htmx partial.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
import tempfile

from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from . import jobs
from .exports import INLINE_ROWS, csv_response, write_csv, write_xlsx, xlsx_response
from .feedback import report_errors
from .forms import UnboundFilterset, filter_sidebar_html, names_a_filter
from .pagination import capped_count, counted_page, paginate
from .services import field_errors

PER_PAGE_CHOICES = (25, 50, 100)


def perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, under the field it names when the form has it."""
    for field, reasons in field_errors(exc).items():
        target = field if field in form.fields else None
        for reason in reasons:
            if target is None and field != "__all__":
                reason = f"{field}: {reason}"
            form.add_error(target, reason)


def safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


class ModelViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    model = None
    action = "view"
    url_namespace = ""

    def get_permission_required(self):
        return [perm(self.model, self.action)]

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.url_namespace}:{self.model._meta.model_name}_{name}", args=args)

    def common_context(self) -> dict[str, Any]:
        meta = self.model._meta
        user = self.request.user
        return {
            "model_meta": meta,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "can_add": user.has_perm(perm(self.model, "add")),
            "can_change": user.has_perm(perm(self.model, "change")),
            "can_delete": user.has_perm(perm(self.model, "delete")),
            "list_url": self.url("list"),
        }


class ObjectListView(ModelViewMixin, View):
    filterset_class = None
    table_class = None
    template_name = "generic/object_list.html"
    partial_template = "generic/_object_table.html"
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    #: columns the page never shows (e.g. a territory's criteria lists), left out of its query; exports load all
    list_defer: tuple[str, ...] = ()
    #: or, the other way round, the only columns the page reads (related ones as ``account__name``): fewer
    #: columns to fetch and convert for a wide model and its joins; exports load all
    list_only: tuple[str, ...] = ()
    #: what the page prefetches instead of ``prefetch_related`` (which exports keep), e.g. a ``Prefetch``
    #: with ``to_attr``: a plain list per row rather than a related manager built for every row
    list_prefetch: tuple = ()
    export_fields: list[tuple[str, Any]] = []
    bulk_edit = False
    list_name = ""

    #: every concrete list view by its list name, so an export job can rebuild its queryset
    registered: dict[str, type["ObjectListView"]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            ObjectListView.registered[cls.list_name or cls.model._meta.label_lower] = cls

    def filtered(self, request):
        if not names_a_filter(self.filterset_class, request.GET):
            # Paging and sorting alone filter nothing: every visible row. The (unbound) filterset, a copy of
            # every filter, is built only if the page shows its fields — not for the table alone or the count.
            filterset = UnboundFilterset(self.filterset_class, lambda: self.filterset_class(None, queryset=self.base_queryset(), request=request))
            return filterset, self.base_queryset()
        filterset = self.filterset_class(request.GET, queryset=self.base_queryset(), request=request)
        return filterset, (filterset.qs if filterset.is_valid() else self.base_queryset().none())

    @classmethod
    def prepared(cls, queryset, sort):
        ordering = cls.table_class.ordering(sort)
        if ordering:
            queryset = queryset.order_by(*ordering)
        if cls.select_related:
            queryset = queryset.select_related(*cls.select_related)
        if cls.prefetch_related:
            queryset = queryset.prefetch_related(*cls.prefetch_related)
        return queryset

    def get(self, request):
        filterset, queryset = self.filtered(request)
        sort = request.GET.get("sort")
        queryset = self.prepared(queryset, sort)
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(queryset, export)
        try:
            per_page = int(request.GET.get("per_page", 50))
        except ValueError:
            per_page = 50
        per_page = per_page if per_page in PER_PAGE_CHOICES else 50
        if request.GET.get("_count") == "1":
            # The lazy second request: how many rows match, for the count and the page total.
            page = counted_page(queryset, request.GET.get("page"), per_page)
            return render(request, "generic/_result_count.html", {"page": page, "oob": True})
        # The count runs in that second request (htmx, after the rows are on screen) rather than here.
        if self.list_defer:
            queryset = queryset.defer(*self.list_defer)
        if self.list_only:
            queryset = queryset.only(*self.list_only)
        if self.list_prefetch:
            queryset = queryset.prefetch_related(None).prefetch_related(*self.list_prefetch)
        page = paginate(queryset, request.GET.get("page"), per_page, count=False)
        table = self.table_class(page.objects, sort=sort)
        query = request.GET.copy()
        for key in ("page", "export", "_count"):
            query.pop(key, None)
        bulk_edit = self.bulk_edit and request.user.has_perm(perm(self.model, "change"))
        context = {
            **self.common_context(),
            "filterset": filterset,
            # an unbound filterset has no errors; asking it would build its form only to say so
            "filter_errors": filterset.errors if names_a_filter(self.filterset_class, request.GET) else {},
            "table": table,
            "table_body": table.body_html(selectable=bulk_edit),
            "page": page,
            "query": query.urlencode(),
            "query_without_sort": _without(query, "sort"),
            "per_page_choices": PER_PAGE_CHOICES,
            "bulk_edit": bulk_edit,
            "list_name": self.list_name or self.model._meta.label_lower,
            "saved_filters": self.saved_filters(),
            "add_url": self.url("add") if self.has_add_view() else "",
            "page_title": self.model._meta.verbose_name_plural,
        }
        partial = request.htmx and not request.htmx.boosted
        if not partial:  # the table alone (htmx) shows no filter fields
            context["filter_fields"] = filter_sidebar_html(filterset, request)
        return render(request, self.partial_template if partial else self.template_name, context)

    def has_add_view(self) -> bool:
        return True

    def saved_filters(self):
        from django.apps import apps
        from django.db.models import Q

        SavedFilter = apps.get_model("core", "SavedFilter")
        name = self.list_name or self.model._meta.label_lower
        return SavedFilter.objects.filter(Q(user=self.request.user) | Q(shared=True), list_name=name)

    def export(self, queryset, kind: str):
        filename = f"{self.model._meta.model_name}s"
        _count, too_many = capped_count(queryset, INLINE_ROWS)
        if too_many:
            query = self.request.GET.copy()
            query.pop("export", None)
            job = jobs.start(
                user=self.request.user, kind="export",
                title=_("Export of %(list)s (%(format)s)") % {"list": self.model._meta.verbose_name_plural, "format": kind.upper()},
                params={"list": self.list_name or self.model._meta.label_lower, "query": query.urlencode(), "format": kind},
            )
            messages.info(self.request, _("That is a large export: it runs in the background, and you will be notified when the file is ready."))
            return HttpResponseRedirect(job.get_absolute_url())
        if kind == "csv":
            return csv_response(queryset, self.export_fields, filename)
        return xlsx_response(queryset, self.export_fields, filename, self.model._meta.verbose_name_plural)


@jobs.handler("export")
def export_job(job, progress) -> str:
    """Write a list export in the background: the same filters, sort and visibility as the page."""
    view = ObjectListView.registered[job.params["list"]]
    user = get_user_model().objects.get(pk=job.user_id)
    query = QueryDict(job.params["query"])
    filterset = view.filterset_class(query or None, queryset=view.model.objects.visible_to(user))
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else view.model.objects.visible_to(user)
    queryset = view.prepared(queryset, query.get("sort"))
    progress.set_total(queryset.count())
    kind = job.params["format"]
    with tempfile.TemporaryFile() as handle:
        if kind == "csv":
            rows = write_csv(handle, queryset, view.export_fields, on_row=progress.advance)
        else:
            rows = write_xlsx(handle, queryset, view.export_fields, view.model._meta.verbose_name_plural, on_row=progress.advance)
        handle.seek(0)
        progress.advance(rows, force=True)
        progress.attach(f"{view.model._meta.model_name}s.{kind}", handle)
    return _("%(rows)d rows exported.") % {"rows": rows}


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


class ObjectDetailView(ModelViewMixin, View):
    template_name = ""
    select_related: tuple[str, ...] = ()

    def get_object(self, pk):
        queryset = self.base_queryset()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return get_object_or_404(queryset, pk=pk)

    def get_context(self, obj) -> dict[str, Any]:
        return {}

    def get(self, request, pk):
        obj = self.get_object(pk)
        context = {**self.common_context(), "object": obj, "page_title": str(obj), **self.get_context(obj)}
        return render(request, self.template_name, context)


class ObjectEditView(ModelViewMixin, View):
    """Create (no ``pk``) or edit a record through its form; the service does the write."""

    form_class = None
    template_name = "generic/object_edit.html"

    def get_permission_required(self):
        return [perm(self.model, "change" if self.kwargs.get("pk") else "add")]

    def get_object(self, pk):
        return get_object_or_404(self.base_queryset(), pk=pk) if pk else None

    #: fields a new record's form takes from the query string (``?account=12`` from the account's page)
    initial_from_query: tuple[str, ...] = ()

    def get_form(self, data=None, files=None, instance=None):
        initial = {}
        if instance is None and data is None:
            initial = {key: self.request.GET[key] for key in self.initial_from_query if self.request.GET.get(key)}
        # Given to the constructor, so a form whose choices depend on it (a contract's covered units, of
        # the account the link names) sees it while it builds its fields.
        if initial:
            return self.form_class(data, files, instance=instance, user=self.request.user, initial=initial)
        return self.form_class(data, files, instance=instance, user=self.request.user)

    def save(self, form, instance):  # pragma: no cover - every concrete view sets it
        raise NotImplementedError

    def render_form(self, request, form, instance, status=200):
        context = {
            **self.common_context(), "form": form, "object": instance,
            "page_title": (_("Edit %(record)s") % {"record": instance}) if instance else (_("New %(model)s") % {"model": self.model._meta.verbose_name}),
            "cancel_url": instance.get_absolute_url() if instance else self.url("list"),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        instance = self.get_object(pk)
        return self.render_form(request, self.get_form(instance=instance), instance)

    def post(self, request, pk=None):
        instance = self.get_object(pk)
        form = self.get_form(request.POST, request.FILES, instance=instance)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.save(form, instance)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Saved %(record)s.") % {"record": saved})
                return HttpResponseRedirect(safe_next(request, saved.get_absolute_url()))
        return self.render_form(request, form, instance, status=422 if request.htmx else 200)


class ObjectDeleteView(ModelViewMixin, View):
    action = "delete"
    template_name = "generic/object_delete.html"

    def delete(self, obj):  # pragma: no cover - every concrete view sets it
        raise NotImplementedError

    def get(self, request, pk):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        return render(request, self.template_name, {**self.common_context(), "object": obj, "page_title": _("Delete %(record)s") % {"record": obj}})

    def post(self, request, pk):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        label = str(obj)
        try:
            self.delete(obj)
        except ValidationError as exc:
            report_errors(request, exc)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted %(record)s.") % {"record": label})
        return HttpResponseRedirect(self.url("list"))


class BulkEditView(ModelViewMixin, View):
    """Apply one change to the selected rows, or to every row the list's filter matches."""

    action = "change"
    form_class = None
    filterset_class = None
    template_name = "generic/bulk_edit.html"
    max_rows = 10_000

    def selected(self, request):
        queryset = self.base_queryset()
        if request.POST.get("all_matching") == "1":
            from django.http import QueryDict

            filterset = self.filterset_class(QueryDict(request.POST.get("query", "")), queryset=queryset, request=request)
            return filterset.qs if filterset.is_valid() else queryset.none()
        ids = [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit()]
        return queryset.filter(pk__in=ids)

    def apply(self, queryset, form) -> int:  # pragma: no cover - every concrete view sets it
        raise NotImplementedError

    def post(self, request):
        queryset = self.selected(request)
        count = queryset.count()
        form = self.form_class(request.POST if "_apply" in request.POST else None, user=request.user)
        if count > self.max_rows:
            messages.error(request, _("Select at most %(max)d records for one bulk edit.") % {"max": self.max_rows})
            return HttpResponseRedirect(self.url("list"))
        if "_apply" in request.POST and form.is_valid():
            try:
                changed = self.apply(queryset, form)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Updated %(count)d of %(total)d records.") % {"count": changed, "total": count})
                return HttpResponseRedirect(self.url("list") + ("?" + request.POST.get("query", "") if request.POST.get("query") else ""))
        context = {
            **self.common_context(), "form": form, "count": count, "page_title": _("Bulk edit"),
            "pks": request.POST.getlist("pk"), "all_matching": request.POST.get("all_matching", ""),
            "query": request.POST.get("query", ""),
        }
        return render(request, self.template_name, context)
