"""Where product photos are kept: a directory (DATA_DIR/media) or an S3-compatible bucket, and the renditions
each photo is made into (three sizes, WebP and a JPEG fallback) under content-addressed names."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from core.settings import Settings

Size = Literal["thumb", "card", "full"]
# Longest side in pixels: a list thumbnail (two columns on a phone, at 2x), the product page, a zoomed view.
SIZES: dict[Size, int] = {"thumb": 320, "card": 720, "full": 1440}
FORMATS = {"webp": "image/webp", "jpg": "image/jpeg"}
# Part of every key: a change to how renditions are made gives new names, so no cached old file is ever wrong.
RENDITION_VERSION = b"r1"
# Pillow refuses larger images (decompression bombs) with an error instead of a warning.
MAX_PIXELS = 50_000_000
NAME = re.compile(r"^[0-9a-f]{32}-(thumb|card|full)\.(webp|jpg)$")


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read (or are too large a one)."""


class MediaStore(Protocol):
    async def put(self, name: str, data: bytes, content_type: str) -> None: ...

    async def get(self, name: str) -> bytes | None: ...

    async def exists(self, name: str) -> bool: ...

    async def close(self) -> None: ...


class DirectoryStore:
    """Files in one directory; a file appears whole or not at all (written beside, then renamed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, name: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, name, data)

    def _write(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f".{name}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(self.root / name)

    async def get(self, name: str) -> bytes | None:
        try:
            # A thumbnail is a few kilobytes: read at once rather than pay a thread hop; larger ones in a thread.
            path = self.root / name
            if path.stat().st_size <= 64 * 1024:
                return path.read_bytes()
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    async def close(self) -> None:
        pass


class S3Store:
    """Objects in an S3-compatible bucket (AWS, MinIO, Cloudflare R2, Yandex Object Storage...) through
    aiobotocore: the asyncio port of botocore kept by aio-libs, on the aiohttp this process already runs."""

    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket is not None
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self._options: dict[str, Any] = {
            "region_name": settings.s3_region,
            "endpoint_url": settings.s3_endpoint_url,
            "aws_access_key_id": settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None,
            "aws_secret_access_key": (
                settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
            ),
        }
        # One client for the process: it keeps its connections to the bucket open between requests.
        self._opened = contextlib.AsyncExitStack()
        self._client: Any = None
        self._opening = asyncio.Lock()

    async def client(self) -> Any:
        async with self._opening:
            if self._client is None:
                from aiobotocore.session import get_session  # imported only where a bucket is configured

                self._client = await self._opened.enter_async_context(
                    get_session().create_client("s3", **self._options)
                )
        return self._client

    async def close(self) -> None:
        await self._opened.aclose()
        self._client = None

    async def put(self, name: str, data: bytes, content_type: str) -> None:
        client = await self.client()
        await client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + name,
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    async def get(self, name: str) -> bytes | None:
        client = await self.client()
        try:
            answer = await client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except client.exceptions.NoSuchKey:
            return None
        async with answer["Body"] as body:
            data: bytes = await body.read()
            return data

    async def exists(self, name: str) -> bool:
        client = await self.client()
        try:
            await client.head_object(Bucket=self.bucket, Key=self.prefix + name)
        except client.exceptions.ClientError:
            return False
        return True


def store_for(settings: Settings) -> MediaStore:
    if settings.s3_bucket:
        return S3Store(settings)
    return DirectoryStore(settings.media_dir or settings.data_dir / "media")


@dataclass(frozen=True)
class Rendition:
    name: str
    data: bytes
    content_type: str


def media_key(original: bytes) -> str:
    """The name every rendition of these bytes shares: the same photo sent twice is kept once."""
    return hashlib.sha256(RENDITION_VERSION + original).hexdigest()[:32]


def file_name(key: str, size: Size, extension: str = "webp") -> str:
    return f"{key}-{size}.{extension}"


def render(original: bytes) -> list[Rendition]:
    """The photo in every size and format; raises NotAnImage for bytes that are no picture. CPU-bound: callers
    run it in a thread."""
    key = media_key(original)
    try:
        with Image.open(io.BytesIO(original)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise NotAnImage(f"{opened.width}x{opened.height} pixels is too large")
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise NotAnImage(str(error) or "not an image") from None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("LA", "PA") else "RGB")
    renditions: list[Rendition] = []
    for size, edge in SIZES.items():
        scaled = image.copy()
        scaled.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        if renditions and scaled.size == image.size and max(image.size) < edge:
            # A small original is not enlarged: this size is the one before it, under its own name.
            renditions += [
                Rendition(file_name(key, size, extension), previous.data, previous.content_type)
                for extension, previous in zip(("webp", "jpg"), renditions[-2:], strict=True)
            ]
            continue
        webp = io.BytesIO()
        scaled.save(webp, "WEBP", quality=80, method=2)  # effort 2 of 6: 5% larger than 4, a third of its time
        renditions.append(Rendition(file_name(key, size, "webp"), webp.getvalue(), FORMATS["webp"]))
        flat = scaled
        if scaled.mode == "RGBA":  # JPEG has no transparency: lay it on white, as the store's cards are
            flat = Image.new("RGB", scaled.size, "white")
            flat.paste(scaled, mask=scaled.getchannel("A"))
        jpeg = io.BytesIO()
        flat.save(jpeg, "JPEG", quality=82, optimize=True, progressive=True)
        renditions.append(Rendition(file_name(key, size, "jpg"), jpeg.getvalue(), FORMATS["jpg"]))
    return renditions


async def keep(store: MediaStore, original: bytes) -> str:
    """Render and store a photo; returns its key. A key already stored is not rendered again."""
    key = media_key(original)
    if await store.exists(file_name(key, "full", "jpg")):  # written last: all the others are there
        return key
    renditions = await asyncio.to_thread(render, original)
    for rendition in renditions:
        await store.put(rendition.name, rendition.data, rendition.content_type)
    return key


def content_type(name: str) -> str:
    return FORMATS[name.rsplit(".", 1)[1]]
