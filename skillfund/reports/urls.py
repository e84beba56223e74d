from django.urls import path

from skillfund.reports import views

app_name = "reports"
_REPORTS = [
    ("<int:year>/", views.disclosure_page, "year"),
    ("<int:year>/disclosure.pdf", views.disclosure_pdf, "year_pdf"),
    ("<int:year>/disclosure.xlsx", views.disclosure_xlsx, "year_xlsx"),
    ("<int:year>/<int:quarter>/", views.disclosure_page, "quarter"),
    ("<int:year>/<int:quarter>/disclosure.pdf", views.disclosure_pdf, "quarter_pdf"),
    ("<int:year>/<int:quarter>/disclosure.xlsx", views.disclosure_xlsx, "quarter_xlsx"),
]
# The default programme's reports, then each programme's by its code.
urlpatterns = [
    path("", views.disclosure_index, name="index"),
    *(path(route, view, name=name) for route, view, name in _REPORTS),
    *(path(f"programme/<slug:programme>/{route}", view, name=f"programme_{name}") for route, view, name in _REPORTS),
]
