"""The channels of best-effort events on Redis (caches, live pages).

core.unit_of_work.Effects publishes them; core.subscriber hears them. Losing one loses nothing else: the outbox
and the push marks in the database are the durable path.
"""

from __future__ import annotations

from redis.asyncio import Redis

STOCK_CHANGED = "stock.changed"
# A webhook event was stored: wakes the worker (payload: the marketplace id).
WEBHOOK_RECEIVED = "webhook.received"
# An admin asked the platform for FBS work (core.fbs.request; payload: the action id): wakes the sync's worker.
FBS_REQUESTED = "fbs.requested"
# The sync finished an FBS action (payload: the action id): wakes whoever waits for its outcome.
FBS_FINISHED = "fbs.finished"
# An admin asked for a marketplace sync now (payload: the marketplace id).
SYNC_REQUESTED = "sync.requested"
# A marketplace's connection settings or webhook credentials changed (payload: its slug): every replica drops
# the webhook credentials it keeps in memory.
MARKETPLACE_CHANGED = "marketplace.changed"
# Bumped on every change a catalog page could show (stock, price, texts, categories, banners): cached
# catalog answers are keyed by it, so the next read after a change is fresh on every replica.
CATALOG_VERSION = "catalog:version"
# Each bump is also published with the new version, so that processes keeping catalog answers in memory
# (webapp.near_cache) drop them at once instead of asking Redis for the version on every read.
CATALOG_CHANGED = "catalog.changed"
# A customer's favorites changed (payload: the user id): replicas drop what they remember of them.
FAVORITES_CHANGED = "favorites.changed"


def prefix(redis: Redis) -> str:
    """What every channel's name starts with on this client's database. Redis pub/sub channels are server-wide
    ("Pub/Sub has no relation to the key space", redis.io, Pub/Sub): two shops on one Redis server with different
    database numbers would otherwise hear each other's stock and catalogue events, and a live product page would
    show the other shop's stock of the product with the same id."""
    return f"db{redis.connection_pool.connection_kwargs.get('db', 0)}:"


def scoped(redis: Redis, channel: str) -> str:
    """The channel's name on the wire, within this client's database."""
    return prefix(redis) + channel
