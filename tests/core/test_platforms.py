"""The seam a marketplace plugs into: its declaration in core.listings names its adapter, its push protocol, its
FBS cancel reasons (and those it takes to refuse a buyer's cancellation request), its credentials and its demo
sandbox, and every room finds them there. Proved for the declared platforms, and for a made-up one
(tests/tiny_platform.py) declared in the registry and nowhere else."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from core import fbs, pushes
from core.listings import PLATFORMS, Platform
from core.marketplaces import Connection
from core.pushes import Work
from core.settings import load_settings
from demo.platforms import demo_platform
from demo.sandboxes.demo_platform import DemoPlatform, SeededProduct
from sync.adapter import Adapter, CancellationRequests, Fulfilment
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits, account_of
from tests.tiny_platform import TINY, TINY_DEMO, TinyAdapter


def _connection(api_type: str, **secrets: str) -> Connection:
    return Connection(
        marketplace_id=1,
        slug=api_type,
        name=api_type,
        api_type=api_type,
        base_url="http://127.0.0.1:9",
        token=secrets.get("token", "token"),
        client_id=secrets.get("client_id", "1"),
        api_key=secrets.get("api_key", "key"),
        warehouse_id=1,
        shop_id=1,
        auto_sync_enabled=True,
        sales_source="orders",
        sync_interval_minutes=5,
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Platform:
    """Tiny Market, declared in the one registry and nowhere else."""
    monkeypatch.setitem(PLATFORMS, TINY.api_type, TINY)
    return TINY


@pytest.mark.parametrize("api_type", list(PLATFORMS))
async def test_a_declared_platform_resolves_an_adapter_that_does_what_the_declaration_says(
    api_type: str, session: aiohttp.ClientSession
) -> None:
    platform = PLATFORMS[api_type]
    adapter = build_adapter(_connection(api_type), session, RateLimits(None))

    members = {*Adapter.__annotations__, *(name for name in vars(Adapter) if not name.startswith("_"))}
    assert members and not [name for name in members if not hasattr(adapter, name)]
    assert isinstance(adapter, Fulfilment) == bool(platform.cancel_reasons) == fbs.fulfils(api_type)
    if isinstance(adapter, Fulfilment):
        assert adapter.cancel_reasons == platform.cancel_reasons == fbs.cancel_reasons(api_type)
    refusals = platform.cancellation_reasons_to_refuse
    assert isinstance(adapter, CancellationRequests) == bool(refusals) == bool(fbs.refusal_reasons(api_type))
    if isinstance(adapter, CancellationRequests):
        assert adapter.cancellation_reasons_to_refuse == refusals == fbs.refusal_reasons(api_type)
        assert platform.cancel_reasons, "an answer to a buyer's request runs in the FBS queue, on an order's work"


def test_the_demo_serves_exactly_the_platforms_that_declare_a_sandbox() -> None:
    """A platform may be declared before the demo seeds it (sandbox=None): the demo then leaves it alone."""
    assert {t: demo_platform(t) is not None for t in PLATFORMS} == {
        t: p.sandbox is not None for t, p in PLATFORMS.items()
    }


@pytest.mark.parametrize("api_type", [t for t, p in PLATFORMS.items() if p.sandbox is not None])
def test_a_declared_platform_resolves_a_demo_sandbox_whose_listings_carry_the_keys_it_requires(api_type: str) -> None:
    platform = PLATFORMS[api_type]
    demo = demo_platform(api_type)
    assert platform.sandbox is not None and isinstance(demo, DemoPlatform)

    keys = demo.keys(SeededProduct(id=5, sku="AS-ELE-0001", barcode="4781207000016"))
    assert platform.missing(platform.parse({name: value for name, value in keys.items() if value})) == []


@pytest.mark.parametrize("api_type", list(PLATFORMS))
def test_a_declared_platform_receives_pushes_exactly_when_it_declares_a_protocol_with_its_networks(
    api_type: str,
) -> None:
    platform = PLATFORMS[api_type]
    protocol = pushes.protocol_for(api_type)
    assert protocol is platform.pushes
    if protocol is not None:
        networks = pushes.networks_for(api_type, protocol, load_settings(_env_file=None))
        assert networks == protocol.default_networks and networks
        assert all(ipaddress.ip_network(network) for network in networks)


@pytest.mark.parametrize("api_type", [t for t, platform in PLATFORMS.items() if platform.pushes is not None])
def test_a_declared_push_protocols_resource_is_one_path_segment_the_receiver_can_answer_at(api_type: str) -> None:
    protocol = pushes.protocol_for(api_type)
    assert protocol is not None
    resource = protocol.resource
    assert resource is None or (resource and "/" not in resource and resource == resource.strip())


def test_work_naming_a_place_is_a_connections_only_when_it_names_where_the_connections_stock_goes(
    tiny: Platform,
) -> None:
    shop = replace(_connection("tiny"), shop_id=7, warehouse_id=8)  # Tiny Market's stock goes to a shop
    warehouse = replace(_connection("ozon"), shop_id=7, warehouse_id=8)  # Ozon's to a warehouse
    assert pushes.concerns(Work("1", cancel=False), shop)  # an event that names no place is the connection's
    assert pushes.concerns(Work("1", cancel=False, place=7), shop)
    assert not pushes.concerns(Work("1", cancel=False, place=8), shop)
    assert pushes.concerns(Work("1", cancel=True, place=8), warehouse)
    assert not pushes.concerns(Work("1", cancel=True, place=7), warehouse)
    # A connection whose shop is not set yet owns no shop an event names.
    assert not pushes.concerns(Work("1", cancel=False, place=7), replace(shop, shop_id=None))


async def test_a_platform_declared_only_in_the_registry_is_picked_up_by_every_room(
    tiny: Platform, session: aiohttp.ClientSession
) -> None:
    adapter = build_adapter(_connection("tiny"), session, RateLimits(None))
    assert isinstance(adapter, TinyAdapter) and adapter.connection.api_type == "tiny"

    protocol = pushes.protocol_for("tiny")
    assert protocol is tiny.pushes and protocol is not None
    assert pushes.networks_for("tiny", protocol, load_settings(_env_file=None)) == ("203.0.113.0/24",)
    moved = load_settings(_env_file=None, webhook_networks='{"tiny": ["198.51.100.0/24"]}')
    assert pushes.networks_for("tiny", protocol, moved) == ["198.51.100.0/24"]

    assert fbs.fulfils("tiny") and fbs.cancel_reasons("tiny") == ("out_of_stock", "other")
    assert demo_platform("tiny") is TINY_DEMO


def test_a_platform_keyed_by_client_id_counts_requests_per_client_id_whatever_the_token(tiny: Platform) -> None:
    one = account_of(_connection("tiny", client_id="1", api_key="a", token="x"))
    assert one == account_of(_connection("tiny", client_id="1", api_key="b", token="y"))
    assert one != account_of(_connection("tiny", client_id="2", api_key="a", token="x"))


def test_a_platform_keyed_by_token_counts_requests_per_token_whatever_the_client_id() -> None:
    token_platform = next(p.api_type for p in PLATFORMS.values() if p.credentials == "token")
    one = account_of(_connection(token_platform, token="x", client_id="1"))
    assert one == account_of(_connection(token_platform, token="x", client_id="2"))
    assert one != account_of(_connection(token_platform, token="y", client_id="1"))


async def test_an_undeclared_type_has_no_adapter_no_pushes_and_no_fbs(session: aiohttp.ClientSession) -> None:
    with pytest.raises(MarketplaceError, match="no adapter for marketplace type 'tiny'"):
        build_adapter(_connection("tiny"), session, RateLimits(None))
    assert pushes.protocol_for("tiny") is None
    assert not fbs.fulfils("tiny") and fbs.cancel_reasons("tiny") == ()
    assert demo_platform("tiny") is None
