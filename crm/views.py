"""Contact screens of the back office: the list (search and filters, HTMX refreshes the
results as one types), the contact page (identity, consents, behaviour, criteria, tags,
relations both ways, the typed timeline) and the automatic criteria settings.

Every view of a contact page appends one audit entry (crm.contact.viewed): one INSERT of a
small row, the cost of knowing who looked at whom (GDPR: a spectator may ask)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.errors import ParterreError, ValidationFailed
from tenants.navigation import NavItem, register

from . import contacts, selectors, services
from .behaviour import CRITERIA, current_season
from .charter.rules import current_charter
from .forms import BehaviourSettingsForm, ContactFilterForm, ContactForm, TagForm
from .labels import timeline_details, timeline_label
from .models import AccessibilityNeed, BehaviourSettings, Contact, ContactType

register(
    NavItem(
        key="contacts",
        label=gettext_lazy("Contacts"),
        url_name="crm:contact_list",
        capability="contacts.view",
        order=30,
    )
)
register(
    NavItem(
        key="criteria",
        label=gettext_lazy("Automatic criteria"),
        url_name="crm:behaviour_settings",
        capability="contacts.manage",
        order=940,
        group=gettext_lazy("Settings"),
    )
)
PAGE_SIZE = 50
TIMELINE_SIZE = 100
TYPE_LABELS = dict(ContactType.choices)
NEED_LABELS = dict(AccessibilityNeed.choices)


def _labelled(contact: Contact) -> Contact:
    """Labels of its codes for the templates (types, criteria)."""
    contact.type_labels = [TYPE_LABELS.get(t, t) for t in contact.contact_types]
    contact.criteria_labels = [CRITERIA.get(c, c) for c in contact.criteria]
    contact.need_labels = [NEED_LABELS.get(n, n) for n in contact.accessibility_needs]
    return contact


@capability_required("contacts.view")
def contact_list(request):
    form = ContactFilterForm(request.GET or None)
    page = Paginator(selectors.contact_list(**form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for contact in page.object_list:
        _labelled(contact)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_manage": user_can(request.user, "contacts.manage"),
    }
    if request.htmx and request.htmx.target == "contact-results":
        return render(request, "crm/contacts/_results.html", context)
    return render(request, "crm/contacts/list.html", {**context, "tags": selectors.venue_tags()})


def _timeline(contact_id: int) -> list:
    """The latest events in words; the contacts that relation events name, in one query."""
    events = list(selectors.contact_timeline(contact_id)[:TIMELINE_SIZE])
    others = {e.data.get("other") for e in events if e.code == "crm.relation.added"}
    named = Contact.objects.in_bulk([pk for pk in others if isinstance(pk, int)]) if others else {}
    for event in events:
        event.label = timeline_label(event.code)
        event.details = timeline_details(event)
        event.other = named.get((event.data or {}).get("other")) if named else None
    return events


@capability_required("contacts.view")
def contact_detail(request, pk: int, tag_form: TagForm | None = None):
    contact = _labelled(get_object_or_404(Contact, pk=pk))
    services.note_contact_viewed(contact=contact, actor=request.user)
    context = {
        "contact": contact,
        "consents": selectors.current_consents(contact),
        "relations": selectors.contact_relations(contact.pk),
        "timeline": _timeline(contact.pk),
        "current_season": current_season(),
        "can_manage": user_can(request.user, "contacts.manage"),
        "tag_form": tag_form or TagForm(),
        **selectors.contact_behaviour(contact.pk),
    }
    return render(
        request, "crm/contacts/detail.html", context, status=400 if tag_form is not None else 200
    )


@require_POST
@capability_required("contacts.manage")
def contact_tags(request, pk: int):
    contact = get_object_or_404(Contact.objects.only("pk", "tags"), pk=pk)
    form = TagForm(request.POST)
    error = None
    if form.is_valid():
        try:
            contact.tags = services.change_tags(
                contact_id=contact.pk,
                add=[form.cleaned_data["add"]],
                remove=[form.cleaned_data["remove"]],
                actor=request.user,
            )
        except ValidationFailed as failed:
            error = failed.message
    else:
        error = " ".join(form.non_field_errors() + form.errors.get("add", []))
    if request.htmx:
        context = {"contact": contact, "tag_form": TagForm(), "can_manage": True, "error": error}
        return render(request, "crm/contacts/_tags.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("crm:contact_detail", pk=contact.pk)


@capability_required("contacts.manage")
def behaviour_settings(request):
    current = BehaviourSettings.current()
    form = BehaviourSettingsForm.for_settings(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_behaviour_settings(actor=request.user, **form.values())
        except ValidationFailed as failed:
            form.add_error(None, failed.message)
        else:
            messages.success(
                request,
                _("Settings saved. Every contact's criteria are being brought up to date."),
            )
            return redirect("crm:behaviour_settings")
    context = {"form": form, "current_season": current_season(), "now": timezone.now()}
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/settings_criteria.html", context, status=status)


def _contact_form(request, contact: Contact | None):
    """Create (contact None) or edit a contact: the form bounds what was typed, crm.contacts
    applies the venue's charter and answers its errors on the fields."""
    required = list(current_charter().required_fields)
    data = request.POST if request.method == "POST" else None
    form = ContactForm.for_contact(contact, data, required=required)
    status = 200
    if form.is_valid():
        try:
            if contact is None:
                contact = contacts.create_contact(values=form.values(), actor=request.user)
                messages.success(request, _("Contact created."))
            else:
                contacts.update_contact(contact=contact, values=form.values(), actor=request.user)
                messages.success(request, _("Contact saved."))
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = error.http_status
        else:
            return redirect("crm:contact_detail", pk=contact.pk)
    elif form.is_bound:
        status = 400
    context = {"form": form, "contact": contact}
    return render(request, "crm/contacts/form.html", context, status=status)


@capability_required("contacts.manage")
def contact_create(request):
    return _contact_form(request, None)


@capability_required("contacts.manage")
def contact_edit(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True), pk=pk
    )
    return _contact_form(request, contact)
