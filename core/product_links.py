"""Links that open the Mini App at one product. Telegram hands a link's start parameter to the page
(initDataUnsafe.start_param, or tgWebAppStartParam in the page's address), which then opens that product; the
page (webapp/static/links.js) reads the same "p<product id>" shape written here."""

from __future__ import annotations

from yarl import URL

_PRODUCT = "p"


def start_param(product_id: int) -> str:
    return f"{_PRODUCT}{product_id}"


def shared(bot_link: str, product_id: int) -> str:
    """The link anyone can open (a channel post, a forwarded message): the bot's main Mini App at the product."""
    return str(URL(bot_link).update_query(startapp=start_param(product_id)))


def in_chat(mini_app_url: str, product_id: int) -> str:
    """The page's own address at the product, for a web_app button in a private chat: Telegram opens it as it is,
    so the page finds the parameter where a direct link would have put it."""
    return str(URL(mini_app_url).update_query(tgWebAppStartParam=start_param(product_id)))
