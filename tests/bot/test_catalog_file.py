"""The catalogue as a file in chat: the admin sends a table, sees the dry run, imports it or not; /export and
/template send files back."""

from __future__ import annotations

import asyncpg

from bot.callbacks import CancelCatalogImport, ImportCatalogFile
from core import catalog_import
from core.spreadsheets import table_bytes
from tests.bot.harness import Chat
from tests.builders import stock_of

GOOD = (
    "sku,name_uz,name_ru,category,price,sale_price,quantity\n"
    "TEL-1,Telefon A,Телефон А,Elektronika/Telefonlar,2500000,2300000,4\n"
    "TEL-2,Telefon B,Телефон Б,Elektronika/Telefonlar,1200000,,7\n"
    "QOP-1,Sumka,Сумка,Aksessuarlar,150000,,0\n"
)


async def test_a_sent_file_shows_its_dry_run_and_import_creates_the_products(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send_document("tovarlar.csv", GOOD.encode())

    assert admin.text == "📄 tovarlar.csv: 3 ta yangi, 0 ta yangilanadi, 3 ta yangi kategoriya."
    assert await pool.fetchval("SELECT count(*) FROM products") == 0
    import_button = admin.button_data(ImportCatalogFile)
    await admin.press(import_button)

    assert admin.text == ("✅ tovarlar.csv import qilindi: 3 ta yaratildi, 0 ta yangilandi, 3 ta yangi kategoriya.")
    rows = await pool.fetch("SELECT id, sku FROM products ORDER BY sku")
    async with pool.acquire() as conn:
        assert [(row["sku"], (await stock_of(conn, row["id"]))[0]) for row in rows] == [
            ("QOP-1", 0),
            ("TEL-1", 4),
            ("TEL-2", 7),
        ]
    await admin.press(import_button)  # a second tap finds nothing waiting: nothing is imported twice
    assert admin.toasts()[-1] == "Bu tugma eskirgan: u shakl yakunlangan yoki almashtirilgan."
    assert await pool.fetchval("SELECT count(*) FROM products") == 3


async def test_a_bad_row_is_named_in_the_admins_language_and_nothing_can_be_imported(
    admin: Chat, pool: asyncpg.Pool
) -> None:
    await admin.send_document("tovarlar.csv", GOOD.replace("1200000", "12OOOOO").encode())

    assert admin.text.splitlines()[1:] == [
        "❌ Xatolar: 1. Ular tuzatilmaguncha hech narsa import qilinmaydi:",
        "3-qator, price: «12OOOOO» summa emas (125000 yoki 125000.50 deb yozing)",
        "Faylni tuzatib, qayta yuboring.",
    ]
    assert admin.buttons() == []
    assert await pool.fetchval("SELECT count(*) FROM products") == 0


async def test_cancel_writes_nothing(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send_document("tovarlar.xlsx", _xlsx(GOOD))
    await admin.tap_button(CancelCatalogImport)

    assert admin.text == "Import bekor qilindi; hech narsa yozilmadi."
    assert await pool.fetchval("SELECT count(*) FROM products") == 0


async def test_a_long_import_shows_its_progress_in_one_message(admin: Chat, pool: asyncpg.Pool) -> None:
    rows = "".join(f"S-{n},Mahsulot {n},,,1000,,1\n" for n in range(1, 1201))
    await admin.send_document("katta.csv", ("sku,name_uz,name_ru,category,price,sale_price,quantity\n" + rows).encode())
    await admin.tap_button(ImportCatalogFile)

    edits = [str(call.params["text"]) for call in admin.fake.calls_to("editMessageText")]
    assert "⏳ katta.csv import qilinmoqda: 500 / 1 200" in edits
    assert edits[-1].startswith("✅ katta.csv import qilindi: 1 200 ta yaratildi")
    assert await pool.fetchval("SELECT count(*) FROM products") == 1200


async def test_a_file_that_is_no_table_or_too_big_gets_a_polite_reply(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send_document("narxlar.pdf", b"%PDF-1.4")
    assert admin.text.startswith("Faqat .xlsx va .csv jadvallarini import qilish mumkin.")
    await admin.send_document("buzilgan.xlsx", b"not a zip")
    assert admin.text.startswith("Bu faylni jadval sifatida o'qiy olmadim.")
    await admin.send_document("ulkan.csv", b"sku\n", file_size=50 * 1024 * 1024)
    assert admin.text == "Fayl juda katta: ko'pi bilan 20 MB. Uni bo'laklarga ajratib, birma-bir yuboring."
    assert await pool.fetchval("SELECT count(*) FROM products") == 0


async def test_export_sends_the_catalogue_that_imports_back_and_template_its_columns(
    admin: Chat, pool: asyncpg.Pool
) -> None:
    await admin.send_document("tovarlar.csv", GOOD.encode())
    await admin.tap_button(ImportCatalogFile)

    await admin.send("/export")
    await admin.send("/template")

    exported, template = [message["document"] for message in admin.messages() if "document" in message]
    back = catalog_import.parse(admin.fake.file_content(exported["file_id"]), exported["file_name"])
    assert [(row.sku, row.quantity, row.category) for row in back.rows] == [
        ("QOP-1", 0, ("Aksessuarlar",)),
        ("TEL-1", 4, ("Elektronika", "Telefonlar")),
        ("TEL-2", 7, ("Elektronika", "Telefonlar")),
    ]
    empty = catalog_import.parse(admin.fake.file_content(template["file_id"]), template["file_name"])
    assert empty.columns == set(catalog_import.COLUMNS) and not empty.rows


def _xlsx(text: str) -> bytes:
    """The CSV text as the .xlsx Excel would save."""
    header, *rows = [line.split(",") for line in text.splitlines()]
    return table_bytes("goods.xlsx", header, [[cell or None for cell in row] for row in rows])
