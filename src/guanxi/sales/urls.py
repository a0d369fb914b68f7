from django.urls import path

from guanxi.framework.urls import model_urls

from . import activity_views, settings_views, views, webforms

app_name = "sales"

urlpatterns = [
    *model_urls("leads", "lead", list=views.LeadListView, detail=views.LeadDetailView, edit=views.LeadEditView,
                delete=views.LeadDeleteView),
    path("leads/<int:pk>/status/", views.lead_status, name="lead_status"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    *model_urls("opportunities", "opportunity", list=views.OpportunityListView, detail=views.OpportunityDetailView,
                edit=views.OpportunityEditView, delete=views.OpportunityDeleteView),
    path("opportunities/board/", views.opportunity_board, name="opportunity_board"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/close/", views.opportunity_close, name="opportunity_close"),
    path("reports/stages/", views.stage_report, name="stage_report"),
    path("w2l/<str:key>/", webforms.web_to_lead, name="web_to_lead"),
    *model_urls("activities", "activity", list=activity_views.ActivityListView, detail=activity_views.ActivityDetailView,
                edit=activity_views.ActivityEditView, delete=activity_views.ActivityDeleteView),
    path("activities/<int:pk>/complete/", activity_views.activity_complete, name="activity_complete"),
    path("calendar/", activity_views.calendar_view, name="calendar"),
    path("calendar/renew/", activity_views.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/<str:token>.ics", activity_views.calendar_feed, name="calendar_feed"),
    path("leads/lookup/", activity_views.lead_lookup, name="lead_lookup"),
    path("opportunities/lookup/", activity_views.opportunity_lookup, name="opportunity_lookup"),
    # Settings: one page lists them all; each kind has its add/edit pages.
    path("settings/", settings_views.sales_settings, name="settings"),
    path("settings/pipelines/", settings_views.sales_settings, name="pipeline_list"),
    path("settings/pipelines/add/", settings_views.PipelineEditView.as_view(), name="pipeline_add"),
    path("settings/pipelines/<int:pk>/", settings_views.PipelineDetailView.as_view(), name="pipeline_detail"),
    path("settings/pipelines/<int:pk>/edit/", settings_views.PipelineEditView.as_view(), name="pipeline_edit"),
    path("settings/pipelines/<int:pipeline_pk>/stages/add/", settings_views.stage_edit, name="stage_add"),
    path("settings/pipelines/<int:pipeline_pk>/stages/<int:pk>/edit/", settings_views.stage_edit, name="stage_edit"),
    path("settings/pipelines/<int:pipeline_pk>/stages/<int:pk>/delete/", settings_views.stage_delete, name="stage_delete"),
    path("settings/competitors/", settings_views.sales_settings, name="competitor_list"),
    path("settings/competitors/add/", settings_views.CompetitorEditView.as_view(), name="competitor_add"),
    path("settings/competitors/<int:pk>/edit/", settings_views.CompetitorEditView.as_view(), name="competitor_edit"),
    path("settings/scoring-rules/", settings_views.sales_settings, name="leadscoringrule_list"),
    path("settings/scoring-rules/add/", settings_views.ScoringRuleEditView.as_view(), name="leadscoringrule_add"),
    path("settings/scoring-rules/<int:pk>/edit/", settings_views.ScoringRuleEditView.as_view(), name="leadscoringrule_edit"),
    path("settings/assignment-rules/", settings_views.sales_settings, name="leadassignmentrule_list"),
    path("settings/assignment-rules/add/", settings_views.AssignmentRuleEditView.as_view(), name="leadassignmentrule_add"),
    path("settings/assignment-rules/<int:pk>/edit/", settings_views.AssignmentRuleEditView.as_view(), name="leadassignmentrule_edit"),
    path("settings/web-forms/", settings_views.sales_settings, name="webtoleadform_list"),
    path("settings/web-forms/add/", settings_views.WebToLeadFormEditView.as_view(), name="webtoleadform_add"),
    path("settings/web-forms/<int:pk>/edit/", settings_views.WebToLeadFormEditView.as_view(), name="webtoleadform_edit"),
    path("settings/<str:kind>/<int:pk>/delete/", settings_views.rule_delete, name="rule_delete"),
]
