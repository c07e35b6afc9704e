"""The "Notification settings" page: a member of staff chooses how their own alerts and action reminders reach
them. There is no one else's page to open — the URL names no person, and the choice saved is always the signed-in
person's. Anyone who is not a member of staff (parents, governors, trust admins) gets 404
(``permissions.may_choose_notifications``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from .forms import NotificationSettingsForm
from .selectors import delivery_for
from .services import notification_preference_set


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """Show and change the signed-in person's delivery choice (POST saves it, then back here with a message)."""
    if not permissions.may_choose_notifications(request.user):
        raise Http404
    data = request.POST if request.method == "POST" else None  # an empty POST is an answer missing, not a visit
    form = NotificationSettingsForm(data, initial={"delivery": delivery_for(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            notification_preference_set(
                actor=request.user, delivery=form.cleaned_data["delivery"], ip_address=client_ip(request)
            )
        except DomainError as error:
            form.add_error("delivery", error.message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


urlpatterns = [
    path("account/notifications/", notification_settings, name="settings"),
]
