"""Tokens at rest: Fernet (AES-128-CBC with an HMAC) under REPUTATION_TOKEN_KEY, so a copy of
the database alone gives no access to a client's Google or Facebook."""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr


def valid_key(key: SecretStr) -> SecretStr:
    try:
        Fernet(key.get_secret_value())
    except (ValueError, TypeError) as error:
        raise ValueError("must be a Fernet key: 32 bytes in url-safe base64") from error
    return key


class TokenBox:
    def __init__(self, key: str):
        self._fernet = Fernet(key)

    def seal(self, token: str | None) -> bytes | None:
        return self._fernet.encrypt(token.encode()) if token is not None else None

    def open(self, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken as error:  # another key: the operator rotated it without re-sealing
            raise RuntimeError("a stored token does not open with REPUTATION_TOKEN_KEY") from error
