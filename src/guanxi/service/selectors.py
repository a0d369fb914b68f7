"""Reads of the service app, always through ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import F, Q

from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Account, Contact
from guanxi.framework.search import contains, prefix
from guanxi.framework.text import fold

from .models import Case, CaseAttachment, CaseLink, CaseNote, Queue


def case_list(*, user):
    return Case.objects.visible_to(user)


#: a query of this many digits or more (spaces, dashes and a leading + aside) is a phone number
PHONE_DIGITS = 7


def case_search_q(query: str) -> Q | None:
    """What the case list's search box matches, every branch answered from an index (None: no search).

    - ``CS-2026-0001…``: the start of a case number (B-tree, ``varchar_pattern_ops``);
    - three to six digits: the case numbered so in any year (``-000123`` in the search column), or the digits
      in a subject; one or two digits: the number only;
    - a phone number: the cases of the accounts and contacts with that number (their own trigram indexes);
    - words (Chinese or English): the case's ``search_text`` (number, subject, sender; trigram), or the cases
      of the accounts whose search column (name, pinyin) holds them;
    - one or two characters: subjects starting with them.
    """
    from guanxi.framework.text import InvalidPhone, digits, normalize_phone, phone_search_keys

    text = fold(query)
    if not text:
        return None
    if text.startswith("cs-"):
        return Q(number__startswith=text.upper())
    phone = digits(text)
    if text.isdigit() and len(text) <= 6:
        number = Q(number__in=_numbers_ending(int(text)))
        return number | contains(Case, text) if len(text) >= 3 else number
    if len(phone) >= PHONE_DIGITS and len(phone) >= len(text.replace(" ", "").lstrip("+")) - 3:
        try:  # 010-62345678 is stored as 1062345678 (national digits, no trunk prefix)
            phone = phone_search_keys(normalize_phone(query)).split()[-1]
        except InvalidPhone:
            pass
        return _by_phone(phone) | contains(Case, phone)
    if len(text) < 3:
        return Q(subject__startswith=query.strip())
    return contains(Case, text) | _by_account(text)


def _numbers_ending(n: int) -> list[str]:
    """Case numbers ending in ``n`` in the years cases were numbered (``CaseNumberSequence``): an IN list the
    unique index answers, instead of ``LIKE '%-000123'`` that no index can."""
    from .models import CaseNumberSequence

    return [f"CS-{year}-{n:06d}" for year in CaseNumberSequence.objects.values_list("year", flat=True)]


#: at most this many accounts (and contacts) share a phone number in a search; more is not a phone search
PHONE_MATCHES = 200


#: a customer-name search names its accounts' ids in the query up to this many; more, and it asks a subquery
NAME_MATCHES = 200


def _by_account(text: str) -> Q:
    """Cases of the accounts whose search column holds ``text`` (their name, in characters or pinyin).

    The accounts are read first from their own trigram index and the cases picked by ``account_id`` from
    the case index, so the plan is two index lookups joined by a ``BitmapOr``. A word shared by more
    accounts than ``NAME_MATCHES`` (a common word of company names) is asked as a subquery: the cases of
    all of them, not of the first few, at the price of a test per case the list walks.
    """
    accounts = _matching_ids(Account, text, NAME_MATCHES + 1)
    if len(accounts) > NAME_MATCHES:
        return Q(account_id__in=Account.objects.filter(contains(Account, text)).values("pk"))
    return Q(account_id__in=accounts) if accounts else Q(pk__in=[])


def _matching_ids(model, text: str, limit: int) -> list[int]:
    """Up to ``limit`` ids of ``model`` rows whose search column holds ``text``, unordered: straight from
    the trigram index, with no sort of every match to take the first few."""
    return list(model.objects.filter(contains(model, text)).order_by().values_list("pk", flat=True)[:limit])


def _by_phone(phone: str) -> Q:
    """Cases of the accounts or contacts with this phone number (their search columns hold the digits).

    The few matching accounts and contacts are read first (their trigram indexes) and the cases then
    picked by ``account_id`` / ``contact_id`` from the case indexes: a subquery inside the ``OR`` would
    be tested against every case instead.
    """
    accounts = _matching_ids(Account, phone, PHONE_MATCHES)
    contacts = _matching_ids(Contact, phone, PHONE_MATCHES)
    q = Q(pk__in=[])
    if accounts:
        q |= Q(account_id__in=accounts)
    if contacts:
        q |= Q(contact_id__in=contacts)
    return q


def case_search(*, user, query: str, limit: int = 10) -> list[Case]:
    """Cases by number (``CS-2026-000123``, or just ``123``), words of the subject or account name, or the customer's phone."""
    q = case_search_q(query)
    if q is None:
        return []
    cases = Case.objects.visible_to(user).filter(q).select_related("account")
    if fold(query).startswith("cs-"):
        return list(cases.order_by("-number")[:limit])
    return list(cases.order_by("-created_at", "-id")[:limit])


def search_results_as_dicts(cases, kind_label) -> list[dict]:
    return [
        {"title": f"{c.number} {c.subject}", "subtitle": f"{c.account} · {c.get_status_display()}", "url": c.get_absolute_url(), "kind": kind_label}
        for c in cases
    ]


def case_notes(*, case: Case):
    return CaseNote.objects.filter(case=case).select_related("author").prefetch_related("attachments")


def case_attachments(*, case: Case):
    return CaseAttachment.objects.filter(case=case).select_related("uploaded_by")


def case_links(*, case: Case, user):
    """Links from and to ``case`` whose other end ``user`` can see: ``[(link, other case, outgoing?)]``."""
    visible = Case.objects.visible_to(user)
    links = CaseLink.objects.filter(Q(case=case) | Q(other=case)).select_related("case", "other")
    visible_ids = set(visible.filter(pk__in=[l.other_id if l.case_id == case.pk else l.case_id for l in links]).values_list("pk", flat=True))
    out = []
    for link in links:
        outgoing = link.case_id == case.pk
        other = link.other if outgoing else link.case
        if other.pk in visible_ids:
            out.append((link, other, outgoing))
    return out


def customer_lookup(*, user, query: str, limit: int = 8) -> dict:
    """Quick entry: accounts and contacts matching a phone fragment, e-mail or name, as the agent types."""
    accounts = customer_selectors.account_search(user=user, query=query, limit=limit)
    contacts = customer_selectors.contact_search(user=user, query=query, limit=limit)
    return {"accounts": accounts, "contacts": contacts}


def open_cases_of(*, account: Account, user, limit: int = 5):
    from .choices import OPEN_STATUSES

    return list(Case.objects.visible_to(user).filter(account=account, status__in=OPEN_STATUSES).order_by("-created_at")[:limit])


def contact_accounts(*, contact: Contact, user):
    return Account.objects.visible_to(user).filter(contact_links__contact=contact).order_by("-contact_links__is_primary", "name_pinyin")


def queues_of(user):
    return Queue.objects.filter(memberships__user=user)


def active_queues():
    return Queue.objects.filter(is_active=True).order_by("name")


# --- knowledge base -----------------------------------------------------------------------------

def article_search(*, query: str, public_only: bool = False, limit: int = 20, any_word: bool = False) -> list:
    """Articles matching ``query`` (Chinese or English), best first, each with its ``score``."""
    from . import knowledge
    from .models import Article

    ranked = knowledge.ranked_ids(query, public_only=public_only, limit=limit, any_word=any_word)
    if not ranked:
        return []
    articles = Article.objects.in_bulk([pk for pk, _score in ranked])
    out = []
    for pk, score in ranked:
        article = articles.get(pk)
        if article is not None:
            article.score = score
            out.append(article)
    return out


def suggested_articles(*, case: Case, limit: int = 5) -> list:
    """Articles that may answer ``case``: any word of its subject and description, best first."""
    return article_search(query=f"{case.subject} {case.description[:500]}", limit=limit, any_word=True)


# --- installed products, service contracts, returns ---------------------------------------------

def installed_product_list(*, user):
    from .models import InstalledProduct

    return InstalledProduct.objects.visible_to(user)


def service_contract_list(*, user):
    from .models import ServiceContract

    return ServiceContract.objects.visible_to(user)


def rma_list(*, user):
    from .models import Rma

    return Rma.objects.visible_to(user)


def contracts_in_force(*, account_id: int, installed_product_id: int | None = None, on=None):
    """Active contracts of an account on a day (today), those covering the unit first, then the whole-account
    ones, latest end first. A contract that names covered units covers only those units."""
    from django.db.models import Count, Exists, OuterRef
    from django.utils import timezone

    from .choices import ContractStatus
    from .models import ServiceContract

    on = on or timezone.localdate()
    through = ServiceContract.installed_products.through
    contracts = (
        ServiceContract.objects.filter(account_id=account_id, status=ContractStatus.ACTIVE, start_date__lte=on, end_date__gte=on)
        .annotate(units=Count("installed_products"))
    )
    if installed_product_id:
        covers = Exists(through.objects.filter(servicecontract_id=OuterRef("pk"), installedproduct_id=installed_product_id))
        contracts = contracts.annotate(covers=covers).filter(Q(covers=True) | Q(units=0)).order_by("-covers", "-end_date", "-id")
    else:
        contracts = contracts.filter(units=0).order_by("-end_date", "-id")
    return contracts.select_related("sla_policy")


def installed_product_history(*, unit, user) -> list[dict]:
    """What happened to one unit, newest first: its cases, returns and contract coverage, as the user may see them."""
    from .models import Case, Rma, ServiceContract

    rows = []
    for case in Case.objects.visible_to(user).filter(installed_product=unit).only("pk", "number", "subject", "status", "created_at"):
        rows.append({"kind": "case", "when": case.created_at, "record": case, "status": case.get_status_display(), "title": f"{case.number} {case.subject}"})
    for rma in Rma.objects.visible_to(user).filter(lines__installed_product=unit).distinct().only("pk", "number", "status", "reason", "created_at"):
        rows.append({"kind": "rma", "when": rma.created_at, "record": rma, "status": rma.get_status_display(), "title": f"{rma.number} {rma.reason[:80]}"})
    for contract in ServiceContract.objects.visible_to(user).filter(installed_products=unit).only("pk", "number", "name", "status", "start_date", "end_date", "created_at"):
        rows.append({"kind": "contract", "when": contract.created_at, "record": contract, "status": contract.get_status_display(),
                     "title": f"{contract.number} {contract.name} ({contract.start_date} – {contract.end_date})"})
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows


# --- for the customer portal: by ACCOUNT (the portal has no staff user), customer-visible fields only ---

def portal_installed_products(account) -> list[dict]:
    """The account's units in service or in repair, with their warranty, newest installation first."""
    from django.utils import timezone

    from .choices import InstalledProductStatus
    from .models import InstalledProduct

    today = timezone.localdate()
    units = (
        InstalledProduct.objects.filter(account=account, status__in=[InstalledProductStatus.ACTIVE, InstalledProductStatus.IN_REPAIR])
        .select_related("product").order_by(F("install_date").desc(nulls_last=True), "-id")
    )
    return [
        {"id": u.pk, "product_code": u.product.code, "product_name": u.product.name, "serial_number": u.serial_number,
         "install_date": u.install_date, "location": u.location, "warranty_end": u.warranty_end,
         "under_warranty": u.under_warranty(today), "status": u.status, "status_label": u.get_status_display()}
        for u in units
    ]


def portal_service_contracts(account) -> list[dict]:
    """The account's contracts (drafts left out), with the service level and what is left of each entitlement."""
    from django.db.models import Prefetch

    from .choices import ContractStatus
    from .models import Entitlement, ServiceContract

    contracts = (
        ServiceContract.objects.filter(account=account).exclude(status=ContractStatus.DRAFT)
        .select_related("sla_policy").prefetch_related(Prefetch("entitlements", queryset=Entitlement.objects.order_by("name", "id")))
        .prefetch_related(Prefetch("installed_products", queryset=_units_for_portal()))
        .order_by("-end_date", "-id")
    )
    return [
        {"id": c.pk, "number": c.number, "name": c.name, "status": c.status, "status_label": c.get_status_display(),
         "start_date": c.start_date, "end_date": c.end_date, "value": c.value, "currency": c.currency,
         "service_level": c.sla_policy.name if c.sla_policy_id else "",
         "covered_products": [f"{u.product.name} · {u.serial_number}" for u in c.installed_products.all()],
         "entitlements": [{"name": e.name, "unit": e.unit, "unit_label": e.get_unit_display(), "quantity": e.quantity,
                           "used": e.used, "remaining": e.remaining} for e in c.entitlements.all()]}
        for c in contracts
    ]


def _units_for_portal():
    from .models import InstalledProduct

    return InstalledProduct.objects.select_related("product").order_by("serial_number")


def portal_rmas(account) -> list[dict]:
    """The account's returns, newest first, with the wording a customer reads for their status (no internal diagnosis)."""
    from django.db.models import Prefetch

    from .models import Rma, RmaLine

    rmas = (
        Rma.objects.filter(account=account)
        .prefetch_related(Prefetch("lines", queryset=RmaLine.objects.select_related("product", "installed_product").order_by("id")))
        .order_by("-created_at", "-id")
    )
    return [_portal_rma(r) for r in rmas]


def portal_rma(account, rma_id) -> dict | None:
    """One return of the account (None when it is not the account's)."""
    for row in portal_rmas(account):
        if str(row["id"]) == str(rma_id):
            return row
    return None


def _portal_rma(r) -> dict:
    return {
        "id": r.pk, "number": r.number, "status": r.status, "status_label": r.customer_status, "reason": r.reason,
        "created_at": r.created_at, "received_at": r.received_at, "shipped_at": r.shipped_at, "closed_at": r.closed_at,
        "return_carrier": r.return_carrier, "return_tracking_number": r.return_tracking_number,
        "lines": [{"product_name": l.product.name, "serial_number": l.installed_product.serial_number if l.installed_product_id else "",
                   "quantity": l.quantity, "problem": l.problem} for l in r.lines.all()],
    }


def asset_search(*, user, query: str, limit: int = 10) -> list[dict]:
    """Global search: a return or contract by its number (RMA-…, SC-…), a unit by the start of its serial number."""
    from .models import InstalledProduct, Rma, ServiceContract

    text = fold(query).upper().replace(" ", "")
    if len(text) < 3:
        return []
    out: list[dict] = []
    if text.startswith("RMA-") and user.has_perm("service.view_rma"):
        for r in Rma.objects.visible_to(user).filter(number__startswith=text).select_related("account").order_by("-number")[:limit]:
            out.append({"title": r.number, "subtitle": f"{r.account} · {r.get_status_display()}", "url": r.get_absolute_url(), "kind": _kind("rma")})
    elif text.startswith("SC-") and user.has_perm("service.view_servicecontract"):
        for c in ServiceContract.objects.visible_to(user).filter(number__startswith=text).select_related("account").order_by("-number")[:limit]:
            out.append({"title": f"{c.number} {c.name}", "subtitle": f"{c.account} · {c.get_status_display()}", "url": c.get_absolute_url(),
                        "kind": _kind("contract")})
    elif user.has_perm("service.view_installedproduct"):
        starts = prefix(serial_number=text)  # a range the serial number's plain B-tree answers
        if not InstalledProduct.objects.filter(starts).exists():
            # one probe of that index; planning the visibility condition alone takes PostgreSQL about
            # 10 ms at a million accounts, for the many searches no serial number starts with
            return out
        units = InstalledProduct.objects.visible_to(user).filter(starts).select_related("account", "product")
        for u in units.order_by("serial_number")[:limit]:
            out.append({"title": f"{u.serial_number} {u.product.name}", "subtitle": str(u.account), "url": u.get_absolute_url(), "kind": _kind("unit")})
    return out


def _kind(name: str) -> str:
    from django.utils.translation import gettext as _

    return {"rma": _("Return"), "contract": _("Contract"), "unit": _("installed product")}[name]
