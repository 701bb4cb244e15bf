"""No Authorization value reaches the log: not in a line's message, not in a traceback, not in the error aiohttp's
own parser logs for a request it could not read (a 10 KB Authorization header)."""

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web

from core import logs
from core.embedded import free_port


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure("INFO", json_lines=False, secrets=[])
    logging.getLogger().handlers[0].setStream(stream)
    try:
        yield stream
    finally:
        logging.getLogger().handlers.clear()


async def _send_raw(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    answer = await reader.read()
    writer.close()
    return answer


async def test_a_too_long_authorization_header_is_not_quoted_in_the_parser_error(log_stream: io.StringIO) -> None:
    runner = web.AppRunner(web.Application(), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        # A Wildberries-style key has no scheme in front of it; a Mini App login starts with "tma ".
        for value in (b"Zk9SeCreTkEy" * 900, b"tma query_id=AAHdF6IQ&user=Zk9SeCreTkEy" + b"x" * 10_000):
            answer = await _send_raw(port, b"GET / HTTP/1.1\r\nHost: shop\r\nAuthorization: " + value + b"\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
        answer = await _send_raw(
            port, b"GET / HTTP/1.1\r\nHost: shop\r\nAuthorization: Bearer Zk9SeCreTkEy\x01\r\n\r\n"
        )
        assert b" 400 " in answer.split(b"\r\n")[0]
        await asyncio.sleep(0.1)  # the error is logged after the answer is written
    finally:
        await runner.cleanup()
    log = log_stream.getvalue()
    assert log.count("Error handling request") == 3, log
    assert "Zk9SeCreTkEy" not in log and "query_id" not in log, log
    assert "Got more than 8190 bytes" in log, "the reason is still logged"


def test_an_authorization_value_in_a_message_or_a_traceback_is_masked(log_stream: io.StringIO) -> None:
    logger = logging.getLogger("amazing_store.test")
    logger.warning("calling with headers %s", {"Authorization": "Bearer Zk9SeCreTkEy-1", "Accept": "json"})
    try:
        raise ValueError("refused: Authorization: tma user=Zk9SeCreTkEy-2&hash=abc")
    except ValueError:
        logger.exception("the upstream said no")
    log = log_stream.getvalue()
    assert "Zk9SeCreTkEy" not in log, log
    assert "'Accept': 'json'" in log and "ValueError: refused: Authorization: ***" in log, log
