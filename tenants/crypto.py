"""Secrets stored at rest (a venue's payment provider keys): encrypted with Fernet
(AES-128-CBC + HMAC-SHA256, from `cryptography`) under the instance's field key.

The key: `PARTERRE_FIELD_KEY` (production requires it; several keys separated by commas rotate:
the first encrypts, all decrypt). Without it (development, tests) a key is derived from
SECRET_KEY with HKDF, so a dev database's secrets are still never stored in clear.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


def _fernet_key(secret: str) -> bytes:
    """Any string → a Fernet key (32 bytes, url-safe base64), by HKDF-SHA256."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"parterre.field-encryption"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _cipher(keys: str, secret_key: str) -> MultiFernet:
    secrets = [k.strip() for k in keys.split(",") if k.strip()] or [secret_key]
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


def cipher() -> MultiFernet:
    return _cipher(settings.PARTERRE_FIELD_KEY, settings.SECRET_KEY)


def encrypt_text(value: str) -> str:
    return cipher().encrypt(value.encode()).decode() if value else ""


def decrypt_text(token: str) -> str:
    """The clear text; "" for an empty value. A token no key opens raises InvalidToken."""
    return cipher().decrypt(token.encode()).decode() if token else ""


def mask_secret(value: str) -> str:
    """What a screen may show of a secret: its kind and last four characters
    (`sk_test_…4242`), never the rest."""
    if not value:
        return ""
    parts = value.split("_")
    prefix = "_".join(parts[:-1]) + "_" if len(parts) > 1 and len(value) > 12 else ""
    return f"{prefix[:16]}…{value[-4:]}" if len(value) > 8 else "…"


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the clear text."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return decrypt_text(value)
        except InvalidToken:
            return ""  # a key was rotated away: the secret must be entered again

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt_text(value) if value else ""
