from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "northstar.organisations"
    label = "organisations"
