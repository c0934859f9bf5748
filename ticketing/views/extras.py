"""Extras of a performance in the back office: add one, change one (the performance page
shows them)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from ticketing.forms import ExtraForm
from ticketing.models import Extra, Performance
from ticketing.services import extras

MANAGE = "programme.manage"


def _saved(request, form, save) -> None:
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {errors[0]}" if label else errors[0])
        return
    try:
        save(form.values())
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Extra saved."))


@require_POST
@capability_required(MANAGE)
def extra_create(request, pk: int):
    performance = get_object_or_404(Performance, pk=pk)
    form = ExtraForm(request.POST, prefix="new")
    _saved(
        request,
        form,
        lambda values: extras.create_extra(performance=performance, actor=request.user, **values),
    )
    return redirect("ticketing:performance_detail", pk)


@require_POST
@capability_required(MANAGE)
def extra_update(request, pk: int, extra_pk: int):
    extra = get_object_or_404(Extra, pk=extra_pk, performance_id=pk)
    form = ExtraForm(request.POST, prefix=f"extra{extra.pk}")
    _saved(
        request,
        form,
        lambda values: extras.update_extra(extra=extra, actor=request.user, **values),
    )
    return redirect("ticketing:performance_detail", pk)


urlpatterns = [
    path("performances/<int:pk>/extras/", extra_create, name="extra_create"),
    path("performances/<int:pk>/extras/<int:extra_pk>/", extra_update, name="extra_update"),
]
