"""Pagination that never counts more rows than it shows a number for.

A list of a million rows shows "10,000+" instead of scanning them all: the count is capped by a
``LIMIT`` subquery, and "next page" is known by fetching one row more than the page holds.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNT_CAP = 10_000


@dataclass
class Page:
    objects: list
    number: int
    per_page: int
    has_next: bool
    count: int
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
        return None if self.count_capped else max(1, -(-self.count // self.per_page))


def capped_count(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def paginate(queryset, page_number, per_page: int, cap: int = COUNT_CAP) -> Page:
    try:
        number = max(1, int(page_number or 1))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if number == 1 and not has_next:
        count, capped = len(rows), False
    else:
        count, capped = capped_count(queryset, cap)
    return Page(objects=rows, number=number, per_page=per_page, has_next=has_next, count=count, count_capped=capped)
