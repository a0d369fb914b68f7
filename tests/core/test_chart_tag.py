"""The {% chart %} tag: options travel as escaped JSON next to the chart's box."""

from __future__ import annotations

import json
import re

from django.template import Context, Template


def render(options, label="Pipeline by stage"):
    return Template("{% load charts %}{% chart 'pipeline' options label %}").render(
        Context({"options": options, "label": label})
    )


def test_options_are_json_that_the_page_script_can_read_back():
    options = {"xAxis": {"type": "category", "data": ["线索", "方案"]}, "series": [{"type": "bar", "data": [3, 1]}]}
    html = render(options)
    assert 'id="pipeline" data-chart-options="pipeline-options"' in html
    payload = re.search(r'<script id="pipeline-options" type="application/json">(.*?)</script>', html).group(1)
    assert json.loads(payload) == options


def test_a_record_name_cannot_close_the_script_or_the_label():
    html = render({"series": [{"name": "</script><script>alert(1)</script>"}]}, label='"><img src=x>')
    assert "</script><script>" not in html
    assert "<img" not in html
    assert 'aria-label="&quot;&gt;&lt;img src=x&gt;"' in html
