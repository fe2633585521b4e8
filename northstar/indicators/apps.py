from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "northstar.indicators"
    label = "indicators"
    verbose_name = "Indicators, targets and the logic model"
