from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .forms import AssetForm
from .models import Asset, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name", "colour"]
    list_display_links = ["code"]


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    form = AssetForm
    list_display = ["number", "name", "theme", "status", "asset_type", "place", "retired_at"]
    list_filter = ["theme", "status", "asset_type", "place", "location_precision"]
    search_fields = ["name", "display_name", "notes"]
    list_select_related = ["theme", "place"]
    readonly_fields = ["retired_at", "retired_reason", "source_import", "created_at", "updated_at"]

    def get_queryset(self, request):
        # The object-level rule of the pages and the API: retired assets only for those who may
        # see them (a staff account without view_retired_asset gets a 404 for them here too).
        return super().get_queryset(request).visible_to(request.user)

    def save_model(self, request, obj, form, change):
        # The admin saves through the same service as the pages and the API.
        reason = "Edited in admin" if change else "Created in admin"
        services.save_asset_form(form, request.user, reason=reason)

    def delete_model(self, request, obj):
        services.delete_asset(obj, request.user)
