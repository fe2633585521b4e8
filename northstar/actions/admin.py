from django.contrib import admin

from .models import Action, Milestone, ProgressUpdate, Theme, Workstream


class WorkstreamInline(admin.TabularInline):
    model = Workstream
    extra = 0


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    inlines = [WorkstreamInline]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class ProgressUpdateInline(admin.TabularInline):
    """Read-only: updates are posted through services.post_update and never changed."""

    model = ProgressUpdate
    extra = 0
    can_delete = False
    fields = readonly_fields = ["date", "author", "rag", "rag_reason", "text", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "workstream", "owner", "due_date", "status", "rag"]
    list_filter = ["status", "rag", "workstream__theme"]
    search_fields = ["title"]
    readonly_fields = ["rag", "rag_reason"]  # changed only by progress updates
    raw_id_fields = ["lead_organisation", "partners", "owner"]
    filter_horizontal = ["indicators", "programmes"]
    inlines = [MilestoneInline, ProgressUpdateInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    """Read-only: the history of progress updates is append-only."""

    list_display = ["action", "date", "author", "rag"]
    list_filter = ["rag"]
    readonly_fields = ["action", "author", "date", "text", "rag", "rag_reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
