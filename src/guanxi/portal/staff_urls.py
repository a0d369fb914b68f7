"""Staff URLs of the portal app (mounted under /portal-access/, namespace ``portal_access``)."""

from django.urls import path

from . import staff_views

app_name = "portal_access"

urlpatterns = [
    path("contacts/<int:pk>/invite/", staff_views.invite, name="invite"),
    path("contacts/<int:pk>/resend/", staff_views.resend, name="resend"),
    path("contacts/<int:pk>/disable/", staff_views.disable, name="disable"),
    path("contacts/<int:pk>/enable/", staff_views.enable, name="enable"),
]
