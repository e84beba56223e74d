from django.urls import path

from skillfund.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.disclosure_index, name="index"),
    path("<int:year>/", views.disclosure_page, name="year"),
    path("<int:year>/disclosure.pdf", views.disclosure_pdf, name="year_pdf"),
    path("<int:year>/disclosure.xlsx", views.disclosure_xlsx, name="year_xlsx"),
    path("<int:year>/<int:quarter>/", views.disclosure_page, name="quarter"),
    path("<int:year>/<int:quarter>/disclosure.pdf", views.disclosure_pdf, name="quarter_pdf"),
    path("<int:year>/<int:quarter>/disclosure.xlsx", views.disclosure_xlsx, name="quarter_xlsx"),
]
