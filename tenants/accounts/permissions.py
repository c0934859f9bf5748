"""Role checks for pages (decorator) and API views (DRF permission)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import user_can


def capability_required(capability: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request.tenant, "is_public", True) or not user_can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.capability = capability
        return wrapper

    return decorator


def cooperative_admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.tenant.is_public or not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class HasVenueRole(BasePermission):
    """Every API view names the capability it needs: `capability` for all methods, or
    `read_capability` / `write_capability` to split safe and unsafe methods."""

    def has_permission(self, request, view) -> bool:
        if getattr(request.tenant, "is_public", True):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            capability = getattr(view, "read_capability", None) or view.capability
        else:
            capability = getattr(view, "write_capability", None) or view.capability
        return user_can(request.user, capability)
