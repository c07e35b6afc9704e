from django.urls import path

from . import views, views_parent_history, views_roster, views_student

app_name = "directory"

urlpatterns = [
    path("school/<slug:slug>/", views.school_home, name="school_home"),
    path("school/<slug:slug>/pupils/", views.pupil_list, name="pupil_list"),
    path("school/<slug:slug>/pupils/<uuid:public_id>/", views.pupil_detail, name="pupil_detail"),
    path("school/<slug:slug>/guardians/<uuid:public_id>/invite/", views.guardian_invite, name="guardian_invite"),
    path("school/<slug:slug>/roster/import/", views_roster.roster_import, name="roster_import"),
    path("school/<slug:slug>/roster/import/confirm/", views_roster.roster_import_confirm, name="roster_import_confirm"),
    path("school/<slug:slug>/roster/import/template.csv", views_roster.roster_template, name="roster_template"),
    path("school/<slug:slug>/safeguarding/", views.safeguarding_home, name="safeguarding_home"),
    path("school/<slug:slug>/governance/", views.governance_home, name="governance_home"),
    path("trust/<slug:slug>/", views.trust_home, name="trust_home"),
    path("parent/", views.parent_home, name="parent_home"),
    path("parent/children/<uuid:public_id>/", views.parent_child, name="parent_child"),
    # A parent's own answers and signatures, with copies (views_parent_history)
    *views_parent_history.urlpatterns,
    # A pupil's own account, where the school gives pupils accounts (views_student)
    *views_student.urlpatterns,
]
