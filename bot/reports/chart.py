"""The report's chart as a PNG: each day a bar per channel, its full height the revenue and its dark part the
profit. Words stay out of the picture (its caption carries them, translated): the font Pillow ships covers
Latin only, so the picture shows digits, dates and channel names in Latin letters."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from io import BytesIO

from core.analytics import Sales
from core.reports import Report

WIDTH, HEIGHT = 1000, 560
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 70, 45
# Dark (profit) and light (revenue) shades of each channel's colour, in the order channels are listed.
PALETTE = [
    ((31, 119, 180), (174, 199, 232)),
    ((44, 160, 44), (152, 223, 138)),
    ((255, 127, 14), (255, 187, 120)),
    ((214, 39, 40), (255, 152, 150)),
    ((148, 103, 189), (197, 176, 213)),
    ((140, 86, 75), (196, 156, 148)),
]
GRID, AXIS, INK = (225, 225, 225), (120, 120, 120), (40, 40, 40)
TICKS = 5
MAX_BAR = 60


def _label(name: str, key: str) -> str:
    return name if name.isascii() else key


def _short(amount: float) -> str:
    """120000 -> '120k', 2500000 -> '2.5M': axis labels must stay narrow."""
    size = abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{amount / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{amount:.0f}"


def _step(span: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about TICKS ticks over span."""
    raw = span / TICKS
    power = 10 ** math.floor(math.log10(raw))
    return next(power * factor for factor in (1, 2, 5, 10) if power * factor >= raw)


def render(report: Report) -> bytes:
    # Imported here, not at the top: Pillow costs every process ~4 MiB for a chart an admin asks for now and then.
    from PIL import Image, ImageDraw, ImageFont

    days = report.period.days()
    channels = [sales.key for sales in report.channels]
    bars: dict[tuple[date, str], Sales] = {(day, sales.key): sales for day, sales in report.daily}
    # A slice missing a rate has no bar: its height is not known.
    known = [s for s in bars.values() if s.revenue is not None and s.profit is not None]
    top_value = float(max((s.revenue or 0 for s in known), default=Decimal(0))) or 1.0
    low_value = min(0.0, float(min((s.profit or 0 for s in known), default=Decimal(0))))
    step = _step(top_value - low_value)
    top_value = math.ceil(top_value / step) * step
    low_value = math.floor(low_value / step) * step

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    plot_height = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + (top_value - value) / (top_value - low_value) * plot_height

    for index in range(round((top_value - low_value) / step) + 1):
        tick = low_value + index * step
        y = y_of(tick)
        draw.line([(LEFT, y), (WIDTH - RIGHT, y)], fill=AXIS if abs(tick) < step / 2 else GRID)
        draw.text((LEFT - 8, y), _short(tick), fill=INK, font=font, anchor="rm")

    group = (WIDTH - LEFT - RIGHT) / len(days)
    bar = min(MAX_BAR, max(1.0, group * 0.8 / max(1, len(channels))))
    label_every = max(1, math.ceil(48 / group))  # a "dd.mm" label needs about 48 px
    for index, day in enumerate(days):
        x0 = LEFT + (index + 0.5) * group - bar * len(channels) / 2
        for slot, key in enumerate(channels):
            sales = bars.get((day, key))
            if sales is None or sales.revenue is None or sales.profit is None:
                continue
            dark, light = PALETTE[slot % len(PALETTE)]
            left, right = x0 + slot * bar, x0 + (slot + 1) * bar - (1 if bar > 3 else 0)
            revenue, profit = float(sales.revenue), float(sales.profit)
            draw.rectangle([left, y_of(revenue), right, y_of(0)], fill=light)
            draw.rectangle([left, min(y_of(profit), y_of(0)), right, max(y_of(profit), y_of(0))], fill=dark)
        if index % label_every == 0:
            draw.text(
                (LEFT + (index + 0.5) * group, HEIGHT - BOTTOM + 8),
                day.strftime("%d.%m"),
                fill=INK,
                font=font,
                anchor="mt",
            )

    period = report.period
    title = period.first.strftime("%d.%m.%Y") + (
        "" if period.first == period.last else " - " + period.last.strftime("%d.%m.%Y")
    )
    draw.text((LEFT, 14), title, fill=INK, font=ImageFont.load_default(size=18))
    x = LEFT
    for slot, sales in enumerate(report.channels):
        dark, light = PALETTE[slot % len(PALETTE)]
        draw.rectangle([x, 44, x + 9, 56], fill=light)
        draw.rectangle([x + 10, 44, x + 19, 56], fill=dark)
        text = _label(sales.name, sales.key)
        draw.text((x + 26, 50), text, fill=INK, font=font, anchor="lm")
        x += 26 + int(draw.textlength(text, font=font)) + 24

    output = BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
