"""My workspace: tasks, notifications and recent activity; the health check."""

from __future__ import annotations

import datetime

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from guanxi.core import services as core_services
from guanxi.core.models import AuditEntry, Notification, Task


def test_workspace_shows_my_tasks_notifications_and_activity(client_for, org):
    core_services.task_create(acting_user=org.manager, title="回访张三", assigned_to=org.rep,
                              due_at=timezone.now() - datetime.timedelta(days=1), priority="high")
    core_services.task_create(acting_user=org.other, title="别人的任务", assigned_to=org.other)
    core_services.notification_send(recipient=org.rep, title="合同已签", url="/customers/accounts/")
    core_services.notification_send(recipient=org.other, title="别人的通知")
    response = client_for(org.rep).get("/workspace/")
    assert response.status_code == 200
    assert [t.title for t in response.context["tasks"]] == ["回访张三"]
    assert response.context["overdue"] == 1
    titles = [n.title for n in response.context["notifications"]]
    assert len(titles) == 2 and "合同已签" in titles and "回访张三" in titles[1], "mine only: the task's and the contract's"
    assert {e.object_repr for e in response.context["activity"]} >= {"张三科技有限公司"}
    page = response.content.decode()
    assert "回访张三" in page and "合同已签" in page and "张三科技有限公司" in page
    assert "别人的任务" not in page and "别人的通知" not in page
    assert client_for(org.rep).get("/").status_code == 200, "the home page is the workspace"


def test_add_a_task_for_myself_and_finish_it(client_for, org):
    client = client_for(org.rep)
    response = client.post("/workspace/tasks/add/", {"title": "准备报价单", "priority": "normal", "due_at": "2030-01-02T09:00"})
    assert response.status_code == 302
    task = Task.objects.get(title="准备报价单")
    assert (task.assigned_to, task.created_by, task.status) == (org.rep, org.rep, "open")
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2030-01-02 09:00"
    assert not Notification.objects.filter(recipient=org.rep).exists(), "no notification for one's own task"
    assert "准备报价单" in client.get("/workspace/").content.decode()

    assert client.post(f"/workspace/tasks/{task.pk}/done/").status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
    assert task not in client.get("/workspace/").context["tasks"]
    entry = AuditEntry.objects.filter(content_type__model="task", object_id=str(task.pk), action="update").get()
    assert entry.changes["status"] == ["open", "done"] and entry.actor == org.rep and entry.source == "web"


def test_a_task_for_a_colleague_notifies_them(client_for, org):
    client_for(org.manager).post("/workspace/tasks/add/", {"title": "周五前回电", "priority": "high", "assigned_to": org.rep.pk})
    task = Task.objects.get(title="周五前回电")
    assert task.assigned_to == org.rep and task.created_by == org.manager
    note = Notification.objects.get(recipient=org.rep)
    assert "周五前回电" in note.title and note.sender == org.manager
    # only the assignee can mark it done
    assert client_for(org.manager).post(f"/workspace/tasks/{task.pk}/done/").status_code == 404
    assert client_for(org.rep).get(f"/workspace/tasks/{task.pk}/done/").status_code == 405
    task.refresh_from_db()
    assert task.status == "open"


def test_task_without_a_title_is_refused_with_a_message(client_for, org):
    response = client_for(org.rep).post("/workspace/tasks/add/", {"title": "", "priority": "normal"}, follow=True)
    assert not Task.objects.exists()
    assert any(str(m) for m in response.context["messages"])


def test_notifications_page_and_mark_read(client_for, org):
    first = core_services.notification_send(recipient=org.rep, title="第一条", url="/customers/accounts/")
    core_services.notification_send(recipient=org.rep, title="第二条")
    core_services.notification_send(recipient=org.other, title="不是我的")
    client = client_for(org.rep)
    response = client.get("/notifications/")
    assert [n.title for n in response.context["items"]] == ["第二条", "第一条"]
    assert 'id="notification-count">2<' in response.content.decode()

    response = client.get(f"/notifications/{first.pk}/")
    assert response.status_code == 302 and response["Location"] == "/customers/accounts/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=org.rep, read_at__isnull=True).count() == 1

    assert client.post("/notifications/").status_code == 302
    assert not Notification.objects.filter(recipient=org.rep, read_at__isnull=True).exists()
    assert Notification.objects.get(title="不是我的").read_at is None
    other = Notification.objects.get(title="不是我的")
    assert client.get(f"/notifications/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None, "opening someone else's notification does not mark it read"


def test_notification_links_stay_on_this_site(client_for, org):
    note = core_services.notification_send(recipient=org.rep, title="钓鱼", url="https://evil.example.com/")
    response = client_for(org.rep).get(f"/notifications/{note.pk}/")
    assert response["Location"] == "/notifications/"


# --- health check -----------------------------------------------------------------------------

def test_healthz_answers_200_without_a_log_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:  # undone before the test database is rolled back
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "could not connect" in response.json()["database"]


@pytest.mark.parametrize("url", ["/robots.txt"])
def test_robots_keeps_crawlers_out(client, db, url):
    response = client.get(url)
    assert response.status_code == 200 and "Disallow: /" in response.content.decode()
