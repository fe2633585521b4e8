from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


class StrandInline(admin.TabularInline):
    model = models.Strand
    extra = 0


class FunderInline(admin.TabularInline):
    model = models.FunderContribution
    extra = 0
    autocomplete_fields = ["funder"]


class TargetInline(admin.TabularInline):
    model = models.OutputTarget
    extra = 0


class ManagerInline(admin.TabularInline):
    model = models.ProgrammeManager
    extra = 0


@admin.register(models.Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    """Officers edit programmes on the programme pages; the admin keeps the same history."""

    list_display = ["name", "short_name", "status", "budget", "spend"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["lead_organisation"]
    inlines = [FunderInline, StrandInline, TargetInline, ManagerInline]


@admin.register(models.OutputDefinition)
class OutputDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "kind", "counts_businesses"]


@admin.register(models.MonitoringReturn)
class MonitoringReturnAdmin(admin.ModelAdmin):
    list_display = ["programme", "quarter", "status", "submitted_by", "submitted_at"]
    exclude = ["content"]
    readonly_fields = ["sha256", "file_name"]


@admin.register(models.Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["programme", "output", "quarter", "quantity", "status"]
    list_filter = ["status", "programme"]
    raw_id_fields = ["beneficiary", "monitoring_return"]
