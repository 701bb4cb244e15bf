"""A catalogue file (.xlsx or .csv) brought in: parsed and checked row by row (the dry run), then written in the
caller's unit of work all at once, or not at all.

Products are matched by SKU: a known SKU updates the product, a new one creates it. A column left out of the
file leaves that field as it is; an empty cell in a present column clears it (name_uz and price cannot be
cleared; empty quantity and low_stock_threshold cells change nothing). A quantity sets the count: new products
receive it as opening stock, known ones move by the difference as a stock take, both noting the file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from urllib.parse import urlsplit

from core import audit, categories, inventory, photos
from core.categories import CategoryFields
from core.db import Conn
from core.inventory import Source
from core.spreadsheets import Cell, read_rows
from core.sql import bind
from core.unit_of_work import UnitOfWork

COLUMNS = (
    "sku",
    "barcode",
    "name_uz",
    "name_ru",
    "category",
    "price",
    "sale_price",
    "cost_price",
    "quantity",
    "low_stock_threshold",
    "description_uz",
    "description_ru",
    "photo_urls",
)
MAX_ROWS = 50_000
MAX_PHOTOS = 10
MAX_MONEY = Decimal("999999999999.99")  # NUMERIC(14,2)
CATEGORY_SEPARATOR = "/"
CHUNK = 500  # rows written per statement, and how often progress is told
_LENGTHS = {"sku": 100, "barcode": 100, "name_uz": 255, "name_ru": 255, "category": 255}


class Reason(StrEnum):
    """Why a cell (or the header) is refused; the faces word each in the reader's language."""

    NO_HEADER = "no_header"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    REPEATED_COLUMN = "repeated_column"
    TOO_MANY_ROWS = "too_many_rows"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_AN_AMOUNT = "not_an_amount"
    NOT_A_COUNT = "not_a_count"
    NEGATIVE = "negative"
    TOO_BIG = "too_big"
    SALE_ABOVE_PRICE = "sale_above_price"
    REPEATED_SKU = "repeated_sku"
    BAD_CATEGORY = "bad_category"
    BAD_URL = "bad_url"
    TOO_MANY_PHOTOS = "too_many_photos"
    BELOW_RESERVED = "below_reserved"


_MESSAGES = {
    Reason.NO_HEADER: "the first row must name the columns",
    Reason.MISSING_COLUMN: "the column is missing",
    Reason.UNKNOWN_COLUMN: "unknown column {value!r}",
    Reason.REPEATED_COLUMN: "the column appears twice",
    Reason.TOO_MANY_ROWS: "more than {limit} rows",
    Reason.REQUIRED: "required, but empty",
    Reason.TOO_LONG: "longer than {limit} characters",
    Reason.NOT_AN_AMOUNT: "{value!r} is not an amount (e.g. 125000 or 125000.50)",
    Reason.NOT_A_COUNT: "{value!r} is not a whole number",
    Reason.NEGATIVE: "cannot be negative",
    Reason.TOO_BIG: "more than {limit}",
    Reason.SALE_ABOVE_PRICE: "the sale price {value} exceeds the price {limit}",
    Reason.REPEATED_SKU: "the SKU is already on row {limit}",
    Reason.BAD_CATEGORY: "{value!r} has an empty level (write it as Elektronika/Telefonlar)",
    Reason.BAD_URL: "{value!r} is not an http(s) address",
    Reason.TOO_MANY_PHOTOS: "more than {limit} photos",
    Reason.BELOW_RESERVED: "{limit} units are reserved for customers; the count cannot be lower",
}


@dataclass(frozen=True)
class Problem:
    """A refused cell: its row as the seller sees it in Excel (the header is row 1), its column, why."""

    row: int
    column: str | None
    reason: Reason
    value: str = ""
    limit: str = ""

    @property
    def message(self) -> str:
        return _MESSAGES[self.reason].format(value=self.value, limit=self.limit)

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column or '-'}: {self.message}"


@dataclass(frozen=True)
class ProductRow:
    """One good row of the file; a field is meant only when its column is in the file (`ParsedFile.columns`)."""

    row: int
    sku: str
    barcode: str | None = None
    name_uz: str | None = None
    name_ru: str | None = None
    category: tuple[str, ...] | None = None  # the path, top level first
    price: Decimal | None = None
    sale_price: Decimal | None = None
    cost_price: Decimal | None = None
    quantity: int | None = None
    low_stock_threshold: int | None = None
    description_uz: str | None = None
    description_ru: str | None = None
    photo_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFile:
    name: str
    columns: frozenset[str]
    rows: tuple[ProductRow, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Plan:
    """The dry run: what the import would do, and every reason it would refuse to."""

    file: ParsedFile
    new: int
    updated: int
    new_categories: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The file has bad rows; nothing was written."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.problems)} bad cells, first: {plan.problems[0]}")
        self.plan = plan


Progress = Callable[[int, int], Awaitable[None]]


def parse(content: bytes, name: str) -> ParsedFile:
    """Read and check a file's rows on their own (UnreadableTable when it is no table at all)."""
    rows = read_rows(content, name)
    header_row = next(rows, None)
    if header_row is None:
        return ParsedFile(name, frozenset(), (), (Problem(1, None, Reason.NO_HEADER),))
    header = [_text(cell).lower() if cell is not None else "" for cell in header_row.cells]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title:
            continue
        if title not in COLUMNS:
            problems.append(Problem(1, title, Reason.UNKNOWN_COLUMN, title))
        elif title in positions:
            problems.append(Problem(1, title, Reason.REPEATED_COLUMN))
        else:
            positions[title] = index
    if "sku" not in positions:
        problems.append(Problem(1, "sku", Reason.MISSING_COLUMN))
    if problems:
        return ParsedFile(name, frozenset(positions), (), _in_order(problems))
    parsed: list[ProductRow] = []
    first_row_of: dict[str, int] = {}
    for seen, row in enumerate(rows):
        if seen == MAX_ROWS:
            problems.append(Problem(row.number, None, Reason.TOO_MANY_ROWS, limit=str(MAX_ROWS)))
            break
        cells = {column: row.cells[index] if index < len(row.cells) else None for column, index in positions.items()}
        found, row_problems = _row(row.number, cells)
        if found is not None and found.sku in first_row_of:
            row_problems.append(Problem(row.number, "sku", Reason.REPEATED_SKU, limit=str(first_row_of[found.sku])))
        if found is not None:
            first_row_of.setdefault(found.sku, row.number)
        if row_problems:
            problems.extend(row_problems)
        elif found is not None:
            parsed.append(found)
    return ParsedFile(name, frozenset(positions), tuple(parsed), _in_order(problems))


def _in_order(problems: Sequence[Problem]) -> tuple[Problem, ...]:
    """As the seller reads the sheet: row by row, left to right."""
    return tuple(
        sorted(problems, key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else len(COLUMNS)))
    )


def _row(number: int, cells: dict[str, Cell]) -> tuple[ProductRow | None, list[Problem]]:
    """One data row read by its columns (a column not in the file reads as empty), with its problems."""
    problems: list[Problem] = []

    def refuse(column: str, reason: Reason, value: object = "", limit: object = "") -> None:
        problems.append(Problem(number, column, reason, str(value), str(limit)))

    def text(column: str) -> str | None:
        cell = cells.get(column)
        value = _text(cell) if cell is not None else ""
        if len(value) > _LENGTHS.get(column, len(value)):
            refuse(column, Reason.TOO_LONG, limit=_LENGTHS[column])
        return value or None

    sku = text("sku")
    found = ProductRow(
        row=number,
        sku=sku or "",
        barcode=text("barcode"),
        name_uz=text("name_uz"),
        name_ru=text("name_ru"),
        category=_category(cells.get("category"), refuse),
        price=_amount(cells.get("price"), "price", refuse),
        sale_price=_amount(cells.get("sale_price"), "sale_price", refuse),
        cost_price=_amount(cells.get("cost_price"), "cost_price", refuse),
        quantity=_count(cells.get("quantity"), "quantity", refuse),
        low_stock_threshold=_count(cells.get("low_stock_threshold"), "low_stock_threshold", refuse),
        description_uz=text("description_uz"),
        description_ru=text("description_ru"),
        photo_urls=_photos(cells.get("photo_urls"), refuse),
    )
    if sku is None:
        refuse("sku", Reason.REQUIRED)
        return None, problems
    if found.price is not None and found.sale_price is not None and found.sale_price > found.price:
        refuse("sale_price", Reason.SALE_ABOVE_PRICE, found.sale_price, found.price)
    return found, problems


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a SKU or barcode typed as a number comes back from Excel as 12345.0
    return str(cell).strip()


def _amount(cell: Cell, column: str, refuse: Callable[..., None]) -> Decimal | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    text = str(cell).replace("\u00a0", "").replace(" ", "")
    if isinstance(cell, str) and "," in text:
        # "125 000,50" as a Russian-locale Excel writes it; "125,000.50" is ambiguous and refused.
        text = text.replace(",", ".") if "." not in text and text.count(",") == 1 else "?"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        refuse(column, Reason.NOT_AN_AMOUNT, cell)
        return None
    if not amount.is_finite():
        refuse(column, Reason.NOT_AN_AMOUNT, cell)
        return None
    amount = amount.quantize(Decimal("0.01"))
    if amount < 0:
        refuse(column, Reason.NEGATIVE)
    elif amount > MAX_MONEY:
        refuse(column, Reason.TOO_BIG, limit=MAX_MONEY)
    return amount


def _count(cell: Cell, column: str, refuse: Callable[..., None]) -> int | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    text = str(cell).replace("\u00a0", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        refuse(column, Reason.NOT_A_COUNT, cell)
        return None
    if not number.is_finite() or number != number.to_integral_value():
        refuse(column, Reason.NOT_A_COUNT, cell)
        return None
    if number < 0:
        refuse(column, Reason.NEGATIVE)
        return None
    if number > 2**31 - 1:
        refuse(column, Reason.TOO_BIG, limit=2**31 - 1)
        return None
    return int(number)


def _category(cell: Cell, refuse: Callable[..., None]) -> tuple[str, ...] | None:
    text = _text(cell) if cell is not None else ""
    if not text:
        return None
    path = tuple(part.strip() for part in text.split(CATEGORY_SEPARATOR))
    if not all(path):
        refuse("category", Reason.BAD_CATEGORY, text)
    elif any(len(part) > _LENGTHS["category"] for part in path):
        refuse("category", Reason.TOO_LONG, limit=_LENGTHS["category"])
    return path


def _photos(cell: Cell, refuse: Callable[..., None]) -> tuple[str, ...]:
    urls = tuple(_text(cell).split()) if cell is not None else ()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            refuse("photo_urls", Reason.BAD_URL, url)
            return ()
    if len(urls) > MAX_PHOTOS:
        refuse("photo_urls", Reason.TOO_MANY_PHOTOS, limit=MAX_PHOTOS)
    return urls


@dataclass(frozen=True)
class _Known:
    id: int
    price: Decimal
    sale_price: Decimal | None
    reserved: int


@dataclass
class _Categories:
    """The category tree by (parent id, lower-case Uzbek name), to find a path's levels or make them."""

    ids: dict[tuple[int | None, str], int] = field(default_factory=dict)

    @classmethod
    async def load(cls, conn: Conn) -> _Categories:
        rows = await conn.fetch("SELECT id, parent_id, name_uz FROM categories ORDER BY id")
        tree = cls()
        for row in rows:
            tree.ids.setdefault((row["parent_id"], row["name_uz"].strip().lower()), row["id"])
        return tree

    def missing(self, paths: Sequence[tuple[str, ...]]) -> int:
        """How many categories the paths need that do not exist yet."""
        new: set[tuple[str, ...]] = set()
        for path in paths:
            parent: int | None = None
            for depth, name in enumerate(path):
                found = self.ids.get((parent, name.lower()))
                if found is None:  # this level and every deeper one are to be made
                    lowered = tuple(level.lower() for level in path)
                    new.update(lowered[:end] for end in range(depth + 1, len(path) + 1))
                    break
                parent = found
        return len(new)

    async def resolve(self, uow: UnitOfWork, path: tuple[str, ...]) -> int:
        parent: int | None = None
        for name in path:
            found = self.ids.get((parent, name.lower()))
            if found is None:
                found = await categories.create(uow, CategoryFields(name_uz=name, parent_id=parent))
                self.ids[(parent, name.lower())] = found
            parent = found
        assert parent is not None  # a path has at least one level
        return parent


async def _known(conn: Conn, skus: Sequence[str]) -> dict[str, _Known]:
    rows = await conn.fetch(
        "SELECT p.sku, p.id, p.price, p.sale_price, i.reserved_quantity AS reserved"
        " FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.sku = ANY($1::text[])",
        list(skus),
    )
    return {row["sku"]: _Known(row["id"], row["price"], row["sale_price"], row["reserved"]) for row in rows}


async def check(conn: Conn, file: ParsedFile) -> Plan:
    """The dry run: the file's own problems and those only the database shows (a new product without a name or
    price, a sale price above a known product's price, a count below what customers hold)."""
    known = await _known(conn, [row.sku for row in file.rows])
    problems = list(file.problems)
    for row in file.rows:
        before = known.get(row.sku)
        for column in ("name_uz", "price"):
            if (column in file.columns or before is None) and getattr(row, column) is None:
                problems.append(Problem(row.row, column, Reason.REQUIRED))
        if before is not None:  # the row's own prices passed; with the product's others they must agree too
            price = row.price if "price" in file.columns else before.price
            sale = row.sale_price if "sale_price" in file.columns else before.sale_price
            if price is not None and sale is not None and sale > price:
                column = "price" if "price" in file.columns else "sale_price"
                problems.append(Problem(row.row, column, Reason.SALE_ABOVE_PRICE, str(sale), str(price)))
        if before is not None and row.quantity is not None and row.quantity < before.reserved:
            problems.append(Problem(row.row, "quantity", Reason.BELOW_RESERVED, limit=str(before.reserved)))
    tree = await _Categories.load(conn)
    new_categories = tree.missing([row.category for row in file.rows if row.category])
    updated = sum(1 for row in file.rows if row.sku in known)
    return Plan(file, len(file.rows) - updated, updated, new_categories, _in_order(problems))


_INSERT = """
INSERT INTO products (
    sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id,
    price, sale_price, cost_price, low_stock_threshold, is_active, inactive_reason
)
SELECT v.sku, v.barcode, v.name_uz, v.name_ru, v.description_uz, v.description_ru, v.category_id,
       v.price, v.sale_price, v.cost_price, v.low_stock_threshold, v.stocked,
       CASE WHEN NOT v.stocked THEN 'out_of_stock' END
  FROM UNNEST(:sku::text[], :barcode::text[], :name_uz::text[], :name_ru::text[], :description_uz::text[],
              :description_ru::text[], :category_id::int[], :price::numeric[], :sale_price::numeric[],
              :cost_price::numeric[], :low_stock_threshold::int[], :stocked::bool[])
       AS v(sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id, price, sale_price,
            cost_price, low_stock_threshold, stocked)
RETURNING id, sku
"""

# Fields an update may change, with their array types; a field changes only when its column is in the file.
_UPDATABLE = {
    "barcode": "text",
    "name_uz": "text",
    "name_ru": "text",
    "description_uz": "text",
    "description_ru": "text",
    "category_id": "int",
    "price": "numeric",
    "sale_price": "numeric",
    "cost_price": "numeric",
    "low_stock_threshold": "int",
}


# Columns whose mere presence in an UPDATE's SET fires the search-words trigger for every row it writes (row by
# row, costly): they are written by a statement of their own, only for the rows whose names really change.
_SEARCHED = ("barcode", "name_uz", "name_ru")


def _update_statements(fields: Sequence[str]) -> list[tuple[str, list[str]]]:
    """UPDATEs for a chunk of known products, each with the fields it sets (names from _UPDATABLE only). A row
    that changes nothing is not written. An empty low-stock threshold keeps the product's own."""
    groups = [[name for name in fields if name in _SEARCHED], [name for name in fields if name not in _SEARCHED]]
    return [(_update_statement(group), group) for group in groups if group]


def _update_statement(fields: Sequence[str]) -> str:
    values = {
        name: f"COALESCE(v.{name}, p.{name})" if name == "low_stock_threshold" else f"v.{name}" for name in fields
    }
    assignments = ", ".join(f"{name} = {value}" for name, value in values.items())
    changed = " OR ".join(f"p.{name} IS DISTINCT FROM {value}" for name, value in values.items())
    arrays = ", ".join(f"${index}::{_UPDATABLE[name]}[]" for index, name in enumerate(fields, start=2))
    return (
        f"UPDATE products p SET {assignments}"
        f" FROM UNNEST($1::int[], {arrays}) AS v(id, {', '.join(fields)}) WHERE p.id = v.id AND ({changed})"
    )


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    new_categories: int


async def run(
    uow: UnitOfWork,
    file: ParsedFile,
    *,
    actor_id: int | None,
    low_stock_threshold: int,
    progress: Progress | None = None,
) -> Imported:
    """Write the file in the caller's unit of work. Checked again inside it (the catalogue may have moved since
    the dry run): ImportRefused, with nothing written, when any row is bad."""
    conn = uow.conn
    # One import at a time: a second file naming the same new SKUs or categories waits, then finds them made
    # and updates them, instead of failing on the unique key half-way.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('catalog_import'))")
    plan = await check(conn, file)
    if not plan.ok:
        raise ImportRefused(plan)
    tree = await _Categories.load(conn)
    source = Source("catalog_import", None, None, actor_id, f"catalogue file {file.name}")
    fields = [
        name for name in _UPDATABLE if name in file.columns or (name == "category_id" and "category" in file.columns)
    ]
    total = len(file.rows)
    for start in range(0, total, CHUNK):
        chunk = file.rows[start : start + CHUNK]
        known = await _known(conn, [row.sku for row in chunk])
        category_ids = [await tree.resolve(uow, row.category) if row.category else None for row in chunk]
        fresh = [(row, category) for row, category in zip(chunk, category_ids, strict=True) if row.sku not in known]
        old = [(row, category) for row, category in zip(chunk, category_ids, strict=True) if row.sku in known]
        created = await _create(uow, fresh, low_stock_threshold)
        for statement, columns in _update_statements(fields) if old else []:
            await conn.execute(
                statement,
                [known[row.sku].id for row, _ in old],
                *(
                    [category if name == "category_id" else getattr(row, name) for row, category in old]
                    for name in columns
                ),
            )
        await inventory.receive_many(
            uow, [(created[row.sku], row.quantity) for row, _ in fresh if row.quantity], source, opening=True
        )
        await inventory.count_many(
            uow, [(known[row.sku].id, row.quantity) for row, _ in old if row.quantity is not None], source
        )
        # Queued in this transaction; the photo job fetches them after the commit. A URL the product already has
        # is not queued again, so importing the same file twice keeps one photo per address.
        ids = [(created[row.sku], row) for row, _ in fresh] + [(known[row.sku].id, row) for row, _ in old]
        for product_id, row in ids:
            if row.photo_urls:
                await photos.queue_urls(conn, product_id, row.photo_urls)
        if progress is not None:
            await progress(min(start + CHUNK, total), total)
    uow.catalog_changed()
    await audit.record(
        conn,
        actor_id,
        audit.CATALOG_IMPORT,
        "catalog",
        None,
        None,
        {"file": file.name, "created": plan.new, "updated": plan.updated, "new_categories": plan.new_categories},
    )
    return Imported(plan.new, plan.updated, plan.new_categories)


async def _create(
    uow: UnitOfWork, rows: Sequence[tuple[ProductRow, int | None]], low_stock_threshold: int
) -> dict[str, int]:
    """New products with empty stock rows; their opening stock follows in the same transaction. A product is
    visible exactly when that stock is positive, as the ledger would leave it: written so at once, because a
    second write of each new row (re-indexing its names) would double the cost of a big file."""
    if not rows:
        return {}
    conn = uow.conn
    made = await conn.fetch(
        *bind(
            _INSERT,
            sku=[row.sku for row, _ in rows],
            barcode=[row.barcode for row, _ in rows],
            name_uz=[row.name_uz for row, _ in rows],
            name_ru=[row.name_ru for row, _ in rows],
            description_uz=[row.description_uz for row, _ in rows],
            description_ru=[row.description_ru for row, _ in rows],
            category_id=[category for _, category in rows],
            price=[row.price for row, _ in rows],
            sale_price=[row.sale_price for row, _ in rows],
            cost_price=[row.cost_price for row, _ in rows],
            low_stock_threshold=[
                low_stock_threshold if row.low_stock_threshold is None else row.low_stock_threshold for row, _ in rows
            ],
            stocked=[bool(row.quantity) for row, _ in rows],
        )
    )
    ids = {record["sku"]: record["id"] for record in made}
    await conn.execute("INSERT INTO inventory (product_id) SELECT UNNEST($1::int[])", list(ids.values()))
    return ids
