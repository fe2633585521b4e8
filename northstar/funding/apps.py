from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "northstar.funding"
    label = "funding"
    verbose_name = "Innovate UK funding"

    def ready(self):
        from . import signals  # noqa: F401  (participations follow merged/split organisations)
