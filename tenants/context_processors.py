from django.conf import settings

from .navigation import items_for


def parterre(request) -> dict:
    venue = getattr(request, "tenant", None)
    context = {"venue": venue, "base_domain": settings.PARTERRE_BASE_DOMAIN}
    user = getattr(request, "user", None)
    if venue is not None and not venue.is_public and user is not None and user.is_authenticated:
        context["nav_items"] = items_for(user)
    return context
