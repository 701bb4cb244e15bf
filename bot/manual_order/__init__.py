"""The manual order form (/order): a buyer phoned in from OLX or Bir-Bir and an admin types the order."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.access import IsAdmin
from bot.callbacks import FormCb, MenuCb
from bot.forms import CurrentForm, answer_stale
from bot.manual_order import customer, flow, items
from bot.manual_order.states import ManualOrder as S

# Typed input, but never a command: /orders typed mid-form is a command, not a product name.
TEXT = F.text & ~F.text.startswith("/")


def create_router() -> Router:
    router = Router(name="manual_order")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(flow.start, Command("order"))
    router.callback_query.register(flow.start_from_menu, MenuCb.filter(F.item == "order"))

    def tap(handler: object, action: str, *states: object) -> None:
        router.callback_query.register(handler, *states, FormCb.filter(F.action == action), CurrentForm())

    tap(flow.cancel, "cancel", StateFilter(S))
    tap(flow.back, "back", StateFilter(S))
    tap(items.channel_chosen, "channel", S.channel)
    tap(items.picked, "pick", S.pick)
    tap(items.quantity_tapped, "qty", S.quantity)
    tap(items.price_kept, "keep_price", S.price)
    tap(items.add_another, "add", S.items)
    tap(items.remove_line, "remove", S.items)
    tap(items.items_done, "next", S.items)
    tap(customer.address_skipped, "skip", S.address)
    tap(customer.fee_skipped, "skip", S.fee)
    tap(flow.confirm, "confirm", S.summary)
    tap(flow.edit, "edit", S.summary)
    tap(flow.goto, "goto", S.edit)

    router.message.register(items.searched, S.search, TEXT)
    router.message.register(items.quantity_typed, S.quantity, TEXT)
    router.message.register(items.price_typed, S.price, TEXT)
    router.message.register(customer.name_typed, S.name, TEXT)
    router.message.register(customer.phone_typed, S.phone, TEXT)
    router.message.register(customer.address_typed, S.address, TEXT)
    router.message.register(customer.fee_typed, S.fee, TEXT)
    return router


def create_stale_router() -> Router:
    """Any form's button that no handler took: its form was finished, cancelled or replaced."""
    router = Router(name="stale_forms")
    router.callback_query.filter(IsAdmin())
    router.callback_query.register(answer_stale, FormCb.filter())
    return router
