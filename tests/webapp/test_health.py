from pathlib import Path

from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from core.embedded import ServiceUrls, embedded_redis
from core.settings import Settings
from tests.support import changed


async def test_healthz_and_readyz_answer_when_both_servers_are_up(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls
) -> None:
    client: TestClient = await aiohttp_client(create_app(changed(settings, bot_token=None), service_urls))
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {"status": "ok", "postgres": "ok", "redis": "ok", "bot": "off"}


async def test_readyz_is_503_naming_redis_when_redis_stops(
    aiohttp_client, settings: Settings, service_urls: ServiceUrls, tmp_path: Path
) -> None:
    with embedded_redis(tmp_path / "doomed-redis") as doomed_url:
        app = create_app(changed(settings, bot_token=None), ServiceUrls(service_urls.database_url, doomed_url))
        client: TestClient = await aiohttp_client(app)
        assert (await client.get("/readyz")).status == 200
    # Leaving the block stopped that Redis server.
    ready = await client.get("/readyz")
    assert ready.status == 503
    body = await ready.json()
    assert body["redis"] == "unavailable" and body["postgres"] == "ok"
    assert body["error"]["code"] == "not_ready" and "redis" in body["error"]["message"]
    assert (await client.get("/healthz")).status == 200


async def test_the_address_itself_leads_to_the_store(client: TestClient) -> None:
    response = await client.get("/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/app/dev")
