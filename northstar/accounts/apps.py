from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


class AccountsConfig(AppConfig):
    name = "northstar.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (login and denial logging)

        post_migrate.connect(_ensure_roles, sender=self)
