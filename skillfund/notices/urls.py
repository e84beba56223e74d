from django.urls import path

from skillfund.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("objections/", views.objection_lookup, name="objection_lookup"),
    path("<slug:reference>.pdf", views.notice_pdf, name="pdf"),
    path("<slug:reference>/", views.notice_detail, name="detail"),
]
