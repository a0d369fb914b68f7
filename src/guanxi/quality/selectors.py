"""Reads of the data-quality app, through visibility."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from guanxi.framework.search import prefix
from guanxi.framework.text import InvalidPhone, fold, normalize_phone

from .matching import name_keys, safe_email_key
from .models import ImportBatch, ImportMapping, MatchKey


def batch_list(*, user):
    return ImportBatch.objects.visible_to(user).select_related("owner")


def batch_get(*, user, pk: int) -> ImportBatch:
    return ImportBatch.objects.visible_to(user).select_related("owner", "job").get(pk=pk)


def mappings_for(*, user, target: str | None = None):
    """The user's own mappings and the shared ones."""
    mappings = ImportMapping.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
    return mappings.filter(target=target) if target else mappings


# --- duplicate check ----------------------------------------------------------------------------

@dataclass
class Duplicate:
    record: object
    party: str
    score: int
    reasons: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.record.get_absolute_url()


REASONS = {
    "phone": gettext_lazy("same phone"), "email": gettext_lazy("same e-mail"), "company": gettext_lazy("same company name"),
    "name": gettext_lazy("same name"), "pinyin": gettext_lazy("name sounds the same"), "similar": gettext_lazy("similar name"),
}
SCORES = {"phone": 100, "email": 100, "company": 95, "name": 95, "pinyin": 85}
CANDIDATES = 200
#: names starting like the typed one, at most, as candidates
SIMILAR = 50


def _phone_keys(phones) -> list[str]:
    from django.conf import settings

    out = []
    for raw in phones:
        try:
            out.append(normalize_phone(raw, settings.GUANXI_DEFAULT_REGION))
        except InvalidPhone:
            continue
    return out


def likely_duplicates(*, user, party: str = "account", name: str = "", phones=(), emails=(), exclude_id: int | None = None,
                      limit: int = 10) -> list[Duplicate]:
    """Accounts (or contacts) the user can see that look like the one being typed, best first.

    Same normalized phone or e-mail, same company name without its legal form, same name or the same
    pinyin, or a name starting like the typed one (then scored by similarity). One indexed query over
    the match keys (exact keys, and a capped prefix range), one that loads the visible candidates — when
    there are more than ``limit``, one for (id, name) to rank them and one that loads the shown ones.
    """
    from guanxi.customers.models import Account, Contact

    model = Account if party == "account" else Contact
    exact = [("phone", p) for p in _phone_keys(phones)] + [("email", safe_email_key(e)) for e in emails if e and e.strip()]
    typed = name_keys(name, company=party == "account") if name and name.strip() else {}
    exact += [(kind, value) for kind, value in typed.items() if kind != "company" or len(value) >= 2]
    if not exact:
        return []
    q = Q()
    for kind in {k for k, _v in exact}:
        q |= Q(kind=kind, value__in=[v for k, v in exact if k == kind])
    keys = MatchKey.objects.filter(q, party=party).values_list("object_id", "kind", "value")
    stem = typed.get("company") or typed.get("name", "")
    if len(stem) >= 2:
        # names that start like the typed one: the first few in index order, in a branch of their own, so a
        # common start ("上海…") neither crowds out the exact hits nor drags hundreds of records along
        similar = MatchKey.objects.filter(prefix(value=stem), party=party, kind="company" if party == "account" else "name")
        similar = similar.order_by("value").values_list("object_id", "kind", "value")[:SIMILAR]
        if connection.features.supports_slicing_ordering_in_compound:  # one round trip
            rows = list(keys.order_by().union(similar, all=True)[:CANDIDATES])
        else:  # SQLite takes no LIMIT inside a UNION
            rows = list(keys[:CANDIDATES]) + list(similar)
    else:
        rows = list(keys[:CANDIDATES])
    wanted = set(exact)
    found: dict[int, set[str]] = {}
    for object_id, kind, value in rows:
        if object_id == exclude_id:
            continue
        found.setdefault(object_id, set()).add(kind if (kind, value) in wanted else "similar")
    if not found:
        return []
    visible = model.objects.visible_to(user).order_by()
    typed_name = fold(name)

    def score(kinds: set[str], record_name: str) -> int:
        return max([SCORES.get(k, 0) for k in kinds] + [int(fuzz.ratio(typed_name, fold(record_name)))])

    def reasons(kinds: set[str]) -> list[str]:
        return [str(REASONS[k]) for k in sorted(kinds, key=lambda k: -SCORES.get(k, 0))]

    if len(found) <= limit:  # the usual case: load the few candidates whole, in one query
        records = visible.filter(pk__in=list(found)).select_related("owner")
        out = [Duplicate(record=r, party=party, score=score(found[r.pk], r.name), reasons=reasons(found[r.pk])) for r in records]
        out.sort(key=lambda d: (-d.score, d.record.pk))
        return out
    # many candidates: rank on (id, name), then load only the ones shown, with their owners
    ranked = sorted((-score(found[pk], record_name), pk) for pk, record_name in visible.filter(pk__in=list(found)).values_list("pk", "name"))
    ranked = ranked[:limit]
    records = {r.pk: r for r in model.objects.filter(pk__in=[pk for _s, pk in ranked]).select_related("owner")}
    return [Duplicate(record=records[pk], party=party, score=-negative, reasons=reasons(found[pk]))
            for negative, pk in ranked if pk in records]


def merges_for(*, user):
    """Merges whose surviving record the user can see (a merge undone: whose merged record the user can see)."""
    from guanxi.customers.models import Account, Contact

    from .models import MergeRecord

    accounts = Account.objects.visible_to(user).values("pk")
    contacts = Contact.objects.visible_to(user).values("pk")
    return MergeRecord.objects.filter(
        Q(party="account", survivor_id__in=accounts) | Q(party="contact", survivor_id__in=contacts)
        | Q(party="account", undone_at__isnull=False, merged_id__in=accounts)
        | Q(party="contact", undone_at__isnull=False, merged_id__in=contacts)
    )


# --- batch dedupe -------------------------------------------------------------------------------

def visible_records(*, user, party: str):
    """The accounts (``party="account"``) or contacts the user can see: what a dedupe run compares and what
    the review queue shows pairs of."""
    from .merging import model_for

    return model_for(party).objects.visible_to(user)


def dedupe_records(*, user, party: str) -> list[tuple[str, dict]]:
    """(id, features) of every account or contact the user can see, for :func:`guanxi.quality.dedupe.link`."""
    from .dedupe import features

    if party == "account":
        rows = visible_records(user=user, party=party).values_list("pk", "name", "primary_phone", "primary_email", "province", "city")
        columns = {"full_name": "name", "company": "name", "phone": "phone", "email": "email", "province": "province", "city": "city"}
        return [(str(pk), features({"name": n, "phone": p, "email": e, "province": pr, "city": c}, columns))
                for pk, n, p, e, pr, c in rows.iterator(chunk_size=5000)]
    rows = visible_records(user=user, party=party).values_list("pk", "name", "primary_phone", "primary_email", "birthday")
    columns = {"full_name": "name", "phone": "phone", "email": "email", "dob": "dob"}
    return [(str(pk), features({"name": n, "phone": p, "email": e, "dob": b.isoformat() if b else ""}, columns))
            for pk, n, p, e, b in rows.iterator(chunk_size=5000)]


def open_pairs(*, user, party: str):
    """Open pairs of the review queue whose two records the user can see, most likely first."""
    from .choices import PairStatus
    from .models import DuplicatePair

    visible = visible_records(user=user, party=party).values("pk")
    return DuplicatePair.objects.filter(party=party, status=PairStatus.OPEN, left_id__in=visible, right_id__in=visible).order_by("-probability", "id")


def with_records(pairs, *, user, party: str) -> list:
    """Attach ``left`` and ``right`` (visible records, owners loaded) to each pair: two queries for a page."""
    from guanxi.customers.models import Account, Contact

    pairs = list(pairs)
    ids = {i for p in pairs for i in (p.left_id, p.right_id)}
    model = Account if party == "account" else Contact
    records = {r.pk: r for r in model.objects.visible_to(user).filter(pk__in=ids).select_related("owner")}
    out = []
    for pair in pairs:
        pair.left, pair.right = records.get(pair.left_id), records.get(pair.right_id)
        if pair.left is not None and pair.right is not None:
            out.append(pair)
    return out


@dataclass
class Cluster:
    """Three or more records a dedupe run put together, for merging at once from the review queue."""

    key: str
    probability: object
    records: list = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [r.pk for r in self.records]


def open_clusters(*, user, party: str, limit: int = 20) -> list[Cluster]:
    """Clusters of three or more records (two or more open pairs) whose records the user can see, most
    likely first: one grouped query, one for their pairs, one for their records."""
    from django.db.models import Count, Max

    from guanxi.customers.models import Account, Contact

    pairs = open_pairs(user=user, party=party).exclude(cluster="")
    keys = list(pairs.order_by().values("cluster").annotate(n=Count("id"), best=Max("probability"))
                .filter(n__gte=2).order_by("-best", "cluster").values_list("cluster", "best")[:limit])
    if not keys:
        return []
    members: dict[str, list[int]] = {key: [] for key, _best in keys}
    for key, left, right in pairs.filter(cluster__in=list(members)).order_by("id").values_list("cluster", "left_id", "right_id"):
        for pk in (left, right):
            if pk not in members[key]:
                members[key].append(pk)
    model = Account if party == "account" else Contact
    records = {r.pk: r for r in model.objects.visible_to(user).filter(pk__in={pk for ids in members.values() for pk in ids}).select_related("owner")}
    out = []
    for key, best in keys:
        found = sorted((records[pk] for pk in members[key] if pk in records), key=lambda r: r.pk)
        if len(found) >= 3:
            out.append(Cluster(key=key, probability=best, records=found))
    return out
