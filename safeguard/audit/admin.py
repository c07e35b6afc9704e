from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .labels import audit_label
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "what", "action", "actor", "school", "subject_type", "subject_id", "ip_address"]
    list_filter = ["action", "school"]
    search_fields = ["action", "subject_id", "actor__email"]

    @admin.display(description=_("what"))
    def what(self, event):
        return audit_label(event.action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
