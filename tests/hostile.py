"""Helpers for the hostile-input tests: a full dump of the database (every table,
whatever the schema holds) and XLSX files written by hand, so a test can build the
malformed or oversized archive it needs in its own temporary folder."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import inspect, text

from workflow.app.service import Service


def full_dump(svc: Service) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the database, for before/after comparisons."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with svc.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"'))
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def cell(ref: str, value: object) -> str:
    """One cell: an inline string, a number, or raw XML given as ('xml', inner XML,
    extra attributes)."""
    if isinstance(value, tuple):
        attrs = f" {value[2]}" if len(value) > 2 else ""
        return f'<c r="{ref}"{attrs}>{value[1]}</c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int, values: Iterable[object]) -> str:
    cells = "".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def write_xlsx(
    path: Path,
    rows: Iterable[Iterable[object]],
    *,
    dimension: str | None = None,
    repeat: tuple[Iterable[object], int] | None = None,
) -> Path:
    """An XLSX with ``rows`` (inline strings), an optional ``<dimension ref>`` (which
    may lie), and optionally ``repeat = (row, times)`` streamed into the sheet after
    them (a large sheet from a small file)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            if dimension is not None:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            n = 0
            for n, values in enumerate(rows, start=1):
                sheet.write(row_xml(n, values).encode())
            if repeat is not None:
                values, times = repeat
                # rows and cells without their optional r= references, as some
                # writers leave them: the same bytes each time, a tiny file
                cells = "".join(cell("", v).replace(' r=""', "") for v in values)
                one = f"<row>{cells}</row>".encode()
                block = 1000
                for start in range(0, times, block):
                    sheet.write(one * (min(start + block, times) - start))
            sheet.write(b"</sheetData></worksheet>")
    return path


def write_zip_bomb(path: Path, inflated_bytes: int, zip64: bool = True) -> Path:
    """A valid-looking XLSX whose sheet inflates to ``inflated_bytes`` of blank XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as sheet:
            sheet.write(SHEET_HEAD.encode() + b"<sheetData>")
            blank = b" " * (1 << 20)
            written = 0
            while written < inflated_bytes:
                sheet.write(blank)
                written += len(blank)
            sheet.write(b"</sheetData></worksheet>")
    return path


def understate_size(path: Path, entry: str, declared: int) -> None:
    """Make the central directory claim ``entry`` inflates to ``declared`` bytes (a
    bomb that lies about its size). Needs a non-zip64 entry."""
    data = bytearray(path.read_bytes())
    name = entry.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            data[pos + 24 : pos + 28] = declared.to_bytes(4, "little")
            path.write_bytes(bytes(data))
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise KeyError(entry)
