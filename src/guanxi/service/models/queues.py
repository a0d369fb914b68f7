"""Queues, their members, and the agents' skills and capacity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel

from ..choices import RoutingMethod


class Queue(BaseModel):
    """A work queue (一线支持, 投诉处理 …): cases wait here until an agent takes them.

    A case in a queue is visible to the queue's members (and their managers), whoever owns the account.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    routing = models.CharField(_("routing"), max_length=15, choices=RoutingMethod.choices, default=RoutingMethod.ROUND_ROBIN)
    email = models.EmailField(_("inbound e-mail address"), blank=True, help_text=_("Mail sent to this address becomes a case in this queue."))
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="supervised_queues", help_text=_("Receives escalations of this queue's cases."),
    )
    sla_policy = models.ForeignKey(
        "service.SlaPolicy", verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="queues", help_text=_("Empty: the default policy."),
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="QueueMember", verbose_name=_("members"), related_name="service_queues")
    is_active = models.BooleanField(_("active"), default=True)

    # Cases borrow visibility from their queue: a member (or the member's manager) and the queue's supervisor see
    # the queue's cases, including those whose customer is not identified yet.
    visibility_owner_field = "supervisor"
    visibility_via = ("memberships",)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:queue_detail", args=[self.pk])


class QueueMember(BaseModel):
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="queue_memberships")
    #: when round robin last gave this member a case (oldest goes next)
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)

    visibility_owner_field = "user"

    class Meta:
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="service_queue_member_unique")]
        indexes = [models.Index(fields=["user", "queue"], name="service_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.queue}"


class AgentProfile(BaseModel):
    """What routing knows about an agent: skills, whether available, how many open cases at most."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="service_profile")
    skills = models.JSONField(_("skills"), default=list, blank=True, help_text=_("Skill codes, e.g. billing, network, english."))
    available = models.BooleanField(_("available for new cases"), default=True)
    capacity = models.PositiveSmallIntegerField(_("open cases at most"), default=30)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)
