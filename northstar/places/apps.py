from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "northstar.places"
    label = "places"
