from django.urls import path

from skillfund.web.enterprise import work
from skillfund.web.institution import claims

app_name = "enterprise"
_as_enterprise = {"audience": "enterprise"}
urlpatterns = [
    # 以工代训 (§3.3.g): employments, their training months, the claim.
    path("employments/", work.employment_list, name="employments"),
    path("employments/<int:pk>/", work.employment_detail, name="employment"),
    path("employments/<int:pk>/months/", work.employment_month, name="employment_month"),
    path("employments/<int:pk>/claim/", work.employment_claim, name="employment_claim"),
    # The enterprise's applications: the same pages as an institution's (web/institution/claims.py).
    path("claims/", claims.application_list, _as_enterprise, name="claims"),
    path("claims/new/", claims.claim_new, _as_enterprise, name="claim_new"),
    path("claims/submit/", claims.applications_submit, _as_enterprise, name="claims_submit"),
    path("claims/new/<int:plan_pk>/", claims.claim_class, _as_enterprise, name="claim_class"),
    path("claims/<int:pk>/", claims.application_detail, _as_enterprise, name="application"),
    path("claims/<int:pk>/submit/", claims.application_submit, _as_enterprise, name="application_submit"),
    path("claims/<int:pk>/materials/", claims.application_material, _as_enterprise, name="application_material"),
    path(
        "claims/<int:pk>/materials/<int:material_pk>/withdraw/",
        claims.application_material_withdraw,
        _as_enterprise,
        name="application_material_withdraw",
    ),
]
