from django.contrib import admin

from .models import FundingSource, PipelineProject, PublishedFigure, StageChange


class FundingInline(admin.TabularInline):
    model = FundingSource
    extra = 0


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["from_stage", "to_stage", "changed_by", "changed_at", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # stage changes go through services.change_stage


@admin.register(PipelineProject)
class PipelineProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "theme", "place", "total_value"]
    list_filter = ["stage", "theme"]
    search_fields = ["name"]
    readonly_fields = ["stage"]
    raw_id_fields = ["lead", "partners", "asset"]
    inlines = [FundingInline, StageChangeInline]


@admin.register(PublishedFigure)
class PublishedFigureAdmin(admin.ModelAdmin):
    list_display = ["statement", "amount", "at_least", "source"]
