"""Product card lists as ready JSON pieces. Cached lists are the same for everyone; only the hearts (is the
card the caller's favorite?) differ, so each card is encoded once when cached and the hearts are spliced in
per request: encoding a page of cards for every request was most of a warm catalog read's time."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

_LIKED = b',"is_favorite":true}'
_NOT_LIKED = b',"is_favorite":false}'


class CardList:
    """`{"items": [cards...], **rest}` in pieces: each card's JSON without its closing brace. The body without
    any heart is made once, as most callers have none of a page's products among their favorites."""

    def __init__(self, cards: tuple[tuple[int, bytes], ...], rest: bytes) -> None:
        self.cards = cards
        self._ids = frozenset(product_id for product_id, _ in cards)
        self._rest = rest
        self._heartless = self._body(frozenset())

    @classmethod
    def of(cls, items: list[dict[str, Any]], rest: dict[str, Any]) -> CardList:
        cards = tuple(
            (card["id"], _encode({k: v for k, v in card.items() if k != "is_favorite"})[:-1]) for card in items
        )
        return cls(cards, _encode(rest)[1:] if rest else b"}")

    def heartless(self) -> bytes:
        """The page as JSON with no card among the reader's favorites (for a reader not known yet)."""
        return self._heartless

    def response(self, liked: frozenset[int]) -> web.Response:
        body = self._heartless if self._ids.isdisjoint(liked) else self._body(liked)
        return web.Response(body=body, content_type="application/json")

    def _body(self, liked: frozenset[int]) -> bytes:
        hearts = b",".join(card + (_LIKED if product_id in liked else _NOT_LIKED) for product_id, card in self.cards)
        separator = b"," if self._rest != b"}" else b""
        return b'{"items":[' + hearts + b"]" + separator + self._rest


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
