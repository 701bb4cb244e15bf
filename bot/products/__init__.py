"""Products for admins: search, the card, stock and price edits, the own-store switch, marketplace listings,
new products, photos."""

from __future__ import annotations

from aiogram import Router

from bot.products import card, listings, navigation, new_product, photos, prices, search, stock

router = Router(name=__name__)
router.include_routers(
    search.router,
    card.router,
    stock.router,
    prices.router,
    listings.router,
    navigation.router,
    new_product.router,
    photos.router,
)
