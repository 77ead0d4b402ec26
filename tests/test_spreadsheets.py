"""The one spreadsheet-cell helper every export uses (issue 11 item 4)."""

import csv
import io

from orders_site.spreadsheets import csv_bytes, safe_text


def test_text_that_starts_a_formula_is_prefixed():
    for hostile in ["=1+1", "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "＝1+1", "＠SUM(1)"]:
        assert safe_text(hostile) == "'" + hostile
    assert safe_text("王小明") == "王小明"
    assert safe_text("a=b") == "a=b"
    assert safe_text(None) == ""


def test_csv_bytes_has_a_bom_and_neutralises_only_text():
    data = csv_bytes(["=Header", "N"], [["=cmd|' /C calc'!A0", 5], ["ok", -3]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["'=Header", "N"], ["'=cmd|' /C calc'!A0", "5"], ["ok", "-3"]]
