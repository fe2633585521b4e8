"""The /data/ pages (mounted at /data/ by northstar/urls.py)."""

from django.urls import path

from . import views

app_name = "ingest"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("present/", views.import_present, name="import_present"),
    path("imports/<int:import_id>/", views.import_detail, name="detail"),
]
