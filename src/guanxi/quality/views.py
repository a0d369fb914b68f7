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

from guanxi.framework.feedback import error_text, report_errors
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
        report_errors(request, exc)
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


def _merge_ids(params) -> tuple[list[int], dict[str, int]]:
    """The records of the merge screen, in order (``ids``, or the pair ``a`` and ``b``), and the letters
    ``a`` and ``b`` an older link or form may use for the first two."""
    raw = params.getlist("ids") or [params.get("a", ""), params.get("b", "")]
    ids: list[int] = []
    for value in raw:
        for part in str(value).split(","):
            if part.strip().isdigit() and int(part) not in ids:
                ids.append(int(part))
    letters = dict(zip(("a", "b"), ids))
    return ids, letters


def _as_id(value, letters: dict[str, int]) -> int | None:
    if value in letters:
        return letters[value]
    return int(value) if value and str(value).isdigit() else None


@login_required
def merge_screen(request, party: str):
    """Two or more records side by side: pick the survivor and, per field, whose value it keeps."""
    party = _party_or_404(party)
    if not _may_merge(request.user, party):
        raise PermissionDenied
    model = merging.model_for(party)
    visible = model.objects.visible_to(request.user).select_related("owner")
    params = request.POST if request.method == "POST" else request.GET
    ids, letters = _merge_ids(params)
    if len(ids) < 2:
        return HttpResponseRedirect(reverse("quality:merge_pick", args=[party]) + (f"?ids={ids[0]}" if ids else ""))
    if len(ids) > services.MAX_MERGE:
        ids = ids[: services.MAX_MERGE]
        messages.warning(request, _("At most %(count)d records can be merged at once.") % {"count": services.MAX_MERGE})
    found = {r.pk: r for r in visible.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise Http404
    records = [found[pk] for pk in ids]
    keep = _as_id(params.get("survivor"), letters)
    survivor = found.get(keep) or records[0]
    others = [r for r in records if r.pk != survivor.pk]
    rule = params.get("rule") if params.get("rule") in merging.RULES else "most_complete"
    if request.method == "POST":
        values = {}
        for name in merging.MERGE_FIELDS[party]:
            pk = _as_id(request.POST.get(f"field_{name}"), letters)
            if pk in found:
                values[name] = pk
        try:
            record = services.merge_many(acting_user=request.user, party=party, survivor=survivor, others=others, rule=rule, values=values)
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            names = ", ".join(step.merged_name for step in services.merge_steps(record))
            messages.success(request, _("Merged %(merged)s into %(survivor)s.") % {"merged": names, "survivor": survivor.name})
            return HttpResponseRedirect(record.get_absolute_url())
    chosen = merging.pick_sources(party, survivor, others, rule)
    rows = []
    for name in merging.MERGE_FIELDS[party]:
        field = model._meta.get_field(name)
        shown = [_display(r, field) for r in records]
        rows.append({"name": name, "label": field.verbose_name, "pick": chosen[name], "same": len(set(shown)) == 1,
                     "cells": [{"pk": r.pk, "value": value} for r, value in zip(records, shown)]})
    counts = _related_counts_many(model, ids)
    columns = [{"record": r, "related": counts.get(r.pk, 0)} for r in records]
    context = {
        "party": party, "records": records, "columns": columns, "keep": survivor.pk, "rule": rule, "rows": rows,
        "rules": merging.RULE_LABELS, "ids": ids,
        "page_title": _("Merge %(records)s") % {"records": ", ".join(str(r) for r in records)},
    }
    return render(request, "quality/merge.html", context)


@login_required
def merge_pick(request, party: str):
    """“Merge with…”: starting from one record, find the others by search as you type (among the records
    you can see) or among its likely duplicates, tick them, and compare them all."""
    party = _party_or_404(party)
    if not _may_merge(request.user, party):
        raise PermissionDenied
    from guanxi.customers import selectors as customers

    model = merging.model_for(party)
    visible = model.objects.visible_to(request.user).select_related("owner")
    ids, _letters = _merge_ids(request.GET)
    chosen = {r.pk: r for r in visible.filter(pk__in=ids)}
    chosen_list = [chosen[pk] for pk in ids if pk in chosen]
    query = request.GET.get("q", "").strip()
    search = customers.account_search if party == "account" else customers.contact_search
    results = [r for r in search(user=request.user, query=query, limit=20) if r.pk not in chosen] if query else []
    suggestions = []
    if chosen_list and not query and len(chosen_list) < services.MAX_MERGE:
        start = chosen_list[0]
        from guanxi.customers.models import EmailAddress, PhoneNumber

        phones = list(PhoneNumber.objects.filter(**{party: start.pk}).values_list("number", flat=True))
        emails = list(EmailAddress.objects.filter(**{party: start.pk}).values_list("email", flat=True))
        suggestions = [d for d in selectors.likely_duplicates(user=request.user, party=party, name=start.name, phones=phones,
                                                              emails=emails, exclude_id=start.pk) if d.record.pk not in chosen]
    context = {"party": party, "chosen": chosen_list, "query": query, "results": results, "suggestions": suggestions,
               "ids_query": "".join(f"ids={r.pk}&" for r in chosen_list), "page_title": _("Merge with…")}
    if request.htmx and not request.htmx.boosted:
        return render(request, "quality/_merge_candidates.html", context)
    return render(request, "quality/merge_pick.html", context)


def _display(record, field) -> str:
    value = getattr(record, field.name)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(getattr(record, f"get_{field.name}_display")())
    return str(value)


def _related_counts_many(model, ids) -> dict[int, int]:
    """Rows of every app pointing at each of ``ids``: one grouped query per relation."""
    from django.db.models import Count

    counts: dict[int, int] = {}
    for related, name in merging._relations(model):
        rows = related._base_manager.filter(**{f"{name}__in": ids}).values(name).annotate(n=Count("pk")).order_by()
        for row in rows:
            counts[row[name]] = counts.get(row[name], 0) + row["n"]
    return counts


@login_required
@permission_required("quality.view_mergerecord", raise_exception=True)
def merge_detail(request, pk: int):
    record = get_object_or_404(selectors.merges_for(user=request.user), pk=pk)
    if record.head_id:
        return HttpResponseRedirect(reverse("quality:merge_detail", args=[record.head_id]))
    model = merging.model_for(record.party)
    survivor = model.objects.visible_to(request.user).filter(pk=record.survivor_id).first()
    steps = services.merge_steps(record)
    taken = []
    for step in steps:
        for name in step.survivor_changes:
            label = model._meta.get_field(name).verbose_name if name in merging.MERGE_FIELDS[record.party] else None
            if label is not None and label not in taken:
                taken.append(label)
    context = {"merge": record, "steps": steps, "moved": sum(len(s.repointed) for s in steps), "survivor": survivor,
               "page_title": str(record) if len(steps) == 1 else _("%(count)d records → %(survivor)s") % {
                   "count": len(steps), "survivor": steps[-1].survivor_name},
               "taken": taken,
               "can_undo": record.undone_at is None and request.user.has_perm(f"customers.delete_{record.party}")}
    return render(request, "quality/merge_detail.html", context)


@login_required
@permission_required("quality.view_mergerecord", raise_exception=True)
def merge_list(request):
    from django.db.models import Count

    merges = selectors.merges_for(user=request.user).filter(head__isnull=True).select_related("actor").annotate(
        part_count=Count("parts"))[:100]
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
        report_errors(request, exc)
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
        "clusters": selectors.open_clusters(user=request.user, party=party) if page.number == 1 else [],
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
        report_errors(request, exc)
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
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError)
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
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError)
                       else _("The threshold is a probability from 0.5 to 0.999."))
        return HttpResponseRedirect(_queue_url(party))
    messages.info(request, _("Looking for duplicates in the background; the queue fills when it is done."))
    return HttpResponseRedirect(run.job.get_absolute_url())


@login_required
@permission_required("quality.view_importbatch", raise_exception=True)
def dashboard(request):
    """Invalid phones and e-mails, missing key fields, open duplicates (of the records you see), each opening
    its list, and the organisation's trend."""
    from django.db import transaction

    from . import dashboard as figures
    from .tasks import take_quality_snapshot

    current = figures.figures_for(request.user)
    if not figures.has_snapshot_today():  # the daily job has not run yet: queue it, the next visit has today's point
        transaction.on_commit(take_quality_snapshot.enqueue)
    snapshots = figures.trend()
    trend_rows = [{"day": s.day, "values": [s.figures.get(f.key, "") for f in current]} for s in snapshots]
    links = {key: reverse("quality:issue_list", args=[key]) for key in figures.DRILL_KIND}
    links.update({"accounts": reverse("customers:account_list"), "contacts": reverse("customers:contact_list"),
                  "open_account_pairs": reverse("quality:review_queue") + "?party=account",
                  "open_contact_pairs": reverse("quality:review_queue") + "?party=contact"})
    for f in current:
        f.url = links.get(f.key, "")
    context = {"figures": current, "trend": trend_rows, "page_title": _("Data quality"),
               "chart": figures.trend_chart(snapshots, current) if len(snapshots) > 1 else None}
    return render(request, "quality/dashboard.html", context)


@login_required
@permission_required("quality.view_importbatch", raise_exception=True)
def issue_list(request, key: str):
    """The records behind one figure of the dashboard (those you can see), a page at a time, each with a link
    to open and fix it."""
    from guanxi.framework.pagination import paginate

    from . import dashboard as figures

    try:
        label, kind, queryset = figures.offending(request.user, key)
    except KeyError:
        raise Http404 from None
    page = paginate(queryset, request.GET.get("page"), 50)
    context = {"key": key, "kind": kind, "rows": page.objects, "page": page, "label": label,
               "page_title": str(label)[:1].upper() + str(label)[1:]}
    return render(request, "quality/issue_list.html", context)
