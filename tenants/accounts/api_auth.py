"""DRF authentication with a venue's API token. The lookup runs in the schema picked by the
host, so a token of venue A does not exist on venue B's host."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .audit import set_api_token
from .services import authenticate_token


class VenueTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = authenticate_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        set_api_token(token)  # the audit trail names it until the request ends (middleware)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
