from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("school/<slug:slug>/roster/oneroster/", views.oneroster_import, name="oneroster_import"),
    path("school/<slug:slug>/roster/ctf/", views.ctf_import, name="ctf_import"),
    path("school/<slug:slug>/roster/imports/<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("school/<slug:slug>/roster/imports/<uuid:public_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("trust/<slug:slug>/roster/oneroster/", views.district_import, name="district_import"),
    path(
        "trust/<slug:slug>/roster/imports/<uuid:public_id>/",
        views.district_import_detail,
        name="district_import_detail",
    ),
    path(
        "trust/<slug:slug>/roster/imports/<uuid:public_id>/confirm/",
        views.district_import_confirm,
        name="district_import_confirm",
    ),
    path("school/<slug:slug>/pupils/<uuid:public_id>/ctf.xml", views.pupil_ctf, name="pupil_ctf"),
    path("school/<slug:slug>/roster/syncs/", views.sync_list, name="sync_list"),
    path("school/<slug:slug>/roster/syncs/new/", views.sync_create, name="sync_create"),
    path("school/<slug:slug>/roster/syncs/<uuid:public_id>/", views.sync_detail, name="sync_detail"),
    path("school/<slug:slug>/roster/syncs/<uuid:public_id>/edit/", views.sync_edit, name="sync_edit"),
    path("school/<slug:slug>/roster/syncs/<uuid:public_id>/run/", views.sync_run, name="sync_run"),
    path(
        "school/<slug:slug>/roster/syncs/<uuid:public_id>/runs/<uuid:run_id>/leavers/",
        views.sync_confirm_leavers,
        name="sync_confirm_leavers",
    ),
]
