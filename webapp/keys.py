"""Typed application keys: how handlers reach the process-wide resources the composition root made."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from redis.asyncio import Redis

from core.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
REDIS = web.AppKey("redis", Redis)
