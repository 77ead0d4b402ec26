"""The dashboard's tables as files: CSV and Excel (issue 7 item 2).

A ``Table`` is what a page table holds, with the figures as numbers in fixed
units (hours, percent), so the files can be sorted and summed: the page
writes "3.2 d" where the file has 76.8 in an "hours" column. Headers are in
the reader's language (built while their language is active)."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from orders_site.spreadsheets import csv_bytes, safe_text, xlsx_text

TEXT, INT, HOURS, PERCENT, NUMBER, DATETIME = (
    "text",
    "int",
    "hours",
    "percent",
    "number",
    "datetime",
)
#: Excel number formats of the column kinds.
XLSX_FORMATS = {
    INT: "0",
    HOURS: "0.0",
    PERCENT: "0.0",
    NUMBER: "0.0",
    DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    """One table of the dashboard: its slug (``lead-times``), its title, and
    rows of values in column order, already in the columns' units. Files are
    named after the period: ``lead-times_2026-01-01_2026-03-31.xlsx``."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    #: A table of the present moment (the stuck orders) rather than of the
    #: period is named after the day it was taken.
    as_of: datetime.date | None = None

    def filename(self, *, date_from: datetime.date, date_to: datetime.date, ext: str) -> str:
        if self.as_of:
            return f"{self.slug}_{self.as_of.isoformat()}.{ext}"
        return f"{self.slug}_{date_from.isoformat()}_{date_to.isoformat()}.{ext}"


def hours_value(hours) -> float | None:
    """Hours to one decimal, as the page rounds them."""
    return None if hours is None else round(float(hours), 1)


def percent_value(rate) -> float | None:
    """A 0..1 rate as a percentage to one decimal (``0.125`` → ``12.5``)."""
    return None if rate is None else round(float(rate) * 100, 1)


def number_value(value) -> float | None:
    return None if value is None else round(float(value), 1)


def local_naive(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Excel has no time zones: write the reader's local time, to the minute."""
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None, second=0, microsecond=0)


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == DATETIME:
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == TEXT:
        return safe_text(value)
    return value  # a number: written as it is, never taken for a formula


def render_csv(table: Table) -> bytes:
    """Through the product's one CSV writer (``orders_site.spreadsheets``):
    UTF-8 with a byte-order mark, text cells neutralised."""
    return csv_bytes(
        [c.label for c in table.columns],
        (
            [_csv_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)]
            for row in table.rows
        ),
    )


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(table: Table, *, subtitle: str = "") -> bytes:
    """One sheet: the header row (bold, frozen), then the rows with numbers
    stored as numbers in the column's format and times as Excel dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = _SHEET_FORBIDDEN.sub(" ", table.title)[:31] or table.slug
    book.properties.title = f"{table.title} {subtitle}".strip()
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in table.rows:
        sheet.append(row)
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind == TEXT:
                xlsx_text(cell)
            elif column.kind in XLSX_FORMATS:
                cell.number_format = XLSX_FORMATS[column.kind]
    for index, column in enumerate(table.columns, start=1):
        widest = max([_width(column.label)] + [_width(r[index - 1]) for r in table.rows], default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    text = str(value)
    # A Chinese character is about two Latin ones wide.
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)
