"""The sales knowledge board: posts of sales tips, their comments and "helpful" marks.

Every user with ``sales.view_knowledgepost`` reads every post (they are shared know-how, not customer
data); the author, or a user with ``sales.change_knowledgepost`` (an editor), changes one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel


class KnowledgePost(BaseModel):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separated by commas."))
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="knowledge_posts")
    competitor = models.ForeignKey("sales.Competitor", verbose_name=_("competitor"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="knowledge_posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="sales_posts", editable=False)
    #: title (twice), tags and text, segmented by ``framework.text.search_tokens``, space-separated and padded
    search_tokens = models.TextField(blank=True, editable=False)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)

    audit_exclude = ("created_at", "updated_at", "search_tokens", "helpful_count", "comment_count")

    class Meta:
        verbose_name = _("knowledge post")
        verbose_name_plural = _("knowledge posts")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="kpost_recent_idx"),
            models.Index(fields=["-helpful_count", "-id"], name="kpost_helpful_idx"),
            models.Index(fields=["author", "-updated_at"], name="kpost_author_idx"),
            models.Index(fields=["product", "-updated_at"], name="kpost_product_idx"),
            models.Index(fields=["competitor", "-updated_at"], name="kpost_competitor_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:knowledgepost_detail", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]

    def can_edit(self, user) -> bool:
        return user.is_authenticated and (user.pk == self.author_id or user.has_perm("sales.change_knowledgepost"))


class KnowledgeComment(BaseModel):
    post = models.ForeignKey(KnowledgePost, verbose_name=_("knowledge post"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+", editable=False)
    body = models.TextField(_("comment"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["post", "created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"], name="kcomment_post_idx")]

    def __str__(self) -> str:
        return self.body[:50]


class KnowledgeHelpful(models.Model):
    """One user found one post helpful (once)."""

    post = models.ForeignKey(KnowledgePost, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="khelpful_unique")]
