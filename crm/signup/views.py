"""The sign-up form (public, embeddable in the venue's own website by an iframe), its
confirmation link, and the back-office page with its settings and the snippet to paste."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from tenants.accounts.audit import record_event
from tenants.accounts.network import client_ip
from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from tenants.selectors import venue_url

from . import services
from .models import SignupSettings

CAPABILITY = "contacts.manage"
RATE = "10/h"  # sign-ups per client address

register(
    NavItem(
        key="signup",
        label=gettext_lazy("Sign-up form"),
        url_name="crm_signup_admin:settings",
        capability=CAPABILITY,
        order=395,
        group=gettext_lazy("Contacts"),
    )
)


class SignupForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=20, required=False)
    interests = forms.MultipleChoiceField(
        label=gettext_lazy("What interests you"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(required=True)

    def __init__(self, *args, settings_row: SignupSettings, wording: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = wording
        self.fields["consent"].error_messages["required"] = _(
            "Tick the box to receive the newsletter."
        )
        choices = [(i, i) for i in settings_row.interest_list()]
        if choices:
            self.fields["interests"].choices = choices
        else:
            del self.fields["interests"]
        if not settings_row.ask_postcode:
            del self.fields["postcode"]


# Posted from inside an iframe on the venue's own website, where the browser withholds our
# cookies (SameSite): a CSRF token cannot work there. What a forged post could do is ask for a
# confirmation email, which the address's owner must follow: nothing is consented without them.
@csrf_exempt
@xframe_options_exempt
def signup(request):
    settings_row = services.signup_settings()
    wording = services.consent_wording(request.tenant.name)
    form = SignupForm(request.POST or None, settings_row=settings_row, wording=wording)
    if request.method == "POST":
        if is_ratelimited(request, group="crm-signup", key="ip", rate=RATE, increment=True):
            return render(request, "crm/signup/form.html", _context(form, settings_row), status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.start_signup(
                    email=data["email"],
                    first_name=data.get("first_name", ""),
                    postcode=data.get("postcode", ""),
                    interests=data.get("interests", []),
                    ip_address=client_ip(request),
                )
            except ParterreError as error:
                form.add_error(error.field, error.message)
            else:
                return render(request, "crm/signup/sent.html", _context(form, settings_row))
        status = 400 if form.errors else 200
        return render(request, "crm/signup/form.html", _context(form, settings_row), status=status)
    return render(request, "crm/signup/form.html", _context(form, settings_row))


def _context(form, settings_row) -> dict:
    return {"form": form, "signup": settings_row, "limited": form.is_bound and not form.errors}


@xframe_options_exempt
def confirm(request, token: str):
    try:
        services.confirm_signup(token=token)
    except ParterreError as error:
        return render(request, "crm/signup/confirmed.html", {"error": error.message}, status=400)
    return render(request, "crm/signup/confirmed.html", {})


class SignupSettingsForm(forms.ModelForm):
    class Meta:
        model = SignupSettings
        fields = ["intro", "interests", "ask_postcode", "accent_colour"]
        widgets = {"interests": forms.Textarea(attrs={"rows": 4})}

    def clean_accent_colour(self):
        colour = self.cleaned_data["accent_colour"].strip()
        if colour and not (len(colour) == 7 and colour.startswith("#")):
            raise forms.ValidationError(_("A colour like #8a1538."))
        try:
            int(colour[1:] or "0", 16)
        except ValueError:
            raise forms.ValidationError(_("A colour like #8a1538.")) from None
        return colour


@capability_required(CAPABILITY)
def signup_settings(request):
    row = services.signup_settings()
    form = SignupSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        changes = {n: [form.initial.get(n), form.cleaned_data[n]] for n in form.changed_data}
        form.save()
        record_event(code="crm.signup.updated", actor=request.user, obj=row, changes=changes)
        messages.success(request, _("Sign-up form saved."))
        return redirect("crm_signup_admin:settings")
    url = venue_url(request.tenant, "/inscription/")
    return render(request, "crm/signup/settings.html", {"form": form, "form_url": url})
