"""CSV text whose every cell is safe to open in a spreadsheet: used by every export and the
audit log's own."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def csv_safe(value) -> str:
    """Stop spreadsheet programs treating a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> tuple[str, int]:
    """The CSV text and the number of data rows. Every cell is neutralised, not just free text:
    names, references and addresses are typed by people too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
        count += 1
    return out.getvalue(), count
