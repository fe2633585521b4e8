from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "northstar.reports"
    verbose_name = "Board reports"
