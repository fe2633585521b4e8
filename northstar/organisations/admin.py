"""Admin views of organisation linkage. Merges, splits and review decisions go through the
pages (services.py), so the admin keeps identifiers, numbers and links read-only."""

from django.contrib import admin

from .models import LinkEvent, MatchCandidate, Organisation, OrgIdAlias, SourceRecord


class SourceRecordInline(admin.TabularInline):
    model = SourceRecord
    fields = (
        "dataset",
        "source_key",
        "name",
        "company_number",
        "postcode",
        "matched_by",
        "match_score",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "org_id", "company_number", "kind", "size_class", "merged_into")
    list_filter = ("kind", "size_class")
    search_fields = ("name", "org_id", "company_number", "charity_number")
    readonly_fields = (
        "org_id",
        "normalised_name",
        "company_number",
        "charity_number",
        "merged_into",
        "created_at",
    )
    fields = (
        "org_id",
        "name",
        "normalised_name",
        "company_number",
        "charity_number",
        "kind",
        "size_class",
        "postcode",
        "place",
        "merged_into",
        "created_at",
    )
    raw_id_fields = ("place",)
    inlines = [SourceRecordInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SourceRecord)
class SourceRecordAdmin(admin.ModelAdmin):
    list_display = ("name", "dataset", "source_key", "company_number", "organisation", "matched_by")
    list_filter = ("dataset", "matched_by")
    search_fields = ("name", "source_key", "company_number")
    readonly_fields = [f.name for f in SourceRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MatchCandidate)
class MatchCandidateAdmin(admin.ModelAdmin):
    list_display = ("record", "organisation", "score", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in MatchCandidate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LinkEvent)
class LinkEventAdmin(admin.ModelAdmin):
    list_display = ("action", "organisation", "other_organisation", "user", "at")
    list_filter = ("action",)
    readonly_fields = [f.name for f in LinkEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrgIdAlias)
class OrgIdAliasAdmin(admin.ModelAdmin):
    list_display = ("org_id", "organisation", "created_at")
    search_fields = ("org_id", "organisation__org_id", "organisation__name")
    readonly_fields = ("org_id", "organisation", "created_at")

    def has_add_permission(self, request):
        return False
