"""Administrators see waiting and failed background work here (Admin → Background work)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxTask, PreparedFile, TaskFailure
from .services import enqueue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "task_name", "args", "dispatched_at", "attempts", "last_error"]
    list_filter = [("dispatched_at", admin.EmptyFieldListFilter), "task_name"]
    date_hierarchy = "created_at"


class ResolvedFilter(admin.SimpleListFilter):
    title = _("resolved")
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", _("Not yet")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(TaskFailure)
class TaskFailureAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "task_name", "args", "retries", "exception", "resolved_at"]
    list_filter = [ResolvedFilter, "task_name"]
    readonly_fields = ["created_at", "task_name", "task_id", "args", "kwargs", "retries", "exception", "traceback"]
    actions = ["retry_tasks", "mark_resolved"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # actions only; every field is read-only

    @admin.action(description=_("Queue the selected tasks again and mark them resolved"))
    def retry_tasks(self, request, queryset):
        from celery import current_app

        count = 0
        for failure in queryset.filter(resolved_at__isnull=True):
            task = current_app.tasks.get(failure.task_name)
            if task is None or not isinstance(failure.args, list):
                continue
            enqueue(task, *failure.args, **(failure.kwargs if isinstance(failure.kwargs, dict) else {}))
            failure.resolved_at = timezone.now()
            failure.save(update_fields=["resolved_at"])
            count += 1
        messages.success(
            request, ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", count) % {"count": count}
        )

    @admin.action(description=_("Mark the selected failures resolved"))
    def mark_resolved(self, request, queryset):
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        messages.success(
            request,
            ngettext("%(count)d failure marked resolved.", "%(count)d failures marked resolved.", count)
            % {"count": count},
        )


@admin.register(PreparedFile)
class PreparedFileAdmin(ReadOnlyAdmin):
    """Files prepared by the worker: what was asked for, by whom, and why one failed (the page shows only "failed")."""

    list_display = ["created_at", "kind", "school", "requested_by", "status", "reused", "size", "finished_at"]
    list_filter = ["status", "kind"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in PreparedFile._meta.fields]
