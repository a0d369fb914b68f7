"""Routes of the customer-data API, mounted under ``/api/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "customers_api"

router = SimpleRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("account-contacts", views.AccountContactViewSet, basename="accountcontact")
router.register("addresses", views.AddressViewSet, basename="address")
router.register("phone-numbers", views.PhoneNumberViewSet, basename="phonenumber")
router.register("email-addresses", views.EmailAddressViewSet, basename="emailaddress")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("notes", views.NoteViewSet, basename="note")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("tags", views.TagViewSet, basename="tag")

urlpatterns = [
    path("account-realignment/", views.AccountRealignView.as_view(), name="account_realignment"),
    *router.urls,
]
