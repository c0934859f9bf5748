"""Login, logout and invitation acceptance; the same views serve the cooperative host and
every venue host, each against its own schema's accounts."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.accounts import throttle
from tenants.accounts.forms import EmailAuthenticationForm, SetPasswordForm
from tenants.accounts.models import User
from tenants.accounts.services import accept_invitation


class LoginView(auth_views.LoginView):
    """Login by email, throttled (tenants.accounts.throttle): a guessing address waits, and
    says how long; the right password of someone another address is guessing still works."""

    template_name = "accounts/login.html"
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = (request.POST.get("username") or "").strip().lower()[:254]
        wait = throttle.blocked_for(request, email)
        if wait:
            return self._throttled(wait)
        email_wait = throttle.email_throttled(request, email)
        form = self.get_form()
        if form.is_valid():
            return self.form_valid(form)
        throttle.failed(request, email)
        if email_wait:  # wrong passwords for this email are refused meanwhile
            return self._throttled(email_wait)
        return self.form_invalid(form)

    def _throttled(self, wait: int):
        # Without the password: it is not checked again, nor shown.
        email = self.request.POST.get("username", "")[:254]
        form = self.form_class(self.request, data={"username": email, "password": ""})
        form.errors.clear()
        form.add_error(
            None,
            ngettext(
                "Too many login attempts. Try again in %(n)s second.",
                "Too many login attempts. Try again in %(n)s seconds.",
                wait,
            )
            % {"n": wait},
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


class LogoutView(auth_views.LogoutView):
    pass


def invitation(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not user.is_active or not default_token_generator.check_token(user, token):
        return render(request, "accounts/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_invitation(user=user, password=form.cleaned_data["password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password is set."))
        return redirect("home")
    return render(request, "accounts/invitation.html", {"form": form, "invited": user})
