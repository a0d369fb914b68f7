from django.urls import path

from guanxi.framework.urls import model_urls

from . import views

app_name = "customers"

urlpatterns = [
    *model_urls("accounts", "account", list=views.AccountListView, detail=views.AccountDetailView, edit=views.AccountEditView,
                delete=views.AccountDeleteView, bulk_edit=views.AccountBulkEditView),
    *model_urls("contacts", "contact", list=views.ContactListView, detail=views.ContactDetailView, edit=views.ContactEditView,
                delete=views.ContactDeleteView),
    *model_urls("interactions", "interaction", list=views.InteractionListView, detail=views.InteractionDetailView,
                edit=views.InteractionEditView, delete=views.InteractionDeleteView),
    path("accounts/realign/", views.account_realign, name="account_realign"),
    path("accounts/lookup/", views.account_lookup, name="account_lookup"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="account_timeline"),
    path("contacts/lookup/", views.contact_lookup, name="contact_lookup"),
    path("contacts/<int:pk>/link/", views.contact_link_account, name="contact_link"),
    path("contacts/<int:pk>/unlink/<int:link_pk>/", views.contact_unlink_account, name="contact_unlink"),
    path("<str:party_kind>/<int:party_pk>/<str:child_kind>/add/", views.child_edit, name="child_add"),
    path("<str:party_kind>/<int:party_pk>/<str:child_kind>/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("<str:party_kind>/<int:party_pk>/<str:child_kind>/<int:pk>/delete/", views.child_delete, name="child_delete"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("search/", views.search, name="search"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
]
