"""Request and response models of the Mini App API. Money travels as decimal strings ("150000.00")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Language = Literal["uz", "ru"]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)]
Quantity = Annotated[int, Field(ge=1, le=10_000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Query(BaseModel):
    """Query strings: unknown parameters are ignored, known ones must have the right type. Frozen: a validated
    query string is shared by every request that sends the same one (webapp.api)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LangQuery(Query):
    lang: Language = "uz"


# --- users ---------------------------------------------------------------------------------------------


class Profile(BaseModel):
    id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    phone: str | None
    language: Language


class Session(BaseModel):
    user: Profile
    favorites: list[int]
    is_admin: bool


class ProfileChange(Body):
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    language: Language | None = None


class FavoriteIds(BaseModel):
    favorites: list[int]


class FavoritesReplace(Body):
    product_ids: list[Id] = Field(max_length=500)


# --- catalog -------------------------------------------------------------------------------------------


class Category(BaseModel):
    id: int
    name: str
    icon: str | None
    color: str | None
    sort_order: int
    parent_id: int | None
    children: list[Category]


class Categories(BaseModel):
    categories: list[Category]


class CategoryCreate(Body):
    name_uz: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    name_ru: Text | None = None
    parent_id: Id | None = None
    icon: Annotated[str, StringConstraints(max_length=50)] | None = None
    color: Annotated[str, StringConstraints(max_length=20)] | None = None
    sort_order: Annotated[int, Field(ge=-100_000, le=100_000)] = 0
    is_active: bool = True


class CategoryChange(Body):
    name_uz: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    name_ru: Text | None = None
    parent_id: Id | None = None
    icon: Annotated[str, StringConstraints(max_length=50)] | None = None
    color: Annotated[str, StringConstraints(max_length=20)] | None = None
    sort_order: Annotated[int, Field(ge=-100_000, le=100_000)] | None = None
    is_active: bool | None = None


class ProductQuery(LangQuery):
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20
    category: Id | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    in_stock: bool | None = None
    sort: Literal["relevance", "new", "popular", "price_asc", "price_desc"] | None = None


class BestSellersQuery(LangQuery):
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class PhotoLinks(BaseModel):
    """One photo in each size the store shows (WebP), and the same as JPEG for a client without WebP."""

    thumb: str
    card: str
    full: str
    thumb_jpeg: str
    card_jpeg: str
    full_jpeg: str


class ProductCard(BaseModel):
    id: int
    name: str
    description: str | None
    price: Decimal
    sale_price: Decimal | None
    display_price: Decimal
    # The "−N %" badge: how much the sale price takes off the price (null without a sale).
    discount_percent: int | None = None
    image: str | None
    sku: str
    category_id: int | None
    available: int
    in_stock: bool
    photo: PhotoLinks | None = None
    is_favorite: bool = False


class ProductDetail(ProductCard):
    category_name: str | None
    photos: list[PhotoLinks] = []
    # The caller asked to be told when this sold-out product is back ("Notify me").
    back_in_stock_requested: bool = False


class BackInStockRequest(BaseModel):
    """Whether the caller waits for news of the product's return."""

    requested: bool


class ProductList(BaseModel):
    items: list[ProductCard]


class ProductPage(BaseModel):
    items: list[ProductCard]
    total: int
    # A search that matches very many products stops counting: then `total` is a lower bound ("1000+").
    total_is_estimate: bool = False
    page: int
    per_page: int
    pages: int


class Favorites(BaseModel):
    favorites: list[int]
    items: list[ProductCard]


class ProductCreate(Body):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    barcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    name_uz: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    name_ru: Text | None = None
    description_uz: LongText | None = None
    description_ru: LongText | None = None
    category_id: Id | None = None
    price: Money
    sale_price: Money | None = None
    cost_price: Money | None = None
    image_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    is_active: bool = True
    initial_stock: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class ProductChange(Body):
    barcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    name_uz: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    name_ru: Text | None = None
    description_uz: LongText | None = None
    description_ru: LongText | None = None
    category_id: Id | None = None
    price: Money | None = None
    sale_price: Money | None = None
    cost_price: Money | None = None
    image_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    is_active: bool | None = None


class AdminProduct(BaseModel):
    id: int
    sku: str
    barcode: str | None
    name_uz: str
    name_ru: str | None
    description_uz: str | None
    description_ru: str | None
    category_id: int | None
    price: Decimal
    sale_price: Decimal | None
    cost_price: Decimal | None
    profitability_percentage: Decimal | None
    image_url: str | None
    is_active: bool
    inactive_reason: str | None
    quantity: int
    reserved: int
    available: int


# --- cart ----------------------------------------------------------------------------------------------


class CartItem(BaseModel):
    id: int
    product_id: int
    name: str
    image: str | None
    quantity: int
    price: Decimal
    price_snapshot: Decimal
    price_changed: bool
    available: int
    in_stock: bool
    line_total: Decimal


class Cart(BaseModel):
    items: list[CartItem]
    total_quantity: int
    subtotal: Decimal
    has_changes: bool


class CartPut(Body):
    product_id: Id
    quantity: Quantity = 1


class CartQuantity(Body):
    quantity: Quantity


# --- orders --------------------------------------------------------------------------------------------


class OrderLine(BaseModel):
    product_id: int | None
    name: str
    sku: str
    price: Decimal
    quantity: int
    subtotal: Decimal
    image: str | None


class Order(BaseModel):
    id: int
    order_number: str
    status: str
    payment_status: str
    payment_method: str | None
    subtotal: Decimal
    delivery_zone: str | None  # the zone's name in the asked language; null: no zone (shops without zones)
    delivery_fee: Decimal
    total: Decimal
    created_at: datetime
    customer_name: str
    customer_phone: str
    customer_address: str | None
    note: str | None
    items: list[OrderLine]


class Orders(BaseModel):
    items: list[Order]


class OrderPlaced(BaseModel):
    order: Order
    invoice_url: str | None


class Checkout(Body):
    customer_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    customer_phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=30)]
    customer_address: LongText | None = None
    payment_method: Literal["cash", "card"] = "cash"
    note: LongText | None = None
    # Required when the shop has delivery zones switched on (GET /api/delivery); the fee is the server's.
    delivery_zone_id: Id | None = None


# --- banners -------------------------------------------------------------------------------------------


class Banner(BaseModel):
    id: int
    title: str | None
    image_url: str
    link_type: str | None
    link_id: int | None
    link_url: str | None


class Banners(BaseModel):
    items: list[Banner]


# --- shop ----------------------------------------------------------------------------------------------


class ShopProfile(BaseModel):
    """What the seller wrote about the shop; a field never filled is null (the page then leaves it out)."""

    name: str | None
    phone: str | None
    hours: str | None
    about: str | None
    # The bot's t.me link, once the bot has said its name at start: "Ask the seller", share links and the
    # "Open in Telegram" of a plain browser lead there. Null in the trial (no bot).
    bot_link: str | None
    # Card payment is offered only when a payment provider is configured (and the bot runs to issue invoices).
    card_payment: bool


# --- delivery ------------------------------------------------------------------------------------------


class DeliveryZone(BaseModel):
    id: int
    name: str
    fee: Decimal
    free_from: Decimal | None  # an order subtotal at or above it is delivered free; null: never free
    delivery_time: str | None


class DeliveryTerms(BaseModel):
    """The zones switched on, cheapest first, amounts in `currency` (the shop's base currency). No zones: the
    shop states no delivery terms and checkout asks for no zone."""

    currency: str
    zones: list[DeliveryZone]


class EventsQuery(Query):
    products: Annotated[str, StringConstraints(pattern=r"^\d{1,10}(,\d{1,10}){0,49}$")]
