"""The 360° view's timeline entries as markup, built in Python.

Twenty entries a page, each a dozen template lookups, conditions and filters: the template language spent
more on them than the rest of the timeline. This gives the markup ``_timeline_entries.html`` gave, byte for
byte (every value escaped as the template escaped it, times in the reader's zone).
"""

from __future__ import annotations

from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from guanxi.framework.html import esc


def _at(value) -> str:
    return "" if value in (None, "") else esc(date_format(template_localtime(value), "Y-m-d H:i"))


def _shown(value) -> str:
    """``{{ value }}``: local time, localized number, escaped."""
    return esc(localize(template_localtime(value)))


def _interaction(i) -> str:
    reason = f" — {_shown(i.reason)}" if i.reason else ""
    people = (f"{_shown(i.contact)} · " if i.contact else "") + (_shown(i.user) if i.user else "")
    if i.outcome:
        people += f" · {_shown(i.get_outcome_display())}"
    if i.satisfaction:
        people += f" · {esc(gettext('satisfaction'))} {_shown(i.satisfaction)}/5"
    return (f'\n            <div><a href="{esc(i.get_absolute_url())}">{_shown(i.get_channel_display())} · '
            f'{_shown(i.get_direction_display())}</a>{reason}</div>\n            <div class="small text-muted">{people}</div>\n          ')


def _linked(url, title) -> str:
    return f'<a href="{_shown(url)}">{_shown(title)}</a>' if url else _shown(title)


def _event(e) -> str:
    actor = f'<div class="small text-muted">{_shown(e.actor)}</div>' if e.actor else ""
    return f"\n            <div>{_linked(e.url, e.display_title)}</div>\n            {actor}\n          "


def timeline_html(entries: list[dict]) -> SafeString:
    """The ``<li>`` of each timeline entry (interactions, events, and every registered source's ``url``/``title``)."""
    out = []
    for entry in entries:
        kind = entry.get("kind", "")
        if kind == "interaction":
            body = _interaction(entry["object"])
        elif kind == "event":
            body = _event(entry["object"])
        else:
            body = f"\n            <div>{_linked(entry.get('url'), entry.get('title', ''))}</div>\n          "
        out.append(f'\n        <li class="kind-{_shown(kind)}">\n          <div class="small text-muted">{_at(entry.get("at"))}</div>\n          '
                   f"{body}\n        </li>\n      ")
    return SafeString("".join(out))
