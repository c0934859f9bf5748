"""Opens the audit trail's request scope (tenants.accounts.audit): within a request, an event
without an actor is the spectator's, or the API token's once the API authenticated one; the
scope closes with the request, so nothing leaks into the next one served by this thread."""

from .audit import request_scope


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)
