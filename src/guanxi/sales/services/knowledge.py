"""Writes of the sales knowledge board: posts, comments, "helpful" marks.

Every sales user reads the board; a post is changed or deleted by its author or by an editor
(``sales.change_knowledgepost`` / ``sales.delete_knowledgepost``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guanxi.framework import services as base
from guanxi.framework.text import tidy

from ..knowledge import document
from ..models import KnowledgeComment, KnowledgeHelpful, KnowledgePost

__all__ = ["knowledge_comment_add", "knowledge_comment_delete", "knowledge_helpful", "knowledge_post_create", "knowledge_post_delete",
           "knowledge_post_update"]
POST_FIELDS = {"title", "body", "tags", "product", "competitor"}


def _clean(data: dict) -> dict:
    unknown = set(data) - POST_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    data = {k: (v.strip() if k == "body" else tidy(v)) if isinstance(v, str) else v for k, v in data.items()}
    if "tags" in data:
        data["tags"] = ", ".join(dict.fromkeys(t.strip() for t in data["tags"].replace("，", ",").split(",") if t.strip()))
    return data


def _tokens(post: KnowledgePost) -> str:
    return document(title=post.title, tags=post.tags, body=post.body)


@transaction.atomic
def knowledge_post_create(*, acting_user, **data) -> KnowledgePost:
    post = KnowledgePost(**_clean(data), author=acting_user)
    post.search_tokens = _tokens(post)
    return base.create(post, acting_user=acting_user)


def _may_change(post: KnowledgePost, user, permission: str) -> None:
    if not (user.pk == post.author_id or user.has_perm(permission)):
        raise PermissionDenied(_("Only the author or an editor can change this post."))


@transaction.atomic
def knowledge_post_update(*, post: KnowledgePost, acting_user, **data) -> dict:
    _may_change(post, acting_user, "sales.change_knowledgepost")
    data = _clean(data)
    probe = KnowledgePost(**{k: data.get(k, getattr(post, k)) for k in ("title", "body", "tags")})
    return base.update(post, acting_user=acting_user, data=data, derived={"search_tokens": _tokens(probe)})


@transaction.atomic
def knowledge_post_delete(*, post: KnowledgePost, acting_user) -> None:
    _may_change(post, acting_user, "sales.delete_knowledgepost")
    base.delete(post, acting_user=acting_user)


@transaction.atomic
def knowledge_comment_add(*, post: KnowledgePost, acting_user, body: str) -> KnowledgeComment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    comment = base.create(KnowledgeComment(post=post, author=acting_user, body=body), acting_user=acting_user)
    KnowledgePost.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


@transaction.atomic
def knowledge_comment_delete(*, comment: KnowledgeComment, acting_user) -> None:
    if not (acting_user.pk == comment.author_id or acting_user.has_perm("sales.delete_knowledgepost")):
        raise PermissionDenied(_("Only the author or an editor can delete this comment."))
    base.delete(comment, acting_user=acting_user)
    KnowledgePost.objects.filter(pk=comment.post_id, comment_count__gt=0).update(comment_count=F("comment_count") - 1)


def knowledge_helpful(*, post: KnowledgePost, acting_user) -> bool:
    """Mark the post helpful once per user; False when this user had already marked it."""
    try:
        with transaction.atomic():
            KnowledgeHelpful.objects.create(post=post, user=acting_user)
    except IntegrityError:
        return False
    KnowledgePost.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
    return True
