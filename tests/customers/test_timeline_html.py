"""The timeline entries built in Python (customers/timeline.py) are the markup the template loop gave."""

from __future__ import annotations

import datetime

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from guanxi.customers import services
from guanxi.customers.models import TimelineEvent
from guanxi.customers.timeline import timeline_html

# _timeline_entries.html as it was before the entries moved to Python
TEMPLATE_LOOP = """{% load i18n %}
      {% for entry in timeline %}
        <li class="kind-{{ entry.kind }}">
          <div class="small text-muted">{{ entry.at|date:"Y-m-d H:i" }}</div>
          {% if entry.kind == "interaction" %}{% with i=entry.object %}
            <div><a href="{{ i.get_absolute_url }}">{{ i.get_channel_display }} · {{ i.get_direction_display }}</a>{% if i.reason %} — {{ i.reason }}{% endif %}</div>
            <div class="small text-muted">{% if i.contact %}{{ i.contact }} · {% endif %}{% if i.user %}{{ i.user }}{% endif %}{% if i.outcome %} · {{ i.get_outcome_display }}{% endif %}{% if i.satisfaction %} · {% translate "satisfaction" %} {{ i.satisfaction }}/5{% endif %}</div>
          {% endwith %}{% elif entry.kind == "event" %}{% with e=entry.object %}
            <div>{% if e.url %}<a href="{{ e.url }}">{{ e.display_title }}</a>{% else %}{{ e.display_title }}{% endif %}</div>
            {% if e.actor %}<div class="small text-muted">{{ e.actor }}</div>{% endif %}
          {% endwith %}{% else %}
            <div>{% if entry.url %}<a href="{{ entry.url }}">{{ entry.title }}</a>{% else %}{{ entry.title }}{% endif %}</div>
          {% endif %}
        </li>
      {% empty %}{% if not timeline_next %}<li class="text-muted small">{% translate "Nothing has happened yet." %}</li>{% endif %}{% endfor %}
"""


def test_timeline_markup_is_the_template_loops(org):
    now = timezone.now()
    account, rep = org.rep_account, org.rep
    full = services.interaction_create(acting_user=rep, account=account, contact=org.rep_contact, channel="phone", direction="inbound",
                                       started_at=now - datetime.timedelta(hours=1), reason="报价 <b>&", outcome="resolved", satisfaction=4)
    bare = services.interaction_create(acting_user=rep, account=account, channel="email", started_at=now - datetime.timedelta(days=3))
    linked = TimelineEvent.objects.create(account=account, occurred_at=now, kind="custom", title="签约 \"A&B\"", url="/x?a=1&b=2", actor=rep)
    plain = TimelineEvent.objects.create(account=account, occurred_at=now, kind="custom", title="<script>")
    entries = [
        {"at": full.started_at, "kind": "interaction", "object": full},
        {"at": bare.started_at, "kind": "interaction", "object": bare},
        {"at": linked.occurred_at, "kind": "event", "object": linked},
        {"at": plain.occurred_at, "kind": "event", "object": plain},
        {"at": now, "kind": "quote", "url": "/sales/quotes/1/?a&b", "title": "报价单 <1>"},
        {"at": now, "kind": "order", "title": "订单 & 合同"},
    ]
    for language in ("zh-hans", "en"):
        with translation.override(language), timezone.override("Asia/Shanghai"):
            for shown in (entries, entries[:1], []):
                for offset in (0, 20):
                    context = {"timeline": shown, "timeline_next": offset + len(shown), "timeline_html": timeline_html(shown), "object": account}
                    expected = Template(TEMPLATE_LOOP).render(Context(context))
                    got = render_to_string("customers/_timeline_entries.html", context)
                    assert got.startswith(expected), (language, len(shown), offset)
