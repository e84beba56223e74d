from django.urls import path

from skillfund.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy, name="policy"),
    path("catalog/", views.catalog, name="catalog"),
    path("classes/", views.classes, name="classes"),
    path("classes/<str:code>/", views.class_detail, name="class"),
    path("apply/", views.how_to_apply, name="apply"),
    path("progress/", views.progress, name="progress"),
]
