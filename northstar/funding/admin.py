"""Read-only views of the Innovate UK data: it changes only by importing the publisher's file."""

from django.contrib import admin

from .models import Competition, Participation, Programme, Project, Sector


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["title"]
    search_fields = ["title"]


@admin.register(Sector)
class SectorAdmin(ReadOnlyAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Competition)
class CompetitionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "programme"]
    list_filter = ["programme"]
    search_fields = ["reference", "title"]
    list_select_related = ["programme"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "competition",
        "status",
        "start_date",
        "financial_year_start",
    ]
    list_filter = ["status", "sector", "financial_year_start"]
    search_fields = ["number", "title", "competition__reference"]
    list_select_related = ["competition"]
    show_full_result_count = False


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = [
        "participant_name",
        "project",
        "is_lead",
        "award_offered_pence",
        "enterprise_size",
        "withdrawn",
        "place",
        "financial_year_start",
    ]
    list_filter = ["withdrawn", "is_lead", "enterprise_size", "place", "place_source"]
    search_fields = ["participant_name", "company_number", "project__number", "postcode"]
    list_select_related = ["project", "place"]
    raw_id_fields = ["project", "organisation", "place", "competition", "programme", "sector"]
    show_full_result_count = False
