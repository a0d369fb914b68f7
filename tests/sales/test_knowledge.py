"""The sales knowledge board: search ranking in Chinese and English, visibility (every sales user reads,
author or editor changes), comments, "helpful", the API, and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanxi.sales import knowledge, services
from guanxi.sales.models import KnowledgePost


@pytest.fixture
def posts(org):
    make = services.knowledge_post_create
    return {
        "price": make(acting_user=org.rep, title="报价谈判技巧", body="客户要求打折时，先谈价值，再谈价格。", tags="报价, 谈判"),
        "body_only": make(acting_user=org.other, title="拜访前的准备", body="准备报价单和案例，了解客户的采购流程。", tags="拜访"),
        "server": make(acting_user=org.manager, title="Positioning servers against cloud", body="Lead with five-year cost; pricing matters less.",
                       tags="server, pricing"),
        "unrelated": make(acting_user=org.rep, title="年会安排", body="今年年会在杭州。", tags=""),
    }


def test_search_ranks_chinese_title_and_tag_matches_first(posts):
    all_posts = KnowledgePost.objects.all()
    found = knowledge.search(all_posts, "报价")
    assert [p.pk for p in found] == [posts["price"].pk, posts["body_only"].pk]  # title + tag outweigh a word in the text
    # jieba segments the query: 谈判技巧 finds 谈判; a two-word query wants both words first
    assert [p.pk for p in knowledge.search(all_posts, "谈判技巧")] == [posts["price"].pk]
    assert [p.pk for p in knowledge.search(all_posts, "报价 采购")] == [posts["body_only"].pk]
    # English, case-folded; nothing half-matches a word
    assert [p.pk for p in knowledge.search(all_posts, "PRICING")] == [posts["server"].pk]
    assert knowledge.search(all_posts, "pric") == []
    # no post has every word: any word
    assert {p.pk for p in knowledge.search(all_posts, "杭州 cloud")} == {posts["unrelated"].pk, posts["server"].pk}


def test_every_sales_user_reads_only_author_or_editor_changes(org, posts, client_for, make_user):
    post = posts["price"]  # written by rep
    for user in (org.rep, org.other, org.manager, org.analyst, org.watcher):
        client = client_for(user)
        assert client.get("/sales/knowledge/").status_code == 200
        assert client.get(post.get_absolute_url()).status_code == 200
    outsider = make_user("outsider", role=None)
    assert client_for(outsider).get("/sales/knowledge/").status_code == 403
    assert client_for(outsider).get(post.get_absolute_url()).status_code == 403
    # the author edits; another rep may not; a sales manager (editor) may
    assert client_for(org.rep).get(f"/sales/knowledge/{post.pk}/edit/").status_code == 200
    assert client_for(org.other).get(f"/sales/knowledge/{post.pk}/edit/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.knowledge_post_update(post=post, acting_user=org.other, title="改掉")
    services.knowledge_post_update(post=post, acting_user=org.manager, title="报价谈判的三个技巧")
    post.refresh_from_db()
    assert post.title == "报价谈判的三个技巧" and " 三个 " in post.search_tokens
    response = client_for(org.other).post(f"/sales/knowledge/{post.pk}/delete/")
    assert response.status_code == 403 and KnowledgePost.objects.filter(pk=post.pk).exists()
    # the analyst reads but writes nothing
    assert client_for(org.analyst).get("/sales/knowledge/add/").status_code == 403


def test_comments_helpful_and_the_list_page(org, posts, client_for):
    post = posts["price"]
    other = client_for(org.other)
    assert other.post(f"/sales/knowledge/{post.pk}/comment/", {"body": "学到了"}).status_code == 302
    assert other.post(f"/sales/knowledge/{post.pk}/helpful/").status_code == 302
    other.post(f"/sales/knowledge/{post.pk}/helpful/")  # once per user
    post.refresh_from_db()
    assert (post.comment_count, post.helpful_count) == (1, 1)
    page = client_for(org.rep).get("/sales/knowledge/?q=报价").content.decode()
    assert page.index("报价谈判技巧") < page.index("拜访前的准备") and "年会安排" not in page
    assert "学到了" in client_for(org.rep).get(post.get_absolute_url()).content.decode()
    created = client_for(org.rep).post("/sales/knowledge/add/", {"title": "", "body": "x"})
    assert created.status_code == 200 and KnowledgePost.objects.count() == 4  # the title is required: the form says so


def test_api_search_write_and_permissions(org, posts):
    api = APIClient()
    api.force_authenticate(org.other)
    found = api.get("/api/sales-knowledge/", {"q": "报价"}).json()
    assert [row["id"] for row in found["results"]] == [posts["price"].pk, posts["body_only"].pk]
    assert api.patch(f"/api/sales-knowledge/{posts['price'].pk}/", {"title": "x"}, format="json").status_code == 403
    created = api.post("/api/sales-knowledge/", {"title": "电话开场白", "body": "三十秒说清楚价值。", "tags": "电话，开场"}, format="json")
    assert created.status_code == 201 and created.json()["tags"] == "电话, 开场" and created.json()["author"] == org.other.pk
    assert api.post(f"/api/sales-knowledge/{posts['price'].pk}/comments/", {"body": "好"}, format="json").status_code == 200
    assert api.post(f"/api/sales-knowledge/{posts['price'].pk}/helpful/").json()["helpful_count"] == 1


def test_list_and_detail_queries_do_not_grow_with_rows(org, posts, client_for):
    client = client_for(org.rep)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    post = posts["price"]
    list_before, detail_before = count("/sales/knowledge/"), count(post.get_absolute_url())
    for n in range(8):
        services.knowledge_post_create(acting_user=org.manager, title=f"技巧{n}", body="报价", tags="报价", product=None)
        services.knowledge_comment_add(post=post, acting_user=org.other, body=f"评论{n}")
    assert count("/sales/knowledge/") == list_before
    assert count(post.get_absolute_url()) == detail_before
