"""Economy and funding pages, mounted at the site root by northstar/urls.py:
`path("", include("northstar.economy.urls"))`."""

from django.urls import path

from . import views

app_name = "economy"
urlpatterns = [
    path("economy/", views.overview, name="overview"),
    path("economy/compare/", views.compare, name="compare"),
    path("economy/download/<slug:table_id>.csv", views.table_csv, name="csv"),
    path("funding/", views.funding, name="funding"),
]
