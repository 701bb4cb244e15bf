"""The bucket backend against a local S3-compatible server (moto's server mode, on the loopback)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from core import media
from core.settings import Settings
from tests.core.test_photos import picture


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
async def bucket_settings(s3_endpoint: str, tmp_path: Path) -> Settings:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        s3_bucket="shop-photos",
        s3_endpoint_url=s3_endpoint,
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    async with get_session().create_client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    ) as client:
        await client.create_bucket(Bucket="shop-photos")
    return settings


async def test_a_configured_bucket_keeps_every_rendition_with_its_type(bucket_settings: Settings) -> None:
    store = media.store_for(bucket_settings)
    assert isinstance(store, media.S3Store)
    key = await media.keep(store, picture("purple"))
    assert await store.exists(media.file_name(key, "thumb"))
    thumb = await store.get(media.file_name(key, "thumb"))
    assert thumb is not None and thumb[:4] == b"RIFF"  # a WebP file
    assert await store.get("0" * 32 + "-thumb.webp") is None
    assert not (bucket_settings.data_dir / "media").exists(), "nothing went to the directory"
    async with get_session().create_client(
        "s3",
        endpoint_url=bucket_settings.s3_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    ) as client:
        head = await client.head_object(Bucket="shop-photos", Key=f"media/{media.file_name(key, 'card', 'jpg')}")
    await store.close()
    assert head["ContentType"] == "image/jpeg"
    assert "immutable" in head["CacheControl"]
