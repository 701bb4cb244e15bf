"""Signs Mini App init data the way Telegram does: the demo store (/app/dev) and tests log in with it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


def sign_init_data(bot_token: str, user: dict[str, Any], *, auth_date: int | None = None, **fields: str) -> str:
    """The query string Telegram.WebApp.initData would hold for `user` (user JSON kept compact)."""
    data = {
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        **fields,
    }
    check_string = "\n".join(f"{key}={value}" for key, value in sorted(data.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    data["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(data)
