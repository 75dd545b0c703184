"""Reading the first sheet of an XLSX file row by row, safely.

A roster file comes from outside, so nothing in it is trusted: the ``<dimension>``
tag is ignored (rows are read as they are, however many the tag claims); the zip
entries' declared sizes are checked before anything is inflated, and every entry is
read with a byte cap (an entry inflating past its declared size fails its own check),
so a decompression bomb is refused in milliseconds; the sheet XML is parsed
incrementally and each row is handed out as soon as it is complete, so a caller can
stop at its row limit without reading the rest; a document type declaration (the
door to entity expansion) is refused. A formula cell without a saved value comes out
as :class:`Formula`, an error cell as :class:`CellError`, so the caller can say so."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal
from xml.etree.ElementTree import Element, XMLPullParser

from workflow.errors import BadInput
from workflow.i18n import tr

MAX_ENTRY_BYTES = 256 * 1024 * 1024
"""Largest inflated size of the sheet or the shared strings (a 200,000-row roster
sheet is about 60 MB)."""
MAX_TOTAL_BYTES = 320 * 1024 * 1024
"""Largest inflated size of the whole archive."""
MAX_STRINGS_BYTES = 64 * 1024 * 1024
"""Largest inflated size of the shared strings, which are held in memory while the
sheet is read (a 200,000-row roster's are about 15 MB)."""
STRINGS = "xl/sharedStrings.xml"
CHUNK = 1 << 16

_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pkg": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_M = "{" + _NS["main"] + "}"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d*)$")


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula cell with no saved value (the file was never calculated)."""

    formula: str

    def __str__(self) -> str:
        return "=" + self.formula


@dataclass(frozen=True, slots=True)
class CellError:
    """A cell holding a spreadsheet error value such as ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


Cell = str | int | float | bool | dt.datetime | Formula | CellError | None


def _bad(name: str, why: str = "") -> BadInput:
    if why:
        return BadInput(
            tr("{f}：不是有效的 XLSX 文件（{w}）", "{f}: not a valid XLSX file ({w})", f=name, w=why)
        )
    return BadInput(tr("{f}：不是有效的 XLSX 文件", "{f}: not a valid XLSX file", f=name))


def _too_big(name: str, entry: str, size: int, limit: int) -> BadInput:
    return BadInput(
        tr(
            "{f}：解压后过大（{e} 为 {n} MB，最多 {m} MB），未读取",
            "{f}: too large when unpacked ({e} is {n} MB, at most {m} MB); not read",
            f=name,
            e=entry,
            n=size // (1024 * 1024),
            m=limit // (1024 * 1024),
        )
    )


class _Capped(io.RawIOBase):
    """A zip entry read with a byte cap, refusing a document type declaration."""

    def __init__(self, raw: IO[bytes], cap: int, name: str, entry: str) -> None:
        self.raw = raw
        self.cap = cap
        self.read_so_far = 0
        self.name = name
        self.entry = entry
        self.tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.cap:
            raise _too_big(self.name, self.entry, self.read_so_far, self.cap)
        window = self.tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise _bad(self.name, "DOCTYPE")
        self.tail = window[-16:]
        buffer[: len(data)] = data
        return len(data)


class XlsxReader:
    """The first worksheet of an XLSX archive, read lazily (see the module doc)."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise _bad(name) from e
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_ENTRY_BYTES:
                raise _too_big(name, info.filename, info.file_size, MAX_ENTRY_BYTES)
            if info.filename == STRINGS and info.file_size > MAX_STRINGS_BYTES:
                raise _too_big(name, info.filename, info.file_size, MAX_STRINGS_BYTES)
        if total > MAX_TOTAL_BYTES:
            raise _too_big(name, "*", total, MAX_TOTAL_BYTES)
        self.names = {i.filename for i in infos}
        self.sheet_path, self.date1904 = self._first_sheet()
        self.date_styles = self._date_styles()
        self.strings = self._shared_strings()

    # ------------------------------------------------------------ parts

    def _open(self, entry: str) -> IO[bytes]:
        try:
            raw = self.zip.open(entry)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as e:
            raise _bad(self.name, entry) from e
        return io.BufferedReader(_Capped(raw, MAX_ENTRY_BYTES, self.name, entry), CHUNK)

    def _events(
        self, entry: str, events: tuple[Literal["start", "end"], ...] = ("end",)
    ) -> Iterator[tuple[str, Element]]:
        parser: XMLPullParser[Element] = XMLPullParser(events=events)
        stream = self._open(entry)
        try:
            while chunk := stream.read(CHUNK):
                parser.feed(chunk)
                yield from parser.read_events()  # type: ignore[misc]
            parser.close()
            yield from parser.read_events()  # type: ignore[misc]
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise _bad(self.name, entry) from e
        except SyntaxError as e:  # ParseError
            raise _bad(self.name, f"{entry}: {e}") from e
        finally:
            stream.close()

    def _rels(self, entry: str) -> dict[str, str]:
        folder, base = posixpath.split(entry)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in self.names:
            return {}
        out = {}
        for _, el in self._events(rels):
            if el.tag == "{" + _NS["pkg"] + "}Relationship":
                target = el.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                out[el.get("Id", "")] = posixpath.normpath(path)
        return out

    def _first_sheet(self) -> tuple[str, bool]:
        book = "xl/workbook.xml"
        if book not in self.names:
            raise _bad(self.name, book)
        first_rid = ""
        date1904 = False
        for _, el in self._events(book):
            if el.tag == _M + "sheet" and not first_rid:
                first_rid = el.get("{" + _NS["rel"] + "}id", "")
            elif el.tag == _M + "workbookPr":
                date1904 = el.get("date1904", "0").lower() in ("1", "true")
        path = self._rels(book).get(first_rid, "")
        if not path or path not in self.names:
            raise _bad(self.name, "no worksheet")
        return path, date1904

    def _date_styles(self) -> frozenset[int]:
        """The style indexes whose number format shows a date."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        styles = "xl/styles.xml"
        if styles not in self.names:
            return frozenset()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        in_cell_xfs = False
        for event, el in self._events(styles, ("start", "end")):
            if el.tag == _M + "numFmt" and event == "end":
                custom[_int(el.get("numFmtId"))] = el.get("formatCode", "")
            elif el.tag == _M + "cellXfs":
                in_cell_xfs = event == "start"
            elif el.tag == _M + "xf" and in_cell_xfs and event == "end":
                xfs.append(_int(el.get("numFmtId")))
        out = set()
        for index, fmt_id in enumerate(xfs):
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
            if code and is_date_format(code):
                out.add(index)
        return frozenset(out)

    def _shared_strings(self) -> list[str]:
        entry = STRINGS
        if entry not in self.names:
            return []
        out: list[str] = []
        for _, el in self._events(entry):
            if el.tag == _M + "si":
                out.append(_text(el))
                el.clear()
        return out

    # ------------------------------------------------------------ rows

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, cells from column A) for each row in the sheet, as read."""
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        strings, date_styles = self.strings, self.date_styles
        row_tag, cell_tag = _M + "row", _M + "c"
        v_tag, f_tag, is_tag = _M + "v", _M + "f", _M + "is"
        number = 0
        parent: Element | None = None
        for event, el in self._events(self.sheet_path, ("start", "end")):
            if event == "start":
                if el.tag == _M + "sheetData":
                    parent = el
                continue
            if el.tag != row_tag:
                continue
            number = _int(el.get("r"), number + 1)
            cells: list[Cell] = []
            for c in el.iter(cell_tag):
                ref = _CELL_REF.match(c.get("r", ""))
                col = _column(ref.group(1)) if ref else len(cells) + 1
                if col > len(cells) + 1:
                    cells.extend([None] * (col - 1 - len(cells)))
                kind = c.get("t", "n")
                v = c.find(v_tag)
                raw = v.text if v is not None else None
                value: Cell
                if kind == "inlineStr":
                    node = c.find(is_tag)
                    value = _text(node) if node is not None else None
                elif raw is None:
                    f = c.find(f_tag)
                    value = Formula(f.text or "") if f is not None else None
                elif kind == "s":
                    idx = _int(raw, -1)
                    if not 0 <= idx < len(strings):
                        raise _bad(self.name, f"{self.sheet_path} row {number}")
                    value = strings[idx]
                elif kind == "str":
                    value = raw
                elif kind == "d":  # an ISO 8601 date or date-time (strict OOXML)
                    try:
                        value = dt.datetime.fromisoformat(raw.rstrip("Z"))
                    except ValueError:
                        value = raw
                elif kind == "b":
                    value = raw.strip() in ("1", "true")
                elif kind == "e":
                    value = CellError(raw)
                else:
                    try:
                        num = float(raw)
                    except ValueError:
                        raise _bad(self.name, f"{self.sheet_path} row {number}") from None
                    if _int(c.get("s"), 0) in date_styles:
                        try:
                            value = from_excel(num, epoch)
                        except (ValueError, OverflowError):
                            value = raw
                    elif num.is_integer() and abs(num) < 1e15:
                        value = int(num)
                    else:
                        value = num
                cells.append(value)
            el.clear()
            if parent is not None:
                parent.remove(el)  # the only child: memory stays one row
            yield number, cells


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _text(el: Element) -> str:
    """The text of a shared or inline string: its ``t`` runs, phonetic runs left out."""
    t_tag, rph_tag = _M + "t", _M + "rPh"
    parts: list[str] = []
    for child in el:
        if child.tag == t_tag:
            parts.append(child.text or "")
        elif child.tag == _M + "r":
            parts.extend(t.text or "" for t in child.iter(t_tag))
        elif child.tag != rph_tag:
            continue
    return "".join(parts)
