from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _ensure_roles(sender, using="default", **kwargs):
    """Create the role groups once every app's permissions exist.

    post_migrate is sent once per app that has models, in INSTALLED_APPS order, and each app's
    permissions are created by its own signal; so the groups are set up on the last one, and only
    when the database has every migration (`migrate APP` sends it too, before the permissions
    the roles name exist; the next full `migrate` sets the roles).
    """
    from northstar.core.database import unapplied_migrations

    from .roles import ensure_roles

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if with_models and sender is with_models[-1] and not unapplied_migrations(using)[0]:
        ensure_roles()


class AccountsConfig(AppConfig):
    name = "northstar.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (login and denial logging)

        # No sender: this app has no models, so post_migrate is never sent for it.
        post_migrate.connect(_ensure_roles, dispatch_uid="northstar.accounts.ensure_roles")
