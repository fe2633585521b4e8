from django.contrib import admin

from .models import Baseline, Comparator, Indicator, LogicModelElement, Observation, Target


class BaselineInline(admin.TabularInline):
    model = Baseline
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


class ComparatorInline(admin.TabularInline):
    model = Comparator
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "direction", "frequency", "path_kind", "headline"]
    list_filter = ["headline", "frequency", "unit_kind"]
    search_fields = ["code", "name"]
    inlines = [BaselineInline, TargetInline, ComparatorInline]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    """Read-only: observations are recorded through the form, API or import (checked), and
    corrected by a revision, never edited in place."""

    list_display = [
        "indicator",
        "place",
        "year",
        "quarter",
        "dimension",
        "category",
        "value",
        "revision",
        "is_current",
        "origin",
    ]
    list_filter = ["indicator", "origin", "is_current", "status"]
    search_fields = ["place__name", "place__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LogicModelElement)
class LogicModelElementAdmin(admin.ModelAdmin):
    list_display = ["stage", "text", "place", "programme", "programme_label", "order"]
    list_filter = ["stage", "programme"]
    filter_horizontal = ["indicators", "leads_to"]
