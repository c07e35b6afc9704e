"""Admin for the policy library and agreements: for the platform's operators to look, not to change the rules.

Nothing is deleted anywhere. Signatures, requests, signed documents and sent reminders are read-only (they are
evidence, changed only by the services); a version's status and approval, and the agreements of approved versions,
are changed only through the pages, whose services enforce one current version and immutability.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class NoDeleteAdmin(SimpleHistoryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """For evidence that keeps field-level history."""


class ReadOnlyPlainAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """For rows without history (signed documents, sent reminders)."""


@admin.register(models.Policy)
class PolicyAdmin(NoDeleteAdmin):
    list_display = ["title", "school", "organisation", "category", "approving_body", "signing_frequency"]
    list_filter = ["category", "approving_body", "school", "organisation"]
    search_fields = ["title"]
    raw_id_fields = ["owner"]


@admin.register(models.PolicyVersion)
class PolicyVersionAdmin(NoDeleteAdmin):
    list_display = ["policy", "number", "author", "status", "approved_by", "approved_on", "issue_date"]
    list_filter = ["status", "policy__school"]
    search_fields = ["policy__title", "number", "author"]
    readonly_fields = [
        "public_id",
        "status",
        "approved_by",
        "approved_on",
        "body_html",
        "document",
        "document_name",
        "document_type",
        "document_sha256",
    ]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != models.PolicyVersion.Status.DRAFT:
            return [field.name for field in obj._meta.fields]
        return self.readonly_fields


class AgreementStatementInline(admin.TabularInline):
    model = models.AgreementStatement
    extra = 0
    fields = ["order", "text"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.version.status == models.PolicyVersion.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.version.status == models.PolicyVersion.Status.DRAFT


@admin.register(models.Agreement)
class AgreementAdmin(NoDeleteAdmin):
    list_display = ["title", "version", "audience", "countersignature", "reminder_days"]
    list_filter = ["audience", "countersignature"]
    search_fields = ["title", "version__policy__title"]
    inlines = [AgreementStatementInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.version.status == models.PolicyVersion.Status.DRAFT


@admin.register(models.SignatureRequest)
class SignatureRequestAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "school", "pupil", "user", "status", "sent_at", "completed_at"]
    list_filter = ["status", "school"]
    search_fields = ["public_id", "pupil__legal_last_name", "user__email"]
    raw_id_fields = ["pupil", "user"]


@admin.register(models.Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["typed_name", "party", "method", "signed_at", "revoked_at"]
    list_filter = ["method", "party"]
    search_fields = ["public_id", "typed_name", "content_sha256"]


@admin.register(models.SignedDocument)
class SignedDocumentAdmin(ReadOnlyPlainAdmin):
    list_display = ["request", "sha256", "created_at", "superseded_at"]
    search_fields = ["sha256"]


@admin.register(models.ReminderSent)
class ReminderSentAdmin(ReadOnlyPlainAdmin):
    list_display = ["request", "offset_days", "recipient", "created_at"]
    search_fields = ["recipient"]
