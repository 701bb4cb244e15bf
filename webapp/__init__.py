"""The aiohttp face: Mini App API, marketplace webhooks, the Mini App page, health and metrics."""
