from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("school/<slug:slug>/roster/oneroster/", views.oneroster_import, name="oneroster_import"),
    path("school/<slug:slug>/roster/ctf/", views.ctf_import, name="ctf_import"),
    path("school/<slug:slug>/roster/imports/<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("school/<slug:slug>/roster/imports/<uuid:public_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("school/<slug:slug>/pupils/<uuid:public_id>/ctf.xml", views.pupil_ctf, name="pupil_ctf"),
]
