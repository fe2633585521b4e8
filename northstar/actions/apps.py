from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "northstar.actions"
    label = "actions"
    verbose_name = "Action plan"
