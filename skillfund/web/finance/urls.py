from django.urls import path

from skillfund.web.finance import views

app_name = "finance"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("payable/", views.payable, name="payable"),
    path("account/", views.own_account, name="own_account"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/pay/", views.batch_pay, name="batch_pay"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/references/", views.references_upload, name="references_upload"),
    path("batches/<int:pk>/lines/<int:line_id>/reference/", views.line_reference, name="line_reference"),
    path("batches/<int:pk>/lines/<int:line_id>/cancel/", views.line_cancel, name="line_cancel"),
]
