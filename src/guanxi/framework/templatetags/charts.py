"""``{% chart %}``: an ECharts chart whose options are built in Python.

The options travel as JSON in a ``<script type="application/json">`` element (Django's ``json_script``,
so labels taken from records are escaped), and ``guanxi.js`` draws every chart on the page once ECharts
has loaded, including charts that arrive in an htmx fragment. A page with charts loads ECharts through
``{% block extra_head %}{% include "generic/_echarts.html" %}{% endblock %}``.

A chart is an addition to the numbers, never their only home: the report next to it keeps its table,
so the figures stay readable without JavaScript and to a screen reader.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, json_script

register = template.Library()


@register.simple_tag
def chart(chart_id: str, options: dict, label: str, height: str = "320px"):
    """Render the chart's box and its options; ``label`` is what a screen reader announces."""
    options_id = f"{chart_id}-options"
    return format_html(
        '<div class="guanxi-chart" id="{}" data-chart-options="{}" style="height:{}" role="img" aria-label="{}"></div>{}',
        chart_id,
        options_id,
        height,
        label,
        json_script(options, options_id),
    )
