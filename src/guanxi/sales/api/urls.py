"""Routes of the sales API, mounted under ``/api/``."""

from rest_framework.routers import SimpleRouter

from . import catalog, plan, views

app_name = "sales_api"

router = SimpleRouter()
router.register("leads", views.LeadViewSet, basename="lead")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("pipelines", views.PipelineViewSet, basename="pipeline")
router.register("competitors", views.CompetitorViewSet, basename="competitor")
router.register("stage-changes", views.StageChangeViewSet, basename="stagechange")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("sales-orders", views.SalesOrderViewSet, basename="salesorder")
router.register("contracts", views.ContractViewSet, basename="contract")

router.register("forecast-adjustments", plan.ForecastAdjustmentViewSet, basename="forecastadjustment")
router.register("commission-plans", plan.CommissionPlanViewSet, basename="commissionplan")
router.register("commission-rules", plan.CommissionRuleViewSet, basename="commissionrule")
router.register("quotas", plan.QuotaViewSet, basename="quota")
router.register("commission-statements", plan.CommissionStatementViewSet, basename="commissionstatement")
router.register("expense-claims", plan.ExpenseClaimViewSet, basename="expenseclaim")
# sales-catalog: tax rates, configurator, opportunity lines, knowledge board
router.register("tax-rates", catalog.TaxRateViewSet, basename="taxrate")
router.register("product-option-groups", catalog.OptionGroupViewSet, basename="productoptiongroup")
router.register("bundle-components", catalog.BundleComponentViewSet, basename="bundlecomponent")
router.register("configure", catalog.ConfigureViewSet, basename="configure")
router.register("opportunity-lines", catalog.OpportunityLineViewSet, basename="opportunityline")
router.register("sales-knowledge", catalog.KnowledgePostViewSet, basename="knowledgepost")

urlpatterns = router.urls
