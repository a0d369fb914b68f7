"""URL patterns of field service, included into the service app's namespace by ``urls.py``."""

from django.urls import path

from guanxi.framework.urls import model_urls

from . import fieldservice_views as views

urlpatterns = [
    *model_urls("work-orders", "workorder", list=views.WorkOrderListView, detail=views.WorkOrderDetailView,
                edit=views.WorkOrderEditView, delete=views.WorkOrderDeleteView),
    path("work-orders/<int:pk>/schedule/", views.work_order_schedule, name="workorder_schedule"),
    path("work-orders/<int:pk>/unschedule/", views.work_order_unschedule, name="workorder_unschedule"),
    path("work-orders/<int:pk>/status/", views.work_order_status, name="workorder_status"),
    path("work-orders/<int:pk>/parts/", views.work_order_part_add, name="workorder_part_add"),
    path("work-orders/<int:pk>/parts/<int:part_pk>/remove/", views.work_order_part_remove, name="workorder_part_remove"),
    path("work-orders/<int:pk>/report/", views.work_order_report, name="workorder_report"),
    path("work-orders/<int:pk>/suggestions/", views.work_order_suggestions, name="workorder_suggestions"),
    path("dispatch/", views.dispatch_board, name="dispatch_board"),
    path("technicians/", views.technician_list, name="technician_list"),
    path("technicians/add/", views.technician_edit, name="technician_add"),
    path("technicians/<int:pk>/", views.technician_detail, name="technician_detail"),
    path("technicians/<int:pk>/edit/", views.technician_edit, name="technician_edit"),
    path("technicians/<int:pk>/time-off/", views.technician_time_off, name="technician_time_off"),
    path("my-jobs/", views.my_jobs, name="my_jobs"),
    path("my-jobs/<int:pk>/", views.my_job, name="my_job"),
]
