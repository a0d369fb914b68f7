"""Routes of the service API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

app_name = "service_api"

router = SimpleRouter()

urlpatterns = router.urls
