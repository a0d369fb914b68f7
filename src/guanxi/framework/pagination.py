"""Pagination that never counts more rows than it shows a number for.

A list of a million rows shows "more than 2,000" instead of scanning them all: the count is capped by a
``LIMIT`` subquery, and "next page" is known by fetching one row more than the page holds. A page
may also leave the count out (``count=False``): list pages then fetch it in a second, lazy request,
so the rows are on screen before the count has run.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the API counts up to this many rows when asked (``?count=true``)
COUNT_CAP = 10_000
#: a list page's lazy count stops here ("1–50 of more than 2,000", as list views in other CRMs do). Counting
#: to 10,000 read 128,000 cases for an agent who sees 8 % of a million (35 ms); counting to 2,000, a fifth of that.
LIST_COUNT_CAP = 2_000


@dataclass
class Page:
    objects: list
    number: int
    per_page: int
    has_next: bool
    count: int | None  # None: not counted (yet)
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.objects else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.objects)

    @property
    def num_pages(self) -> int | None:
        if self.count is None or self.count_capped:
            return None
        return max(1, -(-self.count // self.per_page))


def capped_count(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def page_number(value) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def paginate(queryset, page_number_value, per_page: int, cap: int = COUNT_CAP, *, count: bool = True) -> Page:
    number = page_number(page_number_value)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if number == 1 and not has_next:
        total, capped = len(rows), False
    elif count:
        total, capped = capped_count(queryset, cap)
    else:
        total, capped = None, False
    return Page(objects=rows, number=number, per_page=per_page, has_next=has_next, count=total, count_capped=capped)


def counted_page(queryset, page_number_value, per_page: int, cap: int = LIST_COUNT_CAP) -> Page:
    """The counts of a page without its rows: what the lazy count request shows."""
    number = page_number(page_number_value)
    total, capped = capped_count(queryset, cap)
    start = (number - 1) * per_page
    on_page = per_page if capped else max(0, min(per_page, total - start))
    return Page(objects=[None] * on_page, number=number, per_page=per_page, has_next=capped or start + on_page < total,
                count=total, count_capped=capped)
