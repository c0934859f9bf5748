"""The Goals page: every goal's progress, and (for the venue's admins) the form to add,
edit or archive one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can

from . import selectors, services
from .forms import GoalForm
from .models import Goal

MANAGE = "venue.manage"  # the venue's admins set its goals


def _page(request, form: GoalForm | None, editing: Goal | None = None, status: int = 200):
    can_manage = user_can(request.user, MANAGE)
    context = {
        "rows": selectors.goals_progress(),
        "form": form if can_manage else None,
        "editing": editing,
        "can_manage": can_manage,
    }
    return render(request, "analytics/goals/page.html", context, status=status)


def _save(request, form: GoalForm, goal: Goal | None):
    """The form's fields through the service; its refusals become form errors."""
    if not form.is_valid():
        return None
    try:
        if goal is None:
            return services.create_goal(actor=request.user, **form.goal_fields())
        return services.update_goal(goal=goal, actor=request.user, **form.goal_fields())
    except services.GoalError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


@capability_required("sales.view")
def goals_page(request):
    if request.method != "POST":
        return _page(request, GoalForm())
    if not user_can(request.user, MANAGE):
        raise PermissionDenied
    form = GoalForm(request.POST)
    if _save(request, form, None) is None:
        return _page(request, form, status=400)
    messages.success(request, _("Goal added."))
    return redirect("analytics:goals")


@capability_required(MANAGE)
def goal_edit(request, pk: int):
    goal = get_object_or_404(Goal, pk=pk, archived_at__isnull=True)
    if request.method != "POST":
        return _page(request, GoalForm(goal=goal), editing=goal)
    if request.POST.get("action") == "archive":
        services.archive_goal(goal=goal, actor=request.user)
        messages.success(request, _("Goal archived."))
        return redirect("analytics:goals")
    form = GoalForm(request.POST, goal=goal)
    if _save(request, form, goal) is None:
        return _page(request, form, editing=goal, status=400)
    messages.success(request, _("Goal saved."))
    return redirect("analytics:goals")


urlpatterns = [
    path("goals/", goals_page, name="goals"),
    path("goals/<int:pk>/", goal_edit, name="goal_edit"),
]
