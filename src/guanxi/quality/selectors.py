"""Reads of the data-quality app, through visibility."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    the match keys, one over the visible records.
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
    stem = typed.get("company") or typed.get("name", "")
    if len(stem) >= 2:
        q |= Q(kind="company" if party == "account" else "name") & prefix(value=stem)
    rows = MatchKey.objects.filter(q, party=party).values_list("object_id", "kind", "value")[:CANDIDATES]
    wanted = set(exact)
    found: dict[int, set[str]] = {}
    for object_id, kind, value in rows:
        if object_id == exclude_id:
            continue
        found.setdefault(object_id, set()).add(kind if (kind, value) in wanted else "similar")
    if not found:
        return []
    records = model.objects.visible_to(user).filter(pk__in=list(found)).select_related("owner")
    typed_name = fold(name)
    out = []
    for record in records:
        kinds = found[record.pk]
        score = max([SCORES.get(k, 0) for k in kinds] + [int(fuzz.ratio(typed_name, fold(record.name)))])
        out.append(Duplicate(record=record, party=party, score=score, reasons=[str(REASONS[k]) for k in sorted(kinds, key=lambda k: -SCORES.get(k, 0))]))
    out.sort(key=lambda d: (-d.score, d.record.pk))
    return out[:limit]


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
