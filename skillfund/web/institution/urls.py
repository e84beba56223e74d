from django.urls import path

from skillfund.web.institution import claims

app_name = "institution"
urlpatterns: list = []

# Claims (web/institution/claims.py): the institution's applications, applying for a class.
_as_institution = {"audience": "institution"}
urlpatterns += [
    path("claims/", claims.application_list, _as_institution, name="claims"),
    path("claims/new/", claims.claim_new, _as_institution, name="claim_new"),
    path("claims/submit/", claims.applications_submit, _as_institution, name="claims_submit"),
    path("claims/new/<int:plan_pk>/", claims.claim_class, _as_institution, name="claim_class"),
    path("claims/<int:pk>/", claims.application_detail, _as_institution, name="application"),
    path("claims/<int:pk>/submit/", claims.application_submit, _as_institution, name="application_submit"),
    path("claims/<int:pk>/materials/", claims.application_material, _as_institution, name="application_material"),
    path(
        "claims/<int:pk>/materials/<int:material_pk>/withdraw/",
        claims.application_material_withdraw,
        _as_institution,
        name="application_material_withdraw",
    ),
]
