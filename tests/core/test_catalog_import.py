"""A catalogue file brought in: every bad cell named by row and column before anything is written, then the
whole file in one transaction, stock through the ledger."""

import asyncio

import asyncpg
import pytest

from core import catalog_export, catalog_import
from core.catalog_import import ImportRefused, Reason
from core.spreadsheets import UnreadableTable
from core.unit_of_work import Effects

HEADER = "sku,name_uz,name_ru,category,price,sale_price,quantity,photo_urls\n"


async def _import(pool: asyncpg.Pool, effects: Effects, text: str, name: str = "goods.csv") -> catalog_import.Imported:
    file = catalog_import.parse(text.encode(), name)
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        return await catalog_import.run(uow, file, actor_id=None, low_stock_threshold=5)


def _problems(text: str, name: str = "goods.csv") -> list[tuple[int, str | None, Reason]]:
    return [(p.row, p.column, p.reason) for p in catalog_import.parse(text.encode(), name).problems]


def test_every_bad_cell_is_named_by_its_excel_row_and_column() -> None:
    text = (
        HEADER + "A-1,Choynak,Чайник,Uy/Oshxona,120000,,3,\n"
        "A-2,Piyola,,Uy,12x,,1,\n"
        "\n"  # an empty line keeps Excel's numbering: the next row is row 5
        "A-1,Qoshiq,,,100,150,-2,ftp://img.example/1.jpg\n"
    )
    assert _problems(text) == [
        (3, "price", Reason.NOT_AN_AMOUNT),
        (5, "sku", Reason.REPEATED_SKU),
        (5, "sale_price", Reason.SALE_ABOVE_PRICE),
        (5, "quantity", Reason.NEGATIVE),
        (5, "photo_urls", Reason.BAD_URL),
    ]


def test_a_header_with_an_unknown_or_missing_column_is_refused_on_row_1() -> None:
    assert _problems("name_uz,prise\nChoynak,1\n") == [
        (1, "sku", Reason.MISSING_COLUMN),
        (1, "prise", Reason.UNKNOWN_COLUMN),
    ]


def test_russian_excel_csv_with_semicolons_decimal_commas_and_windows_1251_is_read() -> None:
    content = "sku;name_uz;name_ru;price\r\nA-1;Choynak;Чайник;120 000,50\r\n".encode("cp1251")
    (row,) = catalog_import.parse(content, "tovary.csv").rows
    assert (row.name_ru, str(row.price)) == ("Чайник", "120000.50")
    with_bom = catalog_import.parse("\ufeffsku,name_uz,price\nA-1,Choynak,5\n".encode(), "x.csv")
    assert with_bom.columns == {"sku", "name_uz", "price"} and not with_bom.problems


def test_a_file_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(UnreadableTable):
        catalog_import.parse(b"PK\x03\x04 broken", "goods.xlsx")
    with pytest.raises(UnreadableTable):
        catalog_import.parse(b"%PDF-1.4", "goods.pdf")


async def test_a_bad_row_refuses_the_whole_file_and_writes_nothing(pool: asyncpg.Pool, effects: Effects) -> None:
    text = HEADER + "A-1,Choynak,,Uy/Oshxona,120000,,3,\nA-2,Piyola,,Uy,abc,,1,\n"
    with pytest.raises(ImportRefused) as refused:
        await _import(pool, effects, text)
    assert [(p.row, p.column) for p in refused.value.plan.problems] == [(3, "price")]
    assert await pool.fetchval("SELECT count(*) FROM products") == 0
    assert await pool.fetchval("SELECT count(*) FROM categories") == 0


async def test_import_creates_categories_along_the_path_and_receives_stock_naming_the_file(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    text = HEADER + "A-1,Choynak,Чайник,Uy/Oshxona,120000,99000,3,https://img.example/1.jpg\nA-2,Piyola,,uy,9000,,0,\n"
    async with pool.acquire() as conn:
        plan = await catalog_import.check(conn, catalog_import.parse(text.encode(), "goods.csv"))
    assert (plan.new, plan.updated, plan.new_categories) == (2, 0, 2)
    assert await _import(pool, effects, text) == catalog_import.Imported(2, 0, 2)
    tree = await pool.fetch(
        "SELECT c.name_uz, p.name_uz AS parent FROM categories c LEFT JOIN categories p"
        " ON p.id = c.parent_id ORDER BY c.id"
    )
    assert [tuple(row) for row in tree] == [("Uy", None), ("Oshxona", "Uy")]
    moves = await pool.fetch("SELECT movement_type, quantity_change, notes FROM inventory_movements")
    assert [tuple(row) for row in moves] == [("receive", 3, "catalogue file goods.csv")]
    shown = await pool.fetch("SELECT sku, is_active, sale_price FROM products ORDER BY sku")
    assert [(row["sku"], row["is_active"]) for row in shown] == [("A-1", True), ("A-2", False)]


async def test_reimport_matches_by_sku_moves_stock_by_the_difference_and_keeps_columns_left_out(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    await _import(pool, effects, HEADER + "A-1,Choynak,Чайник,Uy,120000,99000,3,\n")
    assert await _import(pool, effects, "sku,price,quantity\nA-1,130000,10\n", "count.csv") == (
        catalog_import.Imported(0, 1, 0)
    )
    product = await pool.fetchrow("SELECT name_ru, price, sale_price FROM products WHERE sku = 'A-1'")
    assert (product["name_ru"], str(product["price"]), str(product["sale_price"])) == (
        "Чайник",
        "130000.00",
        "99000.00",
    )
    moves = await pool.fetch("SELECT movement_type, quantity_change, notes FROM inventory_movements ORDER BY id")
    assert [tuple(row) for row in moves][1:] == [("stock_take", 7, "catalogue file count.csv")]


async def test_a_known_products_sale_price_above_the_files_new_price_is_refused(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    await _import(pool, effects, HEADER + "A-1,Choynak,,,120000,99000,3,\n")
    with pytest.raises(ImportRefused) as refused:
        await _import(pool, effects, "sku,price\nA-1,90000\n")
    assert [(p.row, p.column, p.reason) for p in refused.value.plan.problems] == [(2, "price", Reason.SALE_ABOVE_PRICE)]


async def test_export_gives_back_what_was_imported(pool: asyncpg.Pool, effects: Effects) -> None:
    text = HEADER + "A-1,Choynak,Чайник,Uy/Oshxona,120000,99000,3,\n"
    await _import(pool, effects, text)
    for name in ("back.xlsx", "back.csv"):
        async with pool.acquire() as conn:
            again = catalog_import.parse(await catalog_export.export(conn, name), name)
        (row,) = again.rows
        assert not again.problems and set(again.columns) == set(catalog_import.COLUMNS)
        assert (row.sku, row.name_ru, row.category, row.price, row.sale_price, row.quantity) == (
            "A-1",
            "Чайник",
            ("Uy", "Oshxona"),
            120000,
            99000,
            3,
        )


async def test_two_imports_of_the_same_new_rows_at_once_make_each_product_and_category_once(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    text = HEADER + "A-1,Choynak,,Uy/Oshxona,120000,,3,\nA-2,Piyola,,Uy,9000,,1,\n"
    first, second = await asyncio.gather(_import(pool, effects, text), _import(pool, effects, text))
    assert sorted([(first.created, first.updated), (second.created, second.updated)]) == [(0, 2), (2, 0)]
    assert await pool.fetchval("SELECT count(*) FROM products") == 2
    assert await pool.fetchval("SELECT count(*) FROM categories") == 2
