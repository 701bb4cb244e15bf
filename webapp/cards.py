"""Product card lists as ready JSON pieces. Cached lists are the same for everyone; only the hearts (is the
card the caller's favorite?) differ, so each card is encoded once when cached and the hearts are spliced in
per request: encoding a page of cards for every request was most of a warm catalog read's time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

_LIKED = b',"is_favorite":true}'
_NOT_LIKED = b',"is_favorite":false}'


@dataclass(frozen=True)
class CardList:
    """`{"items": [cards...], **rest}` in pieces: each card's JSON without its closing brace."""

    cards: tuple[tuple[int, bytes], ...]
    rest: bytes

    @classmethod
    def of(cls, items: list[dict[str, Any]], rest: dict[str, Any]) -> CardList:
        cards = tuple((card["id"], _encode({k: v for k, v in card.items() if k != "is_favorite"})[:-1])
                      for card in items)
        return cls(cards, _encode(rest)[1:] if rest else b"}")

    def response(self, liked: frozenset[int]) -> web.Response:
        hearts = b",".join(card + (_LIKED if product_id in liked else _NOT_LIKED) for product_id, card in self.cards)
        separator = b"," if self.rest != b"}" else b""
        return web.Response(body=b'{"items":[' + hearts + b"]" + separator + self.rest,
                            content_type="application/json")


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
