from django.contrib import admin
from django.urls import include, path

from guanxi.core.urls import auth_urlpatterns

urlpatterns = [
    *auth_urlpatterns,
    path("", include("guanxi.core.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("quality/", include("guanxi.quality.urls")),
    path("sales/", include("guanxi.sales.urls")),
    path("service/", include("guanxi.service.urls")),
    path("portal/", include("guanxi.portal.urls")),
    path("portal-access/", include("guanxi.portal.staff_urls")),
    path("api/", include("guanxi.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ops/admin/", admin.site.urls),
]
