"""Indicator pages (public; recording needs indicators.add_observation), mounted by northstar/urls.py:
`path("indicators/", include("northstar.indicators.urls"))`."""

from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("logic-model/", views.logic_model, name="logic_model"),
    path("<slug:code>/", views.indicator, name="detail"),
    path("<slug:code>/observations.csv", views.observations_csv, name="csv"),
    path("<slug:code>/add/", views.add_observation, name="add"),
]
