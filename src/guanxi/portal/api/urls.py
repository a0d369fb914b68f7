from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api_me"),
    path("cases/", views.CaseListView.as_view(), name="api_cases"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="api_case"),
    path("cases/<int:pk>/reply/", views.CaseReplyView.as_view(), name="api_case_reply"),
    path("cases/<int:pk>/close/", views.CaseCloseView.as_view(), name="api_case_close"),
    path("articles/", views.ArticleListView.as_view(), name="api_articles"),
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="api_article"),
    path("articles/<int:pk>/feedback/", views.ArticleFeedbackView.as_view(), name="api_article_feedback"),
    path("products/", views.InstalledProductListView.as_view(), name="api_products"),
    path("contracts/", views.ServiceContractListView.as_view(), name="api_contracts"),
    path("returns/", views.RmaListView.as_view(), name="api_rmas"),
    path("returns/<int:pk>/", views.RmaDetailView.as_view(), name="api_rma"),
]
