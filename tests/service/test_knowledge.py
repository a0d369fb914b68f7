"""The knowledge base: versions on every edit, Chinese and English full-text search with relevance
ranking, suggested articles on a case, and "was this helpful" feedback."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from guanxi.service import services
from guanxi.service.selectors import article_search, suggested_articles

from .test_visibility import api


@pytest.fixture
def articles(org):
    admin = org.admin
    make = lambda **kw: services.article_create(acting_user=admin, **kw)  # noqa: E731
    return {
        "printer": make(title="打印机无法连接网络", problem="办公室的网络打印机显示离线，无法打印。",
                        solution="重启打印机，在控制面板重新选择无线网络并输入密码。", is_public=True),
        "invoice": make(title="如何修改发票抬头", problem="客户开票后需要修改发票抬头。", solution="在财务设置中作废原发票后重新开具。"),
        "mention": make(title="网络设备保修说明", problem="路由器和交换机的保修期限。", solution="保修一年，打印机另行规定。", is_public=True),
        "english": make(title="Printer shows offline", problem="The network printer is offline and cannot print.",
                        solution="Restart the printer and join the Wi-Fi network again.", is_public=True),
        "draft": make(title="打印机草稿", problem="打印机", solution="未完成", is_published=False),
    }


def titles(results):
    return [a.title for a in results]


def test_chinese_search_ranks_the_best_match_first(articles):
    found = titles(article_search(query="打印机连不上网络"))
    assert found[0] == "打印机无法连接网络"
    assert "如何修改发票抬头" not in found and "打印机草稿" not in found
    assert titles(article_search(query="发票抬头")) == ["如何修改发票抬头"]
    assert titles(article_search(query="打印"))[0] == "打印机无法连接网络"  # a word inside 打印机, found by search-mode segmentation


def test_english_search_and_public_only(articles):
    assert titles(article_search(query="printer offline")) == ["Printer shows offline"]
    assert titles(article_search(query="PRINTER")) == ["Printer shows offline"]
    assert "如何修改发票抬头" not in titles(article_search(query="发票", public_only=True))
    assert article_search(query="的") == [] and article_search(query="   ") == []


def test_suggestions_for_a_case_come_from_its_words(org, desk, articles):
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="打印机离线", description="打印时提示网络错误")
    suggested = titles(suggested_articles(case=case))
    assert suggested[0] == "打印机无法连接网络" and "如何修改发票抬头" not in suggested


def test_every_edit_keeps_a_version_and_search_follows(org, articles):
    article = articles["invoice"]
    services.article_update(article=article, acting_user=org.admin, title="如何更改发票抬头和税号")
    services.article_update(article=article, acting_user=org.admin, title="如何更改发票抬头和税号")  # nothing changed
    article.refresh_from_db()
    assert article.version == 2
    assert [(v.version, v.title) for v in article.versions.all()] == [(2, "如何更改发票抬头和税号"), (1, "如何修改发票抬头")]
    assert titles(article_search(query="税号")) == ["如何更改发票抬头和税号"]
    with pytest.raises(ValidationError) as error:
        services.article_update(article=article, acting_user=org.admin, title="")
    assert "title" in error.value.message_dict


def test_feedback_counts(org, desk, articles, client_for):
    client = client_for(desk.agent)
    article = articles["printer"]
    client.post(f"/service/kb/articles/{article.pk}/feedback/", {"helpful": "1"})
    client.post(f"/service/kb/articles/{article.pk}/feedback/", {"helpful": "0", "comment": "没用"})
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert article.feedback.get(helpful=False).comment == "没用"


def test_pages_and_api(org, desk, articles, client_for):
    client = client_for(desk.agent)
    page = client.get("/service/kb/?q=打印机").content.decode()
    assert page.index("打印机无法连接网络") < page.index("网络设备保修说明")
    assert "打印机无法连接网络" in client.get(f"/service/kb/articles/{articles['printer'].pk}/").content.decode()
    response = client.post("/service/kb/articles/add/", {"title": "蓝屏怎么办", "problem": "电脑蓝屏", "solution": "更新驱动", "is_published": "on"})
    assert response.status_code == 302
    token = api(desk.agent)
    assert [row["title"] for row in token.get("/api/articles/search/?q=蓝屏").json()] == ["蓝屏怎么办"]
    assert token.get("/api/articles/search/?q=").status_code == 400
    assert {row["title"] for row in token.get("/api/articles/?q=发票").json()["results"]} == {"如何修改发票抬头"}
    response = token.post(f"/api/articles/{articles['printer'].pk}/feedback/", {"helpful": True}, format="json")
    assert response.json()["helpful_count"] == 1
    assert api(org.rep).get("/api/articles/").status_code == 403  # a sales rep has no knowledge-base permission
