"""Users, teams, roles, territories, the audit log, notifications, tasks and saved filters."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel

from .choices import AuditAction, JobStatus, Priority, RoleCode, TaskStatus, TerritoryLevel


class Team(BaseModel):
    """A department or team. Managers see the records of everyone in their team and below."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent team"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="managed_teams",
    )

    audit_exclude = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:team_detail", args=[self.pk])


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES,
        help_text=_("Leave empty to follow the browser's language."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, help_text=_("For example Asia/Shanghai."))

    audit_exclude = ("password", "last_login", "date_joined")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name_from(self.display_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(display_name: str, first_name: str, last_name: str, username: str) -> str:
        """How a user is named on screen, from the columns alone (for rows read as values)."""
        return display_name or f"{first_name} {last_name}".strip() or username

    def get_absolute_url(self) -> str:
        return reverse("core:user_detail", args=[self.pk])


class Role(BaseModel):
    """A job role mapped to a permission group that administrators edit in Settings."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role")
    organisation_wide = models.BooleanField(
        _("organisation-wide access"), default=False,
        help_text=_("Members see every customer record, whoever owns it."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        label = dict(RoleCode.choices).get(self.code)
        return str(label) if label and self.name == self.code else self.name

    def get_absolute_url(self) -> str:
        return reverse("core:role_detail", args=[self.pk])


class Territory(BaseModel):
    """A sales territory: region > province > city, with the criteria that place accounts in it."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=TerritoryLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent territory"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    provinces = models.JSONField(_("provinces"), default=list, blank=True)
    cities = models.JSONField(_("cities"), default=list, blank=True)
    postal_codes = models.JSONField(
        _("postal code prefixes"), default=list, blank=True, help_text=_("For example 200 matches 200030.")
    )
    industries = models.JSONField(_("industries"), default=list, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="territories"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:territory_detail", args=[self.pk])


class AuditEntry(models.Model):
    """Who changed which record, when, which fields old -> new, and from where."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    # No index of their own: ``audit_actor_idx`` and ``audit_object_idx`` start with them (every audited
    # write would otherwise keep two more B-trees).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_entries", db_index=False,
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10)
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    #: "app.model:pk" of the record this one belongs to (an account for its phone), for its History tab.
    parent_key = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
            models.Index(fields=["parent_key", "-created_at"], name="audit_parent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def get_source_display_label(self) -> str:
        from guanxi.framework.context import Source

        return str(dict(Source.choices).get(self.source, self.source))


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class Task(BaseModel):
    """A to-do in someone's workspace, optionally about a record."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.CASCADE, related_name="tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["status", "due_at", "-id"]
        indexes = [models.Index(fields=["assigned_to", "status", "due_at"], name="task_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class SavedFilter(BaseModel):
    """A named list filter (the query string of a list page), private or shared."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    list_name = models.CharField(max_length=80)
    name = models.CharField(_("name"), max_length=100)
    query = models.TextField(_("filter"))
    shared = models.BooleanField(_("shared with everyone"), default=False)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """A piece of long work running in the background, with its progress for the UI and the CLI."""

    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="jobs")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result_file = models.FileField(_("result"), upload_to="jobs/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else None
        return min(100, int(self.progress * 100 / self.total))

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}

    def get_absolute_url(self) -> str:
        return reverse("core:job_detail", args=[self.pk])
