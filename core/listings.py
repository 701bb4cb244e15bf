"""Each API marketplace, declared once: its display name, its listing keys (their names, kind, which a stock push
needs, and how a person is asked for them in uz and ru), the shape of its credentials, where its stock goes, the
cancel reasons of its FBS work, its push-notification protocol, and where its adapter and its demo sandbox live.
Core, the bot, the CLI, the sync and the demo all read this declaration, so a new marketplace adds one entry here
(and its own modules) instead of columns, lookups, branches and form code in every room.

A key is an identity: on one marketplace a value of a key names one listing (unique in `listing_keys`). Values
are text everywhere (a barcode keeps its leading zeros); integer keys are checked to be whole numbers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from core.errors import ValidationError
from core.pushes.ozon import OZON as OZON_PUSHES
from core.pushes.protocol import PushProtocol
from core.pushes.yandex import YANDEX as YANDEX_PUSHES

KeyKind = Literal["text", "integer"]
# How the seller's key is made: one API token, or a client id with an API key (sent as two headers).
Credentials = Literal["token", "client_id_and_api_key"]
# Where our stock goes on the platform: one of the seller's warehouses, or one of the seller's shops.
Place = Literal["warehouse", "shop"]
# The reasons a seller may give for cancelling a marketplace order, in our words: each platform offers those it
# knows (Platform.cancel_reasons), its adapter sends the platform's own code for them, the bot names them in uz and
# ru (bot/fbs_texts.py).
CancelReason = Literal["out_of_stock", "defective", "no_package", "no_time", "other"]
# Why a seller may refuse a buyer's request to cancel an order (core.cancellation_requests), in our words: each
# platform that asks the seller offers those it knows (Platform.cancellation_reasons_to_refuse), its adapter sends
# the platform's own code for them (Yandex Market: ORDER_IN_DELIVERY, ORDER_DELIVERED), the bot names them in uz and
# ru (bot/fbs_texts.py).
CancellationRefusal = Literal["in_delivery", "delivered"]
MAX_KEY_LENGTH = 100
MAX_INTEGER_DIGITS = 18  # a BIGINT on every platform


@dataclass(frozen=True)
class KeySpec:
    name: str
    kind: KeyKind
    # The question a person answers, per language, in the words of the seller cabinet.
    ask: Mapping[str, str]
    # A stock push cannot be made without it.
    required: bool = False
    # The platform tells it (we learn it from its catalogue); a person is never asked for it.
    learnt: bool = False

    def check(self, text: str) -> str:
        """The value as stored, or ValidationError(field=name) saying what is wrong."""
        value = text.strip()
        if self.kind == "integer":
            if not value.isdigit() or len(value) > MAX_INTEGER_DIGITS or int(value) <= 0:
                raise ValidationError(f"{self.name} must be a positive whole number", self.name)
            return str(int(value))
        if not 0 < len(value) <= MAX_KEY_LENGTH:
            raise ValidationError(f"{self.name} must be 1 to {MAX_KEY_LENGTH} characters", self.name)
        return value


class ListingKeys(Mapping[str, str]):
    """A listing's keys on its marketplace: name -> value as text. Immutable and hashable."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str | int | None] | None = None, **named: str | int | None) -> None:
        merged = {**(values or {}), **named}
        self._values = {name: str(value) for name, value in merged.items() if value not in (None, "")}

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return hash(frozenset(self._values.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"ListingKeys({self._values!r})"

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        return int(value) if value is not None else None

    def merged(self, other: Mapping[str, str]) -> ListingKeys:
        return ListingKeys({**self._values, **other})


@dataclass(frozen=True, kw_only=True)
class Platform:
    api_type: str
    # As the seller knows it (the CLI's help, the demo's channel row).
    name: str
    keys: tuple[KeySpec, ...]
    credentials: Credentials
    place: Place
    # The reasons its FBS cancel offers, equal to its adapter's (tests/core/test_platforms.py holds them so);
    # empty: its adapter does no FBS work from chat, and its orders get no work row.
    cancel_reasons: tuple[CancelReason, ...]
    # "module:Class" of its sync.adapter.Adapter, resolved by sync/adapters.py: core imports no other room.
    adapter: str
    # "module:NAME" of its demo.sandboxes.demo_platform.DemoPlatform (how the demo seeds its listings and serves
    # an unconfigured connection), resolved by the demo; None: the demo leaves it alone.
    sandbox: str | None
    # Its push notifications; None: it pushes nothing, so no receiver accepts any.
    pushes: PushProtocol | None = None
    # The reasons it takes for refusing a buyer's request to cancel, equal to its adapter's (the optional
    # sync.adapter.CancellationRequests); empty: its buyers' cancellations need no answer from the seller.
    cancellation_reasons_to_refuse: tuple[CancellationRefusal, ...] = ()

    def spec(self, name: str) -> KeySpec:
        for spec in self.keys:
            if spec.name == name:
                return spec
        raise ValidationError(f"{self.api_type} listings have no key {name!r}", "keys")

    def asked(self) -> tuple[KeySpec, ...]:
        """What a person types to map a listing, in the order the seller cabinet shows it."""
        return tuple(spec for spec in self.keys if spec.required)

    def parse(self, values: Mapping[str, str]) -> ListingKeys:
        """Typed values checked against the declaration; the required ones must all be there."""
        keys = ListingKeys({name: self.spec(name).check(value) for name, value in values.items() if value})
        missing = self.missing(keys)
        if missing:
            raise ValidationError(f"{self.api_type} needs {', '.join(missing)}", missing[0])
        return keys

    def missing(self, keys: Mapping[str, str]) -> list[str]:
        """The required keys this listing lacks (a push is impossible until they are known)."""
        return [spec.name for spec in self.keys if spec.required and spec.name not in keys]

    def listing_id(self, keys: Mapping[str, str]) -> str:
        """The marketplace's own id for the listing (the design's marketplace_product_id): its first key."""
        for spec in self.keys:
            if spec.name in keys:
                return keys[spec.name]
        raise ValidationError(
            f"give at least one key of {self.api_type}: {', '.join(s.name for s in self.keys)}", "keys"
        )


def _ask(uz: str, ru: str) -> Mapping[str, str]:
    return {"uz": uz, "ru": ru}


WILDBERRIES = Platform(
    api_type="wildberries",
    name="Wildberries",
    keys=(
        KeySpec(
            "chrt_id",
            "integer",
            _ask(
                "kartochkaning chrtId raqami (sotuvchi kabinetidagi son)",
                "chrtId карточки (число из личного кабинета продавца)",
            ),
            required=True,
        ),
        # A 409 of the stock push may name refused items by barcode only (WB-SPEC 409 examples).
        KeySpec("barcode", "text", _ask("kartochkaning shtrix-kodi", "штрихкод карточки"), learnt=True),
    ),
    credentials="token",
    place="warehouse",
    cancel_reasons=("out_of_stock", "other"),
    adapter="sync.wildberries:WildberriesAdapter",
    sandbox="demo.sandboxes.wildberries:DEMO",
)
UZUM = Platform(
    api_type="uzum",
    name="Uzum Market",
    keys=(
        KeySpec(
            "sku_id",
            "integer",
            _ask(
                "kartochkaning skuId raqami (sotuvchi kabinetidagi son)",
                "skuId карточки (число из личного кабинета продавца)",
            ),
            required=True,
        ),
        # The stock push is keyed by barcode, a string (UZ-MD post-v2-fbs-sku-stocks.md).
        KeySpec("barcode", "text", _ask("kartochkaning shtrix-kodi", "штрихкод карточки"), required=True),
        # Uzum order items carry neither skuId nor barcode, only productId and skuTitle (UZ-MD get-v2-fbs-orders.md):
        # "productId:skuTitle", learnt from the catalogue (GET /v1/product/shop/{shopId}).
        KeySpec("product_sku", "text", _ask("mahsulot ID va SKU nomi", "ID товара и название SKU"), learnt=True),
    ),
    credentials="token",
    place="shop",
    cancel_reasons=("out_of_stock", "no_package", "no_time", "other"),
    adapter="sync.uzum:UzumAdapter",
    sandbox="demo.sandboxes.uzum:DEMO",
)
OZON = Platform(
    api_type="ozon",
    name="Ozon",
    keys=(
        KeySpec(
            "offer_id",
            "text",
            _ask("kartochkaning offer_id si (u yerdagi artikulingiz)", "offer_id карточки (ваш артикул там)"),
            required=True,
        ),
        KeySpec(
            "product_id",
            "integer",
            _ask(
                "kartochkaning product_id si (sotuvchi kabinetidagi son)",
                "product_id карточки (число из личного кабинета продавца)",
            ),
            required=True,
        ),
    ),
    credentials="client_id_and_api_key",
    place="warehouse",
    cancel_reasons=("out_of_stock", "defective", "other"),
    adapter="sync.ozon:OzonAdapter",
    sandbox="demo.sandboxes.ozon:DEMO",
    pushes=OZON_PUSHES,
)
YANDEX = Platform(
    api_type="yandex",
    name="Yandex Market",
    keys=(
        # The shop SKU: what stock pushes (UpdateStockDTO.sku) and order items (offerId) name a listing by.
        KeySpec(
            "offer_id",
            "text",
            _ask(
                "kartochkaning offer_id si (do'kon SKU si, u yerdagi artikulingiz)",
                "offer_id карточки (ваш SKU / артикул)",
            ),
            required=True,
        ),
        # The Market SKU the catalogue gives a card (offer-mappings mapping.marketSku).
        KeySpec("market_sku", "integer", _ask("Market SKU raqami", "SKU на Маркете"), learnt=True),
    ),
    # One Api-Key; the campaign (the shop) is the connection's shop id, its business learnt from the campaign.
    credentials="token",
    place="shop",
    # The spec has one shop-side cancel code, SHOP_FAILED, for an order the shop cannot fulfil: out of stock
    # and defective are its own examples (paths/v2_campaigns_campaignId_orders_orderId_status.yaml).
    cancel_reasons=("out_of_stock", "defective", "other"),
    # A DBS campaign's buyer may ask to cancel an order in delivery; the shop refuses only because it is already
    # with the courier or delivered (OrderCancellationReasonType.yaml: ORDER_IN_DELIVERY, ORDER_DELIVERED).
    cancellation_reasons_to_refuse=("in_delivery", "delivered"),
    adapter="sync.yandex:YandexAdapter",
    sandbox="demo.sandboxes.yandex:DEMO",
    pushes=YANDEX_PUSHES,
)

# The one registry, in the order every list of platforms shows them (the demo's channels too).
PLATFORMS: dict[str, Platform] = {platform.api_type: platform for platform in (UZUM, WILDBERRIES, OZON, YANDEX)}


def platform(api_type: str) -> Platform:
    found = PLATFORMS.get(api_type)
    if found is None:
        raise ValidationError(f"no listing keys are declared for marketplace type {api_type!r}", "api_type")
    return found


def declared(api_type: str | None) -> Platform | None:
    """The declaration of a marketplace type, or None for a manual channel, our own store or an unknown type."""
    return PLATFORMS.get(api_type or "")


def uzum_product_sku(product_id: object, sku_title: object) -> str | None:
    """The key an Uzum order line and its catalogue SKU share: product id and SKU title."""
    if product_id in (None, ""):
        return None
    return f"{product_id}:{sku_title or ''}"
