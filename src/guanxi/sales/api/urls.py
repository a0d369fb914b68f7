"""Routes of the sales API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

app_name = "sales_api"

router = SimpleRouter()

urlpatterns = router.urls
