"""Activities: links that agree, attendees who see them, reminders in Guanxi and by e-mail, the
calendar page and the iCalendar feed."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from guanxi.core.models import Notification
from guanxi.sales import services
from guanxi.sales.models import Activity, Lead


def _at(hours: float) -> datetime.datetime:
    return timezone.now().replace(microsecond=0) + datetime.timedelta(hours=hours)


def test_links_fill_the_account_and_must_agree(org, sales):
    activity = services.activity_create(acting_user=org.rep, kind="meeting", subject="方案交流", starts_at=_at(24),
                                        opportunity=sales.mine.opportunity)
    assert activity.account == org.rep_account and activity.owner == org.rep
    with pytest.raises(ValidationError) as caught:
        services.activity_create(acting_user=org.rep, subject="x", starts_at=_at(1), account=org.rep_account, opportunity=sales.theirs.opportunity)
    assert "opportunity" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.activity_create(acting_user=org.rep, subject="x", starts_at=_at(2), ends_at=_at(1))
    assert "ends_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.activity_create(acting_user=org.rep, subject="", starts_at=_at(2))
    assert "subject" in caught.value.message_dict


def test_attendees_are_invited_and_see_it_outsiders_do_not(org, sales, client_for):
    activity = services.activity_create(acting_user=org.rep, kind="visit", subject="拜访张总", starts_at=_at(3), account=org.rep_account,
                                        attendees=[org.other])
    assert Notification.objects.filter(recipient=org.other, url=activity.get_absolute_url()).exists()
    assert client_for(org.other).get(activity.get_absolute_url()).status_code == 200  # an attendee, else blind to the account
    private = services.activity_create(acting_user=org.rep, subject="内部准备", starts_at=_at(4))
    for name, sees in (("rep", True), ("manager", True), ("director", True), ("other", False), ("watcher", False), ("analyst", True)):
        client = client_for(getattr(org, name))
        assert client.get(private.get_absolute_url()).status_code == (200 if sees else 404), name
        api = APIClient()
        api.force_authenticate(getattr(org, name))
        assert api.get(f"/api/activities/{private.pk}/").status_code == (200 if sees else 404), name
        assert client.post(f"/sales/activities/{private.pk}/complete/").status_code in ((302,) if sees and name != "analyst" else (403, 404)), name
    private.refresh_from_db()
    assert private.status == "done" and private.completed_at is not None


def test_working_a_lead_resets_its_escalation_clock(org, sales):
    lead = sales.mine.lead
    Lead.objects.filter(pk=lead.pk).update(last_touched_at=timezone.now() - datetime.timedelta(days=5))
    services.activity_create(acting_user=org.rep, kind="call", subject="电话回访", starts_at=_at(0), lead=lead, status="done")
    lead.refresh_from_db()
    assert timezone.now() - lead.last_touched_at < datetime.timedelta(minutes=1)


def test_reminders_are_sent_once_in_app_and_by_mail(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from guanxi.core import services as core

    core.user_update(user=org.rep, acting_user=org.admin, data={"email": "rep@example.com"})
    soon = services.activity_create(acting_user=org.rep, kind="meeting", subject="季度回顾", starts_at=_at(0.5), reminder_minutes=60,
                                    attendees=[org.manager])
    later = services.activity_create(acting_user=org.rep, subject="以后", starts_at=_at(5), reminder_minutes=60)
    services.activity_create(acting_user=org.rep, subject="不提醒", starts_at=_at(0.2))
    from django.test import TestCase

    before = {u: Notification.objects.filter(recipient=u, url=soon.get_absolute_url()).count() for u in (org.rep, org.manager)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.activities_send_reminders() == 1
    assert services.activities_send_reminders() == 0
    for user, count in before.items():
        assert Notification.objects.filter(recipient=user, url=soon.get_absolute_url()).count() == count + 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rep@example.com"]
    # Moving the activity re-arms its reminder.
    services.activity_update(activity=soon, acting_user=org.rep, starts_at=_at(0.75))
    assert services.activities_send_reminders() == 1
    del later


def test_calendar_page_and_ics_feed(org, client_for):
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    at = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10, 0)))
    meeting = services.activity_create(acting_user=org.rep, kind="meeting", subject="周会", starts_at=at, location="会议室A",
                                       attendees=[org.manager])
    services.activity_create(acting_user=org.other, subject="别人的事", starts_at=at)
    client = client_for(org.rep)
    for view in ("day", "week", "month"):
        page = client.get(f"/sales/calendar/?view={view}&date={monday.isoformat()}")
        assert page.status_code == 200 and "周会" in page.content.decode() and "别人的事" not in page.content.decode(), view
    # A manager looks at a rep's week; a rep cannot look at someone outside their scope.
    assert "周会" in client_for(org.manager).get(f"/sales/calendar/?user={org.rep.pk}&date={monday}").content.decode()
    assert "别人的事" not in client.get(f"/sales/calendar/?user={org.other.pk}&date={monday}").content.decode()
    assert client.post("/sales/calendar/renew/").status_code == 302
    token = org.rep.sales_calendar_feed.token
    feed = Client().get(f"/sales/calendar/{token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["周会"] and str(events[0]["location"]) == "会议室A"
    assert events[0]["dtstart"].dt == meeting.starts_at
    client.post("/sales/calendar/renew/")
    assert Client().get(f"/sales/calendar/{token}.ics").status_code == 404
    assert Activity.objects.count() == 2
