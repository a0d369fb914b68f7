"""Routes of the quality API, mounted under ``/api/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "quality_api"

router = SimpleRouter()
router.register("imports", views.ImportBatchViewSet, basename="importbatch")
router.register("import-mappings", views.ImportMappingViewSet, basename="importmapping")
router.register("merges", views.MergeViewSet, basename="mergerecord")
router.register("duplicate-pairs", views.DuplicatePairViewSet, basename="duplicatepair")
router.register("dedupe-runs", views.DedupeRunViewSet, basename="deduperun")

urlpatterns = [
    path("duplicates/check/", views.DuplicateCheckView.as_view(), name="duplicate_check"),
    *router.urls,
]
