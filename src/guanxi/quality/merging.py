"""Merging two or more accounts (or contacts), generically, and undoing it.

Every related row of every installed app is re-pointed from the merged record to the survivor by
walking ``_meta.related_objects`` (foreign keys and many-to-many through rows alike), after the
callables in ``registry.merge_hooks`` have had their say for special cases. Each move is recorded
(model, pk, field) so that undo puts it back; a row that cannot move because the survivor already
has its twin (the same contact linked twice) is deleted and kept in the record to be re-created.
The merged record's values are kept too, and undo re-creates it under its old id.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Account, Contact, Tag
from guanxi.framework.audit import _plain
from guanxi.framework.registry import registry

#: field -> how two values combine when the rule is not "manual"; consent is kept only when both gave it
MERGE_FIELDS = {
    "account": [
        "name", "kind", "website", "industry", "source", "lifecycle_stage", "value_tier", "credit_rating",
        "satisfaction_score", "loyalty_score", "employees", "annual_revenue", "currency", "owner", "description",
    ],
    "contact": ["name", "family_name", "given_name", "title", "department", "gender", "birthday", "owner", "description"],
}
RESTRICTIONS = ["do_not_call", "do_not_email", "do_not_sms", "do_not_mail", "do_not_visit"]
CONSENTS = ["consent_email", "consent_sms", "consent_phone"]
RULES = ("most_complete", "most_recent", "source_priority")
RULE_LABELS = {"most_complete": _("most complete"), "most_recent": _("most recent"), "source_priority": _("source priority")}
#: how a record came in (the source of its creation's audit row), most trusted first; the setting
#: ``GUANXI_MERGE_SOURCE_PRIORITY`` replaces it. Sources not listed rank after those listed.
DEFAULT_SOURCE_PRIORITY = ("web", "api", "import", "cli", "job", "system")


def source_priority() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(getattr(settings, "GUANXI_MERGE_SOURCE_PRIORITY", DEFAULT_SOURCE_PRIORITY))


def record_source(record) -> str:
    """How ``record`` entered the CRM: the source of its creation's audit row (web = typed in by hand,
    api, import …); "" when no such row is left."""
    from django.contrib.contenttypes.models import ContentType

    from guanxi.core.models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=str(record.pk), action="create",
    ).order_by("created_at", "id").values_list("source", flat=True).first() or ""


def source_rank(source: str) -> int:
    order = source_priority()
    return order.index(source) if source in order else len(order)


def model_for(party: str):
    return Account if party == "account" else Contact


def _empty(value) -> bool:
    return value in (None, "", [], {})


def pick_sources(party: str, survivor, others, rule: str = "most_complete", overrides: dict[str, int] | None = None) -> dict[str, int]:
    """Per field, the id of the record whose value the survivor keeps, among ``survivor`` and ``others``.

    ``overrides`` (field -> record id, one of the records) wins over the rule. The rules, each of which
    passes over empty values:
    ``most_complete``: the survivor's value unless it is empty (then the first of ``others`` that has one);
    the longest description wins;
    ``most_recent``: the value of the record changed last;
    ``source_priority``: the value of the record from the most trusted source (:func:`source_priority`).
    Ties keep the survivor's value.
    """
    overrides = overrides or {}
    records = [survivor, *others]
    ids = {r.pk for r in records}
    if rule == "most_recent":
        ranked = [survivor, *sorted(others, key=lambda r: r.updated_at, reverse=True)]
        ranked.sort(key=lambda r: r.updated_at, reverse=True)  # stable: the survivor first on a tie
    elif rule == "source_priority":
        ranked = sorted(records, key=lambda r: source_rank(record_source(r)))
    else:
        ranked = records
    out = {}
    for name in MERGE_FIELDS[party]:
        pick = overrides.get(name)
        if pick not in ids:
            if rule == "most_complete" and name == "description":
                best = max(records, key=lambda r: len(getattr(r, name) or ""))  # the first of the longest
                pick = best.pk
            else:
                pick = next((r.pk for r in ranked if not _empty(getattr(r, name))), survivor.pk)
        out[name] = pick
    return out


def picks(party: str, survivor, merged, rule: str = "most_complete", overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Per field, "survivor" or "merged" (two records; see :func:`pick_sources`), unless ``overrides`` names the side."""
    sides = {"survivor": survivor.pk, "merged": merged.pk}
    chosen = pick_sources(party, survivor, [merged], rule, {k: sides[v] for k, v in (overrides or {}).items() if v in sides})
    return {name: "survivor" if pk == survivor.pk else "merged" for name, pk in chosen.items()}


def choose_values(party: str, survivor, merged, rule: str = "most_complete", overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """The survivor's new values. Do-not-contact flags are kept when either record has them; marketing
    consent only when both gave it."""
    chosen = picks(party, survivor, merged, rule, overrides)
    values: dict[str, Any] = {name: getattr(merged if side == "merged" else survivor, name) for name, side in chosen.items()}
    for name in RESTRICTIONS:
        values[name] = getattr(survivor, name) or getattr(merged, name)
    for name in CONSENTS:
        values[name] = getattr(survivor, name) and getattr(merged, name)
    return values


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Every concrete column by attname, as JSON values (the row can be re-created from it)."""
    return {f.attname: _plain(getattr(instance, f.attname)) for f in instance._meta.concrete_fields}


def _relations(model) -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every foreign key that points at ``model``, many-to-many through rows included."""
    out = []
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            for field in through._meta.concrete_fields:
                if field.is_relation and field.related_model is model:
                    out.append((through, field.name))
        else:
            out.append((rel.related_model, rel.field.name))
    return out  # the model's own many-to-many (tags) is merged as a union by the service, not moved


def repoint(survivor, merged) -> tuple[list, list]:
    """Move every row that points at ``merged`` to ``survivor``. Returns (moved, removed)."""
    moved: list = []
    removed: list = []
    for hook in registry.merge_hooks.values():
        moved.extend(hook(survivor=survivor, merged=merged) or [])
    for related, field in _relations(type(merged)):
        label = related._meta.label_lower
        for pk in list(related._base_manager.filter(**{field: merged.pk}).values_list("pk", flat=True)):
            try:
                with transaction.atomic():
                    related._base_manager.filter(pk=pk).update(**{field: survivor.pk})
                moved.append([label, pk, field])
            except IntegrityError:  # the survivor already has this row's twin (a unique link)
                row = related._base_manager.get(pk=pk)
                removed.append([label, snapshot(row)])
                row.delete()
    return moved, removed


def restore_rows(merged_pk: int, moved: list, removed: list) -> None:
    for label, pk, field in reversed(moved):
        model = apps.get_model(label)
        model._base_manager.filter(pk=pk).update(**{field: merged_pk})
    for label, values in removed:
        model = apps.get_model(label)
        model._base_manager.create(**_typed(model, values))


def _typed(model, values: dict[str, Any]) -> dict[str, Any]:
    """JSON snapshot values back to field types (dates, decimals) for ``Model(**values)``."""
    out = {}
    for field in model._meta.concrete_fields:
        if field.attname not in values:
            continue
        value = values[field.attname]
        if value is not None and isinstance(field, (models.DateTimeField, models.DateField, models.DecimalField, models.TimeField)):
            value = field.to_python(value)
        out[field.attname] = value
    return out


def recreate(model, values: dict[str, Any]):
    """The merged record again, under its old id, as it was."""
    instance = model(**_typed(model, values))
    instance.save(force_insert=True)
    # auto_now fields were reset by save(); put back the recorded times
    times = {k: v for k, v in _typed(model, {k: values[k] for k in ("created_at", "updated_at") if k in values}).items()}
    if times:
        model._base_manager.filter(pk=instance.pk).update(**times)
    return instance


def tags_of(instance) -> list[int]:
    return sorted(instance.tags.values_list("pk", flat=True))


def tag_objects(ids) -> list[Tag]:
    return list(Tag.objects.filter(pk__in=ids))
