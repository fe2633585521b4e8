from django.urls import path

from . import views

app_name = "assets"
urlpatterns = [
    path("assets/", views.asset_list, name="list"),
    path("assets/export.csv", views.asset_csv, name="csv"),
    path("assets/new/", views.asset_create, name="create"),
    path("assets/import/", views.asset_import, name="import"),
    path("assets/<int:asset_id>/", views.asset_detail, name="detail"),
    path("assets/<int:asset_id>/edit/", views.asset_edit, name="edit"),
    path("assets/<int:asset_id>/retire/", views.asset_retire, name="retire"),
    path("map/", views.asset_map, name="map"),
]
