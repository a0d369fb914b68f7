"""Indexed substring matching on a model's ``search_text`` column, on either database.

PostgreSQL answers ``LIKE '%…%'`` from a pg_trgm GIN index. SQLite answers it from an FTS5
trigram table named ``<table>_fts`` (see the customers migrations). Patterns shorter than three
characters cannot use a trigram index; callers add a longer condition (pinyin) where they can.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Func, IntegerField, Q
from django.db.models.expressions import RawSQL


def contains(model, value: str, field: str = "search_text") -> Q:
    if connection.vendor == "sqlite" and len(value) >= 3:
        # FTS5 answers LIKE from its trigram index only when the LIKE has no ESCAPE clause (with one,
        # it reads every row: seconds at a million). Unescaped, a % or _ in the value is a wildcard,
        # so the index gives a superset, and the exact test then runs on those rows alone.
        fts = f"{model._meta.db_table}_fts"
        q = Q(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {field} LIKE %s", [f"%{value}%"]))
        if "%" in value or "_" in value:
            q &= Q(**{f"{field}__contains": value})
        return q
    return Q(**{f"{field}__contains": value})


def prefix(**field_value: str) -> Q:
    """``field`` starts with ``value``, as a range both databases answer from a plain B-tree index.

    The condition carries ``(field, value, {})`` as ``name_prefix``, so that a search can answer it another
    way (``customers.selectors.contact_search`` reads copies of the field kept beside the visibility keys);
    a condition combined from it is a new ``Q`` without that mark, unless :func:`prefix_and` made it.
    """
    (field, value), = field_value.items()
    q = Q(**{f"{field}__gte": value, f"{field}__lt": prefix_upper(value)})
    q.name_prefix = (field, value, {})
    return q


def prefix_and(prefix_q: Q, **lookups) -> Q:
    """``prefix_q`` and the plain ``lookups`` of the same record, marked as ``name_prefix`` with them, so that a
    search answering the prefix another way can check the lookups on the records it finds."""
    field, value, also = prefix_q.name_prefix
    q = prefix_q & Q(**lookups)
    q.name_prefix = (field, value, {**also, **lookups})
    return q


def prefix_upper(value: str) -> str:
    """The first string after every string that starts with ``value``."""
    return value[:-1] + chr(ord(value[-1]) + 1)


def unindexed(field: str) -> Func:
    """``field`` as ``+field``: the same value, which no index answers (a hint both databases understand).

    For a condition that should be checked on the rows another index finds rather than lead the search:
    SQLite, which keeps no statistics of ranges, reads "owner in (4 users)" as narrower than "pinyin
    starts with zw" and walks every row of the owners (44 ms at two million contacts) instead of the
    short range of names.
    """
    return Func(F(field), template="+%(expressions)s", output_field=IntegerField())
