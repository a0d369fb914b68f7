"""Reads of the service app, always through ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import Q

from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Account, Contact
from guanxi.framework.search import contains
from guanxi.framework.text import fold

from .models import Case, CaseAttachment, CaseLink, CaseNote, Queue


def case_list(*, user):
    return Case.objects.visible_to(user)


def case_search(*, user, query: str, limit: int = 10) -> list[Case]:
    """Cases by number (``CS-2026-000123``, or just ``123``) or by words of the subject or account name."""
    text = fold(query)
    if not text:
        return []
    cases = Case.objects.visible_to(user).select_related("account")
    exact = text.upper()
    if exact.startswith("CS-"):
        return list(cases.filter(number__startswith=exact).order_by("-number")[:limit])
    if text.isdigit():
        # a bare number: the case numbered so this year or before, newest first
        return list(cases.filter(number__endswith=f"-{int(text):06d}").order_by("-number")[:limit])
    if len(text) < 3:
        return list(cases.filter(subject__startswith=query.strip()).order_by("-created_at")[:limit])
    return list(cases.filter(contains(Case, text)).order_by("-created_at", "-id")[:limit])


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
