"""The roles of the service and what each may do. docs/SECURITY.md holds the same matrix in prose.

Roles are Django groups; a user's rights are the union of their groups' permissions. The public
(anonymous users) hold no permissions and see only published, non-retired records.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import TextChoices

from northstar.actions.permissions import ACTIONS_MANAGE, ACTIONS_READ
from northstar.pipeline.permissions import PIPELINE_WRITE
from northstar.programmes import permissions as programme_permissions
from northstar.reports.permissions import REPORTS_ISSUE, REPORTS_VIEW


class Role(TextChoices):
    ADMIN = "admin", "Administrator"
    OFFICER = "officer", "Officer (CA innovation team)"
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    ASSESSOR = "assessor", "Assessor"
    BOARD_MEMBER = "board_member", "Innovation Board member"


ASSET_READ_INTERNAL = [
    "assets.view_asset",
    "assets.view_retired_asset",
    "assets.view_asset_history",
]
ASSET_WRITE = [
    "assets.add_asset",
    "assets.change_asset",
    "assets.retire_asset",
    "assets.import_assets",
    "assets.view_theme",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["*"],  # every permission of every app
    Role.OFFICER: [
        *ASSET_READ_INTERNAL,
        *ASSET_WRITE,
        "ingest.view_import",
        "ingest.add_import",
        "places.view_place",
        "organisations.change_organisation",
        "organisations.view_organisation",
        "organisations.view_sourcerecord",
        "organisations.view_matchcandidate",
        "organisations.view_linkevent",
        "indicators.add_observation",
        "indicators.change_observation",
        "indicators.view_observation",
        "indicators.view_indicator",
        "indicators.change_indicator",
        *programme_permissions.OFFICER,
        *PIPELINE_WRITE,
        *ACTIONS_MANAGE,
        *REPORTS_ISSUE,
    ],
    Role.PROGRAMME_MANAGER: [
        "assets.view_asset",
        *programme_permissions.PROGRAMME_MANAGER,
    ],
    Role.ASSESSOR: [],
    Role.BOARD_MEMBER: [
        *ASSET_READ_INTERNAL,
        "ingest.view_import",
        *programme_permissions.BOARD_MEMBER,
        *ACTIONS_READ,
        *REPORTS_VIEW,
    ],
}


def _permissions(codes: list[str]) -> list[Permission]:
    if codes == ["*"]:
        return list(Permission.objects.all())
    perms = []
    for code in codes:
        app_label, codename = code.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


def ensure_roles() -> None:
    """Create the role groups and set their permissions exactly; safe to run again."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(codes))


def user_roles(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.groups.values_list("name", flat=True))
