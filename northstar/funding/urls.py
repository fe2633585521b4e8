"""Innovate UK participant pages, mounted by northstar/urls.py at /funding/participants/
(beside the economy app's /funding/, the published funding totals of each place)."""

from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.participants, name="participants"),
    path("competitions/<path:reference>/", views.competition, name="competition"),
    path("organisations/<str:org_id>/", views.organisation, name="organisation"),
]
