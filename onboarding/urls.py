from django.urls import path

from .views import calendar, first_run, invitations, pupil_accounts, pupils, schools, staff

app_name = "onboarding"

urlpatterns = [
    path("setup/", first_run.first_run, name="first_run"),
    path("staff-invitation/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("staff-invitation/<str:token>/renew/", invitations.invitation_renew, name="invitation_renew"),
    path("trust/<slug:slug>/schools/", schools.school_list, name="school_list"),
    path("trust/<slug:slug>/administrators/", schools.administrators, name="administrators"),
    path(
        "trust/<slug:slug>/administrators/<uuid:public_id>/end/",
        schools.administrator_end,
        name="administrator_end",
    ),
    path("trust/<slug:slug>/schools/add/", schools.school_add, name="school_add"),
    path("trust/<slug:slug>/schools/<slug:school_slug>/edit/", schools.school_edit, name="school_edit"),
    path("trust/<slug:slug>/schools/<slug:school_slug>/head/", schools.school_head_invite, name="school_head_invite"),
    path("school/<slug:slug>/setup/", calendar.setup_home, name="setup_home"),
    path("school/<slug:slug>/setup/years/add/", calendar.academic_year_add, name="academic_year_add"),
    path("school/<slug:slug>/setup/years/<int:pk>/", calendar.academic_year_edit, name="academic_year_edit"),
    path("school/<slug:slug>/setup/years/<int:pk>/breaks/add/", calendar.term_break_add, name="term_break_add"),
    path(
        "school/<slug:slug>/setup/years/<int:pk>/breaks/<int:break_pk>/",
        calendar.term_break_edit,
        name="term_break_edit",
    ),
    path(
        "school/<slug:slug>/setup/years/<int:pk>/breaks/<int:break_pk>/remove/",
        calendar.term_break_remove,
        name="term_break_remove",
    ),
    path(
        "school/<slug:slug>/setup/years/<int:pk>/terms/<int:term_pk>/remove/",
        calendar.term_remove,
        name="term_remove",
    ),
    path("school/<slug:slug>/setup/year-groups/add/", calendar.year_groups_add, name="year_groups_add"),
    path("school/<slug:slug>/setup/year-groups/<int:pk>/", calendar.year_group_edit, name="year_group_edit"),
    path("school/<slug:slug>/setup/year-groups/<int:pk>/remove/", calendar.year_group_remove, name="year_group_remove"),
    path("school/<slug:slug>/setup/classes/add/", calendar.class_add, name="class_add"),
    path("school/<slug:slug>/setup/classes/<int:pk>/", calendar.class_edit, name="class_edit"),
    path("school/<slug:slug>/setup/roll-over/", calendar.roll_over, name="roll_over"),
    path("school/<slug:slug>/setup/pupil-accounts/", pupil_accounts.pupil_accounts, name="pupil_accounts"),
    path("school/<slug:slug>/setup/pupils/add/", pupils.pupil_add, name="pupil_add"),
    path("school/<slug:slug>/setup/pupils/<uuid:public_id>/", pupils.pupil_edit, name="pupil_edit"),
    path("school/<slug:slug>/setup/pupils/<uuid:public_id>/left/", pupils.pupil_left, name="pupil_left"),
    path("school/<slug:slug>/setup/pupils/<uuid:public_id>/contacts/add/", pupils.guardian_add, name="guardian_add"),
    path(
        "school/<slug:slug>/setup/pupils/<uuid:public_id>/contacts/<uuid:guardian_id>/",
        pupils.guardian_edit,
        name="guardian_edit",
    ),
    path("school/<slug:slug>/staff/", staff.staff_list, name="staff_list"),
    path("school/<slug:slug>/staff/add/", staff.staff_add, name="staff_add"),
    path("school/<slug:slug>/staff/<uuid:public_id>/edit/", staff.staff_edit, name="staff_edit"),
    path(
        "school/<slug:slug>/staff/<uuid:public_id>/roles/<str:role>/end/",
        staff.staff_role_end_view,
        name="staff_role_end",
    ),
    path(
        "school/<slug:slug>/staff/<uuid:public_id>/invitation/",
        staff.staff_invitation_resend_view,
        name="staff_invitation_resend",
    ),
]
