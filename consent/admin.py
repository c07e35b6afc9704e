"""Admin for photo and video consent: for the platform's operators to look, not to change the rules.

Nothing is deleted anywhere. Responses, answers, measures, requests and sent e-mails are read-only (they are
evidence, changed only by the services); forms and versions are changed only through the school's pages, whose
services keep one published version and freeze it.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

# Celery discovers only ``tasks.py``; importing ``tasks_requests`` here registers the request and reminder tasks in
# every process that loads the admin (the web app and the worker alike).
from . import models, tasks_requests  # noqa: F401


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """For records that keep field-level history."""


class ReadOnlyPlainAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """For rows without history."""


class PurposeInline(ReadOnlyMixin, admin.TabularInline):
    model = models.ConsentPurpose
    fields = ["order", "code", "label", "wording", "media", "is_publication", "pupils_may_answer", "wording_sha256"]
    readonly_fields = fields
    extra = 0


@admin.register(models.ConsentForm)
class ConsentFormAdmin(ReadOnlyAdmin):
    list_display = ["title", "school"]
    list_filter = ["school"]
    search_fields = ["title"]


@admin.register(models.ConsentFormVersion)
class ConsentFormVersionAdmin(ReadOnlyAdmin):
    list_display = ["form", "number", "status", "duration", "pupil_answer_age", "published_at"]
    list_filter = ["status", "duration", "form__school"]
    inlines = [PurposeInline]


class AnswerInline(ReadOnlyMixin, admin.TabularInline):
    model = models.ConsentAnswer
    fields = ["purpose", "answer"]
    readonly_fields = fields
    extra = 0


@admin.register(models.ConsentResponse)
class ConsentResponseAdmin(ReadOnlyAdmin):
    list_display = ["pupil", "kind", "method", "guardian", "answered_by_pupil", "submitted_at", "school"]
    list_filter = ["kind", "method", "school"]
    search_fields = ["typed_name", "pupil__legal_last_name"]
    raw_id_fields = ["pupil", "guardian", "signer_user", "recorded_by"]
    inlines = [AnswerInline]


@admin.register(models.PhotoMeasure)
class PhotoMeasureAdmin(ReadOnlyAdmin):
    list_display = ["pupil", "measure", "court_order", "review_on", "set_by", "ended_at"]
    list_filter = ["measure", "court_order"]
    raw_id_fields = ["pupil", "set_by", "ended_by"]


@admin.register(models.PhotoEvent)
class PhotoEventAdmin(ReadOnlyAdmin):
    list_display = ["name", "school", "happens_on"]
    list_filter = ["school"]


@admin.register(models.ConsentRequest)
class ConsentRequestAdmin(ReadOnlyPlainAdmin):
    list_display = ["pupil", "version", "academic_year", "sent_at", "school"]
    list_filter = ["school", "academic_year"]
    raw_id_fields = ["pupil"]


@admin.register(models.ConsentReminderSent)
class ConsentReminderSentAdmin(ReadOnlyPlainAdmin):
    list_display = ["request", "offset_days", "recipient", "created_at"]


@admin.register(models.ConsentNotificationSent)
class ConsentNotificationSentAdmin(ReadOnlyPlainAdmin):
    list_display = ["change_key", "recipient", "created_at"]
