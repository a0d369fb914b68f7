"""Routes of the sales plan (commissions, expenses), included by ``sales/urls.py`` under the ``sales`` namespace."""

from django.urls import path

from guanxi.framework.urls import model_urls

from . import commission_views, expense_views, sales_plan_views

urlpatterns = [
    path("plan/", sales_plan_views.sales_plan, name="sales_plan"),
    path("plan/quota/", sales_plan_views.sales_plan_quota, name="sales_plan_quota"),
    path("plan/copy/", sales_plan_views.sales_plan_copy, name="sales_plan_copy"),
    *model_urls("commissions/plans", "commissionplan", list=commission_views.CommissionPlanListView,
                detail=commission_views.CommissionPlanDetailView, edit=commission_views.CommissionPlanEditView),
    path("commissions/plans/<int:pk>/rules/add/", commission_views.commission_rule_save, name="commission_rule_add"),
    path("commissions/plans/<int:pk>/rules/<int:rule_pk>/edit/", commission_views.commission_rule_save, name="commission_rule_edit"),
    path("commissions/plans/<int:pk>/rules/<int:rule_pk>/delete/", commission_views.commission_rule_delete, name="commission_rule_delete"),
    path("commissions/plans/<int:pk>/assignments/add/", commission_views.commission_assignment_add, name="commission_assignment_add"),
    path("commissions/plans/<int:pk>/assignments/<int:assignment_pk>/delete/", commission_views.commission_assignment_delete,
         name="commission_assignment_delete"),
    *model_urls("commissions/statements", "commissionstatement", list=commission_views.CommissionStatementListView,
                detail=commission_views.CommissionStatementDetailView),
    path("commissions/statements/compute/", commission_views.commission_statements_compute, name="commissionstatement_add"),
    path("commissions/statements/<int:pk>/<str:action>/", commission_views.commission_statement_action, name="commission_statement_action"),
    *model_urls("expenses", "expenseclaim", list=expense_views.ExpenseClaimListView, detail=expense_views.ExpenseClaimDetailView,
                edit=expense_views.ExpenseClaimEditView),
    path("expenses/<int:pk>/lines/add/", expense_views.expense_line_add, name="expense_line_add"),
    path("expenses/<int:pk>/lines/<int:line_pk>/delete/", expense_views.expense_line_delete, name="expense_line_delete"),
    path("expenses/<int:pk>/lines/<int:line_pk>/receipt/", expense_views.expense_receipt, name="expense_receipt"),
    path("expenses/<int:pk>/<str:action>/", expense_views.expense_claim_action, name="expense_claim_action"),
]
