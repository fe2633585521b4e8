"""The action plan's JSON API (mounted at /api/actions). Signed-in users only: the public sees
nothing. Officers create actions; an action's owner (or an officer) posts progress updates."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.security import SessionAuth

from northstar.core.api_schemas import WRITE_ERRORS, ErrorOut

from . import services
from .models import Action, Rag, Workstream
from .models import Status as ActionStatus

router = Router(tags=["Action plan"], auth=SessionAuth())
READ = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MilestoneOut(Schema):
    title: str
    due_date: date | None
    done_date: date | None


class ActionOut(Schema):
    id: int
    title: str
    theme: str
    theme_number: int
    workstream: str
    owner: str | None
    lead_organisation: str | None
    start_date: date | None
    due_date: date | None
    status: str
    status_label: str
    rag: str
    rag_reason: str
    overdue: bool


class ActionDetailOut(ActionOut):
    description: str
    partners: list[str]
    milestones: list[MilestoneOut]
    indicators: list[str]
    programmes: list[str]


class UpdateOut(Schema):
    id: int
    date: date
    author: str
    text: str
    rag: str
    rag_reason: str


class UpdateIn(Schema):
    text: str
    rag: Rag
    rag_reason: str = ""


class ActionIn(Schema):
    workstream_id: int
    title: str
    description: str = ""
    owner_id: int | None = None
    lead_organisation: str = ""
    partners: list[str] = []
    start_date: date | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.NOT_STARTED
    rag: Rag = Rag.GREEN
    rag_reason: str = ""
    indicator_codes: list[str] = []
    programme_slugs: list[str] = []


def _out(action: Action, today: date) -> dict:
    return {
        "id": action.pk,
        "title": action.title,
        "theme": action.workstream.theme.name,
        "theme_number": action.workstream.theme.number,
        "workstream": action.workstream.name,
        "owner": action.owner.get_username() if action.owner else None,
        "lead_organisation": action.lead_organisation.name if action.lead_organisation else None,
        "start_date": action.start_date,
        "due_date": action.due_date,
        "status": action.status,
        "status_label": action.get_status_display(),
        "rag": action.rag,
        "rag_reason": action.rag_reason,
        "overdue": action.is_overdue(today),
    }


def _detail_out(action: Action) -> dict:
    return {
        **_out(action, date.today()),
        "description": action.description,
        "partners": [p.name for p in action.partners.all()],
        "milestones": list(action.milestones.values("title", "due_date", "done_date")),
        "indicators": list(action.indicators.values_list("code", flat=True)),
        "programmes": list(action.programmes.values_list("slug", flat=True)),
    }


def _update_out(u) -> dict:
    return {
        "id": u.pk,
        "date": u.date,
        "author": u.author.get_username(),
        "text": u.text,
        "rag": u.rag,
        "rag_reason": u.rag_reason,
    }


@router.get(
    "", response={200: list[ActionOut], 401: ErrorOut, 422: ErrorOut}, summary="The action plan"
)
def list_actions(request, view: str = "all"):
    """`view`: all, overdue, at_risk or mine."""
    today = date.today()
    actions = Action.objects.for_display()
    if view == "overdue":
        actions = actions.overdue(today)
    elif view == "at_risk":
        actions = actions.at_risk()
    elif view == "mine":
        actions = actions.owned_by(request.user)
    return [_out(a, today) for a in actions]


@router.post("", response={201: ActionDetailOut, **WRITE_ERRORS}, summary="Add an action")
def create_action(request, payload: ActionIn):
    from django.contrib.auth import get_user_model

    from northstar.indicators.models import Indicator
    from northstar.programmes.models import Programme

    if not services.can_manage(request.user):
        raise PermissionDenied("Only officers may add actions.")
    errors: dict[str, list[str]] = {}
    workstream = Workstream.objects.filter(pk=payload.workstream_id).first()
    if workstream is None:
        errors["workstream_id"] = ["No such workstream."]
    owner = None
    if payload.owner_id is not None:
        owner = get_user_model().objects.filter(pk=payload.owner_id).first()
        if owner is None:
            errors["owner_id"] = ["No such user."]
    indicators = list(Indicator.objects.filter(code__in=payload.indicator_codes))
    if len(indicators) != len(set(payload.indicator_codes)):
        errors["indicator_codes"] = ["One or more indicator codes are unknown."]
    programmes = list(Programme.objects.filter(slug__in=payload.programme_slugs))
    if len(programmes) != len(set(payload.programme_slugs)):
        errors["programme_slugs"] = ["One or more programme slugs are unknown."]
    if errors:
        raise services.ActionInputError(errors)
    action = Action(
        workstream=workstream,
        title=payload.title,
        description=payload.description,
        owner=owner,
        start_date=payload.start_date,
        due_date=payload.due_date,
        status=payload.status,
        rag=payload.rag,
        rag_reason=payload.rag_reason,
    )
    services.save_action(
        action,
        request.user,
        lead_name=payload.lead_organisation,
        partner_names=payload.partners,
        indicators=indicators,
        programmes=programmes,
    )
    return Status(201, _detail_out(Action.objects.for_display().get(pk=action.pk)))


@router.get("/{action_id}", response={200: ActionDetailOut, **READ}, summary="One action")
def get_action(request, action_id: int):
    return _detail_out(get_object_or_404(Action.objects.for_display(), pk=action_id))


@router.get(
    "/{action_id}/updates",
    response={200: list[UpdateOut], **READ},
    summary="An action's progress updates, newest first",
)
def list_updates(request, action_id: int):
    action = get_object_or_404(Action, pk=action_id)
    return [_update_out(u) for u in action.updates.select_related("author")]


@router.post(
    "/{action_id}/updates",
    response={201: UpdateOut, **WRITE_ERRORS},
    summary="Post a progress update (the action's owner or an officer)",
)
def post_update(request, action_id: int, payload: UpdateIn):
    action = get_object_or_404(Action, pk=action_id)
    update = services.post_update(
        action, request.user, payload.text, payload.rag, payload.rag_reason
    )
    return Status(201, _update_out(update))
