from django.urls import path

from skillfund.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy, name="policy"),
]
