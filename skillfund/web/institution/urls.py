from django.urls import path

from skillfund.web.institution import classes, plans

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
