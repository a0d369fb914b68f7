"""The knowledge base: problem/solution articles, their versions, and "was this helpful" feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel


class ArticleCategory(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(BaseModel):
    """A problem and its solution. Internal articles are for staff; public ones also for customers."""

    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    solution = models.TextField(_("solution"))
    category = models.ForeignKey(ArticleCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    is_public = models.BooleanField(_("public"), default=False, help_text=_("Customers may read it (portal); otherwise staff only."))
    is_published = models.BooleanField(_("published"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    #: the words of title, problem and solution, segmented (jieba for Chinese) and folded, space-separated
    search_tokens = models.TextField(blank=True, editable=False)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    audit_exclude = ("created_at", "updated_at", "search_tokens", "helpful_count", "not_helpful_count")

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="article_recent_idx"),
            models.Index(fields=["category", "-updated_at"], name="article_category_idx"),
            models.Index(fields=["is_public", "is_published", "-updated_at"], name="article_public_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("service:article_detail", args=[self.pk])


class ArticleVersion(models.Model):
    """The article as it was saved, one row per save."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    solution = models.TextField(_("solution"))
    is_public = models.BooleanField(_("public"), default=False)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("edited by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="service_article_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ArticleFeedback(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("service.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="article_feedback")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["article", "-created_at"], name="article_feedback_idx")]

    def __str__(self) -> str:
        return f"{self.article} {'+' if self.helpful else '-'}"
