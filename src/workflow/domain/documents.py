"""Documents attached to facts: what kind of file one is (read from its content, never
from its name), the caps a hostile file meets, and the name it is shown by.

A file comes from outside, so nothing in it is trusted. Its media type is decided by
its first bytes (PDF, PNG, JPEG) or, for the Office and WPS formats, by what the
container holds: a ZIP's member names and its ``[Content_Types].xml`` (read with a
byte cap; the declared sizes and the number of members are checked first, so a zip
bomb dressed as a DOCX is refused without inflating it), an OLE2 compound file's
stream names (``olefile``). Anything else is refused, naming what was found. The name
a person gave the file is kept only as a display name: its last path part, without
control, invisible or bidirectional characters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from workflow.domain.text import display_name
from workflow.errors import BadInput
from workflow.i18n import Text, tr

DEFAULT_MAX_MB = 50
"""Largest document, unless the district's definition says otherwise."""
MAX_ZIP_MEMBERS = 5000
"""More members than this in an Office file is refused (a DOCX has tens)."""
MAX_ZIP_UNPACKED = 1024 * 1024 * 1024
"""Largest total declared unpacked size of an Office file's members."""
MAX_ZIP_RATIO = 1000
"""A member that declares more than this many bytes unpacked per packed byte (and
more than a megabyte) is a decompression bomb."""
MAX_CONTENT_TYPES = 1024 * 1024
"""Largest ``[Content_Types].xml`` read (a real one is a few kilobytes)."""
SHA256 = re.compile(r"[0-9a-f]{64}")

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

LABELS: dict[str, str] = {
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    DOCX: "DOCX",
    XLSX: "XLSX",
    DOC: "DOC/WPS",
    XLS: "XLS/ET",
}
"""The accepted media types and how a listing names them."""

_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.ms-word.document.macroEnabled.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": XLSX,
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class Document:
    """A file as it is attached: its content's SHA-256 and size, its media type, and
    the display name it came with."""

    sha256: str
    size: int
    media_type: str
    name: str


def label(media_type: str) -> str:
    return LABELS.get(media_type, media_type)


def is_sha256(value: str) -> bool:
    return SHA256.fullmatch(value) is not None


def size_text(size: int) -> str:
    """A size as a listing shows it."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def too_large(name: str, size: int, limit: int) -> BadInput:
    return BadInput(
        tr(
            "{f}：文件过大（{n}，最多 {m}），未附加",
            "{f}: the file is too large ({n}, at most {m}); not attached",
            f=name,
            n=size_text(size),
            m=size_text(limit),
        )
    )


def _refused(name: str, what: Text) -> BadInput:
    return BadInput(
        Text(
            f"{name}：不是可附加的文件类型（{what.zh}）；可附加 PDF、JPEG、PNG、DOCX、XLSX、DOC/WPS、XLS/ET",
            f"{name}: not a kind of file that can be attached ({what.en}); "
            "PDF, JPEG, PNG, DOCX, XLSX, DOC/WPS and XLS/ET can",
        )
    )


def media_type(path: Path, shown: str) -> str:
    """The media type of the file at ``path``, from its content; ``shown`` names it in
    a refusal. Raises :class:`BadInput` for anything not accepted."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
            if head.startswith(b"%PDF-"):
                return PDF
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return PNG
            if head.startswith(b"\xff\xd8\xff"):
                return JPEG
            if head.startswith(b"PK\x03\x04"):
                f.seek(0)
                return _zip_type(f, shown)
            if head.startswith(_OLE_MAGIC):
                return _ole_type(path, shown)
    except OSError as e:
        raise BadInput(tr("无法读取 {f}：{e}", "cannot read {f}: {e}", f=shown, e=e.strerror or e)) from e
    if not head:
        raise _refused(shown, Text("空文件", "an empty file"))
    raise _refused(shown, tr("开头为 {h}", "it begins with {h}", h=head[:8].hex(" ")))


def _zip_type(f: IO[bytes], shown: str) -> str:
    """An Office file in a ZIP container: its members' declared sizes and count are
    checked before anything is read, then ``[Content_Types].xml`` is read with a cap."""
    import zipfile  # only for an Office file: every command imports this module

    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise _refused(shown, Text("损坏的 ZIP", "a damaged ZIP")) from e
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _bomb(shown, tr("{n}个成员", "{n} members", n=len(members)))
        total = 0
        for m in members:
            total += m.file_size
            if m.file_size > 1024 * 1024 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
                raise _bomb(
                    shown,
                    tr(
                        "成员 {m} 声称解压后为压缩大小的{r}倍",
                        "member {m} claims to unpack to {r} times its packed size",
                        m=display_name(m.filename)[:60],
                        r=m.file_size // max(m.compress_size, 1),
                    ),
                )
        if total > MAX_ZIP_UNPACKED:
            raise _bomb(shown, tr("解压后共 {n}", "{n} unpacked in all", n=size_text(total)))
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names:
            raise _refused(shown, Text("不含 Office 文档内容的 ZIP", "a ZIP that holds no Office document"))
        try:
            with archive.open("[Content_Types].xml") as entry:
                types = entry.read(MAX_CONTENT_TYPES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as e:
            raise _refused(shown, Text("损坏的 Office 文件", "a damaged Office file")) from e
        if len(types) > MAX_CONTENT_TYPES:
            raise _bomb(shown, Text("[Content_Types].xml 过大", "[Content_Types].xml too large"))
    text = types.decode("utf-8", errors="replace")
    for content_type, kind in _OOXML.items():
        if content_type in text and (
            (kind == DOCX and "word/document.xml" in names) or (kind == XLSX and "xl/workbook.xml" in names)
        ):
            return kind
    raise _refused(
        shown, Text("不是 Word 或 Excel 文档的 Office 文件", "an Office file that is no document or sheet")
    )


def _bomb(shown: str, why: Text) -> BadInput:
    return BadInput(
        Text(
            f"{shown}：疑似压缩炸弹（{why.zh}），未附加",
            f"{shown}: looks like a decompression bomb ({why.en}); not attached",
        )
    )


def _ole_type(path: Path, shown: str) -> str:
    """A Word/WPS or Excel/ET file of the older binary kind: an OLE2 compound file
    whose streams say which."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(parts).lower() for parts in ole.listdir(streams=True, storages=False)}
    except Exception as e:  # olefile raises many kinds on a damaged file
        raise _refused(shown, Text("损坏的 OLE2 复合文件", "a damaged OLE2 compound file")) from e
    if "worddocument" in streams:
        return DOC
    if "workbook" in streams or "book" in streams:
        return XLS
    raise _refused(shown, Text("不是文字或表格文档的 OLE2 文件", "an OLE2 file that is no document or sheet"))
