"""Payment links: a phone sale (or a reservation) paid by the buyer online, through a link sent
by email or SMS that opens the storefront's payment for that one order."""

import secrets

from django.conf import settings
from django.db import models

from .orders import Order


def new_link_token() -> str:
    # 256 bits: unguessable; the token alone names the order (no id in the address).
    return secrets.token_urlsafe(32)


class PaymentLink(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token)
    email = models.EmailField(blank=True)  # where it was sent
    phone = models.CharField(max_length=32, blank=True)
    # Set by the one task run that sends the SMS (a conditional UPDATE): sent once.
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order} link"
