from django.urls import path

from skillfund.web.worker import signin, views

app_name = "worker"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", signin.mobile_view, name="login"),
    path("login/code/", signin.code_view, name="login_code"),
    path("login/bind/", signin.bind_view, name="login_bind"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim, name="claim"),
]
