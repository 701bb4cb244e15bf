"""What a report says: money per channel and in total, the best sellers and the stock running low, in the
reader's language; and the buttons to another period."""

from __future__ import annotations

from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ShowReport
from bot.menu_buttons import menu_button
from bot.texts import money, number, product_name
from core.analytics import Sales
from core.reports import Period, Report

MAX_NAME = 60
MAX_MESSAGE = 4000  # Telegram takes 4096 characters; a shop with many channels must not lose its report


def period_title(period: Period) -> str:
    first, last = period.first.strftime("%d.%m.%Y"), period.last.strftime("%d.%m.%Y")
    return first if first == last else f"{first} – {last}"


def _amount(value: Decimal | None) -> str:
    """An amount in the base currency; None is a figure that needs an exchange rate nobody entered."""
    return money(value) if value is not None else _("rate missing")


def _money_lines(sales: Sales) -> list[str]:
    margin = f"{number(sales.margin)}%" if sales.margin is not None else "—"
    return [
        _("Revenue {revenue} · orders {orders} · units {units}").format(
            revenue=_amount(sales.revenue), orders=sales.orders, units=sales.units
        ),
        _("Cost {cost} · commission {commission} · profit {profit} · margin {margin}").format(
            cost=money(sales.cost),
            commission=_amount(sales.commission),
            profit=_amount(sales.profit),
            margin=margin,
        ),
    ]


def fee_kind(kind: str) -> str:
    """The name of a fee kind (order_fees.kind), or 'cost' for a price under our cost."""
    names = {
        "cost": _("the price below cost"),
        "commission": _("commission"),
        "logistics": _("logistics"),
        "last_mile": _("last mile"),
        "storage": _("storage"),
        "penalty": _("penalties"),
        "acquiring": _("acquiring"),
        "return_logistics": _("returns"),
        "payout_fee": _("payout fee"),
        "packaging": _("packaging"),
        "vat": _("VAT"),
    }
    return names.get(kind, _("other fees"))


def _losses(report: Report) -> list[str]:
    return [
        _("🔻 Sold at a loss:"),
        *[
            _("• {name} ({sku}): {per_unit} per unit, most of it {cause}").format(
                name=loss.name[:MAX_NAME],
                sku=loss.sku,
                per_unit=money(loss.profit_per_unit),
                cause=fee_kind(loss.cause),
            )
            for loss in report.losses
        ],
    ]


def render(report: Report) -> str:
    blocks = [[_("📊 Sales report: {period}").format(period=period_title(report.period))]]
    if report.empty:
        blocks[0].append(_("No sales in this period."))
    for sales in report.channels:
        blocks.append([f"🏪 {sales.name}", *_money_lines(sales)])
    if len(report.channels) > 1:
        blocks.append([_("Σ All channels"), *_money_lines(report.total)])
    if report.top:
        blocks.append(
            [
                _("🏆 Best sellers:"),
                *[
                    _("{rank}. {name} ({sku}): {units} pcs, {revenue}").format(
                        rank=rank,
                        name=sales.name[:MAX_NAME],
                        sku=sales.key,
                        units=sales.units,
                        revenue=_amount(sales.revenue),
                    )
                    for rank, sales in enumerate(report.top, start=1)
                ],
            ]
        )
    if report.losses:
        blocks.append(_losses(report))
    if report.fee_basis.actual or report.fee_basis.estimated:
        blocks.append(
            [
                _("🧾 Fees as the platforms reported them: {actual} orders; still our estimate: {estimated}").format(
                    actual=report.fee_basis.actual, estimated=report.fee_basis.estimated
                )
            ]
        )
    if report.cash.expected_orders:
        cash = report.cash
        blocks.append(
            [
                _("💵 Cash on delivery: {collected} collected of {expected} ({done} of {orders} orders)").format(
                    collected=_amount(cash.collected),
                    expected=_amount(cash.expected),
                    done=cash.collected_orders,
                    orders=cash.expected_orders,
                )
            ]
        )
    if report.low_stock:
        blocks.append(
            [
                _("⚠️ Running low now:"),
                *[
                    (
                        _("• {name} ({sku}): out of stock")
                        if row.available <= 0
                        else _("• {name} ({sku}): {available} left")
                    ).format(name=product_name(row)[:MAX_NAME], sku=row.sku, available=row.available)
                    for row in report.low_stock
                ],
            ]
        )
    return "\n\n".join("\n".join(block) for block in blocks)[:MAX_MESSAGE]


def caption(report: Report) -> str:
    text = _("📈 Daily profit per channel in {currency}, {period}: below the line is a loss.").format(
        currency=report.currency, period=period_title(report.period)
    )
    missing = [sales.name for sales in report.channels if sales.rate_missing]
    if missing:
        text += "\n" + _("❓ Rate missing, so not drawn (marked ?): {channels}. Set it with /rate.").format(
            channels=", ".join(missing)
        )
    return text


def periods_markup() -> InlineKeyboardMarkup:
    def choice(text: str, period: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=ShowReport(period=period).pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [choice(_("Today"), "today"), choice(_("7 days"), "week"), choice(_("30 days"), "month")],
            [menu_button()],
        ]
    )
