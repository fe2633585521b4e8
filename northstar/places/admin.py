from django.contrib import admin

from .models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "boundary_year"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    exclude = ["boundary_geojson"]
