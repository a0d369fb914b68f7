"""Reads of the portal. Everything a customer sees is scoped to one account here.

Staff reads go through ``visible_to(user)``; a portal user is no staff user, so its scope is the
account it is logged in for: that account's cases, their customer-visible notes and attachments,
and the public, published knowledge-base articles. An id of another account's record is simply not
in these querysets, so views answer 404.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q

from guanxi.customers.models import Account
from guanxi.framework.text import fold
from guanxi.service import selectors as service_selectors
from guanxi.service.choices import OPEN_STATUSES, CaseStatus
from guanxi.service.models import Article, Case, CaseAttachment, CaseCategory, CaseNote

from .models import PortalUser


def portal_accounts(*, portal_user: PortalUser):
    """The accounts the portal user's contact is linked to, its main account first."""
    return Account.objects.filter(contact_links__contact_id=portal_user.contact_id).order_by("-contact_links__is_primary", "name_pinyin", "id")


def portal_users_of(*, contact_ids):
    return {pu.contact_id: pu for pu in PortalUser.objects.filter(contact_id__in=list(contact_ids))}


# --- cases --------------------------------------------------------------------------------------

STATUS_FILTERS = {"open": OPEN_STATUSES, "resolved": (CaseStatus.RESOLVED,), "closed": (CaseStatus.CLOSED,)}


def portal_cases(*, account: Account, status: str = "", query: str = ""):
    """The account's cases, newest first; ``status`` is open / resolved / closed (else all)."""
    cases = Case.objects.filter(account=account).select_related("contact", "category", "installed_product__product")
    if status in STATUS_FILTERS:
        cases = cases.filter(status__in=STATUS_FILTERS[status])
    text = (query or "").strip()
    if text:
        cases = cases.filter(Q(number__icontains=text) | Q(subject__icontains=text) | Q(search_text__contains=fold(text)))
    return cases.order_by("-created_at", "-id")


def portal_case(*, account: Account, pk) -> Case | None:
    return Case.objects.filter(account=account, pk=pk).select_related("contact", "category", "merged_into", "installed_product__product").first()


def portal_case_notes(*, case: Case):
    """The customer-visible notes of a case with their customer-visible attachments."""
    public_files = Prefetch("attachments", queryset=CaseAttachment.objects.filter(is_public=True), to_attr="public_attachments")
    return CaseNote.objects.filter(case=case, is_public=True).select_related("author").prefetch_related(public_files).order_by("created_at", "id")


def portal_case_files(*, case: Case):
    """Customer-visible attachments of a case that belong to no note (added to the case itself)."""
    return CaseAttachment.objects.filter(case=case, is_public=True, note__isnull=True).order_by("created_at", "id")


def portal_attachment(*, account: Account, pk) -> CaseAttachment | None:
    return CaseAttachment.objects.filter(case__account=account, is_public=True, pk=pk).select_related("case").first()


def portal_categories():
    return CaseCategory.objects.filter(is_active=True).order_by("name")


def portal_case_counts(*, account: Account) -> dict:
    cases = Case.objects.filter(account=account)
    return {
        "open": cases.filter(status__in=OPEN_STATUSES).count(),
        "waiting": cases.filter(status=CaseStatus.PENDING).count(),
        "resolved": cases.filter(status=CaseStatus.RESOLVED).count(),
    }


# --- knowledge base -----------------------------------------------------------------------------

def public_articles():
    return Article.objects.filter(is_public=True, is_published=True).select_related("category")


def portal_article(*, pk) -> Article | None:
    return public_articles().filter(pk=pk).first()


def portal_article_search(*, query: str, limit: int = 20) -> list[Article]:
    """Public, published articles matching ``query`` (Chinese or English), best first; never internal ones."""
    found = service_selectors.article_search(query=query, public_only=True, limit=limit)
    return [a for a in found if a.is_public and a.is_published]


def recent_articles(*, limit: int = 5) -> list[Article]:
    return list(public_articles().order_by("-updated_at", "-id")[:limit])


# --- installed products, service contracts, returns (read helpers of the service app) -------------

def installed_products(*, account: Account) -> list[dict]:
    return service_selectors.portal_installed_products(account)


def service_contracts(*, account: Account) -> list[dict]:
    return service_selectors.portal_service_contracts(account)


def rmas(*, account: Account) -> list[dict]:
    return service_selectors.portal_rmas(account)


def rma(*, account: Account, pk) -> dict | None:
    return service_selectors.portal_rma(account, pk)


def unit_choices(*, account: Account):
    """The account's units in service, for "which product is it about" on a new case."""
    from guanxi.service.choices import InstalledProductStatus
    from guanxi.service.models import InstalledProduct

    return (InstalledProduct.objects.filter(account=account, status__in=[InstalledProductStatus.ACTIVE, InstalledProductStatus.IN_REPAIR])
            .select_related("product").order_by("product__name", "serial_number"))
