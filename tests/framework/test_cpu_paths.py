"""The cheaper paths a page takes give what the slow paths gave: escaping, choice labels, the kept filter
fields of a list, the skipped filterset of a query that filters nothing."""

from __future__ import annotations

import re

import pytest
from django.db import models
from django.utils import translation
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from guanxi.customers.filters import AccountFilterSet
from guanxi.customers.models import Account, Interaction, Tag
from guanxi.framework import forms as framework_forms
from guanxi.framework.forms import names_a_filter
from guanxi.framework.html import esc, esc_always, fmt, fmt_join

VALUES = [
    "plain", "<b>\"quoted\" & 'single'</b>", mark_safe("<i>kept</i>"), gettext_lazy("Search"), 42, 3.5, None,
    mark_safe(gettext_lazy("Search")), "",
]


@pytest.mark.parametrize("value", VALUES)
def test_escaping_twins_give_djangos_output(value):
    assert esc(value) == conditional_escape(value)
    assert esc_always(value) == escape(value)
    assert fmt('<a href="{}">{}</a>', value, value) == format_html('<a href="{}">{}</a>', value, value)
    rows = [(value, "x"), ("<", value)]
    assert fmt_join(mark_safe("<br>"), "<td>{}{}</td>", rows) == format_html_join(mark_safe("<br>"), "<td>{}{}</td>", rows)


def test_choice_display_is_djangos_in_each_language(org):
    account = Account(value_tier="key", lifecycle_stage="stability", kind="company")
    interaction = Interaction(channel="phone", direction="inbound")
    django_display = models.Model._get_FIELD_display
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for record, field in ((account, "value_tier"), (account, "lifecycle_stage"), (account, "kind"),
                                  (interaction, "channel"), (interaction, "direction")):
                model_field = type(record)._meta.get_field(field)
                assert getattr(record, f"get_{field}_display")() == django_display(record, model_field)
    with translation.override("en"):
        english = account.get_value_tier_display()
    with translation.override("zh-hans"):
        assert account.get_value_tier_display() != english, "labels are translated when shown, not when kept"
    account.value_tier = "not-a-tier"
    assert account.get_value_tier_display() == "not-a-tier"


def test_a_query_of_paging_and_sorting_names_no_filter():
    from django.http import QueryDict

    assert not names_a_filter(AccountFilterSet, QueryDict(""))
    assert not names_a_filter(AccountFilterSet, QueryDict("page=2&sort=-updated&per_page=25&_count=1"))
    assert names_a_filter(AccountFilterSet, QueryDict("page=2&q=zhang"))
    assert names_a_filter(AccountFilterSet, QueryDict("value_tier=key"))

    class Custom(AccountFilterSet):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    assert names_a_filter(Custom, QueryDict("page=2")), "a filterset with its own behaviour is always asked"


def owner_options(html: str) -> list[str]:
    select = re.search(r'<select name="owner".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def tag_options(html: str) -> list[str]:
    select = re.search(r'<select name="tag".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def test_filter_fields_are_kept_per_user_and_follow_new_tags(org, client_for, monkeypatch):
    rendered = []
    original = framework_forms.filter_fields_html
    monkeypatch.setattr(framework_forms, "filter_fields_html", lambda form: rendered.append(1) or original(form))
    manager, rep = client_for(org.manager), client_for(org.rep)
    first = manager.get("/customers/accounts/").content.decode()
    second = manager.get("/customers/accounts/?page=1&sort=name").content.decode()
    assert len(rendered) == 1, "the second request (paging and sorting only) reused the fields"
    assert owner_options(first) == owner_options(second)
    rep_page = rep.get("/customers/accounts/").content.decode()
    assert len(rendered) == 2, "another user's fields are their own"
    assert set(owner_options(rep_page)) < set(owner_options(first)), "a rep is offered fewer owners than the manager"
    Tag.objects.create(name="新标签", color="info")
    assert "新标签" in tag_options(manager.get("/customers/accounts/").content.decode()), "a new tag is offered at once"
    filtered = manager.get("/customers/accounts/?value_tier=key").content.decode()
    assert re.search(r'<option value="key" selected>', filtered), "a filtered page shows its values"


def test_table_alone_reads_no_filter_choices(org, client_for):
    client = client_for(org.manager)
    client.get("/customers/accounts/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get("/customers/accounts/?sort=name", HTTP_HX_REQUEST="true")
    assert not any('FROM "customers_tag"' in q["sql"] and "customers_account_tags" not in q["sql"] for q in ctx.captured_queries)


def test_account_overview_builds_no_details_tab_context(org, client_for):
    client = client_for(org.rep)
    overview = client.get(f"/customers/accounts/{org.rep_account.pk}/")
    assert "note_form" not in overview.context and "phones" not in overview.context and "timeline" in overview.context
    details = client.get(f"/customers/accounts/{org.rep_account.pk}/?tab=details")
    assert "note_form" in details.context and [p.number for p in details.context["phones"]]
    assert "138" in details.content.decode()


def test_a_kept_sidebar_builds_no_filterset(org, client_for, monkeypatch):
    """An unfiltered list whose sidebar is kept never builds its filterset (a copy of every filter)."""
    client = client_for(org.manager)
    first = client.get("/customers/accounts/").content.decode()
    built = []
    setup = framework_forms.UnboundFilterset._setup
    monkeypatch.setattr(framework_forms.UnboundFilterset, "_setup", lambda self: built.append(1) or setup(self))
    second = client.get("/customers/accounts/?sort=name").content.decode()
    assert not built, "the kept sidebar's key came from the filterset's class"
    assert owner_options(second) == owner_options(first) and tag_options(second) == tag_options(first)
    Tag.objects.create(name="又一个标签", color="info")
    third = client.get("/customers/accounts/").content.decode()
    assert built and "又一个标签" in tag_options(third), "a new tag: the sidebar is built again, with it"
