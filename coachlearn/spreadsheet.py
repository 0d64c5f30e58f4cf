"""CSV for spreadsheets: every export writes through `writer()` so that no cell can run as a
formula when the file is opened in Excel, LibreOffice or Google Sheets."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# OWASP's list: a cell starting with one of these is read as a formula (or, for tab and
# carriage return, hides one behind leading white space).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading `'` when a spreadsheet would take it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _SafeWriter:
    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file, **options) -> _SafeWriter:
    """Like csv.writer, with every cell passed through safe_cell."""
    return _SafeWriter(file, **options)
