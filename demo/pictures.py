"""The demo products' pictures, drawn at seeding (nothing is downloaded): a card in the category's colour with the
product's model name, one per model, kept in the media store like any photo. A model's name is the same in both
languages ("Samsung Galaxy A55"): a picture holds no Uzbek or Russian word, as a customer reads only their own."""

from __future__ import annotations

import io
import textwrap
from functools import cache

from PIL import Image, ImageDraw, ImageFont

EDGE = 480  # a drawing gains nothing from more pixels; the card and full sizes are then this one


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # Pillow's own font: no system font is assumed


def draw(label: str, color: str) -> bytes:
    """A PNG: `label` large in the middle of a `color` card."""
    image = Image.new("RGB", (EDGE, EDGE), color)
    pen = ImageDraw.Draw(image)
    # A darker disc behind the text gives the flat card some depth at thumbnail size.
    pen.ellipse((EDGE * 0.18, EDGE * 0.18, EDGE * 0.82, EDGE * 0.82), fill=_darker(color))
    lines = textwrap.wrap(label, width=16)[:4]
    font = _font(44 if len(lines) <= 2 else 36)
    heights = [pen.textbbox((0, 0), line, font=font)[3] for line in lines]
    top = (EDGE - sum(heights) - 10 * (len(lines) - 1)) / 2
    for line, height in zip(lines, heights, strict=True):
        pen.text(
            (EDGE / 2, top), line, font=font, fill="white", anchor="ma", stroke_width=2, stroke_fill=_darker(color)
        )
        top += height + 10
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # rendered again at once: smallness does not matter here
    return out.getvalue()


def _darker(color: str) -> tuple[int, int, int]:
    red, green, blue = (int(color[i : i + 2], 16) * 3 // 4 for i in (1, 3, 5))
    return red, green, blue
