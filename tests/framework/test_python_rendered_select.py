"""Selects rendered in Python give the same HTML as Django's templates."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from guanxi.framework.forms import render_selects_in_python

CHOICES = [("", "---------"), ("vip", "贵宾 <VIP>"), ("key", "重点"), ("small", "小客户")]
GROUPED = [("华东", [("sh", "上海"), ("zj", "浙江")]), ("bj", "北京")]


class Sample(forms.Form):
    tier = forms.ChoiceField(choices=CHOICES, required=False)
    tiers = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    region = forms.ChoiceField(choices=GROUPED, required=False)
    do_not_call = forms.NullBooleanField(required=False)


@pytest.mark.parametrize("data", [
    {},
    {"tier": "vip", "tiers": ["key", "small"], "region": "zj", "do_not_call": "true"},
    {"tier": "nonsense", "tiers": ["vip"], "region": "bj", "do_not_call": "false"},
])
def test_same_markup_as_django_templates(data):
    django_form = Sample(data or None)
    python_form = Sample(data or None)
    render_selects_in_python(python_form)
    for name in Sample.base_fields:
        assert parse_html(str(python_form[name])) == parse_html(str(django_form[name])), name


def test_values_and_labels_are_escaped():
    form = Sample({"tier": '"><script>'})
    render_selects_in_python(form)
    html = str(form["tier"])
    assert "<script>" not in html
    assert "贵宾 &lt;VIP&gt;" in html


def test_model_choices_render_the_same(org):
    from guanxi.core.models import User

    class Owners(forms.Form):
        owner = forms.ModelMultipleChoiceField(queryset=User.objects.order_by("username"), required=False)

    django_form = Owners({"owner": [org.rep.pk, org.manager.pk]})
    python_form = Owners({"owner": [org.rep.pk, org.manager.pk]})
    render_selects_in_python(python_form)
    assert parse_html(str(python_form["owner"])) == parse_html(str(django_form["owner"]))
