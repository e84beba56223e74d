from django.urls import path

from skillfund.api import views

app_name = "api"
urlpatterns = [
    path("applications/", views.ApplicationList.as_view(), name="applications"),
    path("applications/<str:reference>/", views.ApplicationDetail.as_view(), name="application"),
    path("applications/<str:reference>/steps/", views.ApplicationSteps.as_view(), name="application_steps"),
    path("payment-batches/", views.BatchList.as_view(), name="batches"),
    path("payment-batches/<str:reference>/", views.BatchDetail.as_view(), name="batch"),
    path("payment-batches/<str:reference>/pay/", views.BatchPay.as_view(), name="batch_pay"),
    path("payment-batches/<str:reference>/file/", views.BatchFile.as_view(), name="batch_file"),
    path(
        "payment-batches/<str:reference>/lines/<int:line_id>/bank-reference/",
        views.LineBankReference.as_view(),
        name="line_bank_reference",
    ),
]
