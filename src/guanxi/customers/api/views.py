"""Endpoints of customer data: accounts, contacts, their links, child records, interactions, tags.

Each viewset is its model, its serializer, its filterset, the indexed fields it sorts by, and the
services it writes through. Reads come from ``visible_to(user)``; a record out of scope is a 404.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from guanxi.core.api.base import GuanxiViewSet, visible_queryset
from guanxi.framework.api import prefetch_keys
from guanxi.framework.api_plumbing import ModelPermissions

from .. import services
from ..filters import AccountFilterSet, ContactFilterSet, InteractionFilterSet
from ..models import Account, AccountContact, Address, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber, Tag
from . import filters, serializers


def _pop_party(data: dict):
    account, contact = data.pop("account", None), data.pop("contact", None)
    return account or contact


@extend_schema_view(list=extend_schema(description=_("Accounts you can see. `q` searches names (characters, pinyin, initials), phone digits and e-mails.")))
class AccountViewSet(GuanxiViewSet):
    queryset = Account.objects.all()
    serializer_class = serializers.AccountSerializer
    filterset_class = AccountFilterSet
    select_related = ("owner", "territory")
    prefetch_related = ("tags",)
    list_prefetch = (prefetch_keys("tags", Tag.objects.only("pk")),)
    ordering_fields = {"updated_at": "updated_at", "created_at": "created_at", "name": "name_pinyin"}

    def service_create(self, data):
        data = dict(data)
        return services.account_create(acting_user=self.request.user, tags=data.pop("tags", ()), **data)

    def service_update(self, instance, data):
        data = dict(data)
        services.account_update(account=instance, acting_user=self.request.user, tags=data.pop("tags", None), **data)

    def service_delete(self, instance):
        services.account_delete(account=instance, acting_user=self.request.user)


@extend_schema_view(list=extend_schema(description=_("Contacts you can see. `q` searches names (characters, pinyin, initials), phone digits and e-mails.")))
class ContactViewSet(GuanxiViewSet):
    queryset = Contact.objects.all()
    serializer_class = serializers.ContactSerializer
    filterset_class = ContactFilterSet
    select_related = ("owner", "primary_account")
    prefetch_related = ("tags",)
    list_prefetch = (prefetch_keys("tags", Tag.objects.only("pk")),)
    ordering_fields = {"updated_at": "updated_at", "name": "name_pinyin"}

    def annotate(self, queryset):
        visible = visible_queryset(Account, self.request.user).filter(pk=OuterRef("primary_account_id"))
        return queryset.annotate(primary_account_visible=Exists(visible))

    def service_create(self, data):
        data = dict(data)
        return services.contact_create(
            acting_user=self.request.user, account=data.pop("account", None), role=data.pop("role", "") or "",
            tags=data.pop("tags", ()), **data,
        )

    def service_update(self, instance, data):
        data = dict(data)
        services.contact_update(contact=instance, acting_user=self.request.user, tags=data.pop("tags", None), **data)

    def service_delete(self, instance):
        services.contact_delete(contact=instance, acting_user=self.request.user)


class LinkPermissions(ModelPermissions):
    """Links are part of the contact: reading them needs ``view_contact``, changing them ``change_contact``."""

    perms_map = {
        "GET": ["customers.view_contact"],
        "HEAD": ["customers.view_contact"],
        "OPTIONS": [],
        "POST": ["customers.change_contact"],
        "PUT": ["customers.change_contact"],
        "PATCH": ["customers.change_contact"],
        "DELETE": ["customers.change_contact"],
    }


class AccountContactViewSet(GuanxiViewSet):
    """Which contacts work at which accounts, in which role. Seen through the account."""

    queryset = AccountContact.objects.all()
    serializer_class = serializers.AccountContactSerializer
    filterset_class = filters.AccountContactFilterSet
    permission_classes = [LinkPermissions]
    select_related = ("account", "contact")
    ordering_fields = {"id": "id"}

    def service_create(self, data):
        return services.contact_link(
            contact=data["contact"], account=data["account"], role=data.get("role", ""),
            is_primary=data.get("is_primary", False), acting_user=self.request.user,
        )

    def service_update(self, instance, data):
        services.contact_link(
            contact=instance.contact, account=instance.account, role=data.get("role", instance.role),
            is_primary=data.get("is_primary", instance.is_primary), acting_user=self.request.user,
        )

    def service_delete(self, instance):
        services.contact_unlink(link=instance, acting_user=self.request.user)


class PartyChildViewSet(GuanxiViewSet):
    """Addresses, phones, e-mails, documents and notes: seen, and added, only through a visible party."""

    ordering_fields = {"id": "id"}
    #: the services of :mod:`guanxi.customers.services` that add and change the record, and the
    #: keyword the change service takes the record by.
    add_service = update_service = update_keyword = ""

    def service_create(self, data):
        data = dict(data)
        party = _pop_party(data)
        return getattr(services, self.add_service)(party=party, acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        data = dict(data)
        _pop_party(data)
        if data:
            getattr(services, self.update_service)(**{self.update_keyword: instance}, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.child_delete(record=instance, acting_user=self.request.user)


class AddressViewSet(PartyChildViewSet):
    queryset = Address.objects.all()
    serializer_class = serializers.AddressSerializer
    filterset_class = filters.AddressFilterSet
    add_service, update_service, update_keyword = "address_add", "address_update", "address"


class PhoneNumberViewSet(PartyChildViewSet):
    queryset = PhoneNumber.objects.all()
    serializer_class = serializers.PhoneNumberSerializer
    filterset_class = filters.PhoneNumberFilterSet
    add_service, update_service, update_keyword = "phone_add", "phone_update", "phone"


class EmailAddressViewSet(PartyChildViewSet):
    queryset = EmailAddress.objects.all()
    serializer_class = serializers.EmailAddressSerializer
    filterset_class = filters.EmailAddressFilterSet
    add_service, update_service, update_keyword = "email_add", "email_update", "email"


class NoteViewSet(PartyChildViewSet):
    queryset = Note.objects.all()
    serializer_class = serializers.NoteSerializer
    filterset_class = filters.NoteFilterSet
    select_related = ("author",)
    ordering_fields = {"id": "id", "created_at": "created_at"}
    add_service, update_service, update_keyword = "note_add", "note_update", "note"


@extend_schema_view(create=extend_schema(description=_("Upload a file as multipart/form-data with `file`, `title` and `account` or `contact`.")))
class DocumentViewSet(PartyChildViewSet):
    queryset = Document.objects.all()
    serializer_class = serializers.DocumentSerializer
    filterset_class = filters.DocumentFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    select_related = ("uploaded_by",)
    ordering_fields = {"id": "id", "created_at": "created_at"}
    add_service, update_service, update_keyword = "document_add", "document_update", "document"

    def service_create(self, data):
        data = dict(data)
        party = _pop_party(data)
        return services.document_add(party=party, acting_user=self.request.user, title=data.get("title", ""), file=data["file"])

    @extend_schema(
        description=_("The file itself, as an attachment."),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise exceptions.NotFound(_("The file of this document is missing.")) from None
        return FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


class InteractionViewSet(GuanxiViewSet):
    queryset = Interaction.objects.all()
    serializer_class = serializers.InteractionSerializer
    filterset_class = InteractionFilterSet
    select_related = ("account", "contact", "user")
    prefetch_related = ("documents",)
    ordering_fields = {"started_at": "started_at"}

    def service_create(self, data):
        data = dict(data)
        return services.interaction_create(acting_user=self.request.user, documents=data.pop("documents", ()), **data)

    def service_update(self, instance, data):
        data = dict(data)
        services.interaction_update(interaction=instance, acting_user=self.request.user, documents=data.pop("documents", None), **data)

    def service_delete(self, instance):
        services.interaction_delete(interaction=instance, acting_user=self.request.user)


class TagViewSet(GuanxiViewSet):
    """Tags are shared by everyone; who may add, rename or delete them is a permission."""

    queryset = Tag.objects.all()
    serializer_class = serializers.TagSerializer
    filterset_class = filters.TagFilterSet
    ordering_fields = {"name": "name"}

    def service_create(self, data):
        return services.tag_create(acting_user=self.request.user, **data)

    def service_update(self, instance, data):
        services.tag_update(tag=instance, acting_user=self.request.user, **data)

    def service_delete(self, instance):
        services.tag_delete(tag=instance, acting_user=self.request.user)


class AccountRealignView(GenericAPIView):
    """Territory realignment: GET previews how many accounts would move where; POST starts the job that moves them.

    Needs the permissions to change territories and accounts; covers the accounts you can see.
    """

    serializer_class = serializers.RealignScopeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _scope(self, data) -> dict:
        if not self.request.user.has_perms(services.REALIGN_PERMISSIONS):
            raise exceptions.PermissionDenied()
        body = self.get_serializer(data=data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @extend_schema(parameters=[serializers.RealignScopeSerializer], responses={200: serializers.RealignSummarySerializer})
    def get(self, request):
        from ..realign import realign_plan

        scope = self._scope(request.query_params)
        scope.pop("owners", None)
        plan = realign_plan(user=request.user, **scope)
        pairs = [
            {"old_territory": p.old.pk if p.old else None, "old_territory_name": p.old.name if p.old else None,
             "new_territory": p.new.pk, "new_territory_name": p.new.name, "count": p.count}
            for p in plan.pairs
        ]
        return Response(serializers.RealignSummarySerializer({"total": plan.total, "pairs": pairs}).data)

    @extend_schema(request=serializers.RealignScopeSerializer, responses={202: serializers.RealignJobSerializer})
    def post(self, request):
        job = services.accounts_realign_start(acting_user=request.user, **self._scope(request.data))
        return Response(serializers.RealignJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
