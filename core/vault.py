"""Marketplace credentials encrypted at rest with SECRET_KEY (Fernet: AES with an HMAC, so a tampered or
wrongly keyed value is refused, never silently misread)."""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from core.settings import Settings

log = logging.getLogger(__name__)
DEV_KEY_FILE = "secret.key"


class VaultError(Exception):
    """A stored secret cannot be read with this SECRET_KEY."""


class Vault:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise VaultError("a stored marketplace credential cannot be decrypted with this SECRET_KEY") from None

    def readable(self, sealed: str | None) -> bool:
        """Whether a stored secret opens with this key (nothing stored opens trivially)."""
        if sealed is None:
            return True
        try:
            self.open(sealed)
        except VaultError:
            return False
        return True


def vault_for(settings: Settings) -> Vault:
    """The vault of SECRET_KEY; without it (development), a key kept in DATA_DIR so restarts can still read."""
    if settings.secret_key is not None:
        return Vault(settings.secret_key.get_secret_value())
    path = Path(settings.data_dir) / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
        log.warning("SECRET_KEY is not set: marketplace credentials are encrypted with a key in %s", path)
    return Vault(path.read_text().strip())
