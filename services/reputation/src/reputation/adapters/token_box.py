"""Tokens at rest: Fernet (AES-128-CBC with an HMAC) under a key derived from
REPUTATION_TOKEN_KEY (HKDF-SHA256), so a copy of the database alone gives no access to a
client's Google or Facebook. Any high-entropy secret of 32 characters or more will do."""
from __future__ import annotations

import base64
from typing import overload

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

MIN_KEY_LENGTH = 32


def valid_key(key: SecretStr) -> SecretStr:
    if len(key.get_secret_value()) < MIN_KEY_LENGTH:
        raise ValueError(f"must be a secret of at least {MIN_KEY_LENGTH} characters")
    return key


class TokenBox:
    def __init__(self, secret: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"revgen reputation tokens").derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @overload
    def seal(self, token: str) -> bytes: ...
    @overload
    def seal(self, token: None) -> None: ...
    def seal(self, token: str | None) -> bytes | None:
        return self._fernet.encrypt(token.encode()) if token is not None else None

    def open(self, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken as error:  # sealed under another key: rotated without re-sealing
            raise RuntimeError("a stored token does not open with REPUTATION_TOKEN_KEY") from error
