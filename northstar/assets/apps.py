from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "northstar.assets"
    label = "assets"
