"""Login, logout and invitation acceptance; the same views serve the cooperative host and
every venue host, each against its own schema's accounts."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from tenants.accounts.forms import EmailAuthenticationForm, SetPasswordForm
from tenants.accounts.models import User
from tenants.accounts.services import accept_invitation


def _login_key(group, request) -> str:
    return (request.POST.get("username") or "").strip().lower()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limited = is_ratelimited(
            request,
            group="login-email",
            key=_login_key,
            rate=settings.PARTERRE_LOGIN_RATE,
            method="POST",
            increment=True,
        ) | is_ratelimited(
            request,
            group="login-ip",
            key="ip",
            rate=settings.PARTERRE_LOGIN_IP_RATE,
            method="POST",
            increment=True,
        )
        if limited:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many login attempts. Wait a minute and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


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
