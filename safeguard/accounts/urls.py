from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_otp
from .forms import EmailAuthenticationForm, QueuedPasswordResetForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,  # the e-mail goes through the outbox and the worker
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/renew/", views.invitation_renew, name="invitation_renew"),
    path("language/", views.language, name="language"),
    *views_otp.urlpatterns,
]
