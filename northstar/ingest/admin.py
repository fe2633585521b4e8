from django.contrib import admin

from .models import Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "dataset",
        "file_name",
        "status",
        "rows_read",
        "rows_loaded",
        "created_by",
    ]
    list_filter = ["dataset", "status"]
    readonly_fields = [f.name for f in Import._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
