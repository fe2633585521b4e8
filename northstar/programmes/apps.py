from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "northstar.programmes"
    label = "programmes"
    verbose_name = "Programmes, outputs and monitoring returns"
