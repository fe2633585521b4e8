"""The action plan's operations: loading the themes, saving actions, posting progress updates.
Pages, the API and the admin all call these."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q

from northstar.core.errors import UserInputError
from northstar.organisations.services import RecordIn, link_records

from .models import (
    RAG_NEEDS_REASON,
    Action,
    Milestone,
    ProgressUpdate,
    Rag,
    Status,
    Theme,
    Workstream,
)

DEFAULT_THEMES_FILE = Path(__file__).parent / "default_data" / "themes.json"
LINK_DATASET = "actions"


class ActionInputError(UserInputError):
    """Input refused, with messages by field name (shown beside each field and in the API)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The input was refused.")
        self.errors = errors


# ---- who may do what -------------------------------------------------------------------------


def can_manage(user) -> bool:
    """Officers (and administrators) create and edit actions."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("actions.change_action"))


def can_post_update(user, action: Action) -> bool:
    """The action's owner, or anyone who may post updates on every action (officers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return action.owner_id == user.pk or user.has_perm("actions.add_progressupdate")


# ---- default data ----------------------------------------------------------------------------


@dataclass
class ThemesLoaded:
    themes: int = 0
    workstreams: int = 0


def load_default_themes(path: Path = DEFAULT_THEMES_FILE) -> ThemesLoaded:
    """The five themes and their workstreams; adds any missing, keeps existing ones as they are."""
    data = json.loads(path.read_text(encoding="utf-8"))
    made = ThemesLoaded()
    with transaction.atomic():
        for item in data["themes"]:
            theme, created = Theme.objects.get_or_create(
                number=item["number"], defaults={"name": item["name"]}
            )
            made.themes += created
            for order, name in enumerate(item["workstreams"], start=1):
                _, created = Workstream.objects.get_or_create(
                    theme=theme, name=name, defaults={"order": order}
                )
                made.workstreams += created
    return made


def load_default_data() -> Iterator[str]:
    """For northstar.core.services.load_default_data: `yield from` this."""
    made = load_default_themes()
    yield (
        f"Action plan: {made.themes} themes and {made.workstreams} workstreams added "
        f"({Theme.objects.count()} themes, {Workstream.objects.count()} workstreams in all)."
    )


# ---- actions ---------------------------------------------------------------------------------


def rag_errors(rag: str, reason: str, field_prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if rag not in Rag.values:
        errors[f"{field_prefix}rag"] = ["Choose red, amber or green."]
    elif rag in RAG_NEEDS_REASON and not (reason or "").strip():
        errors[f"{field_prefix}rag_reason"] = [
            "Give the reason for a red rating."
            if rag == Rag.RED
            else "Give the reason for an amber rating."
        ]
    return errors


def validate_action(action: Action) -> None:
    errors = rag_errors(action.rag, action.rag_reason)
    if not (action.title or "").strip():
        errors["title"] = ["Enter the action's title."]
    if action.status not in Status.values:
        errors["status"] = ["Choose a status."]
    if action.start_date and action.due_date and action.due_date < action.start_date:
        errors["due_date"] = ["The due date must be on or after the start date."]
    if errors:
        raise ActionInputError(errors)


def _organisation_ids(names: Iterable[str]) -> list[int]:
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        return []
    records = [RecordIn(source_key=f"name:{n.casefold()}", name=n) for n in names]
    ids = link_records(LINK_DATASET, records)
    return [ids[r.source_key] for r in records]


@transaction.atomic
def save_action(
    action: Action,
    user,
    *,
    lead_name: str | None = None,
    partner_names: Iterable[str] | None = None,
    indicators: Iterable | None = None,
    programmes: Iterable | None = None,
) -> Action:
    """Create or change an action (officers only). The lead organisation and partners are named;
    each name is linked to an organisation (an existing one, or a new one)."""
    if not can_manage(user):
        raise PermissionDenied("Only officers may create or change actions.")
    if not action.rag_reason.strip() and action.rag not in RAG_NEEDS_REASON:
        action.rag_reason = ""
    validate_action(action)
    if lead_name is not None:
        ids = _organisation_ids([lead_name])
        action.lead_organisation_id = ids[0] if ids else None
    action.save()
    if partner_names is not None:
        action.partners.set(_organisation_ids(partner_names))
    if indicators is not None:
        action.indicators.set(indicators)
    if programmes is not None:
        action.programmes.set(programmes)
    return action


@transaction.atomic
def post_update(
    action: Action,
    user,
    text: str,
    rag: str,
    reason: str = "",
    *,
    on: date | None = None,
) -> ProgressUpdate:
    """Append a dated progress update (never overwriting an earlier one) and make its RAG rating
    the action's current one. The action's owner, or an officer, may post."""
    if not can_post_update(user, action):
        raise PermissionDenied("Only the action's owner or an officer may post an update.")
    errors = rag_errors(rag, reason)
    if not (text or "").strip():
        errors["text"] = ["Say what progress has been made."]
    if on is not None and on > date.today():
        errors["date"] = ["The date of an update cannot be in the future."]
    if errors:
        raise ActionInputError(errors)
    reason = reason.strip() if rag in RAG_NEEDS_REASON else (reason or "").strip()
    update = ProgressUpdate.objects.create(
        action=action,
        author=user,
        date=on or date.today(),
        text=text.strip(),
        rag=rag,
        rag_reason=reason,
    )
    Action.objects.filter(pk=action.pk).update(rag=rag, rag_reason=reason)
    action.rag, action.rag_reason = rag, reason
    return update


@transaction.atomic
def add_milestone(action: Action, user, title: str, due_date: date | None) -> Milestone:
    if not can_manage(user):
        raise PermissionDenied("Only officers may add milestones.")
    if not (title or "").strip():
        raise ActionInputError({"title": ["Enter the milestone's title."]})
    return Milestone.objects.create(action=action, title=title.strip(), due_date=due_date)


def complete_milestone(milestone: Milestone, user, done: date | None = None) -> Milestone:
    if not can_post_update(user, milestone.action):
        raise PermissionDenied("Only the action's owner or an officer may mark a milestone done.")
    milestone.done_date = done or date.today()
    milestone.save(update_fields=["done_date"])
    return milestone


# ---- summaries -------------------------------------------------------------------------------


@dataclass
class RagCounts:
    red: int = 0
    amber: int = 0
    green: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.closed


@dataclass
class ThemeSummary:
    theme: Theme
    counts: RagCounts
    workstreams: list[tuple[Workstream, list[Action]]] = field(default_factory=list)


def rag_counts(actions) -> RagCounts:
    """Open actions by RAG rating; completed and cancelled ones counted apart as closed."""
    row = actions.aggregate(
        red=Count(
            "pk", filter=Q(rag=Rag.RED) & ~Q(status__in=[Status.COMPLETED, Status.CANCELLED])
        ),
        amber=Count(
            "pk", filter=Q(rag=Rag.AMBER) & ~Q(status__in=[Status.COMPLETED, Status.CANCELLED])
        ),
        green=Count(
            "pk", filter=Q(rag=Rag.GREEN) & ~Q(status__in=[Status.COMPLETED, Status.CANCELLED])
        ),
        closed=Count("pk", filter=Q(status__in=[Status.COMPLETED, Status.CANCELLED])),
    )
    return RagCounts(**row)


def plan_by_theme() -> list[ThemeSummary]:
    """Every theme, its RAG counts and its workstreams, each with its actions."""
    actions = list(Action.objects.for_display())
    by_workstream: dict[int, list[Action]] = {}
    for action in actions:
        by_workstream.setdefault(action.workstream_id, []).append(action)
    summaries = []
    for theme in Theme.objects.prefetch_related("workstreams"):
        summaries.append(
            ThemeSummary(
                theme=theme,
                counts=rag_counts(Action.objects.filter(workstream__theme=theme)),
                workstreams=[(w, by_workstream.get(w.pk, [])) for w in theme.workstreams.all()],
            )
        )
    return summaries
