"""Connecting an API marketplace from the chat: the admin sends the key, the bot deletes that message at once,
the sync checks the key (whose it is, which warehouses or shops it sees) before it replaces the stored one,
the admin picks the warehouse or shop with a button, and the connection's sync is switched on; then its catalogue
can be imported, or only mapped onto our products (by the process running the sync, asked over Redis:
core.catalog_requests)."""

from __future__ import annotations

import asyncpg
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot.access import admin_router
from bot.callbacks import ConnectMarketplace, MarketplaceCatalog, OpenChannel, PickMarketplacePlace
from bot.errors import describe
from bot.forms import TYPED, show
from bot.sync_desk.key_check import WAIT_SECONDS, reason, render
from core import catalog_requests, channels, key_checks, marketplaces
from core.catalog_requests import Action
from core.errors import DomainError
from core.key_checks import Candidate, KeyCheck
from core.listings import platform
from core.mappings import Automapped
from core.unit_of_work import Effects
from core.users import User
from core.vault import Vault

router = admin_router(__name__)

# Reading a catalogue of thousands of cards at the platforms' rates takes minutes.
CATALOG_WAIT_SECONDS = 600.0
# An idle sync takes a request within its 2 s poll; one busy with another catalogue may not for minutes.
TAKE_SECONDS = 30.0


class ConnectForm(StatesGroup):
    key = State()


def _back(marketplace_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("⬅️ Back"), callback_data=OpenChannel(channel_id=marketplace_id).pack())]
        ]
    )


@router.callback_query(ConnectMarketplace.filter())
async def start(
    callback: CallbackQuery, callback_data: ConnectMarketplace, state: FSMContext, pool: asyncpg.Pool, vault: Vault
) -> None:
    try:
        async with pool.acquire() as conn:
            # Keys that do not open (sealed with another SECRET_KEY) are what entering them again mends.
            connection = await marketplaces.connection(
                conn, (await channels.get(conn, callback_data.marketplace_id)).slug, vault, unreadable_as_none=True
            )
        two_part = _two_part(connection.api_type)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    await state.set_state(ConnectForm.key)
    # Only which marketplace: the key itself never enters the form's state (Redis).
    await state.set_data({"marketplace_id": connection.marketplace_id})
    if two_part:
        ask = _("Send the Client-Id and the Api-Key from the {name} seller cabinet, separated by a space.")
    else:
        ask = _("Send the API token from the {name} seller cabinet.")
    note = _("I delete your message with the key as soon as I read it.")
    await show(callback, ask.format(name=connection.name) + "\n" + note, _back(connection.marketplace_id))


def _two_part(api_type: str) -> bool:
    """The platform's key is a client id and an API key (sent as one message, separated by a space)."""
    return platform(api_type).credentials == "client_id_and_api_key"


def _by_shop(api_type: str) -> bool:
    """Our stock goes to one of the seller's shops there, not to a warehouse."""
    return platform(api_type).place == "shop"


def _candidate(api_type: str, text: str, vault: Vault) -> Candidate | None:
    parts = text.split()
    if _two_part(api_type):
        if len(parts) != 2:
            return None
        return Candidate(client_id=parts[0], api_key=vault.seal(parts[1]))
    return Candidate(token=vault.seal(parts[0])) if len(parts) == 1 else None


def _place_buttons(marketplace_id: int, check: KeyCheck) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                text=" · ".join(part for part in (place.id, place.name, place.note) if part),
                callback_data=PickMarketplacePlace(marketplace_id=marketplace_id, place_id=int(place.id)).pack(),
            )
        ]
        for place in check.places
        if place.id.isdigit()
    ]


@router.message(ConnectForm.key, TYPED)
async def key_sent(
    message: Message, state: FSMContext, pool: asyncpg.Pool, redis: Redis, effects: Effects, vault: Vault
) -> None:
    text = message.text or ""
    try:
        await message.delete()  # the key must not stay in the chat's history
        deleted = True
    except TelegramBadRequest:
        deleted = False
    marketplace_id = (await state.get_data())["marketplace_id"]
    async with pool.acquire() as conn:
        slug = (await channels.get(conn, marketplace_id)).slug
        connection = await marketplaces.connection(conn, slug, vault, unreadable_as_none=True)
    warning = "" if deleted else "\n\n" + _("⚠️ I could not delete your message with the key: delete it yourself.")
    candidate = _candidate(connection.api_type, text, vault)
    if candidate is None:
        await message.answer(
            _("That does not look like the key: send it again.") + warning, reply_markup=_back(marketplace_id)
        )
        return
    waiting = await message.answer(_("⏳ Asking {name} about the key…").format(name=connection.name) + warning)
    answer = await key_checks.ask(redis, marketplace_id, WAIT_SECONDS, candidate)
    if answer is None or answer.check is None:
        retry = "\n\n" + _("The stored key was left as it was. Send another key, or go back.")
        await waiting.edit_text(render(connection.name, answer) + retry, reply_markup=_back(marketplace_id))
        return
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        await marketplaces.configure(
            uow,
            connection.slug,
            marketplaces.Changes(
                token=vault.open(candidate.token) if candidate.token else None,
                client_id=candidate.client_id,
                api_key=vault.open(candidate.api_key) if candidate.api_key else None,
            ),
            vault,
        )
    await state.clear()
    ask = (
        _("Which shop should our stock go to?")
        if _by_shop(connection.api_type)
        else _("Which warehouse should our stock go to?")
    )
    rows = _place_buttons(marketplace_id, answer.check)
    await waiting.edit_text(
        render(connection.name, answer) + "\n\n" + (ask if rows else _("It sees no warehouse or shop to pick.")),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, *_back(marketplace_id).inline_keyboard]),
    )


@router.callback_query(PickMarketplacePlace.filter())
async def place_picked(
    callback: CallbackQuery, callback_data: PickMarketplacePlace, pool: asyncpg.Pool, effects: Effects, vault: Vault
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            slug = (await channels.get(conn, callback_data.marketplace_id)).slug
            by_shop = _by_shop((await marketplaces.connection(conn, slug, vault, unreadable_as_none=True)).api_type)
            connection = await marketplaces.configure(
                uow,
                slug,
                marketplaces.Changes(
                    shop_id=callback_data.place_id if by_shop else None,
                    warehouse_id=None if by_shop else callback_data.place_id,
                    enabled=True,
                ),
                vault,
            )
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    text = "\n".join(
        [
            _("✅ {name} is connected; its sync is on.").format(name=connection.name),
            "",
            _(
                "Import its catalogue? Cards that map to none of our products become products here (title, barcode, "
                "SKU, photos, price); those whose SKU or barcode is ours are mapped to them."
            ),
            "",
            _("Or only map its listings whose SKU or barcode is ours, making no new products."),
        ]
    )
    await show(callback, text, _catalog_buttons(connection.marketplace_id))


def _catalog_buttons(marketplace_id: int) -> InlineKeyboardMarkup:
    choices = [
        (_("📥 Import with their stock"), Action.IMPORT_WITH_STOCK),
        (_("📥 Import without stock"), Action.IMPORT),
        (_("🔗 Map to my products only"), Action.AUTOMAP),
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            *(
                [
                    InlineKeyboardButton(
                        text=label,
                        callback_data=MarketplaceCatalog(marketplace_id=marketplace_id, action=action).pack(),
                    )
                ]
                for label, action in choices
            ),
            *_back(marketplace_id).inline_keyboard,
        ]
    )


@router.callback_query(MarketplaceCatalog.filter())
async def catalog(
    callback: CallbackQuery, callback_data: MarketplaceCatalog, pool: asyncpg.Pool, redis: Redis, admin: User
) -> None:
    marketplace_id = callback_data.marketplace_id
    try:
        async with pool.acquire() as conn:
            name = (await channels.get(conn, marketplace_id)).name
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    # Said at once: reading thousands of cards takes minutes, and the result replaces this message.
    await show(callback, _("⏳ Reading the {name} catalogue…").format(name=name))
    answer = await catalog_requests.ask(
        redis,
        marketplace_id,
        callback_data.action,
        actor_id=admin.id,
        wait=CATALOG_WAIT_SECONDS,
        take_wait=TAKE_SECONDS,
    )
    markup = _back(marketplace_id)
    if answer.imported is not None:
        done = answer.imported
        text = _("✅ Imported from {name}: {created} new products, {mapped} mapped to ours, {skipped} skipped.").format(
            name=name, created=done.created, mapped=done.mapped, skipped=done.skipped
        )
    elif answer.automapped is not None:
        text = _automapped(name, answer.automapped)
        if answer.automapped.unmatched:  # the rest can still become products of ours
            markup = _catalog_buttons(marketplace_id)
    elif answer.refused is not None:
        text = _("{name} could not be read: {reason}").format(name=name, reason=reason(answer.refused))
        markup = _catalog_buttons(marketplace_id)
    elif answer.taken:
        text = _(
            "⏳ The {name} catalogue is still being worked on after {minutes} minutes: I stopped waiting, but the "
            "sync goes on with it. When it is done, new products are in the catalogue, each product's listings "
            "show its mappings, and their stock pushes show on the /sync board."
        ).format(name=name, minutes=round(CATALOG_WAIT_SECONDS / 60))
    else:
        text = _(
            "⚠️ No sync process took the request (the sync is not running, or busy with another catalogue): "
            "nothing was started. Try again later."
        )
        markup = _catalog_buttons(marketplace_id)
    await show(callback, text, markup, answer=False)


def _automapped(name: str, counts: Automapped) -> str:
    return "\n".join(
        [
            _("🔗 {name} listings mapped to our products:").format(name=name),
            _("• newly mapped: {count}").format(count=counts.mapped),
            _("• already mapped: {count}").format(count=counts.already),
            _("• no product of ours has their SKU or barcode: {count}").format(count=counts.unmatched),
            _("• conflicts (several products claim one, or the listing is another's): {count}").format(
                count=counts.conflicts
            ),
        ]
    )
