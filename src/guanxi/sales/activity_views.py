"""Pages of activities: list, detail, edit, the day / week / month calendar and the iCalendar feed."""

from __future__ import annotations

import calendar as pycalendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import User
from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from guanxi.framework.visibility import scope_for

from . import selectors, services
from .filters import ActivityFilterSet
from .forms import ActivityForm
from .models import Activity, CalendarFeed
from .tables import ActivityTable

NS = "sales"
ACTIVITY_EXPORT = [
    ("pk", "ID"), ("kind", gettext_lazy("type")), ("subject", gettext_lazy("subject")), ("starts_at", gettext_lazy("start")),
    ("ends_at", gettext_lazy("end")), ("location", gettext_lazy("location")), ("status", gettext_lazy("status")),
    ("owner", gettext_lazy("owner")), ("account", gettext_lazy("account")), ("lead", gettext_lazy("lead")),
    ("opportunity", gettext_lazy("opportunity")), ("outcome", gettext_lazy("outcome")),
]


class ActivityListView(ObjectListView):
    model, url_namespace = Activity, NS
    filterset_class, table_class = ActivityFilterSet, ActivityTable
    select_related = ("owner", "account", "lead", "opportunity")
    export_fields = ACTIVITY_EXPORT


class ActivityDetailView(ObjectDetailView):
    model, url_namespace = Activity, NS
    template_name = "sales/activity_detail.html"
    select_related = ("owner", "account", "contact", "lead", "opportunity")

    def get_context(self, activity):
        return {"attendees": activity.attendees.all(), "customer_attendees": activity.contacts.all()}


class ActivityEditView(ObjectEditView):
    model, url_namespace, form_class = Activity, NS, ActivityForm
    initial_from_query = ("account", "contact", "lead", "opportunity", "kind")

    def get_form(self, data=None, files=None, instance=None):
        form = super().get_form(data, files, instance)
        if instance is None and data is None:
            start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
            form.initial.setdefault("starts_at", start.strftime("%Y-%m-%dT%H:%M"))
            if self.request.GET.get("date"):
                form.initial["starts_at"] = f"{self.request.GET['date']}T09:00"
        return form

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        if data.get("owner") is None:
            data["owner"] = instance.owner if instance else self.request.user
        if instance is None:
            return services.activity_create(acting_user=self.request.user, attendees=attendees, **data)
        services.activity_update(activity=instance, acting_user=self.request.user, attendees=attendees, **data)
        return instance


class ActivityDeleteView(ObjectDeleteView):
    model, url_namespace = Activity, NS

    def delete(self, obj):
        services.activity_delete(activity=obj, acting_user=self.request.user)


@login_required
@permission_required("sales.change_activity", raise_exception=True)
@require_POST
def activity_complete(request, pk: int):
    activity = get_object_or_404(Activity.objects.visible_to(request.user), pk=pk)
    try:
        services.activity_complete(activity=activity, acting_user=request.user, outcome=request.POST.get("outcome", ""))
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Marked as done."))
    return HttpResponseRedirect(request.POST.get("next") or activity.get_absolute_url())


# --- calendar -----------------------------------------------------------------------------------

VIEWS = ("month", "week", "day")


def _period(view: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    if view == "day":
        return day, day + datetime.timedelta(days=1)
    if view == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=7)
    first = day.replace(day=1)
    start = first - datetime.timedelta(days=first.weekday())
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    end = last + datetime.timedelta(days=7 - last.weekday())
    return start, end


def _step(view: str, day: datetime.date, direction: int) -> datetime.date:
    if view == "day":
        return day + datetime.timedelta(days=direction)
    if view == "week":
        return day + datetime.timedelta(days=7 * direction)
    month = day.month - 1 + direction
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def calendar_view(request):
    """Day, week or month of one person's activities (yours, or a colleague's within your scope)."""
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    scope = scope_for(request.user)
    people = User.objects.filter(is_active=True).order_by("username")
    if not scope.everything:
        people = people.filter(pk__in=scope.owner_ids)
    owner = request.user
    if request.GET.get("user", "").isdigit():
        owner = people.filter(pk=int(request.GET["user"])).first() or request.user
    start, end = _period(view, day)
    activities = list(selectors.calendar_activities(user=request.user, owner=owner, start=_aware(start), end=_aware(end)))
    by_day: dict[datetime.date, list] = {}
    for activity in activities:
        by_day.setdefault(timezone.localtime(activity.starts_at).date(), []).append(activity)
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days)]
    weeks = [[{"date": d, "activities": by_day.get(d, []), "other_month": view == "month" and d.month != day.month,
               "today": d == timezone.localdate()} for d in days[i:i + 7]] for i in range(0, len(days), 7)]
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "sales/calendar.html", {
        "view": view, "day": day, "weeks": weeks, "owner": owner, "people": people,
        "previous": _step(view, day, -1), "next": _step(view, day, 1), "today": timezone.localdate(),
        "feed_url": request.build_absolute_uri(reverse("sales:calendar_feed", args=[feed.token])) if feed else "",
        "page_title": _("Calendar"), "views": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    })


@login_required
@require_POST
def calendar_feed_renew(request):
    services.calendar_feed_renew(user=request.user)
    messages.success(request, _("Your calendar has a new secret address; the old one no longer works."))
    return HttpResponseRedirect(reverse("sales:calendar"))


def calendar_feed(request, token: str):
    """The iCalendar (.ics) feed of one user, found by the secret token in its address (no log-in)."""
    from icalendar import Calendar, Event

    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    now = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//Guanxi CRM//sales//")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Guanxi: %(user)s") % {"user": feed.user})
    host = request.get_host()
    for activity in selectors.feed_activities(user=feed.user, start=now - datetime.timedelta(days=90), end=now + datetime.timedelta(days=365)):
        event = Event()
        event.add("uid", f"activity-{activity.pk}@{host}")
        event.add("summary", activity.subject)
        if activity.all_day:
            local = timezone.localtime(activity.starts_at).date()
            event.add("dtstart", local)
            event.add("dtend", local + datetime.timedelta(days=1))
        else:
            event.add("dtstart", activity.starts_at)
            event.add("dtend", activity.ends_at or activity.starts_at + datetime.timedelta(minutes=30))
        event.add("dtstamp", activity.updated_at)
        if activity.location:
            event.add("location", activity.location)
        description = "\n".join(x for x in (str(activity.account or ""), activity.description) if x)
        if description:
            event.add("description", description)
        event.add("url", request.build_absolute_uri(activity.get_absolute_url()))
        event.add("status", "CONFIRMED" if activity.status == "planned" else "COMPLETED" if activity.status == "done" else "CANCELLED")
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="guanxi.ics"'
    return response


# --- look-ups for the activity form -------------------------------------------------------------

@login_required
def lead_lookup(request):
    query = request.GET.get("q", "").strip()
    results = selectors.lead_search(user=request.user, query=query, limit=8) if query else []
    return render(request, "htmx/lookup_results.html", {"results": results, "field": request.GET.get("field", "")})


@login_required
def opportunity_lookup(request):
    results = selectors.opportunity_search(user=request.user, query=request.GET.get("q", ""))
    return render(request, "htmx/lookup_results.html", {"results": results, "field": request.GET.get("field", "")})
