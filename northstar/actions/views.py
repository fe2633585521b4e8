"""Pages of the action plan (signed-in users only). Thin: the work is in services."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from northstar.accounts.decorators import permission_required_or_login

from . import services
from .forms import ActionForm, MilestoneForm, UpdateForm
from .models import Action, Milestone


def signed_in(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _add_errors(form, exc: services.ActionInputError) -> None:
    for name, errors in exc.errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


@signed_in
def plan(request):
    themes = services.plan_by_theme()
    return render(
        request,
        "actions/plan.html",
        {
            "themes": themes,
            "totals": services.rag_counts(Action.objects.all()),
            "can_manage": services.can_manage(request.user),
            "today": date.today(),
        },
    )


@signed_in
def overdue(request):
    today = date.today()
    return render(
        request,
        "actions/overdue.html",
        {
            "overdue": Action.objects.overdue(today).for_display().order_by("due_date"),
            "at_risk": Action.objects.at_risk().for_display().order_by("rag", "due_date"),
            "today": today,
        },
    )


@signed_in
def mine(request):
    return render(
        request,
        "actions/mine.html",
        {"actions": Action.objects.owned_by(request.user).for_display(), "today": date.today()},
    )


def _detail(request, action: Action, update_form=None, milestone_form=None, status=200):
    can_update = services.can_post_update(request.user, action)
    can_manage = services.can_manage(request.user)
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "history": action.updates.select_related("author"),
            "milestones": action.milestones.all(),
            "update_form": update_form
            or (UpdateForm(initial={"rag": action.rag}) if can_update else None),
            "milestone_form": milestone_form or (MilestoneForm() if can_manage else None),
            "can_update": can_update,
            "can_manage": can_manage,
            "today": date.today(),
        },
        status=status,
    )


@signed_in
def action_detail(request, pk: int):
    action = get_object_or_404(Action.objects.for_display(), pk=pk)
    return _detail(request, action)


@signed_in
@require_POST
def action_update(request, pk: int):
    action = get_object_or_404(Action.objects.for_display(), pk=pk)
    if not services.can_post_update(request.user, action):
        raise PermissionDenied("Only the action's owner or an officer may post an update.")
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.post_update(
                action,
                request.user,
                form.cleaned_data["text"],
                form.cleaned_data["rag"],
                form.cleaned_data["rag_reason"],
            )
        except services.ActionInputError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your progress update was added.")
            return redirect("actions:detail", pk=action.pk)
    return _detail(request, action, update_form=form)


def _save(request, form, action=None):
    try:
        return services.save_action(
            form.save(commit=False),
            request.user,
            lead_name=form.cleaned_data["lead_name"],
            partner_names=form.partner_list(),
            indicators=form.cleaned_data["indicators"],
            programmes=form.cleaned_data["programmes"],
        )
    except services.ActionInputError as exc:
        _add_errors(form, exc)
        return None


@permission_required_or_login("actions.add_action")
@require_http_methods(["GET", "POST"])
def action_create(request):
    form = ActionForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        action = _save(request, form)
        if action:
            messages.success(request, f"“{action}” was added to the action plan.")
            return redirect("actions:detail", pk=action.pk)
    return render(request, "actions/action_form.html", {"form": form, "creating": True})


@permission_required_or_login("actions.change_action")
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = get_object_or_404(Action, pk=pk)
    form = ActionForm(request.POST or None, instance=action, creating=False)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form)
        if saved:
            messages.success(request, f"Your changes to “{saved}” were saved.")
            return redirect("actions:detail", pk=saved.pk)
    return render(
        request, "actions/action_form.html", {"form": form, "creating": False, "action": action}
    )


@permission_required_or_login("actions.add_milestone")
@require_POST
def milestone_add(request, pk: int):
    action = get_object_or_404(Action.objects.for_display(), pk=pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(
                action, request.user, form.cleaned_data["title"], form.cleaned_data["due_date"]
            )
        except services.ActionInputError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The milestone was added.")
            return redirect("actions:detail", pk=action.pk)
    return _detail(request, action, milestone_form=form)


@signed_in
@require_POST
def milestone_done(request, pk: int, milestone_id: int):
    milestone = get_object_or_404(
        Milestone.objects.select_related("action"), pk=milestone_id, action_id=pk
    )
    services.complete_milestone(milestone, request.user)
    messages.success(request, f"“{milestone}” was marked done.")
    return redirect("actions:detail", pk=pk)
