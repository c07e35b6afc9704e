from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("sso/", views.start, name="start"),
    path("sso/callback/", views.callback, name="callback"),
    path("school/<slug:slug>/single-sign-on/", views.school_settings, name="school_settings"),
    path("trust/<slug:slug>/single-sign-on/", views.trust_settings, name="trust_settings"),
]
