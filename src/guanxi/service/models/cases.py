"""Cases (tickets), their categories, notes, attachments and links."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel
from guanxi.framework.visibility import VisibleQuerySet, scope_for, visibility_q

from ..choices import CaseChannel, CasePriority, CaseStatus, CaseType, LinkKind

OPEN = ["new", "open", "pending"]


class CaseCategory(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    skill = models.SlugField(_("required skill"), max_length=40, blank=True, help_text=_("Routing prefers agents with this skill."))
    default_queue = models.ForeignKey(
        "service.Queue", verbose_name=_("default queue"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseNumberSequence(models.Model):
    """The last case number given out in a year (CS-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class CaseQuerySet(VisibleQuerySet):
    """Case visibility as subqueries on the case's own columns, no joins.

    The generic rule joins the account and the queue and tests their columns row by row; at a million
    cases that join sits under every list. Here each grant is a test of one column of ``service_case``
    (``assignee_id IN (…)``, ``queue_id IN (SELECT … queues seen as member or supervisor)``, ``account_id IN (SELECT … visible
    accounts)``); PostgreSQL evaluates each subquery once (a hashed subplan), so the list walks its
    ``(created_at, id)`` index and checks three columns per row. The same rows as the generic rule
    (``visibility_owner_field = "assignee"``, ``visibility_via = ("account", "queue")``).
    """

    def visible_to(self, user) -> "CaseQuerySet":
        scope = scope_for(user)
        if scope.everything:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(case_visibility_q(scope))


def case_visibility_q(scope) -> models.Q:
    from guanxi.customers.models import Account

    from .queues import Queue

    q = models.Q(pk__in=[])
    if scope.owner_ids:
        q |= models.Q(assignee_id__in=sorted(scope.owner_ids))
    # the queues the user sees: as a member (or a member's manager) or as the queue's supervisor
    q |= models.Q(queue_id__in=Queue.objects.filter(visibility_q(Queue, scope)).values("pk"))
    q |= models.Q(account_id__in=Account.objects.filter(visibility_q(Account, scope)).values("pk"))
    return q


def case_search_text(number: str, subject: str, requester_name: str = "", requester_email: str = "") -> str:
    """What a case's own search column holds: its number, subject and who wrote in. The account's name is not
    in it: the case search finds the matching accounts first and then their cases (``selectors.case_search_q``),
    so a renamed account needs no case rewritten and a common company word is not in every case's column."""
    from guanxi.framework.text import fold

    return fold(" ".join(part for part in (number, subject, requester_name, requester_email) if part))


class Case(BusinessModel):
    # Foreign keys that lead a composite index below (account, contact, category, queue, assignee,
    # installed product, contract: ``(fk, …, -created_at)``) get no index of their own: every index is
    # rewritten on each non-HOT update (the escalation pass), and the composite one answers the same lookups.
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    search_text = models.TextField(blank=True, editable=False)
    #: empty while the customer is not identified (mail from an unknown address): ``requester_email`` says who wrote
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), db_index=False, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
    )
    requester_email = models.EmailField(_("requester's e-mail"), blank=True, default="")
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True, default="")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CaseChannel.choices, default=CaseChannel.PHONE)
    case_type = models.CharField(_("type"), max_length=10, choices=CaseType.choices, default=CaseType.QUESTION)
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    priority = models.CharField(_("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW)
    queue = models.ForeignKey("service.Queue", verbose_name=_("queue"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_cases",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    installed_product = models.ForeignKey(
        "service.InstalledProduct", verbose_name=_("installed product"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
    )
    service_contract = models.ForeignKey(
        "service.ServiceContract", verbose_name=_("service contract"), db_index=False, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
        help_text=_("Empty: the account's (or the unit's) contract in force when the case is opened."),
    )

    # Service level
    sla_policy = models.ForeignKey("service.SlaPolicy", verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: when escalation warns that a target is near (a share of its business time used)
    first_response_warn_at = models.DateTimeField(_("first response warning"), null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(_("resolution warning"), null=True, blank=True, editable=False)
    #: while the clock is paused (pending on the customer): business minutes left to each deadline
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    sla_clock = models.JSONField(default=dict, blank=True, editable=False)
    # The escalation state (warned, missed) lives in ``CaseEscalation``: see there why.

    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases")
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    survey_interaction = models.ForeignKey(
        "customers.Interaction", verbose_name=_("survey interaction"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    audit_exclude = (
        "created_at", "updated_at", "search_text", "sla_clock", "first_response_warn_at", "resolution_warn_at",
    )
    # Seen by its assignee (and the assignee's managers), the members of its queue, and whoever sees its account.
    visibility_owner_field = "assignee"
    visibility_via = ("account", "queue")

    objects = models.Manager.from_queryset(CaseQuerySet)()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="case_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="case_status_idx"),
            models.Index(fields=["assignee", "status", "-created_at"], name="case_assignee_idx"),
            models.Index(fields=["queue", "status", "-created_at"], name="case_queue_idx"),
            models.Index(fields=["account", "-created_at"], name="case_account_idx"),
            models.Index(fields=["contact", "-created_at"], name="case_contact_idx"),
            models.Index(fields=["priority", "-created_at"], name="case_priority_idx"),
            models.Index(fields=["category", "-created_at"], name="case_category_idx"),
            models.Index(fields=["case_type", "-created_at"], name="case_type_idx"),
            models.Index(fields=["channel", "-created_at"], name="case_channel_idx"),
            models.Index(fields=["resolution_due_at", "id"], name="case_resolution_due_idx"),
            # The escalation pass scans only open cases, by the deadline it checks.
            *[
                models.Index(fields=[field], condition=models.Q(status__in=OPEN), name=f"case_open_{short}_idx")
                for field, short in (
                    ("first_response_warn_at", "resp_warn"), ("first_response_due_at", "resp_due"),
                    ("resolution_warn_at", "res_warn"), ("resolution_due_at", "res_due"),
                )
            ],
            models.Index(fields=["-updated_at", "-id"], name="case_updated_idx"),
            models.Index(fields=["installed_product", "-created_at"], name="case_unit_idx"),
            models.Index(fields=["service_contract", "-created_at"], name="case_contract_idx"),
            # "customer not identified": the few cases without an account, and their senders
            models.Index(fields=["requester_email"], condition=models.Q(account__isnull=True), name="case_unidentified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:case_detail", args=[self.pk])

    def audit_parent(self):
        return self.account

    @property
    def customer_identified(self) -> bool:
        return self.account_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)

    @property
    def escalation_state(self) -> "CaseEscalation | None":
        """The case's escalation row (``select_related("escalation")`` reads it with the case), or None."""
        try:
            return self.escalation
        except CaseEscalation.DoesNotExist:
            return None

    @property
    def escalation_level(self) -> int:
        """0 nothing sent, 1 warned (target near), 2 missed and escalated."""
        state = self.escalation_state
        return state.level if state else 0

    @property
    def sla_breached(self) -> bool:
        """A service level target of this case was missed (and the case escalated)."""
        state = self.escalation_state
        return bool(state and state.breached)


class CaseEscalation(models.Model):
    """The escalation state of a case, one row per case that was ever warned or escalated.

    It lives outside ``service_case`` so that the escalation pass, which changes it on thousands of
    cases at a time, writes a narrow row with one index instead of a case row and the ~25 indexes of
    the case table (each non-HOT update of a case inserts into every one of them). The pass writes
    it with one ``INSERT … ON CONFLICT DO UPDATE`` per batch; the case itself is written only where
    the escalation changes its data (priority raised, handed to the supervisor).
    """

    case = models.OneToOneField(Case, verbose_name=_("case"), primary_key=True, on_delete=models.CASCADE, related_name="escalation")
    #: 0 nothing sent (the level was reset by a new deadline), 1 warned (target near), 2 missed and escalated
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    breached = models.BooleanField(_("SLA missed"), default=False)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("case escalation")
        verbose_name_plural = _("case escalations")
        # No other index: "SLA missed" in the case list joins this table on its primary key for each case it walks.

    def __str__(self) -> str:
        return f"{self.case_id}: {self.level}"


class CaseNote(BusinessModel):
    """A note on a case: internal (agents only) or customer-visible (a reply the customer sees)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("text"))
    is_public = models.BooleanField(_("visible to the customer"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: who wrote it from outside (an e-mail sender), when no user did
    from_customer = models.BooleanField(_("from the customer"), default=False)
    #: the e-mail this note came in as, or went out as: replies are threaded by it
    message_id = models.CharField(_("e-mail message ID"), max_length=250, blank=True, default="")
    email_from = models.CharField(_("e-mail sender"), max_length=254, blank=True, default="")

    visibility_via = ("case",)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="case_note_case_idx"),
            models.Index(fields=["message_id"], name="case_note_message_idx", condition=~models.Q(message_id="")),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def audit_parent(self):
        return self.case


class CaseAttachment(BusinessModel):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    note = models.ForeignKey(CaseNote, verbose_name=_("note"), null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(_("file"), upload_to="service/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type_label = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    is_public = models.BooleanField(_("visible to the customer"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    visibility_via = ("case",)

    class Meta:
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_attachment_case_idx")]

    def __str__(self) -> str:
        return self.filename

    def audit_parent(self):
        return self.case


class CaseLink(BusinessModel):
    """``case`` is <kind> ``other`` (related to, a duplicate of, caused by)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey(Case, verbose_name=_("linked case"), on_delete=models.CASCADE, related_name="linked_from")
    kind = models.CharField(_("link"), max_length=12, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    visibility_via = ("case",)

    class Meta:
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [
            models.UniqueConstraint(fields=["case", "other"], name="service_case_link_unique"),
            models.CheckConstraint(condition=~models.Q(case=models.F("other")), name="service_case_link_not_self"),
        ]
        indexes = [models.Index(fields=["other"], name="case_link_other_idx")]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.other.number}"

    def audit_parent(self):
        return self.case
