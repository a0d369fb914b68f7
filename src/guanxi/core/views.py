"""Pages of the core app: workspace, notifications, history, activity log, profile, settings, help."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.framework.views import apply_errors, safe_next
from guanxi.framework.visibility import explain

from . import selectors, services
from .forms import ExplainForm, ProfileForm, RoleForm, TaskForm, TeamForm, TerritoryForm, UserForm
from .models import Role, SavedFilter, Task, Team, Territory, User


def healthz(request):
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# --- my workspace -------------------------------------------------------------------------------

@login_required
def workspace(request):
    user = request.user
    return render(request, "core/workspace.html", {
        "page_title": _("My workspace"),
        "tasks": selectors.my_tasks(user=user).select_related("content_type")[:20],
        "overdue": selectors.overdue_count(user=user),
        "notifications": selectors.my_notifications(user=user)[:10],
        "activity": selectors.user_activity(user=user, limit=15),
        "task_form": TaskForm(user=user),
    })


@login_required
@require_POST
def task_add(request):
    form = TaskForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        services.task_create(acting_user=request.user, title=data["title"], assigned_to=data["assigned_to"] or request.user,
                             due_at=data["due_at"], priority=data["priority"], description=data["description"])
        messages.success(request, _("Task added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return HttpResponseRedirect(reverse("core:workspace"))


@login_required
@require_POST
def task_complete(request, pk: int):
    task = get_object_or_404(Task, pk=pk, assigned_to=request.user)
    services.task_complete(task=task, acting_user=request.user)
    messages.success(request, _("Task done: %(title)s") % {"title": task.title})
    return HttpResponseRedirect(reverse("core:workspace"))


@login_required
def notifications(request):
    if request.method == "POST":
        services.notification_mark_read(user=request.user)
        return HttpResponseRedirect(reverse("core:notifications"))
    items = list(selectors.my_notifications(user=request.user)[:100])
    return render(request, "core/notifications.html", {"page_title": _("Notifications"), "items": items})


@login_required
def notification_open(request, pk: int):
    services.notification_mark_read(user=request.user, ids=[pk])
    item = get_object_or_404(request.user.notifications, pk=pk)
    return HttpResponseRedirect(item.url if item.url.startswith("/") else reverse("core:notifications"))


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update(user=request.user, acting_user=request.user, data=form.cleaned_data)
        request.session["guanxi_language"] = form.cleaned_data["language"]
        if not form.cleaned_data["language"]:
            request.session.pop("guanxi_language", None)
        messages.success(request, _("Profile saved."))
        return HttpResponseRedirect(reverse("core:profile"))
    return render(request, "generic/object_edit.html", {"form": form, "page_title": _("My profile and language"), "cancel_url": reverse("core:workspace")})


@login_required
def my_activity(request):
    return _activity(request, request.user)


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def user_activity(request, pk: int):
    return _activity(request, get_object_or_404(User, pk=pk))


def _activity(request, subject):
    rows = selectors.history_rows(selectors.user_activity(user=subject, limit=200))
    return render(request, "core/activity.html", {"page_title": _("Activity log of %(user)s") % {"user": subject}, "rows": rows, "subject": subject})


@login_required
def history(request, app_label: str, model: str, pk: int):
    """The History tab of any record the user may see."""
    model_class = apps.get_model(app_label, model) if apps.all_models.get(app_label, {}).get(model) else None
    if model_class is None:
        raise Http404
    if hasattr(model_class.objects, "visible_to"):
        obj = get_object_or_404(model_class.objects.visible_to(request.user), pk=pk)
    elif request.user.has_perm(f"{app_label}.view_{model}"):
        obj = get_object_or_404(model_class, pk=pk)
    else:
        raise Http404
    rows = selectors.history_rows(selectors.record_history(obj=obj))
    return render(request, "core/history.html", {"page_title": _("History of %(record)s") % {"record": obj}, "object": obj, "rows": rows})


@login_required
@require_POST
def saved_filter_save(request):
    name = request.POST.get("name", "").strip()
    if not name:
        messages.error(request, _("Name: give the filter a name."))
    else:
        services.saved_filter_save(user=request.user, list_name=request.POST.get("list_name", "")[:80], name=name,
                                   query=request.POST.get("query", ""), shared=bool(request.POST.get("shared")))
        messages.success(request, _("Filter “%(name)s” saved.") % {"name": name})
    return HttpResponseRedirect(safe_next(request, reverse("core:workspace")))


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    get_object_or_404(SavedFilter, pk=pk, user=request.user).delete()
    return HttpResponseRedirect(safe_next(request, reverse("core:workspace")))


@login_required
def help_page(request):
    return render(request, "core/help.html", {"page_title": _("Help")})


# --- settings -----------------------------------------------------------------------------------

def _can_admin(user) -> bool:
    return user.has_perm("core.change_user") or user.has_perm("core.change_role") or user.has_perm("core.change_territory")


@login_required
def settings_index(request):
    return render(request, "core/settings.html", {"page_title": _("Settings"), "can_admin": _can_admin(request.user)})


@login_required
@permission_required("core.view_user", raise_exception=True)
def user_list(request):
    users = User.objects.select_related("team").prefetch_related("groups__role").order_by("username")
    return render(request, "core/user_list.html", {"page_title": _("Users"), "users": users})


@login_required
@permission_required("core.view_user", raise_exception=True)
def user_detail(request, pk: int):
    subject = get_object_or_404(User.objects.select_related("team"), pk=pk)
    return render(request, "core/user_detail.html", {"page_title": str(subject), "subject": subject,
                  "roles": Role.objects.filter(group__user=subject), "territories": subject.territories.all()})


def _edit_page(request, form, instance, write, *, title, detail: str, cancel: str):
    """Validate ``form``, let ``write(data)`` save through the service, then redirect to the record.

    Service errors land on the form under the field they name; nothing is saved then.
    """
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                instance = write(dict(form.cleaned_data)) or instance
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved %(record)s.") % {"record": instance})
            return HttpResponseRedirect(reverse(detail, args=[instance.pk]))
    return render(request, "generic/object_edit.html", {"form": form, "object": instance, "page_title": title, "cancel_url": reverse(cancel)})


@login_required
def user_edit(request, pk: int | None = None):
    if not request.user.has_perm("core.change_user" if pk else "core.add_user"):
        raise Http404
    instance = get_object_or_404(User, pk=pk) if pk else None

    def write(data):
        roles, password = data.pop("roles"), data.pop("password")
        if instance is None:
            data.pop("is_active", None)
            return services.user_create(acting_user=request.user, password=password, roles=roles, **data)
        services.user_update(user=instance, acting_user=request.user, data=data, roles=roles)
        if password:
            services.user_set_password(user=instance, acting_user=request.user, password=password)
        return instance

    form = UserForm(request.POST or None, instance=instance, user=request.user)
    return _edit_page(request, form, instance, write, title=_("User"), detail="core:user_detail", cancel="core:user_list")


@login_required
@permission_required("core.view_team", raise_exception=True)
def team_list(request):
    teams = Team.objects.select_related("parent", "manager").order_by("parent_id", "name")
    return render(request, "core/team_list.html", {"page_title": _("Teams"), "tree": _tree(teams)})


def _tree(nodes) -> list[tuple[int, object]]:
    """(depth, node) pairs in tree order."""
    children: dict = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    out: list = []

    def walk(parent_id, depth):
        for node in sorted(children.get(parent_id, []), key=lambda n: str(n)):
            out.append((depth, node))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return out


@login_required
@permission_required("core.view_team", raise_exception=True)
def team_detail(request, pk: int):
    team = get_object_or_404(Team.objects.select_related("parent", "manager"), pk=pk)
    return render(request, "core/team_detail.html", {"page_title": str(team), "team": team, "members": team.members.all(), "children": team.children.all()})


@login_required
def team_edit(request, pk: int | None = None):
    if not request.user.has_perm("core.change_team" if pk else "core.add_team"):
        raise Http404
    instance = get_object_or_404(Team, pk=pk) if pk else None

    def write(data):
        if instance is None:
            return services.team_create(acting_user=request.user, **data)
        services.team_update(team=instance, acting_user=request.user, data=data)
        return instance

    form = TeamForm(request.POST or None, instance=instance, user=request.user)
    return _edit_page(request, form, instance, write, title=_("Team"), detail="core:team_detail", cancel="core:team_list")


@login_required
@permission_required("core.view_role", raise_exception=True)
def role_list(request):
    return render(request, "core/role_list.html", {"page_title": _("Roles"), "roles": Role.objects.select_related("group").all()})


@login_required
@permission_required("core.view_role", raise_exception=True)
def role_detail(request, pk: int):
    role = get_object_or_404(Role, pk=pk)
    if request.method == "POST" or request.GET.get("edit"):
        if not request.user.has_perm("core.change_role"):
            raise Http404
        form = RoleForm(request.POST or None, instance=role, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            services.role_update(role=role, acting_user=request.user, name=data["name"], description=data["description"],
                                 organisation_wide=data["organisation_wide"], permissions=data["permissions"])
            messages.success(request, _("Saved %(record)s.") % {"record": role})
            return HttpResponseRedirect(reverse("core:role_detail", args=[role.pk]))
        return render(request, "generic/object_edit.html", {"form": form, "object": role, "page_title": _("Role"), "cancel_url": reverse("core:role_detail", args=[role.pk])})
    permissions = role.group.permissions.select_related("content_type").order_by("content_type__app_label", "content_type__model", "codename")
    return render(request, "core/role_detail.html", {"page_title": str(role), "role": role, "permissions": permissions, "members": User.objects.filter(groups=role.group)})


@login_required
@permission_required("core.view_territory", raise_exception=True)
def territory_list(request):
    territories = Territory.objects.select_related("parent").prefetch_related("members")
    return render(request, "core/territory_list.html", {"page_title": _("Territories"), "tree": _tree(territories)})


@login_required
@permission_required("core.view_territory", raise_exception=True)
def territory_detail(request, pk: int):
    territory = get_object_or_404(Territory.objects.select_related("parent"), pk=pk)
    return render(request, "core/territory_detail.html", {"page_title": str(territory), "territory": territory, "members": territory.members.all()})


@login_required
def territory_edit(request, pk: int | None = None):
    if not request.user.has_perm("core.change_territory" if pk else "core.add_territory"):
        raise Http404
    instance = get_object_or_404(Territory, pk=pk) if pk else None

    def write(data):
        members = data.pop("members")
        if instance is None:
            data.pop("is_active", None)
            return services.territory_create(acting_user=request.user, members=members, **data)
        services.territory_update(territory=instance, acting_user=request.user, data=data, members=members)
        return instance

    form = TerritoryForm(request.POST or None, instance=instance, user=request.user)
    return _edit_page(request, form, instance, write, title=_("Territory"), detail="core:territory_detail", cancel="core:territory_list")


VISIBILITY_MODELS = ("customers.account", "customers.contact", "customers.interaction")


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def visibility_explain(request):
    """Administrators ask: why can this user see this record?"""
    record_types = [(label, apps.get_model(label)._meta.verbose_name) for label in VISIBILITY_MODELS]
    form = ExplainForm(request.GET or None, user=request.user, record_types=record_types)
    result = None
    if form.is_bound and form.is_valid():
        model = apps.get_model(form.cleaned_data["record_type"])
        obj = model.objects.filter(pk=form.cleaned_data["record_id"]).first()
        if obj is None:
            form.add_error("record_id", _("No such record."))
        else:
            subject = form.cleaned_data["subject"]
            result = {"object": obj, "subject": subject, "reasons": explain(subject, obj)}
    return render(request, "core/visibility.html", {"page_title": _("Why can this user see this record?"), "form": form, "result": result})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


# --- background jobs ----------------------------------------------------------------------------

def _my_job(request, pk: int):
    from .models import Job

    queryset = Job.objects.all() if request.user.is_superuser else Job.objects.filter(user=request.user)
    return get_object_or_404(queryset, pk=pk)


@login_required
def job_list(request):
    from .models import Job

    return render(request, "core/job_list.html", {"page_title": _("Background jobs"), "jobs": Job.objects.filter(user=request.user)[:100]})


@login_required
def job_detail(request, pk: int):
    job = _my_job(request, pk)
    template = "core/_job_progress.html" if request.htmx and not request.htmx.boosted else "core/job_detail.html"
    return render(request, template, {"page_title": str(job), "job": job})


@login_required
def job_download(request, pk: int):
    from django.http import FileResponse

    job = _my_job(request, pk)
    if not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1])
