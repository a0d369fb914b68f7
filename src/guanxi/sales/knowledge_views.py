"""Pages of the sales knowledge board: the list (search, tag, product, competitor), a post with its
comments and "helpful" marks, writing and editing. Every user with ``sales.view_knowledgepost`` reads
every post; the author or an editor changes one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.views import ObjectEditView

from . import knowledge, services
from .catalog_forms import KnowledgeCommentForm, KnowledgePostForm
from .models import KnowledgeHelpful, KnowledgePost

PER_PAGE = 20


def _posts():
    return KnowledgePost.objects.select_related("author", "product", "competitor")


@login_required
@permission_required("sales.view_knowledgepost", raise_exception=True)
def post_list(request):
    query = request.GET.get("q", "").strip()
    posts = _posts()
    for key in ("product", "competitor", "author"):
        if request.GET.get(key, "").isdigit():
            posts = posts.filter(**{f"{key}_id": int(request.GET[key])})
    tag = request.GET.get("tag", "").strip()
    if tag:
        posts = posts.filter(search_tokens__contains=f" {knowledge.query_words(tag)[0]} ") if knowledge.query_words(tag) else posts.none()
    sort = request.GET.get("sort", "")
    if query:
        rows = knowledge.search(posts, query, limit=100)
    else:
        rows = posts.order_by("-helpful_count", "-id") if sort == "helpful" else posts.order_by("-updated_at", "-id")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sales/knowledge_list.html", {
        "page": page, "query": query, "tag": tag, "sort": sort, "page_title": _("Sales knowledge"),
        "can_add": request.user.has_perm("sales.add_knowledgepost"),
    })


@login_required
@permission_required("sales.view_knowledgepost", raise_exception=True)
def post_detail(request, pk: int):
    post = get_object_or_404(_posts(), pk=pk)
    return render(request, "sales/knowledge_detail.html", {
        "object": post, "page_title": post.title, "comments": post.comments.select_related("author"),
        "comment_form": KnowledgeCommentForm(user=request.user), "can_edit": post.can_edit(request.user),
        "can_delete": request.user.pk == post.author_id or request.user.has_perm("sales.delete_knowledgepost"),
        "marked_helpful": KnowledgeHelpful.objects.filter(post=post, user=request.user).exists(),
        "can_comment": request.user.has_perm("sales.add_knowledgecomment"),
    })


class KnowledgePostEditView(ObjectEditView):
    model, url_namespace, form_class = KnowledgePost, "sales", KnowledgePostForm

    def base_queryset(self):
        return KnowledgePost.objects.all()

    def get_permission_required(self):
        return ["sales.add_knowledgepost" if not self.kwargs.get("pk") else "sales.view_knowledgepost"]

    def get_object(self, pk):
        post = super().get_object(pk)
        if post is not None and not post.can_edit(self.request.user):
            raise PermissionDenied
        return post

    def save(self, form, instance):
        if instance is None:
            return services.knowledge_post_create(acting_user=self.request.user, **form.cleaned_data)
        services.knowledge_post_update(post=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


@login_required
@permission_required("sales.view_knowledgepost", raise_exception=True)
@require_POST
def post_delete(request, pk: int):
    post = get_object_or_404(KnowledgePost, pk=pk)
    services.knowledge_post_delete(post=post, acting_user=request.user)
    messages.success(request, _("Deleted %(record)s.") % {"record": post})
    return HttpResponseRedirect(reverse("sales:knowledgepost_list"))


@login_required
@permission_required("sales.add_knowledgecomment", raise_exception=True)
@require_POST
def comment_add(request, pk: int):
    post = get_object_or_404(KnowledgePost, pk=pk)
    try:
        services.knowledge_comment_add(post=post, acting_user=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        report_errors(request, exc)
    return HttpResponseRedirect(post.get_absolute_url() + "#comments")


@login_required
@permission_required("sales.view_knowledgepost", raise_exception=True)
@require_POST
def helpful(request, pk: int):
    post = get_object_or_404(KnowledgePost, pk=pk)
    if services.knowledge_helpful(post=post, acting_user=request.user):
        messages.success(request, _("Thank you: marked helpful."))
    return HttpResponseRedirect(post.get_absolute_url())
