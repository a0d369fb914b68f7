"""Pages of the data-quality app: the import list, upload, column mapping, progress, errors, resume and undo."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.framework.services import field_errors
from guanxi.framework.views import ObjectListView, apply_errors

from . import merging, selectors, services
from .choices import ImportMode
from .filters import ImportBatchFilterSet
from .forms import MappingForm, UploadForm
from .models import DedupeRun, DuplicatePair, ImportBatch, ImportMapping
from .tables import ImportBatchTable

BATCH_EXPORT = [
    ("pk", "ID"), ("filename", gettext_lazy("file name")), ("target", gettext_lazy("import into")),
    ("status", gettext_lazy("status")), ("total_rows", gettext_lazy("rows")), ("created_count", gettext_lazy("created")),
    ("updated_count", gettext_lazy("updated")), ("skipped_count", gettext_lazy("skipped")),
    ("error_count", gettext_lazy("rows with errors")), ("owner", gettext_lazy("started by")), ("created_at", gettext_lazy("created")),
]


class ImportBatchListView(ObjectListView):
    model, url_namespace = ImportBatch, "quality"
    filterset_class, table_class = ImportBatchFilterSet, ImportBatchTable
    select_related = ("owner",)
    export_fields = BATCH_EXPORT


def _batch(request, pk: int) -> ImportBatch:
    try:
        return selectors.batch_get(user=request.user, pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def _can_write(user, target: str) -> bool:
    return user.has_perm(f"customers.add_{target[:-1]}") and user.has_perm(f"customers.change_{target[:-1]}")


@login_required
@permission_required("quality.add_importbatch", raise_exception=True)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_upload(acting_user=request.user, file=form.cleaned_data["file"], target=form.cleaned_data["target"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("quality:importbatch_map", args=[batch.pk]))
    return render(request, "quality/import_upload.html", {"form": form, "page_title": _("Import a file")})


@login_required
@permission_required("quality.change_importbatch", raise_exception=True)
def map_columns(request, pk: int):
    batch = _batch(request, pk)
    if not _can_write(request.user, batch.target):
        raise PermissionDenied
    if batch.status != "uploaded":
        return HttpResponseRedirect(batch.get_absolute_url())
    saved = selectors.mappings_for(user=request.user, target=batch.target)
    applied = None
    initial = {"mode": batch.mode, "key": batch.key, "dry_run": batch.dry_run}
    columns = dict(batch.mapping)
    if request.GET.get("mapping"):
        applied = saved.filter(pk=request.GET["mapping"]).first()
        if applied is not None:
            columns = {c: f for c, f in applied.columns.items() if c in batch.columns}
            initial.update(mode=applied.mode, key=applied.key)
    for index, column in enumerate(batch.columns):
        initial[f"col_{index}"] = columns.get(column, "")
    form = MappingForm(request.POST or None, batch=batch, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.batch_configure(batch=batch, acting_user=request.user, mapping=form.mapping(), mode=data["mode"],
                                     key=data["key"], dry_run=data["dry_run"])
            if data["save_as"]:
                services.mapping_save(acting_user=request.user, name=data["save_as"], target=batch.target, columns=form.mapping(),
                                      mode=data["mode"], key=data["key"], shared=data["shared"])
            services.batch_start(batch=batch, acting_user=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return HttpResponseRedirect(batch.get_absolute_url())
    context = {
        "batch": batch, "form": form, "preview": services.preview(batch), "saved_mappings": saved, "applied": applied,
        "page_title": _("Map the columns of %(file)s") % {"file": batch.filename},
    }
    return render(request, "quality/import_map.html", context)


@login_required
@permission_required("quality.view_importbatch", raise_exception=True)
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    context = {
        "batch": batch, "object": batch, "page_title": str(batch),
        "errors": batch.row_errors.all()[:100],
        "can_change": request.user.has_perm("quality.change_importbatch"),
        "can_resume": services.can_resume(batch), "can_undo": services.can_undo(batch),
        "can_run": batch.dry_run and batch.status == "done",
    }
    template = "quality/_batch_progress.html" if request.htmx and not request.htmx.boosted else "quality/import_detail.html"
    return render(request, template, context)


@login_required
@permission_required("quality.view_importbatch", raise_exception=True)
def batch_errors_csv(request, pk: int):
    """Every error of the batch as CSV (UTF-8 with BOM, so Excel opens it): row, field, reason."""
    batch = _batch(request, pk)

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff" + writer.writerow([_("row"), _("field"), _("reason")])
        for error in batch.row_errors.order_by("row_number", "id").iterator(chunk_size=2000):
            yield writer.writerow([error.row_number, error.field, error.reason])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


def _action(request, pk: int, service, done_message):
    batch = _batch(request, pk)
    if not _can_write(request.user, batch.target):
        raise PermissionDenied
    try:
        service(batch=batch, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons))
    else:
        messages.success(request, done_message)
    return HttpResponseRedirect(batch.get_absolute_url())


@login_required
@permission_required("quality.change_importbatch", raise_exception=True)
@require_POST
def batch_start(request, pk: int):
    return _action(request, pk, services.batch_start, _("The import has started."))


@login_required
@permission_required("quality.change_importbatch", raise_exception=True)
@require_POST
def batch_resume(request, pk: int):
    return _action(request, pk, services.batch_resume, _("The import continues where it stopped."))


@login_required
@permission_required("quality.change_importbatch", raise_exception=True)
@require_POST
def batch_undo(request, pk: int):
    return _action(request, pk, services.batch_undo, _("The import is being undone."))


@login_required
@permission_required("quality.view_importmapping", raise_exception=True)
def mapping_list(request):
    mappings = selectors.mappings_for(user=request.user)
    return render(request, "quality/mapping_list.html", {"mappings": mappings, "page_title": _("Saved column mappings"), "modes": ImportMode})


@login_required
@permission_required("quality.delete_importmapping", raise_exception=True)
@require_POST
def mapping_delete(request, pk: int):
    mapping = get_object_or_404(ImportMapping, pk=pk, owner=request.user)
    services.mapping_delete(mapping=mapping, acting_user=request.user)
    messages.success(request, _("Deleted %(record)s.") % {"record": mapping})
    return HttpResponseRedirect(reverse("quality:mapping_list"))


@login_required
def duplicate_panel(request):
    """The panel of likely duplicates under an account or contact form (htmx, as the user types)."""
    party = "contact" if request.GET.get("party") == "contact" else "account"
    if not request.user.has_perm(f"customers.view_{party}"):
        raise PermissionDenied
    name = request.GET.get("name", "") or request.GET.get("family_name", "") + request.GET.get("given_name", "")
    exclude = request.GET.get("exclude", "")
    found = selectors.likely_duplicates(
        user=request.user, party=party, name=name, phones=[p for p in request.GET.getlist("phone") if p],
        emails=[e for e in request.GET.getlist("email") if e], exclude_id=int(exclude) if exclude.isdigit() else None,
    )
    can_merge = request.user.has_perm(f"customers.change_{party}") and request.user.has_perm(f"customers.delete_{party}")
    context = {"duplicates": found, "exclude": exclude if exclude.isdigit() else "", "can_merge": can_merge}
    return render(request, "quality/_duplicates_panel.html", context)


# --- merge --------------------------------------------------------------------------------------

def _party_or_404(party: str) -> str:
    if party not in merging.MERGE_FIELDS:
        raise Http404
    return party


@login_required
def merge_screen(request, party: str):
    """Two records side by side: pick the survivor and, per field, whose value it keeps."""
    party = _party_or_404(party)
    if not (request.user.has_perm(f"customers.change_{party}") and request.user.has_perm(f"customers.delete_{party}")):
        raise PermissionDenied
    model = merging.model_for(party)
    visible = model.objects.visible_to(request.user).select_related("owner")
    params = request.POST if request.method == "POST" else request.GET
    ids = [params.get("a", ""), params.get("b", "")]
    if not all(i.isdigit() for i in ids) or ids[0] == ids[1]:
        raise Http404
    a, b = get_object_or_404(visible, pk=ids[0]), get_object_or_404(visible, pk=ids[1])
    keep = params.get("survivor", "a")
    survivor, merged = (b, a) if keep == "b" else (a, b)
    rule = params.get("rule") if params.get("rule") in merging.RULES else "most_complete"
    if request.method == "POST":
        overrides = {}
        for name in merging.MERGE_FIELDS[party]:
            side = request.POST.get(f"field_{name}")
            if side in ("a", "b"):
                overrides[name] = "survivor" if side == keep else "merged"
        try:
            record = services.merge_records(acting_user=request.user, party=party, survivor=survivor, merged=merged, rule=rule, overrides=overrides)
        except ValidationError as exc:
            messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons))
        else:
            messages.success(request, _("Merged %(merged)s into %(survivor)s.") % {"merged": record.merged_name, "survivor": record.survivor_name})
            return HttpResponseRedirect(record.get_absolute_url())
    chosen = merging.picks(party, survivor, merged, rule)
    rows = []
    for name in merging.MERGE_FIELDS[party]:
        field = model._meta.get_field(name)
        side_of_survivor = "a" if survivor is a else "b"
        pick = side_of_survivor if chosen[name] == "survivor" else ("b" if side_of_survivor == "a" else "a")
        rows.append({"name": name, "label": field.verbose_name, "a": _display(a, field), "b": _display(b, field), "pick": pick,
                     "same": getattr(a, field.attname) == getattr(b, field.attname)})
    context = {
        "party": party, "a": a, "b": b, "keep": keep, "rule": rule, "rows": rows, "rules": merging.RULE_LABELS,
        "page_title": _("Merge %(a)s and %(b)s") % {"a": a, "b": b},
        "related": {"a": _related_counts(a), "b": _related_counts(b)},
    }
    return render(request, "quality/merge.html", context)


def _display(record, field) -> str:
    value = getattr(record, field.name)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(getattr(record, f"get_{field.name}_display")())
    return str(value)


def _related_counts(record) -> int:
    return sum(model._base_manager.filter(**{name: record.pk}).count() for model, name in merging._relations(type(record)))


@login_required
@permission_required("quality.view_mergerecord", raise_exception=True)
def merge_detail(request, pk: int):
    record = get_object_or_404(selectors.merges_for(user=request.user), pk=pk)
    model = merging.model_for(record.party)
    survivor = model.objects.visible_to(request.user).filter(pk=record.survivor_id).first()
    taken = [model._meta.get_field(name).verbose_name for name in record.survivor_changes if name in merging.MERGE_FIELDS[record.party]]
    context = {"merge": record, "survivor": survivor, "page_title": str(record), "taken": taken,
               "can_undo": record.undone_at is None and request.user.has_perm(f"customers.delete_{record.party}")}
    return render(request, "quality/merge_detail.html", context)


@login_required
@permission_required("quality.view_mergerecord", raise_exception=True)
def merge_list(request):
    merges = selectors.merges_for(user=request.user).select_related("actor")[:100]
    return render(request, "quality/merge_list.html", {"merges": merges, "page_title": _("Merges")})


@login_required
@require_POST
def merge_undo(request, pk: int):
    record = get_object_or_404(selectors.merges_for(user=request.user), pk=pk)
    if not request.user.has_perm(f"customers.delete_{record.party}"):
        raise PermissionDenied
    try:
        services.merge_undo(merge=record, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons))
    else:
        messages.success(request, _("The merge is undone: both records are back."))
    return HttpResponseRedirect(record.get_absolute_url())


# --- review queue -------------------------------------------------------------------------------

def _may_merge(user, party: str) -> bool:
    return user.has_perm(f"customers.change_{party}") and user.has_perm(f"customers.delete_{party}")


@login_required
@permission_required("quality.view_duplicatepair", raise_exception=True)
def review_queue(request):
    """Open pairs side by side, most likely first: merge, not duplicates, bulk merge above a threshold, find now."""
    party = "contact" if request.GET.get("party") == "contact" else "account"
    if not request.user.has_perm(f"customers.view_{party}"):
        raise PermissionDenied
    from guanxi.framework.pagination import paginate

    page = paginate(selectors.open_pairs(user=request.user, party=party), request.GET.get("page"), 25)
    pairs = selectors.with_records(page.objects, user=request.user, party=party)
    last_run = DedupeRun.objects.filter(party=party, started_by=request.user).select_related("job").first()
    context = {
        "party": party, "pairs": pairs, "page": page, "can_merge": _may_merge(request.user, party), "last_run": last_run,
        "page_title": _("Duplicate review"),
    }
    return render(request, "quality/review_queue.html", context)


def _pair(request, pk: int) -> DuplicatePair:
    pair = get_object_or_404(DuplicatePair, pk=pk)
    if not _may_merge(request.user, pair.party):
        raise PermissionDenied
    if not selectors.open_pairs(user=request.user, party=pair.party).filter(pk=pk).exists() and pair.status == "open":
        raise Http404
    return pair


def _queue_url(party: str) -> str:
    return reverse("quality:review_queue") + f"?party={party}"


@login_required
@require_POST
def pair_decide(request, pk: int, decision: str):
    if decision not in ("accept", "reject"):
        raise Http404
    pair = _pair(request, pk)
    try:
        if decision == "accept":
            record = services.pair_accept(pair=pair, acting_user=request.user)
            messages.success(request, _("Merged %(merged)s into %(survivor)s.") % {"merged": record.merged_name, "survivor": record.survivor_name})
        else:
            services.pair_reject(pair=pair, acting_user=request.user)
            messages.success(request, _("Marked as not duplicates."))
    except ValidationError as exc:
        messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons))
    return HttpResponseRedirect(_queue_url(pair.party))


@login_required
@require_POST
def pairs_bulk_accept(request):
    party = "contact" if request.POST.get("party") == "contact" else "account"
    if not _may_merge(request.user, party):
        raise PermissionDenied
    try:
        merged = services.pairs_bulk_accept(acting_user=request.user, party=party, min_probability=request.POST.get("min_probability", "0.99"))
    except (ValidationError, ArithmeticError, ValueError) as exc:
        messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons) if isinstance(exc, ValidationError)
                       else _("The threshold is a probability from 0.5 to 1."))
    else:
        messages.success(request, _("%(count)d pairs merged.") % {"count": merged})
    return HttpResponseRedirect(_queue_url(party))


@login_required
@require_POST
def dedupe_start(request):
    party = "contact" if request.POST.get("party") == "contact" else "account"
    if not (_may_merge(request.user, party) and request.user.has_perm("quality.add_deduperun")):
        raise PermissionDenied
    try:
        run = services.dedupe_start(acting_user=request.user, party=party, threshold=request.POST.get("threshold", "0.9"))
    except (ValidationError, ArithmeticError) as exc:
        messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons) if isinstance(exc, ValidationError)
                       else _("The threshold is a probability from 0.5 to 0.999."))
        return HttpResponseRedirect(_queue_url(party))
    messages.info(request, _("Looking for duplicates in the background; the queue fills when it is done."))
    return HttpResponseRedirect(run.job.get_absolute_url())


@login_required
@permission_required("quality.view_importbatch", raise_exception=True)
def dashboard(request):
    """Invalid phones and e-mails, missing key fields, open duplicates (of the records you see), and the trend."""
    from . import dashboard as figures

    current = figures.figures_for(request.user)
    snapshots = figures.trend()
    trend_rows = [{"day": s.day, "values": [s.figures.get(f.key, "") for f in current]} for s in snapshots]
    context = {"figures": current, "trend": trend_rows, "page_title": _("Data quality")}
    return render(request, "quality/dashboard.html", context)
