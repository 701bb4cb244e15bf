"""/report today|week|month or a date range, and the Reports buttons: the report's text, then its chart."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import asyncpg
from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import OpenScreen, Screen, ShowReport
from bot.forms import Event, show
from bot.reports import chart, text
from bot.texts import MAX_CAPTION, fit
from core import reports
from core.errors import ValidationError
from core.reports import Period

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")

router = admin_router(__name__)


def _date(word: str) -> date | None:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(word, form).date()
        except ValueError:
            continue
    return None


def parse(args: str, today: date) -> Period | None:
    """'week', '2026-11-01 2026-11-20' or one day; None when it is none of these. ValidationError when the
    dates are real but make no period (backwards, too long)."""
    words = args.lower().split()
    if len(words) == 1 and words[0] in reports.NAMED:
        return reports.named(words[0], today)
    days = [day for day in map(_date, words) if day is not None]
    if not 1 <= len(words) <= 2 or len(days) != len(words):
        return None
    return reports.between(days[0], days[-1])


def usage() -> str:
    return _("Which period? /report today, /report week, /report month, or dates: /report 2026-11-01 2026-11-20.")


@router.message(Command("report"))
async def command(message: Message, command: CommandObject, pool: asyncpg.Pool) -> None:
    if not command.args:
        await show(message, usage(), text.periods_markup())
        return
    try:
        period = parse(command.args, reports.local_today())
    except ValidationError:
        await message.answer(
            _("The dates make no period: the first comes first, and a report covers at most {days} days.").format(
                days=reports.MAX_DAYS
            )
        )
        return
    if period is None:
        await show(message, usage(), text.periods_markup())
        return
    await send(message, pool, period)


@router.callback_query(OpenScreen.filter(F.screen == Screen.REPORTS))
async def choose(callback: CallbackQuery) -> None:
    await show(callback, usage(), text.periods_markup())


@router.callback_query(ShowReport.filter())
async def named_period(callback: CallbackQuery, callback_data: ShowReport, pool: asyncpg.Pool) -> None:
    if callback_data.period not in reports.NAMED:
        await choose(callback)
        return
    await send(callback, pool, reports.named(callback_data.period, reports.local_today()))


async def send(event: Event, pool: asyncpg.Pool, period: Period) -> None:
    async with pool.acquire() as conn:
        report = await reports.build(conn, period)
    await show(event, text.render(report), text.periods_markup())
    if report.empty:
        return
    picture = await asyncio.to_thread(chart.render, report)  # a few dozen ms of drawing: off the event loop
    photo = BufferedInputFile(picture, filename="report.png")
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message):
        await message.answer_photo(photo, caption=fit(text.caption(report), MAX_CAPTION))
