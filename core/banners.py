"""Own-store banners: shown inside their schedule window, views and taps counted for admins."""

from __future__ import annotations

from typing import TypedDict

from core import links
from core.db import Conn
from core.errors import NotFound

_ACTIVE = """
SELECT id,
       -- the reader's language, else the other one: a banner written in one language still has words
       CASE WHEN $1 = 'ru' THEN COALESCE(NULLIF(title_ru, ''), title_uz)
            ELSE COALESCE(NULLIF(title_uz, ''), title_ru) END AS title,
       image_url, link_type, link_id, link_url
  FROM banners
 WHERE is_active
   AND (starts_at IS NULL OR starts_at <= NOW())
   AND (ends_at IS NULL OR ends_at > NOW())
 ORDER BY sort_order, id
"""


class Banner(TypedDict):
    """A banner on show. A TypedDict, not a dataclass: the API answers (and caches) it as it is."""

    id: int
    title: str | None  # in the reader's language
    image_url: str
    link_type: str | None  # 'product', 'category' or 'url'
    link_id: int | None
    link_url: str | None


async def active(conn: Conn, lang: str) -> list[Banner]:
    """Banners are written straight into the table (SQL, the demo): one whose picture is not an http(s) address
    or our own path is not shown, and a link that is neither (javascript:, data:, //host) is dropped."""
    shown = []
    for row in await conn.fetch(_ACTIVE, lang):
        if not links.is_allowed(row["image_url"]):
            continue
        safe_link = row["link_url"] is None or links.is_allowed(row["link_url"])
        shown.append(
            Banner(
                id=row["id"],
                title=row["title"],
                image_url=row["image_url"],
                link_type=row["link_type"] if safe_link else None,
                link_id=row["link_id"],
                link_url=row["link_url"] if safe_link else None,
            )
        )
    return shown


async def count_views(conn: Conn, views: dict[int, int]) -> None:
    """Add buffered view counts (the banner list is served from cache, so views are tallied in Redis)."""
    if views:
        await conn.execute(
            """
            UPDATE banners b SET view_count = b.view_count + v.views
              FROM UNNEST($1::int[], $2::int[]) AS v(id, views)
             WHERE b.id = v.id
            """,
            list(views),
            list(views.values()),
        )


async def click(conn: Conn, banner_id: int) -> None:
    if (await conn.execute("UPDATE banners SET click_count = click_count + 1 WHERE id = $1", banner_id)).endswith(" 0"):
        raise NotFound("banner", banner_id)
