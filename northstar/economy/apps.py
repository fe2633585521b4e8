from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "northstar.economy"
    label = "economy"
    verbose_name = "Economy and funding statistics"
