from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Invitation, User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    exclude = ["password", "ical_token"]
    readonly_fields = ["last_login"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["email", "guardian", "pupil", "created_at", "sent_at", "accepted_at", "revoked_at", "expires_at"]
    readonly_fields = [
        "guardian",
        "pupil",
        "email",
        "sent_at",
        "accepted_at",
        "revoked_at",
        "expires_at",
        "created_by",
    ]

    def has_delete_permission(self, request, obj=None):
        return False
