from django.urls import path
from django.views.generic import RedirectView

from skillfund.web.review import applications, audit, objections, plans, queues

app_name = "review"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:review:queue"), name="index"),
    path("applications/", queues.queue, name="queue"),
    path("applications/bulk/<slug:step>/", queues.bulk, name="bulk"),
    path("applications/<int:pk>/", applications.detail, name="application"),
    path("applications/<int:pk>/step/<slug:step>/", applications.step, name="step"),
    path("materials/<int:pk>/image/", applications.material_image, name="material_image"),
    path("plans/", plans.queue, name="plans"),
    path("plans/<int:pk>/", plans.detail, name="plan"),
    path("objections/", objections.queue, name="objections"),
    path("objections/<int:pk>/", objections.decide, name="objection"),
    path("audit/", audit.log, name="audit"),
    path("audit/verify/", audit.verify, name="audit_verify"),
]
