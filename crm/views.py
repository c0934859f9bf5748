"""Back-office screens of the crm app: the saved segments and the segment builder.

The builder posts the whole tree on every change: HTMX swaps the live count and sample
(`segment_preview`) and the rule editor after adding or removing a rule (`segment_rule`);
without JavaScript the same buttons submit the page, which applies them and renders again.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.errors import ParterreError

from .models import Segment
from .segments import selectors, services
from .segments.definition import validate_definition
from .segments.forms import (
    EMPTY_DEFINITION,
    apply_action,
    definition_from_post,
    editor_nodes,
    field_of_error,
)

# "Forty days later": card holders with unused credit, drawn to what the quiz said, who have
# not come for forty days and have not bought the show the team picks (show no. to fill in).
STARTERS = {
    "forty_days": {
        "version": 1,
        "op": "and",
        "rules": [
            {"type": "number", "field": "unused_credit_cents", "min": 1},
            {"type": "affinity", "kind": "keyword", "keys": ["humour"], "min_weight": 0.6},
            {"type": "date", "field": "last_attended_at", "when": "not_within_days", "days": 40},
            {"op": "not", "rules": [{"type": "purchases", "show_id": 1}]},
        ],
    },
    "viewed": {
        "version": 1,
        "op": "and",
        "rules": [{"type": "viewed_not_bought", "show_id": 1, "within_days": 30}],
    },
}


@capability_required("contacts.view")
def segment_list(request):
    return render(
        request,
        "crm/segment_list.html",
        {"segments": selectors.segments(), "can_manage": user_can(request.user, "contacts.manage")},
    )


def _preview(tree: dict) -> dict:
    """Count and sample of a tree, or the first error and the field it points at."""
    try:
        clean = validate_definition(tree)
    except ParterreError as error:
        return {"error": error, "error_field": field_of_error(error.field)}
    if not clean["rules"]:
        return {"empty": True}
    return {
        "count": selectors.segment_count(clean),
        "sample": selectors.segment_sample(clean),
    }


@capability_required("contacts.manage")
def segment_builder(request, pk: int | None = None):
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    name = segment.name if segment else ""
    tree = (
        segment.definition if segment else STARTERS.get(request.GET.get("start"), EMPTY_DEFINITION)
    )
    error_field, focus = None, ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        tree = definition_from_post(request.POST)
        action = request.POST.get("action", "")
        if action != "save":
            tree, focus = apply_action(tree, action)
        else:
            try:
                if segment:
                    services.update_segment(
                        segment=segment, name=name, definition=tree, actor=request.user
                    )
                else:
                    segment = services.create_segment(
                        name=name, definition=tree, actor=request.user
                    )
            except ParterreError as error:
                messages.error(request, error.message)
                error_field = "name" if error.field == "name" else field_of_error(error.field)
            else:
                messages.success(request, _("Segment saved."))
                return redirect("crm:segment_list")
    preview = _preview(tree)
    return render(
        request,
        "crm/segment_builder.html",
        {
            "segment": segment,
            "name": name,
            "root": editor_nodes(tree, focus),
            "preview": preview,
            "error_field": error_field or preview.get("error_field"),
        },
    )


@require_POST
@capability_required("contacts.view")
def segment_preview(request):
    preview = _preview(definition_from_post(request.POST))
    return render(request, "crm/_segment_preview.html", {"preview": preview})


@require_POST
@capability_required("contacts.manage")
def segment_rule(request):
    """Add or remove a rule: the editor and the preview, re-rendered from the posted tree."""
    tree, focus = apply_action(definition_from_post(request.POST), request.POST.get("action", ""))
    preview = _preview(tree)
    return render(
        request,
        "crm/_segment_editor.html",
        {
            "root": editor_nodes(tree, focus),
            "preview": preview,
            "error_field": preview.get("error_field"),
            "oob": True,
        },
    )


@require_POST
@capability_required("contacts.manage")
def segment_delete(request, pk: int):
    services.delete_segment(segment=get_object_or_404(Segment, pk=pk), actor=request.user)
    messages.success(request, _("Segment deleted."))
    return redirect("crm:segment_list")
