"""Routes of the service API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

from . import fieldservice, views

app_name = "service_api"

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("case-notes", views.CaseNoteViewSet, basename="casenote")
router.register("case-attachments", views.CaseAttachmentViewSet, basename="caseattachment")
router.register("case-links", views.CaseLinkViewSet, basename="caselink")
router.register("articles", views.ArticleViewSet, basename="article")
router.register("queues", views.QueueViewSet, basename="queue")
router.register("case-categories", views.CaseCategoryViewSet, basename="casecategory")
router.register("sla-policies", views.SlaPolicyViewSet, basename="slapolicy")
router.register("business-calendars", views.BusinessCalendarViewSet, basename="businesscalendar")
router.register("installed-products", views.InstalledProductViewSet, basename="installedproduct")
router.register("service-contracts", views.ServiceContractViewSet, basename="servicecontract")
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")
router.register("entitlement-uses", views.EntitlementUsageViewSet, basename="entitlementusage")
router.register("rmas", views.RmaViewSet, basename="rma")
router.register("rma-lines", views.RmaLineViewSet, basename="rmaline")
router.register("warranty-terms", views.WarrantyTermViewSet, basename="warrantyterm")
router.register("work-orders", fieldservice.WorkOrderViewSet, basename="workorder")
router.register("work-order-parts", fieldservice.WorkOrderPartViewSet, basename="workorderpart")
router.register("visit-reports", fieldservice.VisitReportViewSet, basename="visitreport")
router.register("technicians", fieldservice.TechnicianViewSet, basename="technician")
router.register("technician-time-off", fieldservice.TimeOffViewSet, basename="techniciantimeoff")

urlpatterns = router.urls
