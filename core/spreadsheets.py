"""Tables in files, as sellers make them: .xlsx (first sheet) and .csv, read as rows of cells and written back.

CSV is read as Excel writes it: UTF-8 with or without a BOM, else Windows-1251 (Excel's "CSV" in a Russian
locale), separated by `,`, `;` or a tab, whichever the header line uses most."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

Cell = str | int | float | Decimal | None

FORMATS = (".xlsx", ".csv")
_SEPARATORS = (",", ";", "\t")


class UnreadableTable(Exception):
    """The file is not a table we read: another format, or broken."""


@dataclass(frozen=True)
class Row:
    number: int  # as the seller sees it in Excel: the header is row 1
    cells: tuple[Cell, ...]


def table_format(name: str) -> str:
    """The format of a file by its name ('.xlsx' or '.csv'); UnreadableTable for any other."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise UnreadableTable(f"{name}: not an .xlsx or .csv file")
    return suffix


def read_rows(content: bytes, name: str) -> Iterator[Row]:
    """Every row of the file, the header first, numbered from 1; rows with no value at all are skipped."""
    rows = _xlsx_rows(content) if table_format(name) == ".xlsx" else _csv_rows(content)
    for number, cells in enumerate(rows, start=1):
        if any(cell is not None and str(cell).strip() for cell in cells):
            yield Row(number, cells)


def _xlsx_rows(content: bytes) -> Iterator[tuple[Cell, ...]]:
    try:
        # Read-only streams the sheet, so a big catalogue is not held as a tree of cell objects.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableTable(f"not a readable .xlsx file ({error})") from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield tuple(_cell(value) for value in values)
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | Decimal):
        return value
    return str(value)  # a date or a boolean: the reader of that column says it is not what it expects


def _csv_rows(content: bytes) -> Iterator[tuple[Cell, ...]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1251")
        except UnicodeDecodeError:
            raise UnreadableTable("the file is neither UTF-8 nor Windows-1251 text") from None
    if "\x00" in text:
        raise UnreadableTable("not a text (CSV) file")
    header = text.split("\n", 1)[0]
    separator = max(_SEPARATORS, key=header.count)
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
        yield tuple(value if value != "" else None for value in values)


def table_bytes(name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A table as the file name's extension says: .xlsx (the header bold and frozen) or .csv (UTF-8 with a BOM,
    so Excel opens Cyrillic and Uzbek letters right, separated by `,`)."""
    if table_format(name) == ".csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
        return text.getvalue().encode("utf-8-sig")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(title) + 4)
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
