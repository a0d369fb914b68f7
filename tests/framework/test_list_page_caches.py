"""What a list page keeps between requests (menu, owner and territory choices), and the cheaper paths it
takes (record links, tag lists, filter fields), give the same page as the slow paths and follow changes."""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core import services as core_services
from guanxi.customers import services as customer_services
from guanxi.customers.models import Account, Tag
from guanxi.framework.urls import record_url


def test_record_url_is_reverse(org):
    for name in ("customers:account_detail", "customers:contact_detail", "customers:interaction_detail"):
        for pk in (1, 42, 918273645, 10**12):
            assert record_url(name, pk) == reverse(name, args=[pk])
    assert org.rep_account.get_absolute_url() == reverse("customers:account_detail", args=[org.rep_account.pk])


def test_menu_follows_a_permission_taken_away(org, roles, client_for):
    client = client_for(org.rep)
    assert 'href="/customers/interactions/"' in client.get("/customers/accounts/").content.decode()
    view = Permission.objects.get(codename="view_interaction", content_type__app_label="customers")
    roles["sales_rep"].group.permissions.remove(view)
    assert 'href="/customers/interactions/"' not in client.get("/customers/accounts/").content.decode()


def test_menu_is_in_the_users_language(org, client_for):
    client = client_for(org.rep)
    assert ">客户<" in client.get("/customers/accounts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    english = client_for(org.rep).get("/customers/accounts/").content.decode()
    assert ">Customers<" in english and ">客户<" not in english


def territory_options(html: str) -> list[str]:
    select = re.search(r'<select name="territory".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def test_a_new_territory_is_offered_in_the_filter_at_once(org, client_for):
    client = client_for(org.admin)
    assert "杭州" not in territory_options(client.get("/customers/accounts/").content.decode())
    core_services.territory_create(acting_user=org.admin, name="杭州", code="hangzhou", level="city", parent=org.region, cities=["杭州市"])
    assert "杭州" in territory_options(client.get("/customers/accounts/").content.decode())


def test_owner_and_territory_choices_are_read_once_per_generation(org, client_for):
    client = client_for(org.manager)
    client.get("/customers/accounts/")
    with CaptureQueriesContext(connection) as second:
        html = client.get("/customers/accounts/").content.decode()
    sql = " ".join(q["sql"] for q in second.captured_queries)
    assert 'FROM "core_territory"' not in sql, "the territory choices came from the cache"
    assert 'FROM "core_user" WHERE ("core_user"."is_active"' not in sql, "the owner choices came from the cache"
    assert "上海" in territory_options(html)
    assert "DECLARE" not in sql.upper(), "no server-side cursor for a select's choices"


def test_tags_on_the_list_match_the_records(org, client_for):
    vip = Tag.objects.create(name="重点", color="danger")
    customer_services.account_update(account=Account.objects.get(pk=org.rep_account.pk), acting_user=org.rep, tags=[vip])
    html = client_for(org.rep).get("/customers/accounts/").content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*张三科技有限公司.*?</tr>", html, re.S).group(0)
    assert '<span class="badge bg-danger me-1">重点</span>' in row


def test_filter_fields_keep_their_values_and_errors(org, client_for):
    html = client_for(org.rep).get("/customers/accounts/?q=%22%3Cb%3E&created_after=not-a-date").content.decode()
    assert 'name="q" value="&quot;&lt;b&gt;"' in html, "the search box keeps (escaped) what was typed"
    assert re.search(r'<input type="date" name="created_after" value="not-a-date"[^>]*id="id_created_after"', html)
    assert 'class="invalid-feedback d-block"' in html, "the bad date is reported beside its field"


def test_details_tab_reads_no_panels_or_timeline(org, client_for):
    client = client_for(org.rep)
    url = org.rep_account.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as overview:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as details:
        page = client.get(url + "?tab=details")
    assert page.status_code == 200 and "淮海中路1号" in page.content.decode()
    sql = " ".join(q["sql"] for q in details.captured_queries)
    assert "customers_interaction" not in sql
    assert len(details.captured_queries) < len(overview.captured_queries)


def test_visible_under_trusts_only_a_parent_read_through_visible_to(org):
    from guanxi.framework.visibility import mark_seen
    from guanxi.sales.models import Opportunity

    unseen = Account.objects.get(pk=org.other_account.pk)  # the rep cannot see this account
    plain = Opportunity.objects.visible_under(org.rep, "account", unseen)
    assert not plain.exists()
    def where(queryset) -> str:
        return str(queryset.query).split("WHERE", 1)[1]

    assert "owner_id" in where(plain), "an unstamped parent: the full rule applies"
    stamped = mark_seen(Account.objects.visible_to(org.rep).get(pk=org.rep_account.pk), org.rep)
    fast = Opportunity.objects.visible_under(org.rep, "account", stamped)
    assert "owner_id" not in where(fast), "a parent read through visible_to: no rule of its own"
    other_user = Opportunity.objects.visible_under(org.other, "account", stamped)
    assert "owner_id" in where(other_user), "the stamp is for the user that read it"


def test_account_panels_query_without_the_visibility_rule(org, client_for):
    client = client_for(org.rep)
    url = org.rep_account.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    panel_sql = [q["sql"] for q in page.captured_queries if 'FROM "sales_opportunity"' in q["sql"]]
    assert panel_sql and all("customers_account" not in sql for sql in panel_sql)
