from django.urls import path

from skillfund.web.institution import claims, classes, plans

app_name = "institution"
urlpatterns: list = [
    # Class plans (开班计划, §4.3.d): skillfund/web/institution/plans.py
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/file/", plans.plan_file, name="plan_file"),
    path("plans/<int:pk>/schedule/", plans.plan_schedule, name="plan_schedule"),
    path("plans/<int:pk>/sessions/new/", plans.session_add, name="session_add"),
    path("plans/<int:pk>/sessions/<int:session_pk>/", plans.session_edit, name="session_edit"),
    path("plans/<int:pk>/sessions/<int:session_pk>/delete/", plans.session_delete, name="session_delete"),
    # A class once approved: skillfund/web/institution/classes.py
    path("plans/<int:pk>/roster/", classes.roster, name="class_roster"),
    path("plans/<int:pk>/roster/template.xlsx", classes.roster_template, name="class_roster_template"),
    path("plans/<int:pk>/roster/<int:enrolment_pk>/withdraw/", classes.withdraw, name="class_withdraw"),
    path("plans/<int:pk>/attendance/", classes.attendance, name="class_attendance"),
    path("plans/<int:pk>/attendance/<int:session_pk>/", classes.session_sheet, name="class_session_sheet"),
    path("plans/<int:pk>/results/", classes.results, name="class_results"),
    path("plans/<int:pk>/results/<int:enrolment_pk>/assessment/", classes.assessment_save, name="assessment_save"),
    path("plans/<int:pk>/results/<int:enrolment_pk>/certificate/", classes.certificate_save, name="certificate_save"),
]

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
