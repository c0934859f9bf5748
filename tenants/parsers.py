"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). Apart from tenants.api:
DRF reads this setting while tenants.api's views are being defined."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, status

MAX_BODY_BYTES = 256 * 1024  # an order is a few hundred bytes
MAX_DEPTH = 32  # nesting of a JSON body (an order needs 3)
ECHO_CHARS = 200


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = gettext_lazy("The body is too large.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded: a body of at most MAX_BODY_BYTES (else 413), nested at
    most MAX_DEPTH deep, and no NUL character in any string or key (PostgreSQL refuses them
    in text): else 400 `parse_error`, before any view sees the data."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=json_constant)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None
        except ValueError as exc:  # (UnicodeDecodeError and JSONDecodeError included)
            raise exceptions.ParseError(
                _("JSON parse error: %(error)s") % {"error": shorten(str(exc))}
            ) from None
        check_json(data)
        return data


def json_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def check_json(data) -> None:
    """Depth, NUL characters and lone surrogates of a decoded JSON document (keys
    included), without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError(_("Text may not contain NUL characters."))
            if not value.isascii():
                try:
                    value.encode()
                except UnicodeEncodeError:  # a lone surrogate (\ud800): no text PostgreSQL keeps
                    raise exceptions.ParseError(_("Text must be valid Unicode.")) from None
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise exceptions.ParseError(
                    _("The JSON body is nested too deeply (%(n)s levels at most).")
                    % {"n": MAX_DEPTH}
                )
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
