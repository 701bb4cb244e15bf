"""The report's chart as a PNG: each day a bar per channel, its height the channel's profit of the day in the
shop's base currency (below the axis when it lost money). A day whose profit is not known because an exchange rate
is missing is never drawn as 0: it gets a "?" at the axis, its channel a "?" in the legend, and the caption names
it. Words stay out of the picture (its caption carries them, translated): the font Pillow ships covers Latin
only, so the picture shows digits, dates, currency letters and channel names in Latin letters."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from io import BytesIO

from core.reports import Report

WIDTH, HEIGHT = 1000, 560
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 70, 45
# Each channel's colour, in the order channels are listed.
PALETTE = [(31, 119, 180), (44, 160, 44), (255, 127, 14), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
GRID, AXIS, INK = (225, 225, 225), (120, 120, 120), (40, 40, 40)
TICKS = 5
MAX_BAR = 60
UNKNOWN = "?"


def profits(report: Report) -> dict[tuple[date, str], Decimal | None]:
    """The bars: each (day, channel key) with sales or costs, and its profit in the base currency; None where a
    rate is missing."""
    return {(day, sales.key): sales.profit for day, sales in report.daily}


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
    bars = profits(report)
    known = [float(profit) for profit in bars.values() if profit is not None]
    top_value = max(0.0, *known) or 1.0
    low_value = min(0.0, *known)
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
            if (day, key) not in bars:
                continue
            colour = PALETTE[slot % len(PALETTE)]
            left, right = x0 + slot * bar, x0 + (slot + 1) * bar - (1 if bar > 3 else 0)
            profit = bars[(day, key)]
            if profit is None:  # not known: marked, never drawn as a bar of 0
                draw.text(((left + right) / 2, y_of(0) - 2), UNKNOWN, fill=colour, font=font, anchor="mb")
                continue
            draw.rectangle(
                [left, min(y_of(float(profit)), y_of(0)), right, max(y_of(float(profit)), y_of(0))], fill=colour
            )
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
    draw.text((LEFT, 14), f"{title}, {report.currency}", fill=INK, font=ImageFont.load_default(size=18))
    x = LEFT
    for slot, sales in enumerate(report.channels):
        draw.rectangle([x, 44, x + 19, 56], fill=PALETTE[slot % len(PALETTE)])
        text = _label(sales.name, sales.key) + (f" {UNKNOWN}" if sales.rate_missing else "")
        draw.text((x + 26, 50), text, fill=INK, font=font, anchor="lm")
        x += 26 + int(draw.textlength(text, font=font)) + 24

    output = BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
