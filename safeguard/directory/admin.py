from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Nothing is hard-deleted: pupils are marked left, roles and links are ended."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Organisation)
class OrganisationAdmin(NoDeleteAdmin):
    list_display = ["name", "kind", "slug"]


@admin.register(models.School)
class SchoolAdmin(NoDeleteAdmin):
    list_display = ["name", "organisation", "urn", "phase", "country", "default_language"]
    list_filter = ["organisation", "phase", "country"]


@admin.register(models.AcademicYear)
class AcademicYearAdmin(NoDeleteAdmin):
    list_display = ["name", "school", "starts_on", "ends_on"]
    list_filter = ["school"]


@admin.register(models.Term)
class TermAdmin(NoDeleteAdmin):
    list_display = ["kind", "academic_year", "starts_on", "ends_on"]


@admin.register(models.YearGroup)
class YearGroupAdmin(NoDeleteAdmin):
    list_display = ["name", "code", "school", "order"]
    list_filter = ["school"]


@admin.register(models.SchoolClass)
class SchoolClassAdmin(NoDeleteAdmin):
    list_display = ["name", "school", "academic_year", "year_group"]
    list_filter = ["school"]
    filter_horizontal = ["teachers"]


@admin.register(models.Pupil)
class PupilAdmin(NoDeleteAdmin):
    list_display = ["legal_last_name", "legal_first_name", "school", "year_group", "school_class", "left_on"]
    list_filter = ["school", "year_group"]
    search_fields = ["legal_last_name", "legal_first_name", "upn", "mis_id"]
    raw_id_fields = ["user"]


@admin.register(models.Guardian)
class GuardianAdmin(NoDeleteAdmin):
    list_display = ["last_name", "first_name", "school", "email", "user"]
    list_filter = ["school"]
    search_fields = ["last_name", "email"]
    raw_id_fields = ["user"]


@admin.register(models.PupilGuardian)
class PupilGuardianAdmin(NoDeleteAdmin):
    list_display = ["pupil", "guardian", "relationship", "has_parental_responsibility", "contact_order", "ended_on"]
    raw_id_fields = ["pupil", "guardian"]


@admin.register(models.StaffRole)
class StaffRoleAdmin(NoDeleteAdmin):
    list_display = ["user", "school", "role", "ended_on"]
    list_filter = ["school", "role"]
    raw_id_fields = ["user"]


@admin.register(models.OrganisationRole)
class OrganisationRoleAdmin(NoDeleteAdmin):
    list_display = ["user", "organisation", "role", "ended_on"]
    raw_id_fields = ["user"]


@admin.register(models.RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """Read-only: imports are created and applied only through the roster import services."""

    list_display = ["original_filename", "school", "uploaded_by", "status", "created_at", "applied_at"]
    list_filter = ["school", "status"]
    readonly_fields = [field.name for field in models.RosterImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
