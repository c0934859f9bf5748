"""The public storefront of a venue (no login)."""

from django.shortcuts import redirect, render


def home(request):
    """Venue host root: the storefront. The ticketing app adds the programme to it."""
    return render(request, "storefront/home.html")


def cooperative_home(request):
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("console:venue_list")
    return redirect("accounts:login")
