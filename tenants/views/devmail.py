"""Dev-only pages listing the emails `make run` captured (tenants.devmail): DEBUG only, for
a venue's staff (their venue's mail) or a cooperative admin on the base host (all of it)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tenants import devmail
from tenants.accounts.roles import user_can


def _dev_staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.tenant.is_public:
            if not request.user.is_staff:
                raise PermissionDenied
            venue = None
        else:
            if not user_can(request.user, "backoffice.view"):
                raise PermissionDenied
            venue = request.tenant.schema_name
        return view(request, *args, venue=venue, **kwargs)

    return wrapper


def _message(name: str, venue: str | None):
    try:
        return devmail.captured_mail(name, venue=venue)
    except LookupError:
        raise Http404 from None


@_dev_staff_only
def mail_list(request, venue):
    mails = devmail.captured_mails(venue=venue)
    return render(request, "dev/mail_list.html", {"mails": mails, "folder": devmail.mail_dir()})


@_dev_staff_only
def mail_detail(request, name: str, venue):
    summary, message = _message(name, venue)
    context = {
        "mail": summary,
        "text": devmail.body(message, "plain"),
        "has_html": bool(devmail.body(message, "html")),
    }
    return render(request, "dev/mail_detail.html", context)


@xframe_options_sameorigin
@_dev_staff_only
def mail_html(request, name: str, venue):
    _summary, message = _message(name, venue)
    response = HttpResponse(devmail.body(message, "html"), content_type="text/html")
    # The email's HTML is shown as it is, but can run nothing and reach nothing.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response


@_dev_staff_only
def mail_attachment(request, name: str, index: int, venue):
    _summary, message = _message(name, venue)
    try:
        filename, content_type, content = devmail.attachment(message, index)
    except LookupError:
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    safe = filename.replace('"', "").replace("\\", "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


urlpatterns = [
    path("", mail_list, name="dev_mail_list"),
    path("<str:name>/", mail_detail, name="dev_mail_detail"),
    path("<str:name>/html/", mail_html, name="dev_mail_html"),
    path("<str:name>/attachments/<int:index>/", mail_attachment, name="dev_mail_attachment"),
]
