"""A product's photos: several, ordered, the first is the main one. Photos named by URL (imports) wait as pending
rows until the photo job fetches them; one that cannot be fetched is reported to the admins and blocks nothing."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict
from urllib.parse import urlsplit

import aiohttp
from aiohappyeyeballs import AddrInfoType

from core import media, outbox
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.unit_of_work import Effects, UnitOfWork

log = logging.getLogger(__name__)

MEDIA_PATH = "/media/"
MAX_PHOTOS = 10
MAX_URL_LENGTH = 2000
BATCH = 8
# A fetch that failed for a reason that may pass (timeout, 5xx, connection refused) is tried this many times.
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=2)


class PhotoUrls(TypedDict):
    """Where the store fetches one photo in each size: WebP, and JPEG for the rare client without WebP."""

    thumb: str
    card: str
    full: str
    thumb_jpeg: str
    card_jpeg: str
    full_jpeg: str


def urls(key: str) -> PhotoUrls:
    return PhotoUrls(
        thumb=MEDIA_PATH + media.file_name(key, "thumb"),
        card=MEDIA_PATH + media.file_name(key, "card"),
        full=MEDIA_PATH + media.file_name(key, "full"),
        thumb_jpeg=MEDIA_PATH + media.file_name(key, "thumb", "jpg"),
        card_jpeg=MEDIA_PATH + media.file_name(key, "card", "jpg"),
        full_jpeg=MEDIA_PATH + media.file_name(key, "full", "jpg"),
    )


def url_problem(url: str) -> str | None:
    """Why a photo URL cannot be fetched, or None; for imports to name the bad cell before anything is written."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) address"
    return None


async def queue_urls(conn: Conn, product_id: int, urls: Sequence[str]) -> int:
    """Add photos by URL after the product's others, to be fetched by the photo job once the caller's transaction
    commits; returns how many were queued. A URL the product already has (pending or kept) is not added twice."""
    for url in urls:
        if (problem := url_problem(url)) is not None:
            raise ValidationError(f"photo URL {url[:100]!r}: {problem}", field="photo_urls")
    if not urls:
        return 0
    rows = await conn.fetch(
        """
        WITH wanted AS (
            SELECT url, MIN(ord) AS ord FROM unnest($2::text[]) WITH ORDINALITY AS u(url, ord) GROUP BY url
        ), fresh AS (
            SELECT url, ord FROM wanted
             WHERE NOT EXISTS (SELECT 1 FROM product_photos f
                                WHERE f.product_id = $1 AND f.source_url = wanted.url AND f.status <> 'failed')
        )
        INSERT INTO product_photos (product_id, position, source_url)
        SELECT $1, COALESCE((SELECT MAX(position) + 1 FROM product_photos WHERE product_id = $1), 0)
                   + (ROW_NUMBER() OVER (ORDER BY ord))::int - 1,
               url
          FROM fresh
        RETURNING id
        """,
        product_id,
        list(urls),
    )
    return len(rows)


async def replace(unit: UnitOfWork, product_id: int, keys: Sequence[str]) -> None:
    """The product's photos become these stored ones, in this order (the first is the main one); no keys clears
    them. Photos still waiting to be fetched are dropped too: the admin has said what the product shows."""
    conn = unit.conn
    if len(keys) > MAX_PHOTOS:
        raise ValidationError(f"at most {MAX_PHOTOS} photos per product", field="photos")
    if not await conn.fetchval("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", product_id):
        raise NotFound("product", product_id)
    await conn.execute("DELETE FROM product_photos WHERE product_id = $1", product_id)
    await conn.execute(
        """
        INSERT INTO product_photos (product_id, position, media_key, status)
        SELECT $1, (ord - 1)::int, key, 'ready' FROM unnest($2::text[]) WITH ORDINALITY AS k(key, ord)
        """,
        product_id,
        list(keys),
    )
    await _refresh_main(unit, product_id)


async def keys_of(conn: Conn, product_id: int) -> list[str]:
    """The product's kept photos, main first."""
    rows = await conn.fetch(
        "SELECT media_key FROM product_photos WHERE product_id = $1 AND status = 'ready' ORDER BY position, id",
        product_id,
    )
    return [row["media_key"] for row in rows]


async def _refresh_main(unit: UnitOfWork, product_id: int) -> None:
    """Keep the main photo beside the product: its key for the store's lists, its card URL as image_url for the
    cart, orders and everything else that shows one picture."""
    await unit.conn.execute(
        """
        UPDATE products p
           SET photo_key = main.media_key,
               image_url = CASE WHEN main.media_key IS NULL THEN NULL ELSE $2 || main.media_key || '-card.webp' END,
               updated_at = NOW()
          FROM (SELECT (SELECT media_key FROM product_photos
                         WHERE product_id = $1 AND status = 'ready' ORDER BY position, id LIMIT 1) AS media_key) main
         WHERE p.id = $1
        """,
        product_id,
        MEDIA_PATH,
    )
    unit.catalog_changed()  # the gallery changed even when the main photo did not


@dataclass(frozen=True)
class _Claimed:
    id: int
    product_id: int
    sku: str
    name: str
    url: str
    attempts: int


class PrivateAddress(OSError):
    """A photo URL (or a redirect from it) led to an address that is not a public one."""


def fetching_session(*, allow_private: bool) -> aiohttp.ClientSession:
    """The photo job's HTTP client. Photo URLs come from files and marketplace cards, so unless `allow_private`
    (PHOTO_FETCH_PRIVATE) they may not reach the shop's own networks (its database, Redis, a cloud's metadata
    service): every address a connection goes to, a redirect's or a DNS answer's too, must be a public one. The
    check is made on the socket's address, after resolving, so a name that later resolves elsewhere cannot pass."""
    connector = aiohttp.TCPConnector(socket_factory=None if allow_private else _public_socket)
    return aiohttp.ClientSession(connector=connector, headers={"User-Agent": "amazing-store photo fetcher"})


def _public_socket(addr_info: AddrInfoType) -> socket.socket:
    family, kind, proto, _, address = addr_info
    if not ipaddress.ip_address(address[0]).is_global:
        raise PrivateAddress(f"{address[0]} is not a public address")
    return socket.socket(family=family, type=kind, proto=proto)


class FetchFailed(Exception):
    def __init__(self, reason: str, *, lasting: bool) -> None:
        super().__init__(reason)
        self.lasting = lasting  # trying again will not help (404, not an image, too large)


# Takes a batch of due photos for one run: each is due again only when the lease is over, so a run that died
# mid-fetch leaves nothing stuck.
_LEASE = """
WITH due AS (
    SELECT id FROM product_photos
     WHERE status = 'pending' AND next_attempt_at <= NOW()
     ORDER BY next_attempt_at, id
     LIMIT $1
       FOR UPDATE SKIP LOCKED
)
UPDATE product_photos f
   SET next_attempt_at = NOW() + $2::interval
  FROM due, products p
 WHERE f.id = due.id AND p.id = f.product_id
RETURNING f.id, f.product_id, p.sku, p.name_uz AS name, f.source_url AS url, f.attempts
"""


@dataclass(frozen=True)
class Fetcher:
    """The photo job: fetches pending URLs into the media store."""

    effects: Effects
    store: media.MediaStore
    session: aiohttp.ClientSession
    max_bytes: int
    timeout: float

    async def run(self, conn: Conn) -> int:
        """Fetch one batch of due photos; returns how many were settled (kept or failed). The batch is leased
        in a short transaction (SKIP LOCKED, due again only after the lease), fetched with no transaction open,
        and settled in another: a slow photo site holds no row lock and no connection in a transaction, and
        replicas and overlapping runs share the queue without fetching a URL twice."""
        claimed = [_Claimed(**row) for row in await conn.fetch(_LEASE, BATCH, timedelta(seconds=self.timeout * 2))]
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._fetch(row.url) for row in claimed), return_exceptions=True)
        settled = 0
        async with self.effects.transaction(conn) as unit:
            touched: set[int] = set()
            for row, result in zip(claimed, results, strict=True):
                if isinstance(result, str):
                    # A row replaced or removed while it was fetched is no longer ours to settle.
                    kept = await conn.fetchval(
                        "UPDATE product_photos SET status = 'ready', media_key = $2, error = NULL, updated_at = NOW()"
                        " WHERE id = $1 AND status = 'pending' AND source_url = $3 RETURNING id",
                        row.id,
                        result,
                        row.url,
                    )
                    if kept is not None:
                        touched.add(row.product_id)
                        settled += 1
                elif isinstance(result, FetchFailed):
                    settled += await self._failed(unit, row, result)
                else:
                    raise result  # a bug or the store failing: the job logs it and the lease runs out
            for product_id in touched:
                await _refresh_main(unit, product_id)
        return settled

    async def _failed(self, unit: UnitOfWork, row: _Claimed, failure: FetchFailed) -> int:
        attempts = row.attempts + 1
        if not failure.lasting and attempts < MAX_ATTEMPTS:
            await unit.conn.execute(
                "UPDATE product_photos SET attempts = $2, error = $3, next_attempt_at = NOW() + $4, updated_at = NOW()"
                " WHERE id = $1",
                row.id,
                attempts,
                str(failure),
                RETRY_AFTER * attempts,
            )
            return 0
        failed = await unit.conn.fetchval(
            "UPDATE product_photos SET status = 'failed', attempts = $2, error = $3, updated_at = NOW()"
            " WHERE id = $1 AND status = 'pending' RETURNING id",
            row.id,
            attempts,
            str(failure),
        )
        if failed is None:  # replaced or removed while it was fetched: nobody waits for this photo any more
            return 0
        await outbox.add(
            unit.conn,
            outbox.PhotoFetchFailed(
                product_id=row.product_id, sku=row.sku, name=row.name, url=row.url, error=str(failure)
            ),
        )
        return 1

    async def _fetch(self, url: str) -> str:
        """The stored photo's key; FetchFailed says why there is none."""
        try:
            async with self.session.get(
                url, timeout=aiohttp.ClientTimeout(total=self.timeout), allow_redirects=True, max_redirects=5
            ) as answer:
                if answer.status >= 400:
                    raise FetchFailed(f"HTTP {answer.status}", lasting=answer.status < 500 and answer.status != 429)
                kind = answer.content_type
                if not kind.startswith("image/"):
                    raise FetchFailed(f"not an image ({kind})", lasting=True)
                if answer.content_length is not None and answer.content_length > self.max_bytes:
                    raise FetchFailed(f"larger than {self.max_bytes // (1024 * 1024)} MB", lasting=True)
                data = bytearray()
                async for chunk in answer.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise FetchFailed(f"larger than {self.max_bytes // (1024 * 1024)} MB", lasting=True)
        except TimeoutError:
            raise FetchFailed(f"no answer in {self.timeout:.0f} s", lasting=False) from None
        except aiohttp.TooManyRedirects:
            raise FetchFailed("too many redirects", lasting=True) from None
        except aiohttp.ClientConnectorError as error:
            private = isinstance(error.os_error, PrivateAddress)
            raise FetchFailed(str(error.os_error if private else error)[:300], lasting=private) from None
        except aiohttp.ClientError as error:
            raise FetchFailed(f"{type(error).__name__}: {error}"[:300], lasting=False) from None
        try:
            return await media.keep(self.store, bytes(data))
        except media.NotAnImage as error:
            raise FetchFailed(f"not an image ({error})"[:300], lasting=True) from None
