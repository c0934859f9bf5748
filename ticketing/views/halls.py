"""Back office: halls, layouts and their seat maps (admins)."""

import json

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.selectors import objects_history
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from ticketing import selectors
from ticketing.forms import (
    HallForm,
    LayoutForm,
    LayoutImportForm,
    SeatAttributesForm,
    SectionForm,
    ZoneForm,
)
from ticketing.models import Hall, Layout
from ticketing.services import halls

register(
    NavItem(
        "halls", gettext_lazy("Halls & seat maps"), "ticketing:hall_list", "programme.manage", 30
    )
)

MANAGE = "programme.manage"


def _form_page(request, form, *, title, submit, back, intro="", multipart=False):
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "back": back,
        "intro": intro,
        "multipart": multipart,
    }
    return render(request, "ticketing/halls/form.html", context)


@capability_required(MANAGE)
def hall_list(request):
    hall_rows = selectors.halls_with_layouts()
    return render(request, "ticketing/halls/list.html", {"halls": hall_rows})


@capability_required(MANAGE)
def hall_create(request):
    form = HallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hall = halls.create_hall(actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Hall “%(name)s” created.") % {"name": hall.name})
            return redirect("ticketing:layout_create", hall.pk)
    back = reverse("ticketing:hall_list")
    return _form_page(request, form, title=_("New hall"), submit=_("Create the hall"), back=back)


@capability_required(MANAGE)
def layout_create(request, hall_pk: int):
    hall = get_object_or_404(Hall, pk=hall_pk)
    form = LayoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            layout = halls.create_layout(hall=hall, actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Layout created: now add its seats or zones."))
            return redirect("ticketing:section_create", layout.pk)
    return _form_page(
        request,
        form,
        title=_("New layout in %(hall)s") % {"hall": hall.name},
        submit=_("Create the layout"),
        back=reverse("ticketing:hall_list"),
        intro=_("You can also import a layout from a JSON file."),
    )


@capability_required(MANAGE)
def section_create(request, layout_pk: int):
    layout = get_object_or_404(Layout.objects.select_related("hall"), pk=layout_pk)
    behind = selectors.rearmost_seat_y(layout)
    origin_y = 3.0 if behind is None else behind + 2
    form = SectionForm(request.POST or None, initial={"origin_y": origin_y})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            section = halls.generate_section(
                layout=layout,
                name=data["name"],
                rows=data["rows"],
                seats_per_row=data["seats_per_row"],
                first_row=data["first_row"],
                origin_y=origin_y if data["origin_y"] is None else data["origin_y"],
                curve=data["curve"],
                stagger=data["stagger"],
                numbering=data["numbering"],
                rank_rows=data["rank_rows"],
                actor=request.user,
            )
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Section “%(name)s” generated.") % {"name": section.name})
            return redirect("ticketing:layout_edit", layout.pk)
    return _form_page(
        request,
        form,
        title=_("Generate a section in %(layout)s") % {"layout": layout},
        submit=_("Generate the seats"),
        back=reverse("ticketing:layout_edit", args=[layout.pk]),
    )


@capability_required(MANAGE)
def zone_create(request, layout_pk: int):
    layout = get_object_or_404(Layout.objects.select_related("hall"), pk=layout_pk)
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            halls.add_zone(layout=layout, actor=request.user, **form.cleaned_data)
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("General-admission zone added."))
            return redirect("ticketing:layout_edit", layout.pk)
    return _form_page(
        request,
        form,
        title=_("Add a general-admission zone to %(layout)s") % {"layout": layout},
        submit=_("Add the zone"),
        back=reverse("ticketing:layout_edit", args=[layout.pk]),
    )


def _editor(request, layout: Layout, form: SeatAttributesForm):
    selected = getattr(form, "cleaned_data", {}).get("seats", [])  # kept after an error
    context = {
        "layout": layout,
        "seats": selectors.layout_seat_map(layout),
        "zones": layout.zones.all(),
        "sections": layout.sections.annotate(seat_count=Count("seats")),
        "form": form,
        "selected": selected,
        "history": objects_history(
            [("ticketing.layout", layout.pk), ("ticketing.hall", layout.hall_id)]
        ),
    }
    return render(request, "ticketing/halls/editor.html", context)


@capability_required(MANAGE)
def layout_edit(request, layout_pk: int):
    layout = get_object_or_404(Layout.objects.select_related("hall"), pk=layout_pk)
    return _editor(request, layout, SeatAttributesForm())


@require_POST
@capability_required(MANAGE)
def layout_seats_update(request, layout_pk: int):
    layout = get_object_or_404(Layout.objects.select_related("hall"), pk=layout_pk)
    form = SeatAttributesForm(request.POST)
    action = "rename" if request.POST.get("action") == "rename" else "apply"
    if form.check_action(action):
        try:
            count = halls.update_seats(
                layout=layout,
                seat_ids=form.cleaned_data["seats"],
                actor=request.user,
                **form.changes(action),
            )
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(n)s seat(s) updated.") % {"n": count})
            return redirect("ticketing:layout_edit", layout.pk)
    return _editor(request, layout, form)


@require_GET
@capability_required(MANAGE)
def layout_export(request, layout_pk: int):
    layout = get_object_or_404(Layout.objects.select_related("hall"), pk=layout_pk)
    body = json.dumps(halls.export_layout(layout), ensure_ascii=False, indent=2)
    filename = slugify(f"{layout.hall.name}-{layout.name}") or "layout"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def _import_errors(message: str) -> list[str]:
    """The service lists every problem in one message ("…: a; b; c"): show one per line."""
    head, sep, rest = message.partition(": ")
    if not sep or ("; " not in rest and "#" not in rest):
        return [message]
    return [head, *rest.split("; ")]


@capability_required(MANAGE)
def layout_import(request, hall_pk: int):
    hall = get_object_or_404(Hall, pk=hall_pk)
    form = LayoutImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            layout = halls.import_layout(
                hall=hall, data=data["file"], name=data["name"] or None, actor=request.user
            )
        except ParterreError as error:
            field = error.field if error.field in form.fields else None
            for line in _import_errors(error.message) if field == "file" else [error.message]:
                form.add_error(field, line)
        except (AttributeError, TypeError, ValueError) as error:
            # A file of the right format with values of the wrong type (e.g. "stage": 3).
            form.add_error(
                "file", _("This file does not follow the layout format (%(e)s).") % {"e": error}
            )
        else:
            messages.success(request, _("Layout “%(name)s” imported.") % {"name": layout.name})
            return redirect("ticketing:layout_edit", layout.pk)
    return _form_page(
        request,
        form,
        title=_("Import a layout into %(hall)s") % {"hall": hall.name},
        submit=_("Import"),
        back=reverse("ticketing:hall_list"),
        intro=_("The file format is described in docs/seat-map-format.md."),
        multipart=True,
    )


urlpatterns = [
    path("", hall_list, name="hall_list"),
    path("new/", hall_create, name="hall_create"),
    path("<int:hall_pk>/layouts/new/", layout_create, name="layout_create"),
    path("<int:hall_pk>/layouts/import/", layout_import, name="layout_import"),
    path("layouts/<int:layout_pk>/", layout_edit, name="layout_edit"),
    path("layouts/<int:layout_pk>/sections/new/", section_create, name="section_create"),
    path("layouts/<int:layout_pk>/zones/new/", zone_create, name="zone_create"),
    path("layouts/<int:layout_pk>/seats/", layout_seats_update, name="layout_seats"),
    path("layouts/<int:layout_pk>/export.json", layout_export, name="layout_export"),
]
