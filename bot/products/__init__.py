"""Products for admins: search, the card, stock and price edits, the own-store switch, marketplace listings,
new products."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.access import IsAdmin
from bot.callbacks import FormCb, MenuCb, ProductCb
from bot.forms import CurrentForm
from bot.products import card, listings, navigation, new_product, prices, search, stock
from bot.products.states import NewProduct, ProductForm

TEXT = F.text & ~F.text.startswith("/")


def create_router() -> Router:
    router = Router(name="products")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    on_button, on_message = router.callback_query.register, router.message.register

    def product(action: str) -> object:
        return ProductCb.filter(F.action == action)

    def form(action: str) -> tuple[object, object]:
        return FormCb.filter(F.action == action), CurrentForm()

    on_message(search.command, Command("products"))
    on_button(search.from_button, MenuCb.filter(F.item == "products"))
    on_button(search.from_button, product("search"))
    on_message(search.typed, ProductForm.search, TEXT)
    on_button(card.open_card, product("open"))
    on_button(card.read_only_price, product("ro"))
    on_button(card.switch, ProductCb.filter(F.action.in_({"on", "off"})))
    on_button(stock.start_adjust, product("adj"))
    on_button(stock.start_count, product("count"))
    on_button(prices.start, product("price"))
    on_message(stock.change_typed, ProductForm.adjust_change, TEXT)
    on_message(stock.reason_typed, ProductForm.adjust_reason, TEXT)
    on_button(stock.reason_tapped, ProductForm.adjust_reason, *form("reason"))
    on_button(navigation.back_to_change, ProductForm.adjust_reason, *form("back"))
    on_message(stock.count_typed, ProductForm.count, TEXT)
    on_message(prices.typed, ProductForm.price, TEXT)
    on_button(prices.cleared, ProductForm.price, *form("clear"))
    on_button(listings.open_listings, product("lst"))
    on_button(listings.start_map, product("map"))
    on_button(listings.ask_unmap, product("unmap"))
    on_button(listings.unmap, product("unmapok"))
    on_message(listings.key_typed, ProductForm.listing_key, TEXT)
    on_button(listings.back, ProductForm.listing_key, *form("back"))
    on_button(navigation.cancel, StateFilter(ProductForm), *form("cancel"))

    on_message(new_product.start, Command("newproduct"))
    on_button(new_product.start, MenuCb.filter(F.item == "newproduct"))
    on_message(new_product.photo_sent, NewProduct.photo, F.photo)
    on_message(new_product.typed, StateFilter(NewProduct), TEXT)
    on_button(new_product.category_tapped, NewProduct.category, *form("category"))
    on_button(new_product.skipped, StateFilter(NewProduct), *form("skip"))
    on_button(new_product.back, StateFilter(NewProduct), *form("back"))
    on_button(new_product.cancel, StateFilter(NewProduct), *form("cancel"))
    on_button(new_product.create, NewProduct.confirm, *form("create"))
    return router
