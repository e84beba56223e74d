from django.urls import path

from skillfund.materials import views

app_name = "materials"
urlpatterns = [
    path("<int:pk>/download/", views.download, name="download"),
]
