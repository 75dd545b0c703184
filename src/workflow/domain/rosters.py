"""Roster kinds, their columns, and reading them from CSV or XLSX, all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from workflow.domain.fields import FieldError, FieldSpec
from workflow.domain.text import all_clean, fold, is_clean, shorten
from workflow.errors import BadInput, BadRows
from workflow.i18n import Text, tr

YES_NO = {"是": "yes", "否": "no"}
GENDER = {"男": "male", "女": "female", "m": "male", "f": "female"}


def _f(name: str, type_: str, zh: str, en: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, type=type_, zh=zh, en=en, aliases=(zh, *kw.pop("more", ())), **kw)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RosterKind:
    """One kind of roster: its columns and the columns that identify a person."""

    name: str
    zh: str
    en: str
    columns: tuple[FieldSpec, ...]
    key: tuple[str, ...]

    def label(self) -> Text:
        return Text(self.zh, self.en)

    def column(self, name: str) -> FieldSpec:
        return next(c for c in self.columns if c.name == name)

    def load_row(self, data: dict[str, Any]) -> dict[str, Any]:
        """A stored row with its dates as dates again."""
        return {c.name: c.load(data.get(c.name)) for c in self.columns}


ROSTER_KINDS: dict[str, RosterKind] = {
    kind.name: kind
    for kind in (
        RosterKind(
            "delegates",
            "党代表候选人",
            "Delegate candidates",
            (
                _f("name", "text", "姓名", "Name"),
                _f("gender", "choice", "性别", "Gender", choices=("male", "female"), choice_aliases=GENDER),
                _f("birth_date", "date", "出生日期", "Birth date"),
                _f(
                    "category",
                    "choice",
                    "类别",
                    "Category",
                    choices=("frontline", "professional", "migrant", "other"),
                    choice_aliases={
                        "一线": "frontline",
                        "农村工作一线": "frontline",
                        "专业技术人才和先进模范人物": "professional",
                        "专业模范": "professional",
                        "外出务工": "migrant",
                        "外出务工党员": "migrant",
                        "其他": "other",
                    },
                ),
                _f(
                    "nominated_by",
                    "choice",
                    "提名方式",
                    "Nominated by",
                    choices=("organisation", "members"),
                    choice_aliases={
                        "组织": "organisation",
                        "组织提名": "organisation",
                        "党员": "members",
                        "党员提名": "members",
                        "organization": "organisation",
                    },
                ),
                _f(
                    "review",
                    "choice",
                    "资格审查",
                    "Qualification review",
                    choices=("pending", "passed", "failed"),
                    choice_aliases={"待审": "pending", "通过": "passed", "未通过": "failed"},
                ),
                _f("elected", "bool", "当选", "Elected", required=False),
            ),
            ("name", "birth_date"),
        ),
        RosterKind(
            "team",
            "班子成员",
            "Team members",
            (
                _f("name", "text", "姓名", "Name"),
                _f("gender", "choice", "性别", "Gender", choices=("male", "female"), choice_aliases=GENDER),
                _f("birth_date", "date", "出生日期", "Birth date"),
                _f("post", "text", "职务", "Post"),
                _f(
                    "body",
                    "choice",
                    "所属",
                    "Body",
                    choices=("committee", "discipline"),
                    choice_aliases={"党委": "committee", "纪委": "discipline"},
                ),
                _f(
                    "term",
                    "choice",
                    "届别",
                    "Term",
                    choices=("outgoing", "new"),
                    choice_aliases={"上届": "outgoing", "本届": "outgoing", "新一届": "new", "新": "new"},
                ),
                _f("years_in_post", "int", "任现职年限", "Years in post", min=0, max=60),
                _f("rotated", "bool", "交流", "Rotated", required=False),
                _f("exemption", "text", "免于交流理由", "Exemption reason", required=False),
                _f("reserve", "bool", "后备干部", "Reserve cadre", required=False),
            ),
            ("name", "term"),
        ),
        RosterKind(
            "grassroots",
            "基层党组织书记",
            "Grassroots secretaries",
            (
                _f("name", "text", "姓名", "Name"),
                _f("organisation", "text", "党组织", "Organisation", more=("organization",)),
            ),
            ("name", "organisation"),
        ),
        RosterKind(
            "talks",
            "谈话记录",
            "Talks",
            (
                _f("tier", "choice", "层次", "Tier", choices=("1", "2", "3")),
                _f("interviewer", "text", "谈话人", "Interviewer"),
                _f("interviewee", "text", "谈话对象", "Interviewee"),
                _f("date", "date", "日期", "Date"),
            ),
            ("tier", "interviewer", "interviewee"),
        ),
        RosterKind(
            "pledges",
            "联名承诺",
            "Pledges",
            (
                _f("category", "choice", "类别", "Category", choices=("1", "2", "3", "4", "5", "6")),
                _f("signatories", "int", "签名人数", "Signatories", min=1),
                _f("names", "names", "签名人", "Names", required=False),
                _f("date", "date", "日期", "Date"),
                _f(
                    "published_by",
                    "choice",
                    "公开方式",
                    "Published by",
                    choices=("meeting", "notice_board"),
                    choice_aliases={
                        "与会宣读": "meeting",
                        "会上宣读": "meeting",
                        "公开栏": "notice_board",
                        "公开栏公布": "notice_board",
                    },
                ),
            ),
            ("category",),
        ),
        RosterKind(
            "ballots",
            "选票统计",
            "Ballots",
            (
                _f(
                    "body",
                    "choice",
                    "所属",
                    "Body",
                    choices=("committee", "discipline"),
                    choice_aliases={"党委": "committee", "纪委": "discipline"},
                ),
                _f("candidate", "text", "候选人", "Candidate"),
                _f("yes_votes", "int", "赞成票", "Yes votes", min=0),
            ),
            ("body", "candidate"),
        ),
    )
}


def roster_kind(name: str) -> RosterKind:
    """The roster kind called ``name``, or a bad-input error listing the kinds."""
    kind = ROSTER_KINDS.get(name)
    if kind is None:
        raise BadInput(
            tr(
                "未知名册类型「{k}」，应为：{o}",
                "unknown roster kind '{k}', expected one of: {o}",
                k=name,
                o=", ".join(ROSTER_KINDS),
            )
        )
    return kind


def template_csv(kind: RosterKind) -> str:
    """A header-only CSV for ``kind``."""
    out = io.StringIO()
    csv.writer(out).writerow([c.name for c in kind.columns])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ParsedRoster:
    """A roster file read without errors: its rows as the import event carries them
    (one JSON array text, see :class:`RowTable`: a large file is held once, compactly),
    and the file's identity."""

    kind: RosterKind
    file_name: str
    sha256: str
    table: RowTable

    @property
    def count(self) -> int:
        return len(self.table)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as typed values (dates as dates)."""
        return [self.kind.load_row(r) for r in self.table.dicts()]


COLUMNS = "columns"
TABLE = "table"
"""The members of an import's payload that carry its rows (:class:`RowTable`)."""


class RowTable:
    """A roster's rows as an import event carries them: one JSON array of rows, each an
    array of its values in the order of ``columns`` (a column's name is written once,
    not once a row, and the rows need no escaping inside the payload: the write path
    sets this canonical text into the payload as it is; see ``dump_payload``). Held as
    that text (the write path) or as the parsed arrays (replay); counted without
    parsing. Iterated, it gives each row's stored line, the JSON object ``json.dumps``
    writes of it, as an older release's ``lines`` held it: a roster's lines, and so its
    digest, are the same whichever form carried them."""

    __slots__ = ("_count", "_rows", "_text", "columns")

    def __init__(
        self, columns: Sequence[str], text: str | None = None, count: int = 0, rows: list[Any] | None = None
    ) -> None:
        self.columns = tuple(columns)
        self._text = text
        self._rows = rows
        self._count = len(rows) if rows is not None else count

    @property
    def text(self) -> str:
        """The canonical JSON text of the rows (as ``dump_payload`` writes the array)."""
        if self._text is None:
            self._text = json.dumps(self._rows, ensure_ascii=False, separators=(",", ":"))
        return self._text

    def arrays(self) -> list[Any]:
        if self._rows is None:
            self._rows = json.loads(self._text or "[]")
        return self._rows

    def dicts(self) -> list[dict[str, Any]]:
        """Each row as its JSON object (untyped: dates as text)."""
        columns = self.columns
        return [dict(zip(columns, row, strict=False)) for row in self.arrays()]

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        return map(_stored, self.dicts())


def roster_lines_of(payload: Mapping[str, Any], kind: str) -> Iterable[str] | None:
    """The stored form of each row of roster ``kind`` that an event sets, one after the
    other, or None when it sets none or does not carry its rows: an import's or an
    edit's ``table`` (:class:`RowTable`), the ``lines`` of one a little older (one
    JSON object a line, as stored), an older release's parsed ``data``, or the rows of
    ``db upgrade``'s commitment of several rosters."""
    if "rosters" in payload:
        rows = payload["rosters"].get(kind)
        return None if rows is None else [_stored(r) for r in rows]
    if payload.get("kind") != kind:
        return None
    table = payload.get(TABLE)
    if table is not None:
        return table if isinstance(table, RowTable) else RowTable(payload[COLUMNS], rows=table)
    lines = payload.get("lines")
    if lines is not None:
        return Lines(str(lines))
    data = payload.get("data")
    return None if data is None else [_stored(row) for row in data]


@dataclass(frozen=True, slots=True)
class StoredRoster:
    """A roster as the store holds it: its own ``lines`` (rows that no event carries),
    else the ``payload`` text of the event that set it. Two are equal when read from
    equal texts (their rows are then equal: the gates of two townships may share what
    they found)."""

    kind: str
    lines: str | None
    payload: str | None

    def _found(self) -> Iterable[str]:
        """Its rows' stored lines as read: its own, or as its event carries them."""
        if self.lines is not None:
            return self.lines.split("\n") if self.lines else []
        return roster_lines_of(json.loads(self.payload or "{}"), self.kind) or []

    def texts(self) -> list[str]:
        """Each row's stored line."""
        return list(self._found())

    def dicts(self) -> list[dict[str, Any]]:
        """Each row as its JSON object (untyped: dates as text), from an import's
        arrays directly (no line written and read again)."""
        found = self._found()
        return found.dicts() if isinstance(found, RowTable) else list(map(json.loads, found))

    def rows(self) -> list[dict[str, Any]]:
        """The rows as typed values (dates as dates)."""
        return list(map(ROSTER_KINDS[self.kind].load_row, self.dicts()))


def stored_lines(kind: str, lines: str | None, payload: str | None) -> list[str]:
    """A stored roster's rows in their stored form: its own ``lines`` when it holds them
    (rows no event carries), else those of the event that set it (its ``payload``)."""
    return StoredRoster(kind, lines, payload).texts()


class Lines:
    """The rows of a roster as one text, one row a line: counted without splitting,
    and split a million characters at a time as they are read (a roster of 200,000
    rows is never held as 200,000 strings at once while it is written)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __len__(self) -> int:
        return self.text.count("\n") + 1 if self.text else 0

    def __iter__(self) -> Iterator[str]:
        return _split(self.text) if self.text else iter(())


def row_count(rows: Iterable[str]) -> int:
    """How many rows: counted without splitting them when they are :class:`Lines`."""
    return len(rows) if isinstance(rows, Sized) else sum(1 for _ in rows)


def _split(text: str, size: int = 1 << 20) -> Iterator[str]:
    """``text.split("\\n")`` a million characters at a time."""
    start, end = 0, len(text)
    while start <= end:
        cut = text.find("\n", start + size)
        if cut < 0:
            cut = end
        yield from text[start:cut].split("\n")
        start = cut + 1


def _stored(row: Any) -> str:
    return json.dumps(row, ensure_ascii=False)


MAX_CELL = 2000
MAX_ROWS = 200_000
MAX_FILE_BYTES = 128 * 1024 * 1024
"""Largest roster file read at all (a 200,000-row CSV is about 20 MB)."""
CACHE_LIMIT = 20_000
"""Distinct values of one typed column kept parsed (see ``_validate``)."""
MAX_LISTED = 100
"""Problems listed one by one; past this a file is refused with a count."""

Table = Iterator[tuple[Sequence[int], list[list[object]]]]
"""The rows of a file that are not blank, header first, a chunk at a time: (each row's
line number, each row's cells)."""


def read_roster(path: Path, kind: RosterKind, today: dt.date) -> ParsedRoster:
    """Read and validate a whole file; raise BadRows listing every bad row."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadInput(
                tr(
                    "{f}：文件过大（{n} MB，最多 {m} MB）",
                    "{f}: the file is too large ({n} MB, at most {m} MB)",
                    f=path.name,
                    n=size // (1024 * 1024),
                    m=MAX_FILE_BYTES // (1024 * 1024),
                )
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(tr("文件不存在：{p}", "file not found: {p}", p=path)) from None
    except OSError as e:
        raise BadInput(tr("无法读取文件 {p}：{e}", "cannot read file {p}: {e}", p=path, e=e)) from e
    return parse_bytes(data, path.name, kind, today)


@contextmanager
def bulk_rows() -> Iterator[None]:
    """No cyclic garbage collection while a roster's rows are built or written: they
    form no cycles, and the collector's repeated passes over a heap growing by
    200,000 rows cost a fifth of a large import. The collector is back after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_bytes(data: bytes, name: str, kind: RosterKind, today: dt.date) -> ParsedRoster:
    """Validate a whole CSV or XLSX file given as bytes (the type from ``name``),
    row by row as it is read: the first row past the limit stops the reading."""
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if not data or data.isspace():
        raise BadInput(tr("{f}：文件为空", "{f}: the file is empty", f=name))
    if suffix == ".xlsx":
        from workflow.domain.xlsx_stream import XlsxReader

        table = _chunks(XlsxReader(data, name).rows())  # type: ignore[arg-type]
    elif suffix in (".csv", ".txt"):
        table = _csv_rows(data, name)
    else:
        raise BadInput(
            tr(
                "{f}：不支持的文件类型「{s}」，应为 .csv 或 .xlsx",
                "{f}: unsupported file type '{s}', expected .csv or .xlsx",
                f=name,
                s=suffix or "-",
            )
        )
    with bulk_rows():
        encoded, count = _validate(table, kind, name, today)
    text = "[[" + "],[".join(encoded) + "]]"  # each row's values, in brackets
    del encoded
    rows = RowTable([c.name for c in kind.columns], text=text, count=count)
    return ParsedRoster(kind=kind, file_name=name, sha256=digest, table=rows)


def _chunks(rows: Iterator[tuple[int, list[object]]]) -> Table:
    """A file read row by row, as :data:`Table` chunks, none past the first row too
    many (the header, the limit, one more: blank rows do not count)."""
    budget = MAX_ROWS + 2
    while budget > 0 and (batch := list(islice(rows, min(CHUNK_ROWS, budget)))):
        lines, cells = _filled([line for line, _ in batch], [cells for _, cells in batch])
        budget -= len(cells)
        yield lines, cells


def _filled(lines: Sequence[int], rows: list[list[object]]) -> tuple[Sequence[int], list[list[object]]]:
    """The rows that are not blank, with their line numbers (blank rows are skipped):
    the same lists when none is (decided in C for a chunk of a CSV file)."""
    if _no_blank_row(rows):
        return lines, rows
    kept = [j for j, row in enumerate(rows) if not _blank(row)]
    return [lines[j] for j in kept], [rows[j] for j in kept]


def _csv_rows(data: bytes, name: str) -> Table:
    """A CSV file's rows, a chunk at a time, read by the csv module in C: a chunk in
    which each row is one line (no cell holds a line break) needs no line counted; any
    other is read again row by row for each row's first line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise BadInput(
            tr(
                "{f}：第{l}行不是 UTF-8 编码（GBK 文件请另存为 UTF-8 CSV 或 XLSX）",
                "{f}: line {l} is not UTF-8 (save a GBK file as UTF-8 CSV or as XLSX)",
                f=name,
                l=line,
            )
        ) from None
    del data
    if "\x00" in text:
        raise BadInput(tr("{f}：不是文本文件", "{f}: not a text file", f=name))
    source, size = io.StringIO(text, newline=""), len(text)
    del text
    reader = csv.reader(source)
    # Cells are bounded by the file's size; the length check below names the line
    # and column of an over-long one (the csv module's own limit names neither).
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    budget = MAX_ROWS + 2  # as in _chunks: nothing past the first row too many
    try:
        while budget > 0:
            start, before = source.tell(), reader.line_num
            rows: list[list[object]] = list(islice(reader, min(CHUNK_ROWS, budget)))  # type: ignore[arg-type]
            if not rows:
                return
            if reader.line_num - before == len(rows):
                lines: Sequence[int] = range(before + 1, reader.line_num + 1)
            else:
                source.seek(start)  # the reader reads whole lines from the source: it is where it was
                again, firsts = csv.reader(source), []
                for _ in range(len(rows)):
                    firsts.append(before + again.line_num + 1)
                    next(again)
                lines = firsts
            lines, rows = _filled(lines, rows)
            budget -= len(rows)
            yield lines, rows
    except csv.Error as e:
        raise BadInput(
            tr(
                "{f}：第{l}行：CSV 格式错误：{e}",
                "{f}: line {l}: malformed CSV: {e}",
                f=name,
                l=reader.line_num,
                e=e,
            )
        ) from e
    finally:
        csv.field_size_limit(old)


def formula_problem(name: str, line: int, column: int, field: str, value: str) -> Text:
    """A cell that is a spreadsheet formula (or starts like one): never imported."""
    return tr(
        "{f}：第{l}行第{c}列（{n}）：值「{v}」是公式，不接受；请填写数值本身",
        "{f}: line {l}, column {c} ({n}): value '{v}' looks like a formula, not accepted; enter the value itself",
        f=name,
        l=line,
        c=column,
        n=field,
        v=value[:60],
    )


def _header_index(header: list[object], kind: RosterKind, name: str) -> dict[str, int]:
    lookup: dict[str, str] = {}
    for col in kind.columns:
        lookup[col.name] = col.name
        for alias in col.aliases:
            lookup[alias.lower()] = col.name
    index: dict[str, int] = {}
    problems: list[Text] = []
    for pos, cell in enumerate(header, start=1):
        title = unicodedata.normalize("NFKC", str(cell or "")).strip().lstrip("\ufeff").lower()
        if not title:
            continue
        col_name = lookup.get(title)
        if col_name is None:
            problems.append(
                tr(
                    "{f}：第1行第{c}列：未知列名「{v}」，应为：{o}",
                    "{f}: line 1, column {c}: unknown column '{v}', expected one of: {o}",
                    f=name,
                    c=pos,
                    v=shorten(title),
                    o=", ".join(c.name for c in kind.columns),
                )
            )
        elif col_name in index:
            problems.append(
                tr(
                    "{f}：第1行第{c}列：列「{v}」重复",
                    "{f}: line 1, column {c}: column '{v}' repeated",
                    f=name,
                    c=pos,
                    v=col_name,
                )
            )
        else:
            index[col_name] = pos - 1
    for col in kind.columns:
        if col.required and col.type != "bool" and col.name not in index:
            problems.append(
                tr(
                    "{f}：缺少必需的列「{c}」（{z}）",
                    "{f}: missing required column '{c}' ({z})",
                    f=name,
                    c=col.name,
                    z=col.zh,
                )
            )
    if problems:
        raise BadRows(tr("{f}：表头有误", "{f}: bad header", f=name), problems)
    return index


def _blank(cells: list[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _no_blank_row(rows: list[list[object]]) -> bool:
    """No row is blank: each has a first cell that is text other than blanks (decided in
    C, the common case of a chunk of a CSV file); False may still have no blank row."""
    if not all(rows):
        return False
    firsts = list(map(itemgetter(0), rows))
    return set(map(type, firsts)) == {str} and all(map(str.strip, firsts))


def _cell_problem(name: str, line: int, pos: int, col: FieldSpec, cell: object) -> Text | None:
    """What is wrong with a raw cell before its field parses it: too long, a formula
    without a saved value, an error value."""
    from workflow.domain.xlsx_stream import CellError, Formula

    where_zh = f"{name}：第{line}行第{pos}列（{col.name}）"
    where_en = f"{name}: line {line}, column {pos} ({col.name})"
    if isinstance(cell, str) and len(cell) > MAX_CELL:
        return Text(
            f"{where_zh}：内容过长（{len(cell)}字，最多{MAX_CELL}字）",
            f"{where_en}: cell too long ({len(cell)} characters, at most {MAX_CELL})",
        )
    if isinstance(cell, Formula):
        shown = shorten(str(cell))
        return Text(
            f"{where_zh}：「{shown}」是公式，没有保存计算结果：请填入数值，或在 Excel 中重新计算并保存",
            f"{where_en}: '{shown}' is a formula with no saved value: type the value, "
            f"or recalculate and save the file in Excel",
        )
    if isinstance(cell, CellError):
        return Text(
            f"{where_zh}：单元格是错误值 {cell.code}",
            f"{where_en}: the cell holds the error value {cell.code}",
        )
    return None


def _parse_cell(
    name: str, line: int, col: FieldSpec, pos: int | None, cell: object, today: dt.date
) -> tuple[Text | None, Any]:
    """(problem, None) or (None, the parsed value) for one cell."""
    column = (pos or 0) + 1
    if cell.__class__ is not str or len(cell) > MAX_CELL:
        problem = _cell_problem(name, line, column, col, cell)
        if problem is not None:
            return problem, None
    try:
        value = col.parse(cell, today)
    except FieldError as e:
        shown = "" if cell is None else shorten(str(cell), 60)
        return (
            Text(
                f"{name}：第{line}行第{column}列（{col.name}）：值「{shown}」{e.reason.zh}",
                f"{name}: line {line}, column {column} ({col.name}): value '{shown}': {e.reason.en}",
            ),
            None,
        )
    if col.type == "text" and value and value[0] in "=+@":
        return (
            tr(
                "{f}：第{l}行第{c}列（{n}）：值「{v}」像公式，不接受",
                "{f}: line {l}, column {c} ({n}): value '{v}' looks like a formula",
                f=name,
                l=line,
                c=column,
                n=col.name,
                v=shorten(value, 60),
            ),
            None,
        )
    return None, value


_Column = tuple[FieldSpec, int | None, dict[object, str] | None, dict[object, Any] | None]
"""A column as the validator checks it: its field, its position in the file (None: not
in the file), and for a typed field each distinct text's JSON text and its value."""


class _Validator:
    """Validates a roster's rows a chunk at a time, column by column: the values of a
    typed column (choices, dates, numbers, yes/no) recur on every row, so each
    distinct text is parsed once and the rest are dictionary look-ups done by
    ``map``; names are parsed one by one. Each good row is kept only as the JSON
    array of its values (:class:`RowTable`), written value by value exactly as
    ``json.dumps`` writes it canonically."""

    def __init__(self, kind: RosterKind, index: dict[str, int], name: str, today: dt.date) -> None:
        self.name = name
        self.today = today
        quote = json.encoder.encode_basestring  # a JSON string as json.dumps(ensure_ascii=False) writes it
        self.quote = quote
        # each column: its field, its position in the file, and for a typed one what
        # each distinct text parsed to (its JSON text, its value)
        self.columns: list[_Column] = [
            (col, index.get(col.name), *(({}, {}) if col.type not in ("text", "names") else (None, None)))
            for col in kind.columns
        ]
        names = [c.name for c in kind.columns]
        self.key_slots = [names.index(k) for k in kind.key]
        self.encoded: list[str] = []
        """The good rows' values as JSON text: each piece one row's, or a chunk's rows'
        with ``],[`` between them (the rows of an array of arrays, without its outer
        brackets and the first and last row's own)."""
        self.count = 0
        self.problems: list[Text] = []
        self.bad_rows = 0
        self.seen: dict[tuple[object, ...], int] = {}

    def _parsed(self, line: int, col: FieldSpec, pos: int | None, cell: object) -> tuple[Any, str] | Text:
        """(value, JSON text) of one cell, or a problem."""
        problem, value = _parse_cell(self.name, line, col, pos, cell, self.today)
        if problem is not None:
            return problem
        text = (
            self.quote(value)
            if value.__class__ is str
            else json.dumps(col.dump(value), ensure_ascii=False, separators=(",", ":"))
        )
        return value, text

    def _fast_text(self, col: FieldSpec) -> Callable[[object], tuple[str, str] | None]:
        """For a text column: (value, JSON text) of a cell that needs no change and no
        check beyond what :func:`is_clean` does in C, else None (parsed in full)."""
        limit = min(col.max_length, MAX_CELL)
        quote = self.quote

        def fast(cell: object) -> tuple[str, str] | None:
            if is_clean(cell, limit) and cell[0] not in _FORMULA_START:
                return cell, quote(cell)
            return None

        return fast

    @staticmethod
    def _clean_column(col: FieldSpec, cells: list[object]) -> bool:
        """Every cell of a text column needs no change and no check beyond
        :func:`all_clean`'s (decided for the whole column at once, in C)."""
        return all_clean(cells, min(col.max_length, MAX_CELL)) and not any(
            map(str.startswith, cells, repeat(_FORMULA_START))  # type: ignore[arg-type]
        )

    def _keys(self, values: list[list[Any]]) -> list[tuple[object, ...]]:
        """Each row's duplicate key: its key columns' values, texts folded; a column of
        texts without blanks inside is folded by ``str.casefold`` alone, in C."""
        columns: list[Any] = []
        for k in self.key_slots:
            column = values[k]
            types = set(map(type, column))
            if str not in types:  # dates, numbers: as they are
                columns.append(column)
                continue
            if types == {str}:
                folded = list(map(str.casefold, column))
                if len("".join(folded).split()) == 1:  # no blank in any of them
                    columns.append(folded)
                    continue
            columns.append([fold(v) if v.__class__ is str else v for v in column])
        return list(zip(*columns, strict=True))

    def chunk(self, lines: Sequence[int], raws: list[list[object]]) -> None:
        n = len(raws)
        full = min(map(len, raws))
        values: list[list[Any]] = []
        parts: list[list[str]] = []
        bad: dict[int, list[Text]] = {}
        for slot, (col, pos, json_of, value_of) in enumerate(self.columns):
            if pos is None:
                cells: list[object] = [None] * n
            elif pos < full:
                cells = list(map(itemgetter(pos), raws))
            else:
                cells = [raw[pos] if pos < len(raw) else None for raw in raws]
            column: list[Any] | None = None  # the values, when known without parsing
            fast = None
            if json_of is not None:
                texts: list[Any] = list(map(json_of.get, cells))
            elif col.type == "text" and self._clean_column(col, cells):
                column, texts = cells, list(map(self.quote, cells))  # type: ignore[arg-type]
            else:
                texts = [None] * n
                fast = self._fast_text(col) if col.type == "text" else None
            parsed: dict[int, Any] = {}
            j = -1
            while True:  # the cells not looked up, found by a forward scan in C: parse them
                try:
                    j = texts.index(None, j + 1)
                except ValueError:
                    break
                cell = cells[j]
                if json_of is not None and cell.__class__ is str and cell in json_of:
                    texts[j] = json_of[cell]  # parsed at an earlier row of this chunk
                    continue
                result = (fast(cell) if fast is not None else None) or self._parsed(lines[j], col, pos, cell)
                if isinstance(result, Text):
                    bad.setdefault(j, []).append(result)
                    parsed[j], texts[j] = None, ""
                    continue
                parsed[j], texts[j] = result
                # only text cells are cached: a text never equals a number (True == 1)
                if (
                    json_of is not None
                    and value_of is not None
                    and cell.__class__ is str
                    and len(json_of) < CACHE_LIMIT
                ):
                    json_of[cell], value_of[cell] = result[1], result[0]
            parts.append(texts)
            if slot not in self.key_slots:
                values.append([])  # only the key's values are needed (the duplicate check)
                continue
            if column is None:
                column = list(map(value_of.get, cells)) if value_of is not None else [None] * n
                for j, value in parsed.items():
                    column[j] = value
            values.append(column)
        keys = self._keys(values)
        seen, problems = self.seen, self.problems
        if not bad and not problems:
            fresh = dict(zip(reversed(keys), reversed(lines), strict=True))  # each key's first line
            if len(fresh) == n and seen.keys().isdisjoint(fresh):  # no duplicate: all good
                seen.update(fresh)
                self.encoded.append("],[".join(map(",".join, zip(*parts, strict=True))))
                self.count += n
                return
        jsons = map(",".join, zip(*parts, strict=True))  # each row's values, inside its brackets
        for j, (key, text) in enumerate(zip(keys, jsons, strict=True)):
            row_problems = bad.get(j)
            if row_problems is None:
                first = seen.get(key)
                if first is None:
                    seen[key] = lines[j]
                    if not problems:  # once a row is bad, nothing will be stored
                        self.encoded.append(text)
                        self.count += 1
                    continue
                row_problems = [
                    tr(
                        "{f}：第{l}行：与第{p}行重复（{k}）",
                        "{f}: line {l}: duplicate of line {p} ({k})",
                        f=self.name,
                        l=lines[j],
                        p=first,
                        k=", ".join(str(values[k][j]) for k in self.key_slots),
                    )
                ]
            self.bad_rows += 1
            room = MAX_LISTED - len(problems)
            problems.extend(row_problems[: max(room, 0)])


CHUNK_ROWS = 4096
_FORMULA_START = ("=", "+", "@")


def _validate(table: Table, kind: RosterKind, name: str, today: dt.date) -> tuple[list[str], int]:
    """Validate the rows of ``table`` (header first, no blank row) as they are read, a
    chunk at a time; all or nothing. Returns the good rows' values as JSON text (in
    pieces, see ``_Validator.encoded``: joined by ``],[`` inside ``[[`` and ``]]``, the
    rows' :class:`RowTable`), and how many rows."""
    check: _Validator | None = None
    data_rows = 0
    for lines, rows in table:
        if check is None:
            if not rows:
                continue
            check = _Validator(kind, _header_index(rows[0], kind, name), name, today)
            lines, rows = lines[1:], rows[1:]
        if data_rows + len(rows) > MAX_ROWS:
            raise BadInput(
                tr(
                    "{f}：行数过多（第{l}行已超过{m}行的上限），未导入任何内容",
                    "{f}: too many rows (line {l} is past the limit of {m} rows); nothing was imported",
                    f=name,
                    l=lines[MAX_ROWS - data_rows],
                    m=MAX_ROWS,
                )
            )
        data_rows += len(rows)
        if rows:
            check.chunk(lines, rows)
    if check is None:
        raise BadInput(tr("{f}：文件为空", "{f}: the file is empty", f=name))
    problems = check.problems
    if problems:
        head = tr(
            "{f}：{n}处错误，未导入任何内容",
            "{f}: 1 problem, nothing was imported"
            if len(problems) == 1
            else "{f}: {n} problems, nothing was imported",
            f=name,
            n=len(problems),
        )
        if len(problems) >= MAX_LISTED:
            head = tr(
                "{f}：{b}行有错误（只列出前{m}处），未导入任何内容",
                "{f}: {b} rows with problems (the first {m} listed), nothing was imported",
                f=name,
                b=check.bad_rows,
                m=MAX_LISTED,
            )
        raise BadRows(head, problems)
    if not check.count:
        raise BadInput(tr("{f}：没有数据行", "{f}: no data rows", f=name))
    return check.encoded, check.count
