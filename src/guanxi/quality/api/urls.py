"""Routes of the quality API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

app_name = "quality_api"

router = SimpleRouter()

urlpatterns = router.urls
