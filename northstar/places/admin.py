from django.contrib import admin

from .models import Place, PlaceCode, Postcode, PostcodeDistrict


class PlaceCodeInline(admin.TabularInline):
    model = PlaceCode
    extra = 0


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "itl3", "boundary_year"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    exclude = ["boundary_geojson"]
    raw_id_fields = ["parent", "itl3"]
    inlines = [PlaceCodeInline]


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ["code", "published", "lad", "lad_method", "latitude", "longitude"]
    list_filter = ["lad_method", "area"]
    search_fields = ["code", "published"]
    raw_id_fields = ["lad"]


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(admin.ModelAdmin):
    list_display = ["district", "lad", "share", "is_majority"]
    search_fields = ["district"]
    raw_id_fields = ["lad"]
