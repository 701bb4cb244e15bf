"""The catalogue as a file in chat: an admin sends an .xlsx or .csv, sees the dry run, then imports it or not;
/export and /template send the catalogue or an empty one as .xlsx."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import asyncpg
from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import (
    CancelCatalogImport,
    ImportCatalogFile,
    OpenScreen,
    Screen,
    SendCatalogExport,
    SendCatalogTemplate,
)
from bot.forms import Event, show
from bot.menu_buttons import menu_button
from bot.texts import number
from core import catalog_export, catalog_import
from core.catalog_import import ImportRefused, Plan, Problem, Reason
from core.settings import Settings
from core.spreadsheets import FORMATS, UnreadableTable
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)

# The Bot API lets a bot download files up to 20 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024
PROBLEMS_SHOWN = 10
# Telegram allows about one edit a second in a chat; a progress note more often than this only gets throttled.
PROGRESS_EVERY_SECONDS = 2.0


class CatalogFile(StatesGroup):
    confirming = State()  # the dry run is shown; Import or Cancel


@router.message(Command("catalog"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.CATALOG_FILE))
async def explain(event: Message | CallbackQuery) -> None:
    text = _(
        "📥 Send me the catalogue as an .xlsx or .csv file, one product a row; products are matched by SKU.\n"
        "Columns: {columns}.\n"
        "A category is a path such as Elektronika/Telefonlar; photo_urls are addresses separated by spaces. "
        "A column left out of the file is left as it is.\n"
        "First I check every row and show what would change: nothing is written until you tap Import."
    ).format(columns=", ".join(catalog_import.COLUMNS))
    await show(event, text, _file_buttons())


def _file_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("📄 Template"), callback_data=SendCatalogTemplate().pack()),
                InlineKeyboardButton(text=_("📤 Export the catalogue"), callback_data=SendCatalogExport().pack()),
            ],
            [menu_button()],
        ]
    )


@router.message(Command("template"))
@router.callback_query(SendCatalogTemplate.filter())
async def send_template(event: Message | CallbackQuery) -> None:
    document = BufferedInputFile(catalog_export.template("catalog.xlsx"), filename="catalog-template.xlsx")
    caption = _("📄 An empty catalogue: fill in one product a row and send it back to me.")
    await _send_document(event, document, caption)


@router.message(Command("export"))
@router.callback_query(SendCatalogExport.filter())
async def send_export(event: Message | CallbackQuery, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        content = await catalog_export.export(conn, "catalog.xlsx")
    today = datetime.now(UTC).date().isoformat()
    document = BufferedInputFile(content, filename=f"catalog-{today}.xlsx")
    caption = _("📤 The catalogue with today's stock. Change it and send it back: products are matched by SKU.")
    await _send_document(event, document, caption)


async def _send_document(event: Event, document: BufferedInputFile, caption: str) -> None:
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(event, CallbackQuery):
        with contextlib.suppress(TelegramBadRequest):
            await event.answer()
    if isinstance(message, Message):
        await message.answer_document(document, caption=caption)


@router.message(StateFilter(None, CatalogFile.confirming), F.document)
async def check_file(message: Message, bot: Bot, pool: asyncpg.Pool, state: FSMContext) -> None:
    document = message.document
    assert document is not None  # the filter above
    name = document.file_name or ""
    if not name.lower().endswith(FORMATS):
        await message.answer(
            _(
                "Only .xlsx and .csv tables can be imported. Save the catalogue as one of them; "
                "/template gives an empty one."
            )
        )
        return
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await message.answer(_too_big())
        return
    file = await _read(message, bot, document.file_id, name)
    if file is None:
        return
    async with pool.acquire() as conn:
        plan = await catalog_import.check(conn, file)
    if not plan.ok or not file.rows:
        await state.clear()
        await message.answer(_dry_run(plan))
        return
    await state.set_state(CatalogFile.confirming)
    await state.set_data({"file_id": document.file_id, "file": document.file_unique_id, "name": name})
    await message.answer(_dry_run(plan), reply_markup=_decision(document.file_unique_id))


async def _read(message: Message, bot: Bot, file_id: str, name: str) -> catalog_import.ParsedFile | None:
    """The file, downloaded and parsed off the event loop; None when it could not be (the admin was told)."""
    try:
        downloaded = await bot.download(file_id)
    except TelegramBadRequest:
        await message.answer(_too_big())
        return None
    assert downloaded is not None  # no destination given: the bytes come back
    try:
        return await asyncio.to_thread(catalog_import.parse, downloaded.read(), name)
    except UnreadableTable:
        await message.answer(
            _("I could not read this file as a table. Save it from Excel as .xlsx (or CSV UTF-8) and send it again.")
        )
        return None


def _too_big() -> str:
    return _("The file is too big: at most {size} MB. Split it and send the parts one by one.").format(
        size=MAX_FILE_BYTES // 2**20
    )


def _decision(file: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Import"), callback_data=ImportCatalogFile(file=file).pack()),
                InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=CancelCatalogImport(file=file).pack()),
            ]
        ]
    )


def _dry_run(plan: Plan) -> str:
    lines = [
        _("📄 {name}: {new} new, {updated} to update, {categories} new categories.").format(
            name=plan.file.name,
            new=number(plan.new),
            updated=number(plan.updated),
            categories=number(plan.new_categories),
        )
    ]
    if plan.ok and not plan.file.rows:
        lines.append(_("There is no product row in the file: nothing to import."))
    if not plan.ok:
        lines.append(
            _("❌ Problems: {count}. Nothing will be imported until they are fixed:").format(
                count=number(len(plan.problems))
            )
        )
        lines += [_problem(problem) for problem in plan.problems[:PROBLEMS_SHOWN]]
        hidden = len(plan.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(_("…and {count} more.").format(count=number(hidden)))
        lines.append(_("Fix the file and send it again."))
    return "\n".join(lines)


def _problem(problem: Problem) -> str:
    return _("Row {row}, {column}: {reason}").format(
        row=problem.row, column=problem.column or "—", reason=_reason(problem)
    )


def _reason(problem: Problem) -> str:
    texts = {
        Reason.NO_HEADER: _("the first row must name the columns"),
        Reason.MISSING_COLUMN: _("the column is missing"),
        Reason.UNKNOWN_COLUMN: _("unknown column"),
        Reason.REPEATED_COLUMN: _("the column appears twice"),
        Reason.TOO_MANY_ROWS: _("more than {limit} rows: split the file"),
        Reason.REQUIRED: _("required, but empty"),
        Reason.TOO_LONG: _("longer than {limit} characters"),
        Reason.NOT_AN_AMOUNT: _("«{value}» is not an amount (write 125000 or 125000.50)"),
        Reason.NOT_A_COUNT: _("«{value}» is not a whole number"),
        Reason.NEGATIVE: _("cannot be negative"),
        Reason.TOO_BIG: _("more than {limit}"),
        Reason.SALE_ABOVE_PRICE: _("the sale price {value} is above the price {limit}"),
        Reason.REPEATED_SKU: _("this SKU is already on row {limit}"),
        Reason.BAD_CATEGORY: _("«{value}» has an empty level (write it as Elektronika/Telefonlar)"),
        Reason.BAD_URL: _("«{value}» is not an http(s) address"),
        Reason.TOO_MANY_PHOTOS: _("more than {limit} photos"),
        Reason.BELOW_RESERVED: _("{limit} units are reserved for customers: the count cannot be lower"),
    }
    return texts[problem.reason].format(value=problem.value, limit=problem.limit)


@router.callback_query(CatalogFile.confirming, CancelCatalogImport.filter())
async def cancel(callback: CallbackQuery, callback_data: CancelCatalogImport, state: FSMContext) -> None:
    if (await state.get_data()).get("file") != callback_data.file:
        await show(callback, _("This file is no longer waiting to be imported; send it again."))
        return
    await state.clear()
    await show(callback, _("Import cancelled; nothing was written."))


@router.callback_query(CatalogFile.confirming, ImportCatalogFile.filter())
async def run_import(
    callback: CallbackQuery,
    callback_data: ImportCatalogFile,
    bot: Bot,
    pool: asyncpg.Pool,
    effects: Effects,
    settings: Settings,
    state: FSMContext,
    admin: User,
) -> None:
    pending = await state.get_data()
    message = callback.message
    if pending.get("file") != callback_data.file or not isinstance(message, Message):
        await show(callback, _("This file is no longer waiting to be imported; send it again."))
        return
    await state.clear()  # a second tap on Import finds nothing waiting
    name = str(pending["name"])
    await show(callback, _("⏳ Importing {name}…").format(name=name))
    file = await _read(message, bot, str(pending["file_id"]), name)
    if file is None:
        return
    progress = _Progress(message, name)
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            done = await catalog_import.run(
                uow, file, actor_id=admin.id, low_stock_threshold=settings.low_stock_threshold, progress=progress
            )
    except ImportRefused as refused:  # the catalogue changed since the dry run
        await _edit(message, _dry_run(refused.plan))
        return
    await _edit(
        message,
        _("✅ {name} imported: {created} created, {updated} updated, {categories} new categories.").format(
            name=name,
            created=number(done.created),
            updated=number(done.updated),
            categories=number(done.new_categories),
        ),
    )


class _Progress:
    """Edits one message as chunks are written ("1 200 / 5 000"): the first chunk at once, then at most every
    PROGRESS_EVERY_SECONDS; the last is left to the final note."""

    def __init__(self, message: Message, name: str) -> None:
        self.message = message
        self.name = name
        self.last: float | None = None

    async def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or (self.last is not None and now - self.last < PROGRESS_EVERY_SECONDS):
            return
        self.last = now
        text = _("⏳ Importing {name}: {done} / {total}").format(name=self.name, done=number(done), total=number(total))
        await _edit(self.message, text)


async def _edit(message: Message, text: str) -> None:
    # Best effort: progress is edited inside the import's transaction, which Telegram's troubles must not fail.
    with contextlib.suppress(TelegramAPIError):
        await message.edit_text(text)
