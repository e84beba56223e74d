from django.urls import path

from skillfund.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_view, name="otp"),
    path("otp/setup/", views.otp_setup_view, name="otp_setup"),
    path("roster/template.xlsx", views.roster_template, name="roster_template"),
    path("roster/import/", views.roster_import_view, name="roster_import"),
    path("history/import/", views.history_import_view, name="history_import"),
]
