from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import AuditedPasswordChangeForm

app_name = "core"

urlpatterns = [
    path("", views.workspace, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots, name="robots"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/tasks/add/", views.task_add, name="task_add"),
    path("workspace/tasks/<int:pk>/done/", views.task_complete, name="task_complete"),
    path("workspace/jobs/", views.job_list, name="job_list"),
    path("workspace/jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("workspace/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("profile/", views.profile, name="profile"),
    path("activity/", views.my_activity, name="my_activity"),
    path("history/<str:app_label>/<str:model>/<int:pk>/", views.history, name="history"),
    path("filters/save/", views.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("help/", views.help_page, name="help"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/users/", views.user_list, name="user_list"),
    path("settings/users/add/", views.user_edit, name="user_add"),
    path("settings/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("settings/users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/activity/", views.user_activity, name="user_activity"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/add/", views.team_edit, name="team_add"),
    path("settings/teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("settings/teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("settings/roles/", views.role_list, name="role_list"),
    path("settings/roles/<int:pk>/", views.role_detail, name="role_detail"),
    path("settings/territories/", views.territory_list, name="territory_list"),
    path("settings/territories/add/", views.territory_edit, name="territory_add"),
    path("settings/territories/<int:pk>/", views.territory_detail, name="territory_detail"),
    path("settings/territories/<int:pk>/edit/", views.territory_edit, name="territory_edit"),
    path("settings/visibility/", views.visibility_explain, name="visibility_explain"),
]

# Log-in, log-out and password change live outside the "core" namespace, where Django expects them.
auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(form_class=AuditedPasswordChangeForm), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
