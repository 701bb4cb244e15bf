"""Which links the store puts in front of customers (a product's image, a banner's picture and link): an http(s)
address or one of the store's own paths, never something a browser would run (javascript:, data:) or a path that
leaves for another host (//evil.example, /\\evil.example)."""

from __future__ import annotations

from urllib.parse import urlsplit

# The store's own files: kept photos (core.photos.MEDIA_PATH) and the Mini App's static files (the demo's pictures).
OWN_PATHS = ("/media/", "/app/")
MAX_LENGTH = 2000


def is_allowed(url: str) -> bool:
    # Browsers drop tabs and newlines inside a URL ("java\tscript:" runs) and read a backslash as a slash in
    # http(s) URLs, so none of them is allowed anywhere, nor any other space or control character. [strict]
    if not url or len(url) > MAX_LENGTH or any(c <= " " or c in "\\\x7f" for c in url):
        return False
    if url.startswith(OWN_PATHS):
        return "/../" not in url and not url.endswith("/..")
    if not url.lower().startswith(("http://", "https://")):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # a malformed host ("http://[::1")
        return False
