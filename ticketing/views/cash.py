"""The till at the counter: this browser's desk (remembered in a cookie), its cash session
(open with a float, close by counting the drawer), a manager's reopening. Sales read the
desk's open session with `counter_session`."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.accounts.roles import user_can
from tenants.navigation import NavItem, register
from ticketing.errors import ParterreError
from ticketing.forms.cash import (
    CloseSessionForm,
    DeskForm,
    OpenSessionForm,
    ReopenSessionForm,
)
from ticketing.models import CashSession, Desk
from ticketing.selectors import cash as selectors
from ticketing.services import cash as services

register(
    NavItem(
        key="cash",
        label=_lazy("Cash sessions"),
        url_name="ticketing:cash_till",
        capability="sales.sell",
        order=11,
    )
)

DESK_COOKIE = "parterre_desk"
DESK_COOKIE_AGE = 400 * 24 * 3600  # a counter's browser keeps its desk for good


def browser_desk_id(request) -> int | None:
    value = request.COOKIES.get(DESK_COOKIE, "")
    return int(value) if value.isdigit() else None


def counter_session(request) -> tuple[bool, CashSession | None]:
    """(are cash sessions required at this venue, this browser's desk's open session)."""
    required = selectors.cash_sessions_required()
    return required, selectors.open_session(browser_desk_id(request)) if required else None


@capability_required("sales.sell")
def till(request):
    """This desk's session (or a form to open one), the desks, the latest sessions."""
    desk_id = browser_desk_id(request)
    session = selectors.open_session(desk_id)
    open_form = OpenSessionForm(
        request.POST if request.method == "POST" else None, initial={"desk": desk_id}
    )
    if request.method == "POST" and open_form.is_valid():
        desk = open_form.cleaned_data["desk"]
        try:
            session = services.open_cash_session(
                desk=desk, float_cents=open_form.float_cents(), actor=request.user
            )
        except ParterreError as error:
            open_form.add_error(None, error.message)
        else:
            messages.success(request, _("Cash session open at %(desk)s.") % {"desk": desk.name})
            response = redirect("ticketing:cash_session", pk=session.pk)
            response.set_cookie(DESK_COOKIE, str(desk.pk), max_age=DESK_COOKIE_AGE, samesite="Lax")
            return response
    context = {
        "session": session,
        "totals": selectors.session_totals(session) if session else None,
        "open_form": open_form,
        "desk_form": DeskForm(),
        "desks": selectors.active_desks(),
        "desk_id": desk_id,
        "sessions": selectors.recent_sessions(),
        "can_manage": user_can(request.user, "venue.manage"),
    }
    return render(
        request, "ticketing/cash/till.html", context, status=400 if open_form.errors else 200
    )


@require_POST
@capability_required("sales.sell")
def choose_desk(request):
    desk = get_object_or_404(Desk, pk=request.POST.get("desk") or 0, is_active=True)
    response = redirect("ticketing:cash_till")
    response.set_cookie(DESK_COOKIE, str(desk.pk), max_age=DESK_COOKIE_AGE, samesite="Lax")
    return response


@require_POST
@capability_required("venue.manage")
def desk_create(request):
    form = DeskForm(request.POST)
    if form.is_valid():
        try:
            desk = services.create_desk(name=form.cleaned_data["name"], actor=request.user)
        except ParterreError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Desk “%(desk)s” added.") % {"desk": desk.name})
    return redirect("ticketing:cash_till")


@capability_required("sales.sell")
def session_detail(request, pk: int):
    session = get_object_or_404(CashSession.objects.select_related("desk", "opened_by"), pk=pk)
    form = CloseSessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.close_cash_session(
                session=session,
                counted=form.counted(),
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except ParterreError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Cash session closed."))
            return redirect("ticketing:cash_session", pk=session.pk)
    context = {
        "session": session,
        "totals": selectors.session_totals(session),
        "form": form,
        "reopen_form": ReopenSessionForm(),
        "can_reopen": user_can(request.user, "venue.manage"),
    }
    return render(
        request, "ticketing/cash/session.html", context, status=400 if form.errors else 200
    )


@require_POST
@capability_required("venue.manage")
def session_reopen(request, pk: int):
    session = get_object_or_404(CashSession, pk=pk)
    form = ReopenSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the session is reopened."))
        return redirect("ticketing:cash_session", pk=pk)
    try:
        services.reopen_cash_session(
            session=session, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ParterreError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Cash session reopened."))
    return redirect("ticketing:cash_session", pk=pk)


urlpatterns = [
    path("", till, name="cash_till"),
    path("desk/", choose_desk, name="cash_choose_desk"),
    path("desks/new/", desk_create, name="cash_desk_create"),
    path("<int:pk>/", session_detail, name="cash_session"),
    path("<int:pk>/reopen/", session_reopen, name="cash_session_reopen"),
]
