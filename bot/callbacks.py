"""Callback data of every inline button: one factory per action, named for what the button does, its choices
as enums. Telegram takes at most 64 bytes (tests/bot/test_callbacks.py packs the longest button of each).

A button that no longer parses (one drawn before a deploy changed these) is taken by no handler: it ends at
the stale-button note for admins and at the refusal for everyone else (see bot/dispatcher.py)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from core.catalog_requests import Action as CatalogAction
from core.delivery import ZoneField
from core.money_settings import MoneySetting
from core.order_status import Status
from core.shop import ProfileField


class ChooseLanguage(CallbackData, prefix="lang"):
    code: str


class SetAlertLanguage(CallbackData, prefix="alert_lang"):
    """The language the alert group's alerts speak (the group's, not the tapping admin's)."""

    code: str


class Screen(StrEnum):
    """The admin screens a button opens afresh: the menu and its entries."""

    MENU = "menu"
    MANUAL_ORDER = "manual_order"
    PRODUCTS = "products"
    NEW_PRODUCT = "new_product"
    REPORTS = "reports"
    SYNC = "sync"
    ADMINS = "admins"
    CATALOG_FILE = "catalog_file"
    CHANNELS = "channels"
    SHOP = "shop"
    PICK_LIST = "pick_list"
    HAND_OVER = "hand_over"
    MONEY = "money"
    DELIVERY = "delivery"


class OpenScreen(CallbackData, prefix="screen"):
    screen: Screen = Screen.MENU


class FormAction(StrEnum):
    """What a form's button does; the form's FSM state tells which form's button it is."""

    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"
    CHOOSE_CHANNEL = "choose_channel"
    PICK_PRODUCT = "pick_product"
    QUANTITY = "quantity"
    KEEP_PRICE = "keep_price"
    ADD_ITEM = "add_item"
    REMOVE_ITEM = "remove_item"
    TO_CUSTOMER = "to_customer"
    CONFIRM = "confirm"
    EDIT = "edit"
    PICK_REASON = "pick_reason"
    REMOVE_PRICE = "remove_price"
    PICK_CATEGORY = "pick_category"
    CREATE_PRODUCT = "create_product"
    PHOTOS_DONE = "photos_done"
    SAVE_PHOTOS = "save_photos"
    CLEAR_PHOTOS = "clear_photos"


class FormButton(CallbackData, prefix="form"):
    """A button of a form. `form` is the id of the form that drew it: a button of a closed or replaced form
    (a stale message, a second tap on Confirm) no longer matches the form in the FSM state. `value` is what
    the button picks: a channel, product, quantity, reason or category id."""

    form: str
    action: FormAction
    value: int = 0


class OrderPart(StrEnum):
    ITEMS = "items"
    CHANNEL = "channel"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    FEE = "fee"


class ChangeOrderPart(CallbackData, prefix="order_edit"):
    """The manual order's Edit screen: answer one part of the form again, then back to the summary."""

    form: str
    part: OrderPart


class OpenProduct(CallbackData, prefix="product"):
    product_id: int


class ExplainMarketplacePrice(CallbackData, prefix="marketplace_price"):
    """A marketplace sets its own price: the button only says so."""

    product_id: int
    marketplace_id: int


class SetOnSale(CallbackData, prefix="on_sale"):
    product_id: int
    on_sale: bool


class ChangePhotos(CallbackData, prefix="photos_change"):
    product_id: int


class AdjustStock(CallbackData, prefix="stock_adjust"):
    product_id: int


class CountStock(CallbackData, prefix="stock_count"):
    product_id: int


class PriceField(StrEnum):
    """Our own prices of a product (core.admin_products.PRICE_FIELDS)."""

    PRICE = "price"
    SALE_PRICE = "sale_price"
    COST_PRICE = "cost_price"


class EditPrice(CallbackData, prefix="price_edit"):
    product_id: int
    field: PriceField


class OpenListings(CallbackData, prefix="listings"):
    product_id: int


class MapListing(CallbackData, prefix="listing_map"):
    product_id: int
    marketplace_id: int


class AskToUnmapListing(CallbackData, prefix="listing_unmap_ask"):
    product_id: int
    marketplace_id: int


class UnmapListing(CallbackData, prefix="listing_unmap"):
    product_id: int
    marketplace_id: int


class OrderList(CallbackData, prefix="orders"):
    """The order list with its filters; every button carries the whole filter, so no state is needed."""

    status: Status | None = None
    channel_id: int | None = None
    today: bool = False
    page: int = 0


class OpenOrder(CallbackData, prefix="order"):
    order_id: int


class OrderCardPage(CallbackData, prefix="order_page"):
    """A page of a long order's items (the card's first page is OpenOrder's)."""

    order_id: int
    page: int


class AskToCancelOrder(CallbackData, prefix="order_cancel_ask"):
    """Cancelling returns stock and tells the customer: the button asks first. `seen` is the status the admin
    was looking at."""

    order_id: int
    seen: Status


class ChangeOrderStatus(CallbackData, prefix="order_status"):
    """Moves an order from `seen`, the status the admin was looking at, to `to`: a second tap finds the order
    moved on already and changes nothing."""

    order_id: int
    seen: Status
    to: Status


class CollectCash(CallbackData, prefix="cash_collect"):
    """Marks a cash-on-delivery order's cash collected; a second tap finds it collected and changes nothing."""

    order_id: int


class ShowReport(CallbackData, prefix="report"):
    """A report of a named period: today, week or month."""

    period: str


class RunSyncNow(CallbackData, prefix="sync_run"):
    marketplace_id: int


class PauseSync(CallbackData, prefix="sync_pause"):
    """Pause (`paused`) or resume a marketplace's automatic sync."""

    marketplace_id: int
    paused: bool


class CheckMarketplaceKey(CallbackData, prefix="key_check"):
    marketplace_id: int


class SendCatalogTemplate(CallbackData, prefix="catalog_template"):
    """Send an empty catalogue file to fill in."""


class SendCatalogExport(CallbackData, prefix="catalog_export"):
    """Send the catalogue with today's stock as a file."""


class ImportCatalogFile(CallbackData, prefix="catalog_import"):
    """Import the file whose dry run is shown; `file` is its Telegram file_unique_id, so the button of an older
    file's dry run never imports a newer one."""

    file: str


class CancelCatalogImport(CallbackData, prefix="catalog_import_cancel"):
    file: str


class OpenChannel(CallbackData, prefix="channel"):
    channel_id: int


class AddChannel(CallbackData, prefix="channel_add"):
    pass


class AddMarketplace(CallbackData, prefix="channel_add_mp"):
    """Add the channel of a declared API marketplace the shop has none for yet."""

    api_type: str


class RenameChannel(CallbackData, prefix="channel_rename"):
    channel_id: int


class SwitchChannel(CallbackData, prefix="channel_switch"):
    """Switch a channel on (`on`) or off."""

    channel_id: int
    on: bool


class EditShopProfile(CallbackData, prefix="shop_edit"):
    field: ProfileField


class ClearShopProfile(CallbackData, prefix="shop_clear"):
    field: ProfileField


class EditMoneySetting(CallbackData, prefix="money_edit"):
    setting: MoneySetting


class ClearMoneySetting(CallbackData, prefix="money_clear"):
    setting: MoneySetting


class AddDeliveryZone(CallbackData, prefix="dz_add"):
    pass


class OpenDeliveryZone(CallbackData, prefix="dz_open"):
    zone_id: int


class EditDeliveryZone(CallbackData, prefix="dz_edit"):
    zone_id: int
    field: ZoneField


class ClearDeliveryZone(CallbackData, prefix="dz_clear"):
    zone_id: int
    field: ZoneField


class SwitchDeliveryZone(CallbackData, prefix="dz_switch"):
    """Switch a delivery zone on (`on`) or off."""

    zone_id: int
    on: bool


class ConnectMarketplace(CallbackData, prefix="mp_connect"):
    """Start connecting an API marketplace by sending its key in the chat."""

    marketplace_id: int


class PickMarketplacePlace(CallbackData, prefix="mp_place"):
    """The warehouse (Wildberries, Ozon) or shop (Uzum) the connected key's stock goes to."""

    marketplace_id: int
    place_id: int


class MarketplaceCatalog(CallbackData, prefix="mp_catalog"):
    """Bring the connected marketplace's catalogue in: its unmapped cards as our products (with its FBS stock or
    without), or only map the listings whose SKU or barcode is ours."""

    marketplace_id: int
    action: CatalogAction


class FbsStep(StrEnum):
    """A step of a marketplace order's FBS work; CANCEL only asks for the reason, BACK shows the steps again."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    LABELS = "labels"
    DELIVERED = "delivered"  # the seller's courier handed the order to its buyer (Yandex DBS)
    BACK = "back"


class WorkOnOrder(CallbackData, prefix="fbs"):
    """A step on a marketplace order, tapped on its alert or (`card`) on its order card, which is drawn again."""

    order_id: int
    step: FbsStep
    card: bool = False


class CancelMarketplaceOrder(CallbackData, prefix="fbs_cancel"):
    """Cancel on the platform with one of its adapter's reasons (sync.adapter.CancelReason); a reason the
    adapter does not offer is refused by the handler."""

    order_id: int
    reason: str
    card: bool = False


class HandOverMarketplace(CallbackData, prefix="fbs_hand_over"):
    """Hand every confirmed order of a marketplace to its courier."""

    marketplace_id: int


class SendActionPaper(CallbackData, prefix="fbs_paper"):
    """Send the document an FBS action brought back after nobody waited for it (core.fbs.paper)."""

    action_id: int


class CancellationStep(StrEnum):
    """A step on a buyer's request to cancel (core.cancellation_requests); REJECT only asks for the reason."""

    ACCEPT = "accept"
    REJECT = "reject"
    BACK = "back"


class AnswerCancellation(CallbackData, prefix="fbs_cr"):
    request_id: int
    step: CancellationStep


class RefuseCancellation(CallbackData, prefix="fbs_cr_no"):
    """Refuse the request with one of its platform's reasons (core.listings.CancellationRefusal); a reason the
    platform does not take is refused by the handler."""

    request_id: int
    reason: str


class ReturnStep(StrEnum):
    RESTOCK = "restock"
    WRITE_OFF = "write_off"  # asks for the reason
    BACK = "back"


class DecideReturn(CallbackData, prefix="return"):
    return_id: int
    step: ReturnStep


class WriteOffReason(StrEnum):
    DEFECTIVE = "defective"
    DAMAGED = "damaged"
    INCOMPLETE = "incomplete"
    OTHER = "other"


class WriteOffReturn(CallbackData, prefix="return_off"):
    return_id: int
    reason: WriteOffReason


class SetRate(CallbackData, prefix="rate_set"):
    """Set the exchange rate an admin typed with a day: that day only, or from that day on (`holds`)."""

    currency: str
    rate: str  # a Decimal as written, at most 8 decimals
    day: str  # ISO date
    holds: bool


class ShowSynonyms(CallbackData, prefix="syn_page"):
    """A page of the synonym groups (/synonyms)."""

    page: int


class RemoveSynonyms(CallbackData, prefix="syn_rm"):
    """Remove one group of words that mean the same; `page` is the page to show after."""

    group_id: int
    page: int
