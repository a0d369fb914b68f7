"""Routes of the organisation and audit-log API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "core_api"

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("teams", views.TeamViewSet, basename="team")
router.register("territories", views.TerritoryViewSet, basename="territory")
router.register("roles", views.RoleViewSet, basename="role")
router.register("audit", views.AuditEntryViewSet, basename="auditentry")

urlpatterns = router.urls
