from django.urls import path

from skillfund.web.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="progress"),
    path("progress.xlsx", views.export_xlsx, name="export"),
    path("workforce/", views.workforce, name="workforce"),
]
