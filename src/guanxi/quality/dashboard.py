"""The data-quality figures: invalid phones and e-mails, missing key fields, open duplicates, and their trend.

Figures for a user count only the records the user can see, each count capped like list counts
(``framework.pagination.capped_count``) so the page stays fast at millions of rows; each figure opens
the list of its offending records (:func:`offending`), through the same visibility. The trend comes
from one organisation-wide ``QualitySnapshot`` a day: the periodic job ``take_quality_snapshot``
(:mod:`.tasks`; cron ``guanxi quality_snapshot``), the dashboard queueing it when today's is missing,
and every dedupe run.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Account, Contact, EmailAddress, PhoneNumber
from guanxi.framework.pagination import capped_count

from .choices import PairStatus
from .models import DuplicatePair, QualitySnapshot

E164 = r"^\+[1-9][0-9]{6,14}$"
EMAIL = r"^[^@ ]+@[^@ ]+\.[^@ .]+$"


@dataclass
class Figure:
    key: str
    label: object
    count: int
    capped: bool
    url: str = ""


def _querysets(accounts, contacts) -> list[tuple[str, object, object]]:
    phones = PhoneNumber.objects.filter(Q(account__in=accounts.values("pk")) | Q(contact__in=contacts.values("pk")))
    emails = EmailAddress.objects.filter(Q(account__in=accounts.values("pk")) | Q(contact__in=contacts.values("pk")))
    return [
        ("accounts", _("accounts"), accounts),
        ("contacts", _("contacts"), contacts),
        ("invalid_phones", _("phone numbers not in international form"), phones.exclude(number__regex=E164)),
        ("invalid_emails", _("e-mail addresses that are not valid"), emails.exclude(email__regex=EMAIL)),
        ("accounts_without_phone", _("accounts without a phone"), accounts.filter(primary_phone="")),
        ("accounts_without_city", _("accounts without a city"), accounts.filter(city="")),
        ("contacts_unreachable", _("contacts with neither phone nor e-mail"), contacts.filter(primary_phone="", primary_email="")),
        ("contacts_without_account", _("contacts without an account"), contacts.filter(primary_account__isnull=True)),
    ]


#: figure -> what its list shows: the phone/e-mail rows, accounts or contacts (pairs go to the review queue)
DRILL_KIND = {
    "invalid_phones": "phone", "invalid_emails": "email", "accounts_without_phone": "account", "accounts_without_city": "account",
    "contacts_unreachable": "contact", "contacts_without_account": "contact",
}


def offending(user, key: str):
    """(label, kind, queryset) of the records behind figure ``key`` that ``user`` can see, in a stable order."""
    if key not in DRILL_KIND:
        raise KeyError(key)
    accounts, contacts = Account.objects.visible_to(user), Contact.objects.visible_to(user)
    label, queryset = next((lbl, qs) for k, lbl, qs in _querysets(accounts, contacts) if k == key)
    kind = DRILL_KIND[key]
    if kind in ("phone", "email"):
        queryset = queryset.select_related("account", "contact").order_by("id")
    else:
        queryset = queryset.select_related("owner").order_by("name", "id")
    return label, kind, queryset


def trend_chart(snapshots: list[QualitySnapshot], figures: list[Figure]) -> dict:
    """ECharts options: one line per problem figure (the totals of accounts and contacts left out)."""
    labels = [s.day.isoformat() for s in snapshots]
    series = [{"type": "line", "name": str(f.label), "data": [s.figures.get(f.key) for s in snapshots], "connectNulls": False}
              for f in figures if f.key not in ("accounts", "contacts")]
    return {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value", "minInterval": 1}, "series": series,
    }


def has_snapshot_today() -> bool:
    return QualitySnapshot.objects.filter(day=timezone.localdate()).exists()


def figures_for(user) -> list[Figure]:
    accounts, contacts = Account.objects.visible_to(user), Contact.objects.visible_to(user)
    out = [Figure(key, label, *capped_count(qs)) for key, label, qs in _querysets(accounts, contacts)]
    for party, label in (("account", _("open duplicate pairs of accounts")), ("contact", _("open duplicate pairs of contacts"))):
        visible = (accounts if party == "account" else contacts).values("pk")
        pairs = DuplicatePair.objects.filter(party=party, status=PairStatus.OPEN, left_id__in=visible, right_id__in=visible)
        out.append(Figure(f"open_{party}_pairs", label, *capped_count(pairs)))
    return out


def take_snapshot() -> QualitySnapshot:
    """Today's organisation-wide figures (exact counts), replacing an earlier snapshot of the day."""
    figures = {key: qs.order_by().count() for key, _label, qs in _querysets(Account.objects.all(), Contact.objects.all())}
    for party in ("account", "contact"):
        figures[f"open_{party}_pairs"] = DuplicatePair.objects.filter(party=party, status=PairStatus.OPEN).count()
    snapshot, _created = QualitySnapshot.objects.update_or_create(day=timezone.localdate(), defaults={"figures": figures})
    return snapshot


def trend(days: int = 30) -> list[QualitySnapshot]:
    return list(reversed(QualitySnapshot.objects.all()[:days]))
