from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "northstar.core"
    label = "core"
    verbose_name = "Northstar core"
