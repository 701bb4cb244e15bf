"""Registers the web face's routes on the process's aiohttp application."""

from __future__ import annotations

from aiohttp import web

from webapp import health


def setup(app: web.Application) -> None:
    health.setup_routes(app)
