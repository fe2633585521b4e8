from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "northstar.pipeline"
    label = "pipeline"
    verbose_name = "Innovation project pipeline"
