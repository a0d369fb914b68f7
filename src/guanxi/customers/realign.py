"""Territory realignment: which accounts would move when the territory criteria are applied afresh.

The plan is computed set-based so that it stays quick at a million accounts: the database groups the
accounts by their distinct (province, city, postal-code prefix, industry, current territory); each
distinct place is resolved once by :class:`guanxi.core.services.TerritoryMatcher` (the very rule
that ``territory_for`` uses); the moving accounts are then selected again by the database, one
``IN`` list of place keys per target territory. Locked accounts (``territory_locked``) never move,
and a place that no territory matches keeps its accounts where they are (as ``account_update`` does).

Reads go through ``visible_to(user)``: a user realigns the accounts they can see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Concat, Substr

from guanxi.core.models import Territory
from guanxi.core.services import TerritoryMatcher

from .models import Account

#: joins the parts of a place key; a control character that tidied text never holds
SEPARATOR = "\x1f"


@dataclass
class RealignPair:
    old: Territory | None
    new: Territory
    count: int


@dataclass
class RealignPlan:
    """What a realignment would do: counts per (old -> new) pair and the query of moving accounts."""

    base: object  # the scoped queryset of candidate accounts
    postal_prefix_length: int
    targets: dict[int, list[str]] = field(default_factory=dict)  # new territory id -> moving place keys
    pairs: list[RealignPair] = field(default_factory=list)
    places: int = 0

    @property
    def total(self) -> int:
        return sum(p.count for p in self.pairs)

    def moving(self):
        """The accounts that would move, annotated with ``realign_key``; empty when nothing moves."""
        keyed = _keyed(self.base, self.postal_prefix_length)
        if not self.targets:
            return keyed.none()
        wanted = Q()
        for territory_id, keys in self.targets.items():
            wanted |= Q(realign_key__in=keys) & ~Q(territory_id=territory_id)
        return keyed.filter(wanted)

    def target_for(self, key: str) -> int | None:
        for territory_id, keys in self._key_index().items():
            if key in keys:
                return territory_id
        return None

    def _key_index(self) -> dict[int, set[str]]:
        if not hasattr(self, "_index"):
            self._index = {t: set(keys) for t, keys in self.targets.items()}
        return self._index


def _postal(length: int):
    return Substr("postal_code", 1, length) if length else Value("")


def _keyed(queryset, length: int):
    key = Concat("province", Value(SEPARATOR), "city", Value(SEPARATOR), _postal(length), Value(SEPARATOR), "industry",
                 output_field=CharField())
    return queryset.annotate(realign_key=key)


def place_key(province: str, city: str, postal: str, industry: str) -> str:
    return SEPARATOR.join((province or "", city or "", postal or "", industry or ""))


def realign_plan(*, user, from_territory: Territory | None = None, to_territory: Territory | None = None) -> RealignPlan:
    """Compute the realignment of the non-locked accounts ``user`` can see.

    ``from_territory`` keeps to accounts now in that territory; ``to_territory`` keeps to the moves into it.
    """
    matcher = TerritoryMatcher.load()
    length = matcher.postal_prefix_length
    base = Account.objects.visible_to(user).filter(territory_locked=False)
    if from_territory is not None:
        base = base.filter(territory=from_territory)
    plan = RealignPlan(base=base, postal_prefix_length=length)
    groups = (
        base.annotate(realign_postal=_postal(length))
        .values("province", "city", "realign_postal", "industry", "territory_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    resolved: dict[str, Territory | None] = {}
    counts: dict[tuple[int | None, int], int] = {}
    targets: dict[int, set[str]] = {}
    for row in groups:
        key = place_key(row["province"], row["city"], row["realign_postal"], row["industry"])
        if key not in resolved:
            resolved[key] = matcher.match(province=row["province"], city=row["city"], postal_code=row["realign_postal"], industry=row["industry"])
        new = resolved[key]
        if new is None or new.pk == row["territory_id"]:
            continue
        if to_territory is not None and new.pk != to_territory.pk:
            continue
        counts[(row["territory_id"], new.pk)] = counts.get((row["territory_id"], new.pk), 0) + row["n"]
        targets.setdefault(new.pk, set()).add(key)
    plan.places = len(resolved)
    plan.targets = {t: sorted(keys) for t, keys in targets.items()}
    names = Territory.objects.in_bulk({t for pair in counts for t in pair if t is not None})
    plan.pairs = sorted(
        (RealignPair(old=names.get(old) if old else None, new=names[new], count=n) for (old, new), n in counts.items()),
        key=lambda p: (-p.count, str(p.old or ""), str(p.new)),
    )
    return plan
