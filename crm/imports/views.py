"""The import wizard (back office): upload → columns → preview → progress and result."""

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register

from . import exports, services
from .forms import MappingForm, UploadForm
from .mapping import FIELDS_BY_CODE
from .models import ContactExport, ContactImport
from .rows import ParsedRow

register(
    NavItem(
        key="contact_imports",
        label=gettext_lazy("Contact imports"),
        url_name="crm_imports:list",
        capability="contacts.manage",
        order=330,
        group=gettext_lazy("Contacts"),
    )
)
CAPABILITY = "contacts.manage"


def _import(pk: int) -> ContactImport:
    return get_object_or_404(ContactImport.objects.defer("content"), pk=pk)


@capability_required(CAPABILITY)
def import_list(request):  # the first step too: the upload form
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            contact_import = services.create_import(
                file_name=upload.name, content=upload.read(), actor=request.user
            )
        except ParterreError as error:
            form.add_error("file", error.message)
        else:
            return redirect("crm_imports:mapping", contact_import.pk)
    imports = ContactImport.objects.defer("content").select_related("created_by")[:20]
    return render(request, "crm/imports/list.html", {"form": form, "imports": imports, "step": 1})


@capability_required(CAPABILITY)
def import_mapping(request, pk: int):
    contact_import = get_object_or_404(ContactImport, pk=pk)
    if contact_import.status != ContactImport.Status.DRAFT:
        return redirect("crm_imports:detail", pk)
    table = services.table_of(contact_import)
    initial = {
        "mode": contact_import.mode,
        "consent_declared": contact_import.consent_declared,
        "consent_declaration": contact_import.consent_declaration,
        **{f"column_{i}": code for i, code in contact_import.mapping.items()},
    }
    form = MappingForm(
        request.POST or None, initial=initial, headers=table.headers, samples=table.rows[:200]
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_mapping(
                contact_import=contact_import,
                mapping=form.mapping(),
                mode=form.cleaned_data["mode"],
                consent_declared=form.cleaned_data["consent_declared"],
                consent_declaration=form.cleaned_data["consent_declaration"],
                actor=request.user,
            )
        except ParterreError as error:
            form.add_error(None, error.message)
        else:
            return redirect("crm_imports:preview", pk)
    return render(
        request,
        "crm/imports/mapping.html",
        {"contact_import": contact_import, "form": form, "step": 2},
    )


@capability_required(CAPABILITY)
def import_preview(request, pk: int):
    contact_import = get_object_or_404(ContactImport, pk=pk)
    if contact_import.status != ContactImport.Status.DRAFT:
        return redirect("crm_imports:detail", pk)
    rows = services.preview(contact_import)
    mapped = [
        (int(index), FIELDS_BY_CODE[code].label)
        for index, code in sorted(contact_import.mapping.items(), key=lambda kv: int(kv[0]))
    ]
    codes = [contact_import.mapping[str(i)] for i, _label in mapped]
    for row in rows:
        row["ok"] = isinstance(row["parsed"], ParsedRow)
        if row["ok"]:  # what will be written: names capitalised, phones in E.164…
            row["shown"] = [_shown(row["parsed"], code) for code in codes]
        else:
            row["shown"] = [row["cells"][i] if i < len(row["cells"]) else "" for i, _l in mapped]
    return render(
        request,
        "crm/imports/preview.html",
        {
            "contact_import": contact_import,
            "rows": rows,
            "columns": [label for _i, label in mapped],
            "rejected_in_preview": sum(1 for r in rows if not r["ok"]),
            "step": 3,
        },
    )


def _shown(parsed: ParsedRow, code: str) -> str:
    if code == "email_consent":
        return {True: _("yes"), False: _("no"), None: ""}[parsed.consent]
    if code == "consent_proof":
        return parsed.consent_proof
    value = parsed.values.get(code, "")
    return ", ".join(value) if isinstance(value, list) else str(value)


@require_POST
@capability_required(CAPABILITY)
def import_start(request, pk: int):
    try:
        services.start_import(contact_import=_import(pk), actor=request.user)
    except ParterreError as error:
        messages.error(request, error.message)
        return redirect("crm_imports:preview", pk)
    return redirect("crm_imports:detail", pk)


@capability_required(CAPABILITY)
def import_detail(request, pk: int):
    contact_import = _import(pk)
    context = {
        "contact_import": contact_import,
        "reasons": services.rejection_summary(contact_import)
        if contact_import.rejected_count
        else [],
        "step": 4,
    }
    if request.htmx:
        return render(request, "crm/imports/detail.html#progress", context)
    return render(request, "crm/imports/detail.html", context)


@capability_required(CAPABILITY)
def import_rejected(request, pk: int):
    contact_import = _import(pk)
    response = HttpResponse(
        services.rejected_rows_csv(contact_import), content_type="text/csv; charset=utf-8"
    )
    name = slugify(contact_import.file_name.rsplit(".", 1)[0])[:60] or "import"
    response["Content-Disposition"] = (
        f'attachment; filename="{_("rejected")}-{contact_import.pk}-{name}.csv"'
    )
    return response


@capability_required(CAPABILITY)
def contact_export(request):
    """?segment=&q=&department=&type=&consent=&criterion=&tag=&format=csv|xlsx: the contacts
    found (a saved segment's, the contact list's search and filters), as a file."""
    params = request.GET
    filters = {
        "q": params.get("q", "")[:200],
        "department": params.get("department", "")[:3],
        "contact_type": params.get("type", "")[:20],
        "consent": params.get("consent", "")[:10],
    }
    # The contact list's other filters, only when given (a queued export's filters stay
    # readable by older workers during a deploy).
    filters |= {
        name: params[name][:50] for name in ("criterion", "tag") if params.get(name, "").strip()
    }
    segment = params.get("segment", "")
    if segment.isdigit() and len(segment) < 10:
        filters["segment"] = int(segment)
    file_format = params.get("format", "csv")
    try:
        queryset, description = exports.filtered_contacts(**filters)
        if file_format in exports.FORMATS and queryset.count() >= exports.BACKGROUND_FROM:
            export = exports.request_export(
                filters=filters, file_format=file_format, actor=request.user
            )
            return redirect("crm_imports:export_detail", export.pk)
        content = exports.export_contacts(
            queryset=queryset,
            file_format=file_format,
            description=description,
            actor=request.user,
        )
    except ParterreError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    return export_response(content, file_format)


def export_response(content, file_format: str):
    """The export as a download: CSV text streamed as it is written, a file in one piece."""
    name = f"{_('contacts')}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX_TYPE
    if isinstance(content, bytes):  # a file written already (XLSX, a background export)
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@capability_required(CAPABILITY)
def export_detail(request, pk: int):
    """A big export being written: the page polls until its file is ready."""
    export = get_object_or_404(ContactExport.objects.defer("content"), pk=pk)
    if request.GET.get("download") and export.status == ContactExport.Status.DONE:
        content = bytes(ContactExport.objects.values_list("content", flat=True).get(pk=pk))
        return export_response(content, export.file_format)
    template = "crm/imports/export.html"
    if request.htmx:
        template += "#export"
    return render(request, template, {"export": export})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
urlpatterns = [
    path("imports/", import_list, name="list"),
    path("imports/<int:pk>/", import_detail, name="detail"),
    path("imports/<int:pk>/columns/", import_mapping, name="mapping"),
    path("imports/<int:pk>/preview/", import_preview, name="preview"),
    path("imports/<int:pk>/start/", import_start, name="start"),
    path("imports/<int:pk>/rejected.csv", import_rejected, name="rejected"),
    path("export/", contact_export, name="export"),
    path("exports/<int:pk>/", export_detail, name="export_detail"),
]
backoffice_patterns = (urlpatterns, "crm_imports")
