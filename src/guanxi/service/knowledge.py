"""Full-text search of the knowledge base, for Chinese and English, ranked by relevance.

Chinese has no spaces between words, so every article's title, problem and solution are segmented
with jieba (search mode: 打印机 also yields 打印) into ``Article.search_tokens``, folded and
space-separated; a query is segmented the same way. The database then matches whole tokens:

- PostgreSQL: ``search_vector @@ to_tsquery('simple', …)``, where ``search_vector`` is a stored
  ``to_tsvector('simple', search_tokens)`` (a generated column, migration 0007) with a GIN index,
  ranked by ``ts_rank`` over the stored vector (no document is parsed at query time);
- SQLite: an FTS5 table (``unicode61`` tokenizer) over the same column, ranked by ``bm25`` (FTS5's ``rank``).

A search asks for every word first and, when nothing has them all, for any of them. Only the first
:data:`CANDIDATES` matches the index yields are ranked: a word found in a third of 100,000 articles
would otherwise make every search rank tens of thousands of rows.
"""

from __future__ import annotations

from django.db import connection

from guanxi.framework.text import STOP_WORDS, search_tokens  # noqa: F401  (STOP_WORDS: re-exported)

CANDIDATES = 1000
tokens = search_tokens  # shared with the sales knowledge board (guanxi.framework.text)


def document(*, title: str, problem: str, solution: str) -> str:
    """The stored search column: the title counts twice, so a match in the title ranks higher."""
    return " ".join(tokens(title) * 2 + tokens(problem) + tokens(solution))


def _unique(words: list[str], limit: int = 32) -> list[str]:
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word, None)
    return list(seen)[:limit]


def ranked_ids(query: str, *, public_only: bool = False, limit: int = 20, any_word: bool = False) -> list[tuple[int, float]]:
    """``[(article id, score)]``, best first; every word must match, else (or with ``any_word``) any word."""
    words = _unique(tokens(query))
    if not words:
        return []
    modes = ["any"] if any_word else ["all", "any"]
    for mode in modes:
        found = _search(words, mode=mode, public_only=public_only, limit=limit)
        if found:
            return found
    return []


def _search(words: list[str], *, mode: str, public_only: bool, limit: int) -> list[tuple[int, float]]:
    published = "a.is_published" + (" AND a.is_public" if public_only else "")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            expression = (" & " if mode == "all" else " | ").join(words)
            # search_vector: a stored to_tsvector('simple', search_tokens) with its GIN index (migration 0007)
            cursor.execute(
                "WITH q AS (SELECT to_tsquery('simple', %s) AS query), "
                "candidates AS (SELECT a.id, a.search_vector FROM service_article a, q "
                f"WHERE a.search_vector @@ q.query AND {published} LIMIT %s) "
                "SELECT c.id, ts_rank(c.search_vector, q.query) AS score "
                "FROM candidates c, q ORDER BY score DESC, c.id DESC LIMIT %s",
                [expression, CANDIDATES, limit],
            )
            return [(pk, float(score)) for pk, score in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # FTS5's own "ORDER BY rank LIMIT" is its fast path; published/public are checked after, on a few rows.
            expression = (" " if mode == "all" else " OR ").join(f'"{w}"' for w in words)
            cursor.execute(
                "SELECT rowid, -rank FROM service_article_fts WHERE service_article_fts MATCH %s ORDER BY rank LIMIT %s",
                [expression, limit * 5],
            )
            rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        from .models import Article

        allowed = Article.objects.filter(pk__in=[pk for pk, _score in rows], is_published=True)
        if public_only:
            allowed = allowed.filter(is_public=True)
        keep = set(allowed.values_list("pk", flat=True))
        return [(pk, float(score)) for pk, score in rows if pk in keep][:limit]
    # another database: a plain token match, unranked
    from django.db.models import Q

    from .models import Article

    q = Q()
    for word in words:
        q = (q & Q(search_tokens__contains=word)) if mode == "all" else (q | Q(search_tokens__contains=word))
    articles = Article.objects.filter(q, is_published=True)
    if public_only:
        articles = articles.filter(is_public=True)
    return [(pk, 0.0) for pk in articles.order_by("-updated_at").values_list("pk", flat=True)[:limit]]
