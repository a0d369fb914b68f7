"""Pages of the customers app: lists, the 360° view, edit forms, child records, search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from guanxi.framework.registry import registry
from guanxi.framework.visibility import mark_seen
from guanxi.framework.views import (
    BulkEditView, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView, apply_errors, safe_next,
)

from . import selectors, services
from .filters import AccountFilterSet, ContactFilterSet, InteractionFilterSet
from .forms import (
    AccountBulkEditForm, AccountForm, AddressForm, ContactForm, DocumentForm, EmailForm, InteractionForm,
    LinkAccountForm, NoteForm, PhoneForm,
)
from .models import Account, AccountContact, Address, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber, Tag
from .tables import AccountTable, ContactTable, InteractionTable
from .timeline import timeline_html

NS = "customers"

ACCOUNT_EXPORT = [
    ("pk", "ID"), ("name", gettext_lazy("name")), ("kind", gettext_lazy("type")), ("industry", gettext_lazy("industry")),
    ("source", gettext_lazy("source")), ("lifecycle_stage", gettext_lazy("lifecycle stage")),
    ("value_tier", gettext_lazy("value tier")), ("credit_rating", gettext_lazy("credit rating")),
    ("province", gettext_lazy("province")), ("city", gettext_lazy("city")), ("primary_phone", gettext_lazy("phone")),
    ("primary_email", gettext_lazy("e-mail")), ("owner", gettext_lazy("owner")), ("territory", gettext_lazy("territory")),
    ("tags", gettext_lazy("tags")), ("created_at", gettext_lazy("created")), ("updated_at", gettext_lazy("updated")),
]
CONTACT_EXPORT = [
    ("pk", "ID"), ("name", gettext_lazy("name")), ("title", gettext_lazy("job title")),
    ("shown_primary_account", gettext_lazy("account")), ("primary_phone", gettext_lazy("phone")),
    ("primary_email", gettext_lazy("e-mail")), ("owner", gettext_lazy("owner")), ("updated_at", gettext_lazy("updated")),
]
INTERACTION_EXPORT = [
    ("pk", "ID"), ("started_at", gettext_lazy("start time")), ("channel", gettext_lazy("channel")),
    ("direction", gettext_lazy("direction")), ("account", gettext_lazy("account")), ("contact", gettext_lazy("contact")),
    ("user", gettext_lazy("user / agent")), ("duration_seconds", gettext_lazy("duration (seconds)")),
    ("reason", gettext_lazy("reason")), ("outcome", gettext_lazy("outcome")), ("satisfaction", gettext_lazy("satisfaction (1-5)")),
]


# What a list shows of a record's owner is its name; its password hash and log-in stamps stay behind.
OWNER_DEFER = ("owner__password", "owner__last_login", "owner__date_joined", "owner__phone", "owner__email")

# --- accounts -----------------------------------------------------------------------------------

class AccountListView(ObjectListView):
    model, url_namespace = Account, NS
    filterset_class, table_class = AccountFilterSet, AccountTable
    select_related = ("owner", "territory")
    prefetch_related = ("tags",)
    list_prefetch = (Prefetch("tags", queryset=Tag.objects.only("id", "name", "color"), to_attr="listed_tags"),)
    # What AccountTable shows, and no more: a row is three model instances (account, owner, territory),
    # and each column left out is one conversion and one attribute fewer per row.
    list_only = (
        "name", "kind", "value_tier", "lifecycle_stage", "industry", "city", "primary_phone", "updated_at",
        "owner__username", "owner__display_name", "owner__first_name", "owner__last_name", "territory__name",
    )
    export_fields = ACCOUNT_EXPORT
    bulk_edit = True


class AccountDetailView(ObjectDetailView):
    """The 360° view: profile, contacts, key figures, one timeline, and every app's panels."""

    model, url_namespace = Account, NS
    template_name = "customers/account_detail.html"
    select_related = ("owner", "territory")

    def get_object(self, pk):
        # Read through visible_to(user) (base_queryset): the panels' records that borrow visibility from the
        # account need no rule of their own (VisibleQuerySet.visible_under).
        return mark_seen(get_object_or_404(Account.objects.visible_to(self.request.user).select_related(*self.select_related), pk=pk),
                         self.request.user)

    def get_context(self, account):
        request = self.request
        tab = request.GET.get("tab", "overview")
        context = {"tags": account.tags.all(), "tab": tab}
        if tab == "details":
            # Only the details tab shows the addresses, phones, e-mails, documents and notes, and the note
            # form; it shows neither figures, timeline nor panels: none is read.
            return {
                **context,
                "addresses": account.address_set.all(),
                "phones": account.phonenumber_set.all(),
                "emails": account.emailaddress_set.all(),
                "documents": account.document_set.select_related("uploaded_by")[:20],
                "notes": account.note_set.select_related("author")[:20],
                "note_form": NoteForm(user=request.user),
            }
        panels = []
        for panel in registry.sorted(registry.account_panels):
            panel_context = panel.context(request, account)
            if panel_context is not None:
                panels.append({"panel": panel, "context": panel_context})
        contacts = list(selectors.account_contacts(account=account))  # all of them are listed: their number is known
        return {
            **context,
            "contacts": contacts,
            "figures": selectors.account_key_figures(account=account, contacts=len(contacts)),
            **_timeline_context(account, offset=0),
            "panels": panels,
        }


def _timeline_context(account, *, offset: int) -> dict:
    entries, has_more = selectors.account_timeline(account=account, offset=offset)
    next_offset = offset + len(entries)
    return {
        "timeline": entries,
        "timeline_html": timeline_html(entries),  # the entries' markup (customers/timeline.py)
        "timeline_more": has_more and next_offset < selectors.TIMELINE_DEPTH,
        "timeline_next": next_offset,
        "timeline_deep": has_more and next_offset >= selectors.TIMELINE_DEPTH,
    }


@login_required
@permission_required("customers.view_account", raise_exception=True)
def account_timeline(request, pk: int):
    """The next entries of an account's 360° timeline ("Show more", htmx)."""
    account = get_object_or_404(Account.objects.visible_to(request.user), pk=pk)
    try:
        offset = min(max(0, int(request.GET.get("offset", 0))), selectors.TIMELINE_DEPTH)
    except ValueError:
        offset = 0
    return render(request, "customers/_timeline_entries.html", {"object": account, **_timeline_context(account, offset=offset)})


class AccountEditView(ObjectEditView):
    model, url_namespace, form_class = Account, NS, AccountForm
    template_name = "customers/account_form.html"  # the generic form, with likely duplicates listed as the user types

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
        data["owner"] = data.get("owner") or (instance.owner if instance else self.request.user)
        if instance is None:
            return services.account_create(acting_user=self.request.user, tags=form.cleaned_data["tags"], **data)
        services.account_update(account=instance, acting_user=self.request.user, tags=form.cleaned_data["tags"], **data)
        return instance


class AccountDeleteView(ObjectDeleteView):
    model, url_namespace = Account, NS

    def delete(self, obj):
        services.account_delete(account=obj, acting_user=self.request.user)


class AccountBulkEditView(BulkEditView):
    model, url_namespace = Account, NS
    form_class, filterset_class = AccountBulkEditForm, AccountFilterSet

    def apply(self, queryset, form):
        data = form.cleaned_data
        with transaction.atomic():
            return services.accounts_bulk_update(
                accounts=queryset.prefetch_related("tags"), acting_user=self.request.user, owner=data["owner"],
                territory=data["territory"], add_tags=data["add_tags"], remove_tags=data["remove_tags"],
            )


# --- contacts -----------------------------------------------------------------------------------

class ContactListView(ObjectListView):
    model, url_namespace = Contact, NS
    filterset_class, table_class = ContactFilterSet, ContactTable
    select_related = ("owner", "primary_account")
    list_defer = ("description", "search_text", *OWNER_DEFER, "primary_account__description", "primary_account__search_text")
    export_fields = CONTACT_EXPORT

    def base_queryset(self):
        return selectors.with_visible_primary_account(super().base_queryset(), self.request.user)


class ContactDetailView(ObjectDetailView):
    model, url_namespace = Contact, NS
    template_name = "customers/contact_detail.html"
    select_related = ("owner", "primary_account")

    def get_context(self, contact):
        panels = []
        for panel in registry.sorted(registry.contact_panels):
            context = panel.context(self.request, contact)
            if context is not None:
                panels.append({"panel": panel, "context": context})
        return {
            "panels": panels,
            "links": contact.account_links.select_related("account").filter(account__in=Account.objects.visible_to(self.request.user)),
            "addresses": contact.address_set.all(),
            "phones": contact.phonenumber_set.all(),
            "emails": contact.emailaddress_set.all(),
            "documents": contact.document_set.all()[:20],
            "notes": contact.note_set.select_related("author")[:20],
            # A contact may also work for accounts this user cannot see; their interactions stay hidden.
            "interactions": Interaction.objects.visible_to(self.request.user).filter(contact=contact).select_related("account", "user")[:20],
            "link_form": LinkAccountForm(user=self.request.user),
            "note_form": NoteForm(user=self.request.user),
            "tab": self.request.GET.get("tab", "overview"),
        }


class ContactEditView(ObjectEditView):
    model, url_namespace, form_class = Contact, NS, ContactForm
    template_name = "customers/contact_form.html"

    def get_form(self, data=None, files=None, instance=None):
        form = super().get_form(data, files, instance)
        if instance is None and data is None and self.request.GET.get("account"):
            form.initial["account"] = self.request.GET["account"]
        return form

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        data["owner"] = data.get("owner") or (instance.owner if instance else None)
        if data["owner"] is None:
            data.pop("owner")
        if instance is not None:
            services.contact_update(contact=instance, acting_user=self.request.user, tags=tags, **data)
            return instance
        account, role, phone, email = (data.pop(k) for k in ("account", "role", "phone", "email"))
        contact = services.contact_create(acting_user=self.request.user, account=account, role=role, tags=tags, **data)
        if phone:
            try:
                services.phone_add(party=contact, acting_user=self.request.user, number=phone)
            except ValidationError as exc:  # the service names its own field; this form calls it "phone"
                raise ValidationError({"phone": exc.message_dict.get("number", exc.messages)}) from None
        if email:
            services.email_add(party=contact, acting_user=self.request.user, email=email)
        return contact


class ContactDeleteView(ObjectDeleteView):
    model, url_namespace = Contact, NS

    def delete(self, obj):
        services.contact_delete(contact=obj, acting_user=self.request.user)


# --- interactions -------------------------------------------------------------------------------

class InteractionListView(ObjectListView):
    model, url_namespace = Interaction, NS
    filterset_class, table_class = InteractionFilterSet, InteractionTable
    select_related = ("account", "contact", "user")
    list_defer = (
        "notes", "account__description", "account__search_text", "contact__description", "contact__search_text",
        "user__password", "user__last_login", "user__date_joined",
    )
    export_fields = INTERACTION_EXPORT


class InteractionDetailView(ObjectDetailView):
    model, url_namespace = Interaction, NS
    template_name = "customers/interaction_detail.html"
    select_related = ("account", "contact", "user")


class InteractionEditView(ObjectEditView):
    model, url_namespace, form_class = Interaction, NS, InteractionForm
    initial_from_query = ("account", "contact", "channel")

    def get_form(self, data=None, files=None, instance=None):
        form = super().get_form(data, files, instance)
        if instance is None and data is None:
            from django.utils import timezone

            form.initial.setdefault("started_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        return form

    def save(self, form, instance):
        if instance is None:
            return services.interaction_create(acting_user=self.request.user, **form.cleaned_data)
        services.interaction_update(interaction=instance, acting_user=self.request.user, **form.cleaned_data)
        return instance


class InteractionDeleteView(ObjectDeleteView):
    model, url_namespace = Interaction, NS

    def delete(self, obj):
        services.interaction_delete(interaction=obj, acting_user=self.request.user)


# --- child records (addresses, phones, e-mails, documents, notes) -------------------------------

PARTIES = {"account": Account, "contact": Contact}
# kind in the URL -> (model, form, add service, update service called as update(<kind>=record, …))
CHILDREN = {
    "address": (Address, AddressForm, services.address_add, services.address_update),
    "phone": (PhoneNumber, PhoneForm, services.phone_add, services.phone_update),
    "email": (EmailAddress, EmailForm, services.email_add, services.email_update),
    "document": (Document, DocumentForm, services.document_add, None),
    "note": (Note, NoteForm, services.note_add, None),
}


def _party(request, party_kind: str, party_pk: int):
    model = PARTIES.get(party_kind)
    if model is None:
        raise Http404
    party = get_object_or_404(model.objects.visible_to(request.user), pk=party_pk)
    if not request.user.has_perm(f"customers.change_{model._meta.model_name}"):
        raise Http404
    return party


@login_required
def child_edit(request, party_kind: str, party_pk: int, child_kind: str, pk: int | None = None):
    """Add or edit an address, phone, e-mail, document or note of an account or contact."""
    party = _party(request, party_kind, party_pk)
    if child_kind not in CHILDREN:
        raise Http404
    model, form_class, add, update = CHILDREN[child_kind]
    instance = None
    if pk is not None:
        if update is None:
            raise Http404
        instance = get_object_or_404(model.objects.filter(**{party_kind: party}), pk=pk)
    back = safe_next(request, party.get_absolute_url())
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=instance, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if instance is None:
                        add(party=party, acting_user=request.user, **data)
                    else:
                        update(**{child_kind: instance}, acting_user=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(back)
    else:
        form = form_class(instance=instance, user=request.user)
    title = (_("Edit %(what)s") if instance else _("Add %(what)s")) % {"what": model._meta.verbose_name}
    return render(request, "customers/child_edit.html", {"form": form, "party": party, "page_title": title, "cancel_url": back, "object": instance})


@login_required
@require_POST
def child_delete(request, party_kind: str, party_pk: int, child_kind: str, pk: int):
    party = _party(request, party_kind, party_pk)
    if child_kind not in CHILDREN:
        raise Http404
    model = CHILDREN[child_kind][0]
    record = get_object_or_404(model.objects.filter(**{party_kind: party}), pk=pk)
    services.child_delete(record=record, acting_user=request.user)
    messages.success(request, _("Deleted %(record)s.") % {"record": record})
    return HttpResponseRedirect(safe_next(request, party.get_absolute_url()))


@login_required
def document_download(request, pk: int):
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("customers.view_document"):
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


@login_required
@permission_required("customers.change_contact", raise_exception=True)
def contact_link_account(request, pk: int):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    form = LinkAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.contact_link(contact=contact, account=form.cleaned_data["account"], role=form.cleaned_data["role"],
                              is_primary=form.cleaned_data["is_primary"], acting_user=request.user)
        messages.success(request, _("Linked to %(account)s.") % {"account": form.cleaned_data["account"]})
        return HttpResponseRedirect(contact.get_absolute_url())
    return render(request, "customers/child_edit.html", {"form": form, "party": contact, "page_title": _("Link to an account"), "cancel_url": contact.get_absolute_url()})


@login_required
@require_POST
@permission_required("customers.change_contact", raise_exception=True)
def contact_unlink_account(request, pk: int, link_pk: int):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    link = get_object_or_404(AccountContact.objects.filter(contact=contact, account__in=Account.objects.visible_to(request.user)), pk=link_pk)
    services.contact_unlink(link=link, acting_user=request.user)
    messages.success(request, _("Unlinked from %(account)s.") % {"account": link.account})
    return HttpResponseRedirect(safe_next(request, contact.get_absolute_url()))


# --- search and look-ups ------------------------------------------------------------------------

@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    groups = selectors.global_search(user=request.user, query=query, limit=20 if not request.htmx else 6) if query else []
    template = "customers/_search_results.html" if request.htmx and not request.htmx.boosted else "customers/search.html"
    return render(request, template, {"query": query, "groups": groups, "page_title": _("Search")})


@login_required
def account_lookup(request):
    query = request.GET.get("q", "").strip()
    results = selectors.account_search(user=request.user, query=query, limit=8) if query else []
    return render(request, "htmx/lookup_results.html", {"results": results, "field": request.GET.get("field", "")})


@login_required
def contact_lookup(request):
    query = request.GET.get("q", "").strip()
    results = selectors.contact_search(user=request.user, query=query, limit=8) if query else []
    return render(request, "htmx/lookup_results.html", {"results": results, "field": request.GET.get("field", "")})


# --- tags ---------------------------------------------------------------------------------------

@login_required
@permission_required("customers.view_tag", raise_exception=True)
def tag_list(request):
    from django.db.models import Count

    from .forms import TagForm
    from .models import Tag

    form = TagForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not request.user.has_perm("customers.add_tag"):
            raise Http404
        if form.is_valid():
            try:
                services.tag_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Saved %(record)s.") % {"record": form.cleaned_data["name"]})
                return HttpResponseRedirect(request.path)
    tags = Tag.objects.annotate(n_accounts=Count("accounts", distinct=True), n_contacts=Count("contacts", distinct=True))
    return render(request, "customers/tag_list.html", {"page_title": _("Tags"), "tags": tags, "form": form})


@login_required
@require_POST
@permission_required("customers.delete_tag", raise_exception=True)
def tag_delete(request, pk: int):
    from .models import Tag

    tag = get_object_or_404(Tag, pk=pk)
    services.tag_delete(tag=tag, acting_user=request.user)
    messages.success(request, _("Deleted %(record)s.") % {"record": tag})
    return HttpResponseRedirect(reverse_lazy("customers:tag_list"))


# --- territory realignment ------------------------------------------------------------------------

REALIGN_PAGE_SIZE = 50


@login_required
def account_realign(request):
    """Preview which accounts the territory criteria would move now; POST starts the job that moves them."""
    from django.core.exceptions import PermissionDenied

    from .forms import RealignForm
    from .realign import realign_plan

    if not request.user.has_perms(services.REALIGN_PERMISSIONS):
        raise PermissionDenied
    form = RealignForm(request.POST if request.method == "POST" else request.GET or None)
    scope = form.cleaned_data if form.is_valid() else {}
    if request.method == "POST" and form.is_valid():
        job = services.accounts_realign_start(acting_user=request.user, **scope)
        messages.success(request, _("Realignment started; you will be notified when it is done."))
        return HttpResponseRedirect(job.get_absolute_url())
    plan = realign_plan(user=request.user, from_territory=scope.get("from_territory"), to_territory=scope.get("to_territory"))
    total = plan.total
    pages = max(1, -(-total // REALIGN_PAGE_SIZE))
    try:
        page = min(max(1, int(request.GET.get("page", 1))), pages)
    except ValueError:
        page = 1
    offset = (page - 1) * REALIGN_PAGE_SIZE
    territories = {p.new.pk: p.new for p in plan.pairs}
    rows = [
        (account, territories.get(plan.target_for(account.realign_key)))
        for account in plan.moving().select_related("owner", "territory").defer(*OWNER_DEFER).order_by("pk")[offset:offset + REALIGN_PAGE_SIZE]
    ] if total else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "customers/account_realign.html", {
        "page_title": _("Realign accounts"), "form": form, "plan": plan, "total": total, "rows": rows,
        "page": page, "pages": pages, "query": query.urlencode(),
    })
