"""Routes of the quality API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "quality_api"

router = SimpleRouter()
router.register("imports", views.ImportBatchViewSet, basename="importbatch")
router.register("import-mappings", views.ImportMappingViewSet, basename="importmapping")

urlpatterns = router.urls
