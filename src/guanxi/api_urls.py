from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("guanxi.core.api.urls")),
    path("", include("guanxi.customers.api.urls")),
    path("", include("guanxi.quality.api.urls")),
    path("", include("guanxi.sales.api.urls")),
    path("", include("guanxi.service.api.urls")),
]
