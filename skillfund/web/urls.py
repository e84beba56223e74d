from django.urls import include, path

from skillfund.web import views
from skillfund.web.nav import AUDIENCES

app_name = "web"
urlpatterns = [
    path("work/", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_view, name="otp"),
    path("otp/setup/", views.otp_setup_view, name="otp_setup"),
    path("roster/template.xlsx", views.roster_template, name="roster_template"),
    path("roster/import/", views.roster_import_view, name="roster_import"),
    path("history/import/", views.history_import_view, name="history_import"),
]
# Each audience's pages: /work/institution/…, /work/review/…; the worker's own pages at /me/.
urlpatterns += [
    path("me/" if audience == "worker" else f"work/{audience}/", include(f"skillfund.web.{audience}.urls"))
    for audience in AUDIENCES
]
