"""Callback data: the longest button of every factory fits Telegram's 64 bytes, and a button drawn before a deploy
changed its data gets a polite answer, never an exception."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar, get_args

import asyncpg
import pytest
from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData

from bot import callbacks
from bot.callbacks import (
    AddChannel,
    AddDeliveryZone,
    AddMarketplace,
    AdjustStock,
    AnswerCancellation,
    AskToCancelOrder,
    AskToUnmapListing,
    CancelCatalogImport,
    CancellationStep,
    CancelMarketplaceOrder,
    ChangeOrderPart,
    ChangeOrderStatus,
    ChangePhotos,
    CheckMarketplaceKey,
    ChooseLanguage,
    ClearDeliveryZone,
    ClearMoneySetting,
    ClearShopProfile,
    CollectCash,
    ConnectMarketplace,
    CountStock,
    DecideReturn,
    EditDeliveryZone,
    EditMoneySetting,
    EditPrice,
    EditShopProfile,
    ExplainMarketplacePrice,
    FbsStep,
    FormAction,
    FormButton,
    HandOverMarketplace,
    ImportCatalogFile,
    MapListing,
    MarketplaceCatalog,
    OpenChannel,
    OpenDeliveryZone,
    OpenListings,
    OpenOrder,
    OpenProduct,
    OpenScreen,
    OrderCardPage,
    OrderList,
    OrderPart,
    PauseSync,
    PickMarketplacePlace,
    PriceField,
    RefuseCancellation,
    RemoveSynonyms,
    RenameChannel,
    ReturnStep,
    RunSyncNow,
    Screen,
    SendActionPaper,
    SendCatalogExport,
    SendCatalogTemplate,
    SetAlertLanguage,
    SetOnSale,
    SetRate,
    ShowReport,
    ShowSynonyms,
    SwitchChannel,
    SwitchDeliveryZone,
    UnmapListing,
    WorkOnOrder,
    WriteOffReason,
    WriteOffReturn,
)
from bot.forms import new_form_id
from core.catalog_requests import Action as CatalogAction
from core.delivery import ZoneField
from core.listings import PLATFORMS, CancellationRefusal, CancelReason
from core.money_settings import MoneySetting
from core.order_status import Status
from core.reports import NAMED
from core.shop import ProfileField
from core.users import LANGUAGES
from tests.bot.harness import Chat
from tests.builders import Shop

BIGGEST_ID = 2**31 - 1  # ids are SERIAL
FORM = new_form_id(Screen.MANUAL_ORDER)  # every form id is as long: a letter and 8 hex digits
# Telegram's file_unique_id is about 16 characters; twice that leaves room.
FILE_UNIQUE_ID = "A" * 32
Choice = TypeVar("Choice", bound=StrEnum)


def longest(choices: type[Choice]) -> Choice:
    return max(choices, key=lambda choice: len(choice.value))


LONGEST_BUTTONS: list[CallbackData] = [
    ChooseLanguage(code=max(LANGUAGES, key=len)),
    SetAlertLanguage(code=max(LANGUAGES, key=len)),
    OpenScreen(screen=longest(Screen)),
    FormButton(form=FORM, action=longest(FormAction), value=BIGGEST_ID),
    ChangeOrderPart(form=FORM, part=longest(OrderPart)),
    OpenProduct(product_id=BIGGEST_ID),
    ExplainMarketplacePrice(product_id=BIGGEST_ID, marketplace_id=BIGGEST_ID),
    SetOnSale(product_id=BIGGEST_ID, on_sale=True),
    AdjustStock(product_id=BIGGEST_ID),
    ChangePhotos(product_id=BIGGEST_ID),
    CountStock(product_id=BIGGEST_ID),
    EditPrice(product_id=BIGGEST_ID, field=longest(PriceField)),
    OpenListings(product_id=BIGGEST_ID),
    MapListing(product_id=BIGGEST_ID, marketplace_id=BIGGEST_ID),
    AskToUnmapListing(product_id=BIGGEST_ID, marketplace_id=BIGGEST_ID),
    UnmapListing(product_id=BIGGEST_ID, marketplace_id=BIGGEST_ID),
    OrderList(status=longest(Status), channel_id=BIGGEST_ID, today=True, page=BIGGEST_ID),
    OpenOrder(order_id=BIGGEST_ID),
    OrderCardPage(order_id=BIGGEST_ID, page=BIGGEST_ID),
    AskToCancelOrder(order_id=BIGGEST_ID, seen=longest(Status)),
    ChangeOrderStatus(order_id=BIGGEST_ID, seen=longest(Status), to=longest(Status)),
    CollectCash(order_id=BIGGEST_ID),
    ShowReport(period=max(NAMED, key=len)),
    RunSyncNow(marketplace_id=BIGGEST_ID),
    PauseSync(marketplace_id=BIGGEST_ID, paused=True),
    CheckMarketplaceKey(marketplace_id=BIGGEST_ID),
    SendCatalogTemplate(),
    SendCatalogExport(),
    ImportCatalogFile(file=FILE_UNIQUE_ID),
    CancelCatalogImport(file=FILE_UNIQUE_ID),
    OpenChannel(channel_id=BIGGEST_ID),
    AddChannel(),
    AddMarketplace(api_type=max(PLATFORMS, key=len)),
    RenameChannel(channel_id=BIGGEST_ID),
    SwitchChannel(channel_id=BIGGEST_ID, on=True),
    EditShopProfile(field=longest(ProfileField)),
    ClearShopProfile(field=longest(ProfileField)),
    EditMoneySetting(setting=longest(MoneySetting)),
    ClearMoneySetting(setting=longest(MoneySetting)),
    AddDeliveryZone(),
    OpenDeliveryZone(zone_id=BIGGEST_ID),
    EditDeliveryZone(zone_id=BIGGEST_ID, field=longest(ZoneField)),
    ClearDeliveryZone(zone_id=BIGGEST_ID, field=longest(ZoneField)),
    SwitchDeliveryZone(zone_id=BIGGEST_ID, on=True),
    ConnectMarketplace(marketplace_id=BIGGEST_ID),
    PickMarketplacePlace(marketplace_id=BIGGEST_ID, place_id=2**63 - 1),  # warehouse ids are BIGINT
    MarketplaceCatalog(marketplace_id=BIGGEST_ID, action=longest(CatalogAction)),
    WorkOnOrder(order_id=BIGGEST_ID, step=longest(FbsStep), card=True),
    CancelMarketplaceOrder(order_id=BIGGEST_ID, reason=max(get_args(CancelReason), key=len), card=True),
    HandOverMarketplace(marketplace_id=BIGGEST_ID),
    AnswerCancellation(request_id=BIGGEST_ID, step=longest(CancellationStep)),
    RefuseCancellation(request_id=BIGGEST_ID, reason=max(get_args(CancellationRefusal), key=len)),
    SendActionPaper(action_id=BIGGEST_ID),
    DecideReturn(return_id=BIGGEST_ID, step=longest(ReturnStep)),
    WriteOffReturn(return_id=BIGGEST_ID, reason=longest(WriteOffReason)),
    SetRate(currency="KZT", rate="999999999999.99999999", day="2026-12-31", holds=True),
    ShowSynonyms(page=BIGGEST_ID),
    RemoveSynonyms(group_id=BIGGEST_ID, page=BIGGEST_ID),
]


def test_every_factory_has_its_longest_button_measured() -> None:
    factories = {
        value
        for value in vars(callbacks).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    }
    assert {type(button) for button in LONGEST_BUTTONS} == factories


@pytest.mark.parametrize("button", LONGEST_BUTTONS, ids=lambda button: type(button).__name__)
def test_the_longest_button_fits_telegrams_64_bytes_and_reads_back(button: CallbackData) -> None:
    packed = button.pack()  # raises beyond 64 bytes

    assert len(packed.encode()) <= MAX_CALLBACK_LENGTH
    assert type(button).unpack(packed) == button


# Buttons as the bot drew them before a deploy: the factories of that time, and a status no release knows.
OLD_BUTTONS = [
    "pr:ro:1:2",
    "f:1a2b3c4d:goto:1",
    "od:to:1:pending:confirmed",
    "menu:order",
    "sy:run:1",
    "order_status:1:pending:lost",
]


async def test_a_button_from_before_a_deploy_gets_the_stale_note(admin: Chat, pool: asyncpg.Pool, shop: Shop) -> None:
    await admin.send("/admin")
    for data in OLD_BUTTONS:
        await admin.press(data)

    assert admin.toasts() == ["Bu tugma eskirgan: u shakl yakunlangan yoki almashtirilgan."] * len(OLD_BUTTONS)
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_a_customer_gets_the_refusal_for_any_button_not_theirs(customer: Chat, shop: Shop) -> None:
    await customer.send("/start")
    for data in OLD_BUTTONS:
        await customer.press(data)

    assert len(customer.toasts()) == len(OLD_BUTTONS)
    assert all("faqat do'kon adminlari" in toast for toast in customer.toasts())
