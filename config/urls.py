from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("public/notices/", include("skillfund.notices.urls")),
    path("public/captcha/", include("captcha.urls")),
    path("public/disclosure/", include("skillfund.reports.urls")),
    path("materials/", include("skillfund.materials.urls")),
    path("api/v1/", include("skillfund.api.urls")),
    path("", include("skillfund.web.urls")),
    path("", include("skillfund.portal.urls")),
]
