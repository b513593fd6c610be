"""Reading an uploaded CSV file, checked as a whole before anything is imported.

A file a spreadsheet would not have written (a NUL byte, a quote left open, a
cell of pages) or one too long is refused on `file` with the line at fault, so
the upload answers 400 at once instead of failing in the middle of an import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from calls.exceptions import RuleViolation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELL_CHARS = 1000


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    # (line, cells) of each row that is not blank; line 1 is the header.
    rows: list[tuple[int, list[str]]]


def _refused(message: str) -> RuleViolation:
    return RuleViolation(message, field="file", code="invalid_csv")


def read_table(text: str, *, check_header: Callable[[list[str]], object] | None = None) -> CsvTable:
    """The file's header (lower case, trimmed) and rows, or RuleViolation on `file`."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _refused(f"Line {line} holds a NUL byte: the file is not CSV text.")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if check_header is not None:
            check_header(header)
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise _refused(f"At most {MAX_ROWS:,} rows a file; split it.")
            if any(len(cell) > MAX_CELL_CHARS for cell in cells):
                raise _refused(f"Line {line} has a cell over {MAX_CELL_CHARS} characters.")
            rows.append((line, cells))
    except csv.Error as exc:
        raise _refused(f"Line {reader.line_num} is not valid CSV: {exc}.") from exc
    return CsvTable(header, rows)
