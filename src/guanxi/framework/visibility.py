"""Record visibility, implemented once for every customer-data model.

A user sees a record when one of these holds:
- the user owns it;
- the user manages (directly or up the team hierarchy) the team of the record's owner;
- the user is a member of the record's territory, or of a territory above it;
- one of the user's roles has organisation-wide access (administrators, analysts, …).

Models say *where* the owner and territory live (``visibility_owner_field``,
``visibility_territory_field``) and, for records that borrow visibility from another record
(a contact from its accounts, an interaction from its account), the relations to follow
(``visibility_via``). The scope of a user (which owners and territories it reaches) is computed
by ``core`` and registered with :func:`set_scope_provider`, so the framework holds no domain model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import In
from django.utils.translation import gettext as _

from .search import unindexed


@dataclass(frozen=True)
class Scope:
    """What one user reaches. ``everything`` short-cuts the rest."""

    user_id: int | None
    everything: bool = False
    owner_ids: frozenset[int] = frozenset()
    territory_ids: frozenset[int] = frozenset()
    everything_reason: str = ""
    owner_reasons: dict[int, str] = field(default_factory=dict, compare=False, hash=False)
    territory_reasons: dict[int, str] = field(default_factory=dict, compare=False, hash=False)


NOBODY = Scope(user_id=None)
_scope_provider: Callable[[object], Scope] | None = None


def set_scope_provider(provider: Callable[[object], Scope]) -> None:
    global _scope_provider
    _scope_provider = provider


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_guanxi_scope", None)
    if cached is not None:
        return cached
    if _scope_provider is None:  # pragma: no cover - core always registers one
        raise RuntimeError("No visibility scope provider is registered")
    scope = _scope_provider(user)
    user._guanxi_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_guanxi_scope"):
        del user._guanxi_scope


def visibility_q(model: type[models.Model], scope: Scope, prefix: str = "", *, keys_unindexed: bool = False) -> Q:
    """A ``Q`` selecting the rows of ``model`` visible in ``scope``; ``prefix`` joins from another model.

    ``keys_unindexed``: test the owner and territory as ``+owner_id`` (``search.unindexed``), for a query
    that another index should lead (a range of names) with the keys checked on the rows it finds.
    """
    nothing = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    q = nothing

    def key_in(column: str, ids) -> Q:
        if keys_unindexed:
            return Q(In(unindexed(column), sorted(ids)))
        return Q(**{f"{column}__in": sorted(ids)})

    owner_field = getattr(model, "visibility_owner_field", None)
    territory_field = getattr(model, "visibility_territory_field", None)
    if owner_field and scope.owner_ids:
        q |= key_in(f"{prefix}{owner_field}_id", scope.owner_ids)
    if territory_field and scope.territory_ids:
        q |= key_in(f"{prefix}{territory_field}_id", scope.territory_ids)
    for relation in getattr(model, "visibility_via", ()):
        field_ = model._meta.get_field(relation)
        if field_.many_to_one or field_.one_to_one and not field_.auto_created:
            q |= visibility_q(field_.related_model, scope, prefix=f"{prefix}{relation}__")
        else:
            # A reverse foreign key (e.g. contact -> account links): one EXISTS, no duplicate rows.
            through = field_.related_model
            back = field_.field.name
            inner = through.objects.filter(**{back: OuterRef(f"{prefix}pk")})
            inner = inner.filter(visibility_q(through, scope))
            q |= Q(Exists(inner))
    return q


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VisibleQuerySet":
        scope = scope_for(user)
        if scope.everything:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(visibility_q(self.model, scope))

    def visible_under(self, user, via: str, parent) -> "VisibleQuerySet":
        """The records of ``parent`` (``via`` = ``parent``) that ``user`` may see.

        A model that borrows visibility through ``via`` (``visibility_via``) is visible whenever its
        parent is: when ``parent`` was read through ``visible_to(user)`` by a detail page (it carries
        ``mark_seen``'s stamp), its records need no rule at all — the 360° view's panels then plan and
        run a plain ``account_id = …`` query instead of the full visibility condition each.
        """
        records = self.filter(**{via: parent})
        if via in getattr(self.model, "visibility_via", ()) and getattr(parent, "_seen_by", None) == getattr(user, "pk", ...):
            return records
        return records.visible_to(user)


def mark_seen(obj, user):
    """Stamp ``obj`` as read through ``visible_to(user)`` (see ``VisibleQuerySet.visible_under``)."""
    obj._seen_by = user.pk
    return obj


VisibleManager = models.Manager.from_queryset(VisibleQuerySet)


def explain(user, obj) -> list[str]:
    """Why ``user`` can see ``obj``: one sentence per rule that grants it (empty: it cannot)."""
    scope = scope_for(user)
    if scope.everything:
        return [scope.everything_reason or _("Organisation-wide access")]
    return _explain(type(obj), obj, scope)


def _explain(model, obj, scope: Scope, depth: int = 0) -> list[str]:
    reasons: list[str] = []
    owner_field = getattr(model, "visibility_owner_field", None)
    territory_field = getattr(model, "visibility_territory_field", None)
    if owner_field:
        owner_id = getattr(obj, f"{owner_field}_id")
        if owner_id in scope.owner_ids:
            reasons.append(scope.owner_reasons.get(owner_id, _("Owner is within your scope")))
    if territory_field:
        territory_id = getattr(obj, f"{territory_field}_id")
        if territory_id in scope.territory_ids:
            reasons.append(scope.territory_reasons.get(territory_id, _("Territory is within your scope")))
    if depth < 3:
        for relation in getattr(model, "visibility_via", ()):
            field_ = model._meta.get_field(relation)
            if field_.many_to_one or field_.one_to_one and not field_.auto_created:
                related = getattr(obj, relation)
                if related is not None:
                    for reason in _explain(field_.related_model, related, scope, depth + 1):
                        reasons.append(_("Through %(record)s: %(reason)s") % {"record": related, "reason": reason})
            else:
                # A link model that carries copies of another record's keys names that record
                # (``visibility_shown_as``), so the reason reads "Through <account>: …".
                shown_as = getattr(field_.related_model, "visibility_shown_as", "")
                for link in getattr(obj, field_.get_accessor_name()).all()[:50]:
                    for reason in _explain(field_.related_model, link, scope, depth + 1):
                        if shown_as:
                            reason = _("Through %(record)s: %(reason)s") % {"record": getattr(link, shown_as), "reason": reason}
                        reasons.append(reason)
    return reasons
