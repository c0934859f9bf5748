"""Back office: what spectators may do online — the cancel and exchange rules of the spectator
space (the venue's, and per performance) and the promo codes typed at checkout."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.accounts.permissions import capability_required
from tenants.errors import ParterreError
from tenants.navigation import NavItem, register
from ticketing.forms.space import AfterSaleRuleForm, PromoCodeForm
from ticketing.models import AfterSaleRule, Performance, PromoCode, Show
from ticketing.services.orders import spectators as space_services

register(
    NavItem(
        "online_rules",
        gettext_lazy("Online bookings"),
        "ticketing:online_rules",
        "programme.manage",
        906,
        group=gettext_lazy("Settings"),
    )
)

MANAGE = "programme.manage"


def _upcoming():
    return Performance.objects.filter(starts_at__gt=timezone.now()).select_related("show")


@capability_required(MANAGE)
def online_rules(request):
    which = request.POST.get("form") if request.method == "POST" else None
    venue_rule = AfterSaleRule.objects.filter(performance__isnull=True).first()
    initial = {}
    if venue_rule is not None:
        initial = {
            "cancel_allowed": venue_rule.cancel_allowed,
            "exchange_allowed": venue_rule.exchange_allowed,
            "until_hours_before": venue_rule.until_hours_before,
            "cancel_fee": Decimal(venue_rule.cancel_fee_cents) / 100,
        }
    rule_form = AfterSaleRuleForm(
        request.POST if which == "rule" else None, initial=initial, performances=_upcoming()
    )
    promo_form = PromoCodeForm(
        request.POST if which == "promo" else None, shows=Show.objects.order_by("title")
    )
    if which == "rule" and rule_form.is_valid():
        space_services.set_aftersale_rule(actor=request.user, **rule_form.values())
        messages.success(request, _("Rule saved."))
        return redirect("ticketing:online_rules")
    if which == "promo" and promo_form.is_valid():
        try:
            space_services.create_promo_code(actor=request.user, **promo_form.cleaned_data)
        except ParterreError as error:
            promo_form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Promo code created."))
            return redirect("ticketing:online_rules")
    context = {
        "rule_form": rule_form,
        "promo_form": promo_form,
        "rules": AfterSaleRule.objects.select_related("performance__show").order_by(
            "performance__starts_at"
        ),
        "promo_codes": PromoCode.objects.select_related("show").order_by("-created_at"),
    }
    return render(request, "ticketing/online/rules.html", context)


@require_POST
@capability_required(MANAGE)
def promo_toggle(request, pk: int):
    promo = get_object_or_404(PromoCode, pk=pk)
    space_services.set_promo_code_active(
        promo=promo, active=not promo.is_active, actor=request.user
    )
    messages.success(request, _("Promo code changed."))
    return redirect("ticketing:online_rules")


urlpatterns = [
    path("", online_rules, name="online_rules"),
    path("promo-codes/<int:pk>/toggle/", promo_toggle, name="promo_toggle"),
]
