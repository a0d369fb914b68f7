"""Search of the sales knowledge board, for Chinese and English, ranked.

Posts are segmented with the same function as the service knowledge base
(:func:`guanxi.framework.text.search_tokens`, jieba search mode) into ``KnowledgePost.search_tokens``:
the title twice, the tags twice, the text once, space-separated and padded with spaces so that a token
matches as `` word `` (whole tokens, never a piece of one). A query is segmented the same way; the
database keeps the posts that hold every word (else, when none does, any word) — a plain ``LIKE``,
the same SQL on SQLite and PostgreSQL — and the first :data:`CANDIDATES` of them are ranked here:
score = Σ over the query's words of the occurrences of the word in the post's tokens (so a word in the
title or the tags weighs double), then "helpful" marks, then the newest first. A board holds
thousands of posts, not millions; past ~10⁵ posts this wants the service knowledge base's index
(FTS5 / GIN).
"""

from __future__ import annotations

from django.db.models import Q

from guanxi.framework.text import search_tokens

CANDIDATES = 500


def document(*, title: str, tags: str, body: str) -> str:
    words = search_tokens(title) * 2 + search_tokens(tags.replace(",", " ")) * 2 + search_tokens(body)
    return f" {' '.join(words)} " if words else ""


def query_words(query: str, limit: int = 16) -> list[str]:
    return list(dict.fromkeys(search_tokens(query)))[:limit]


def search(queryset, query: str, *, limit: int = 50, candidates: int = CANDIDATES) -> list:
    """The posts of ``queryset`` matching ``query``, best first (ranked among the newest ``candidates`` matches)."""
    words = query_words(query)
    if not words:
        return []
    for combine in ("all", "any"):
        condition = Q()
        for word in words:
            match = Q(search_tokens__contains=f" {word} ")
            condition = (condition & match) if combine == "all" else (condition | match)
        found = list(queryset.filter(condition).order_by("-updated_at", "-id")[:candidates])
        if found or len(words) == 1:  # one word: "any" asks what "all" asked
            break
    else:
        return []

    def score(post) -> tuple:
        tokens = post.search_tokens.split()
        return (sum(tokens.count(w) for w in words), post.helpful_count, post.updated_at, post.pk)

    return sorted(found, key=score, reverse=True)[:limit]


GLOBAL_CANDIDATES = 50


def global_search_results(*, user, query: str, limit: int, kind_label) -> list[dict]:
    """Posts for the header search box: whoever reads the board (``sales.view_knowledgepost``) finds every post, as on
    the board; the newest 50 matches are ranked and the body is not loaded (one query)."""
    from .models import KnowledgePost

    if not user.has_perm("sales.view_knowledgepost") or len(query.strip()) < 2:
        return []
    posts = KnowledgePost.objects.defer("body").select_related("author")
    out = []
    for post in search(posts, query, limit=limit, candidates=GLOBAL_CANDIDATES):
        subtitle = " · ".join(x for x in (post.tags, str(post.author), post.updated_at.date().isoformat()) if x)
        out.append({"title": post.title, "subtitle": subtitle, "url": post.get_absolute_url(), "kind": kind_label})
    return out
