from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "northstar.ingest"
    label = "ingest"
