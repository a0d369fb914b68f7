from django.urls import include, path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("reset/<uidb64>/<token>/", views.set_password, name="reset_confirm"),
    path("welcome/<uidb64>/<token>/", views.set_password, {"invitation": True}, name="set_password"),
    path("language/", views.set_language, name="language"),
    path("account/", views.switch_account, name="switch_account"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/reply/", views.case_reply, name="case_reply"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("help/", views.knowledge, name="knowledge"),
    path("help/<int:pk>/", views.article_detail, name="article_detail"),
    path("help/<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
    path("products/", views.products, name="products"),
    path("contracts/", views.contracts, name="contracts"),
    path("returns/", views.rma_list, name="rma_list"),
    path("returns/new/", views.rma_new, name="rma_new"),
    path("returns/<int:pk>/", views.rma_detail, name="rma_detail"),
    path("profile/", views.profile, name="profile"),
    path("api/", include("guanxi.portal.api.urls")),
]
