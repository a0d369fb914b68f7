from django.urls import path

from guanxi.framework.urls import model_urls

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("issues/<str:key>/", views.issue_list, name="issue_list"),
    *model_urls("imports", "importbatch", list=views.ImportBatchListView),
    path("imports/new/", views.upload, name="importbatch_add"),
    path("imports/<int:pk>/", views.batch_detail, name="importbatch_detail"),
    path("imports/<int:pk>/map/", views.map_columns, name="importbatch_map"),
    path("imports/<int:pk>/errors.csv", views.batch_errors_csv, name="importbatch_errors"),
    path("imports/<int:pk>/start/", views.batch_start, name="importbatch_start"),
    path("imports/<int:pk>/resume/", views.batch_resume, name="importbatch_resume"),
    path("imports/<int:pk>/undo/", views.batch_undo, name="importbatch_undo"),
    path("imports/mappings/", views.mapping_list, name="mapping_list"),
    path("imports/mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("duplicates/", views.duplicate_panel, name="duplicate_panel"),
    path("merge/<str:party>/", views.merge_screen, name="merge"),
    path("merge/<str:party>/pick/", views.merge_pick, name="merge_pick"),
    path("merges/", views.merge_list, name="merge_list"),
    path("merges/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/<str:decision>/", views.pair_decide, name="pair_decide"),
    path("review/bulk-accept/", views.pairs_bulk_accept, name="pairs_bulk_accept"),
    path("review/find/", views.dedupe_start, name="dedupe_start"),
]
