from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("public/notices/", include("skillfund.notices.urls")),
    path("materials/", include("skillfund.materials.urls")),
    path("", include("skillfund.web.urls")),
]
