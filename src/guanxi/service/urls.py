from django.urls import include, path

from guanxi.framework.urls import model_urls

from . import asset_views, views

app_name = "service"

urlpatterns = [
    *model_urls("cases", "case", list=views.CaseListView, detail=views.CaseDetailView, edit=views.CaseEditView, delete=views.CaseDeleteView),
    path("cases/quick/", views.quick_entry, name="quick_entry"),
    path("cases/quick/lookup/", views.quick_lookup, name="quick_lookup"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/note/", views.case_note, name="case_note"),
    path("cases/<int:pk>/link/", views.case_link, name="case_link"),
    path("cases/<int:pk>/unlink/<int:link_pk>/", views.case_unlink, name="case_unlink"),
    path("cases/<int:pk>/merge/", views.case_merge, name="case_merge"),
    path("cases/<int:pk>/survey/", views.case_survey, name="case_survey"),
    path("cases/<int:pk>/customer/lookup/", views.case_customer_lookup, name="case_customer_lookup"),
    path("cases/<int:pk>/customer/", views.case_link_customer, name="case_link_customer"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("kb/", views.knowledge_base, name="knowledge_base"),
    *model_urls("kb/articles", "article", detail=views.ArticleDetailView, edit=views.ArticleEditView),
    path("kb/articles/<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
    path("reports/", views.reports, name="reports"),
    path("setup/", views.setup, name="setup"),
    path("setup/categories/add/", views.category_add, name="category_add"),
    *model_urls("queues", "queue", detail=views.QueueDetailView, edit=views.QueueEditView),
    path("queues/<int:pk>/agents/<int:user_pk>/", views.agent_update, name="agent_update"),
    *model_urls("calendars", "businesscalendar", edit=views.CalendarEditView),
    path("calendars/<int:pk>/", views.CalendarDetailView.as_view(), name="calendar_detail"),
    path("calendars/<int:pk>/days/", views.calendar_day, name="calendar_day"),
    *model_urls("sla-policies", "slapolicy", detail=views.SlaPolicyDetailView, edit=views.SlaPolicyEditView),
    path("sla-policies/<int:pk>/targets/", views.sla_target, name="sla_target"),
    path("setup/warranty-terms/", asset_views.warranty_term, name="warranty_term"),
    # installed products, service contracts, returns
    *model_urls("installed-products", "installedproduct", list=asset_views.InstalledProductListView, detail=asset_views.InstalledProductDetailView,
                edit=asset_views.InstalledProductEditView, delete=asset_views.InstalledProductDeleteView),
    path("installed-products/lookup/", asset_views.installed_product_lookup, name="installedproduct_lookup"),
    *model_urls("contracts", "servicecontract", list=asset_views.ServiceContractListView, detail=asset_views.ServiceContractDetailView,
                edit=asset_views.ServiceContractEditView, delete=asset_views.ServiceContractDeleteView),
    path("contracts/<int:pk>/status/", asset_views.contract_status, name="servicecontract_status"),
    path("contracts/<int:pk>/entitlements/", asset_views.entitlement_add, name="entitlement_add"),
    path("entitlements/<int:pk>/use/", asset_views.entitlement_consume, name="entitlement_consume"),
    path("entitlement-uses/<int:pk>/undo/", asset_views.usage_delete, name="entitlementusage_delete"),
    *model_urls("returns", "rma", list=asset_views.RmaListView, detail=asset_views.RmaDetailView, edit=asset_views.RmaEditView),
    path("returns/<int:pk>/status/", asset_views.rma_status, name="rma_status"),
    path("returns/<int:pk>/lines/", asset_views.rma_line_add, name="rma_line_add"),
    path("returns/<int:pk>/lines/<int:line_pk>/delete/", asset_views.rma_line_delete, name="rma_line_delete"),
    path("returns/<int:pk>/lines/<int:line_pk>/replace/", asset_views.rma_line_replace, name="rma_line_replace"),
    path("cases/<int:pk>/return/", asset_views.rma_from_case, name="case_rma"),
    path("", include("guanxi.service.fieldservice_urls")),
]
