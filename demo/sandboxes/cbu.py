"""A local stand-in for the Central Bank of Uzbekistan's daily rates (GET /uz/arkhiv-kursov-valyut/json/), for the
trial and the tests. Its answer is shaped as the bank's: a JSON list, one object per currency, every figure a
string — {"id", "Code" (ISO numeric), "Ccy", "CcyNm_RU", "CcyNm_UZ", "CcyNm_UZC", "CcyNm_EN", "Nominal", "Rate",
"Diff", "Date" ("dd.mm.yyyy")}, where `Rate` so'm buy `Nominal` units from `Date` on. The bank documents no
errors; an outage here answers 503 with an HTML page, as a web server in front of it would."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiohttp import web

PATH = "/uz/arkhiv-kursov-valyut/json/"
TASHKENT = ZoneInfo("Asia/Tashkent")


@dataclass(frozen=True)
class Listed:
    code: str  # ISO 4217 numeric, as the bank writes it
    name_uz: str
    name_ru: str
    name_en: str
    rate: Decimal
    nominal: int = 1
    diff: Decimal = Decimal(0)


# What the trial shows: the currencies the marketplaces sell in, with rates of the bank's order of magnitude.
DEMO: dict[str, Listed] = {
    "USD": Listed("840", "AQSH dollari", "Доллар США", "US Dollar", Decimal("12050.00")),
    "EUR": Listed("978", "EVRO", "Евро", "Euro", Decimal("14010.35")),
    "RUB": Listed("643", "Rossiya rubli", "Российский рубль", "Russian Ruble", Decimal("152.34")),
    "KZT": Listed("398", "Qozog'iston tengesi", "Казахский тенге", "Kazakhstan Tenge", Decimal("24.10")),
    "BYN": Listed("933", "Belarus rubli", "Белорусский рубль", "Belarusian Ruble", Decimal("4102.77")),
    "CNY": Listed("156", "Xitoy yuani", "Китайский юань", "Yuan Renminbi", Decimal("1668.90")),
}


class CbuSandbox:
    """The bank's list as of `day` (today in Tashkent unless set); `listed` is what it publishes."""

    def __init__(self) -> None:
        self.listed: dict[str, Listed] = dict(DEMO)
        self.day: date | None = None
        self.down = False
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}{PATH}"

    def set_rate(self, currency: str, rate: str, nominal: int = 1) -> None:
        """Publish `rate` so'm for `nominal` units of a currency (a new one gets a placeholder name)."""
        known = self.listed.get(currency, Listed("000", currency, currency, currency, Decimal(0)))
        self.listed[currency] = replace(known, rate=Decimal(rate), nominal=nominal)

    def body(self) -> list[dict[str, object]]:
        day = self.day or datetime.now(TASHKENT).date()
        return [
            {
                "id": number,
                "Code": listed.code,
                "Ccy": currency,
                "CcyNm_RU": listed.name_ru,
                "CcyNm_UZ": listed.name_uz,
                "CcyNm_UZC": listed.name_uz,
                "CcyNm_EN": listed.name_en,
                "Nominal": str(listed.nominal),
                "Rate": str(listed.rate),
                "Diff": str(listed.diff),
                "Date": day.strftime("%d.%m.%Y"),
            }
            for number, (currency, listed) in enumerate(self.listed.items(), start=1)
        ]

    async def _rates(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.down:
            return web.Response(
                status=503, text="<html><body>Service Unavailable</body></html>", content_type="text/html"
            )
        return web.json_response(self.body())

    async def start(self) -> CbuSandbox:
        app = web.Application()
        app.router.add_get(PATH, self._rates)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
