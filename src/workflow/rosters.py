"""Roster kinds, their columns, and reading them from CSV or XLSX, all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.errors import BadInput, BadRows
from workflow.fields import FieldError, FieldSpec
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
    """A roster file read without errors: its rows and the file's identity."""

    kind: RosterKind
    file_name: str
    sha256: str
    rows: list[dict[str, Any]]


MAX_CELL = 2000
MAX_ROWS = 200_000


def read_roster(path: Path, kind: RosterKind, today: dt.date) -> ParsedRoster:
    """Read and validate a whole file; raise BadRows listing every bad row."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(tr("文件不存在：{p}", "file not found: {p}", p=path)) from None
    except OSError as e:
        raise BadInput(tr("无法读取文件 {p}：{e}", "cannot read file {p}: {e}", p=path, e=e)) from e
    return parse_bytes(data, path.name, kind, today)


def parse_bytes(data: bytes, name: str, kind: RosterKind, today: dt.date) -> ParsedRoster:
    """Validate a whole CSV or XLSX file given as bytes (the type from ``name``)."""
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise BadInput(tr("{f}：文件为空", "{f}: the file is empty", f=name))
    if suffix == ".xlsx":
        table = list(_xlsx_rows(data, name))
    elif suffix in (".csv", ".txt"):
        table = list(_csv_rows(data, name))
    else:
        raise BadInput(
            tr(
                "{f}：不支持的文件类型「{s}」，应为 .csv 或 .xlsx",
                "{f}: unsupported file type '{s}', expected .csv or .xlsx",
                f=name,
                s=suffix or "-",
            )
        )
    rows = parse_table(table, kind, name, today)
    return ParsedRoster(kind=kind, file_name=name, sha256=digest, rows=rows)


def _csv_rows(data: bytes, name: str) -> Iterator[list[object]]:
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
    if "\x00" in text:
        raise BadInput(tr("{f}：不是文本文件", "{f}: not a text file", f=name))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as e:
        raise BadInput(tr("{f}：CSV 格式错误：{e}", "{f}: malformed CSV: {e}", f=name, e=e)) from e


def _xlsx_rows(data: bytes, name: str) -> Iterator[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # Formulas as written (not their cached results, which are missing when the file was
        # never opened in Excel): a formula is refused as one, not as an empty cell.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as e:
        raise BadInput(tr("{f}：不是有效的 XLSX 文件", "{f}: not a valid XLSX file", f=name)) from e
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield list(row)
    book.close()


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
        title = str(cell or "").strip().lstrip("\ufeff").lower()
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
                    v=title,
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


def parse_table(
    table: list[list[object]], kind: RosterKind, name: str, today: dt.date
) -> list[dict[str, Any]]:
    """Validate every row of ``table`` (first row the header); all or nothing."""
    if not table or all(not any(str(c or "").strip() for c in r) for r in table):
        raise BadInput(tr("{f}：文件为空", "{f}: the file is empty", f=name))
    index = _header_index(table[0], kind, name)
    if len(table) > MAX_ROWS + 1:
        raise BadInput(
            tr(
                "{f}：行数过多（{n}，最多{m}）",
                "{f}: too many rows ({n}, at most {m})",
                f=name,
                n=len(table) - 1,
                m=MAX_ROWS,
            )
        )
    rows: list[dict[str, Any]] = []
    problems: list[Text] = []
    seen: dict[tuple[object, ...], int] = {}
    for line, raw in enumerate(table[1:], start=2):
        if not any(str(c if c is not None else "").strip() for c in raw):
            continue
        row: dict[str, Any] = {}
        bad = False
        for col in kind.columns:
            pos = index.get(col.name)
            cell = raw[pos] if pos is not None and pos < len(raw) else None
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                problems.append(
                    tr(
                        "{f}：第{l}行第{c}列（{n}）：内容过长（{k}字）",
                        "{f}: line {l}, column {c} ({n}): cell too long ({k} characters)",
                        f=name,
                        l=line,
                        c=(pos or 0) + 1,
                        n=col.name,
                        k=len(cell),
                    )
                )
                bad = True
                continue
            if isinstance(cell, str) and cell.strip()[:1] == "=":
                problems.append(formula_problem(name, line, (pos or 0) + 1, col.name, cell))
                bad = True
                continue
            try:
                value = col.parse(cell, today)
            except FieldError as e:
                shown = "" if cell is None else str(cell)[:60]
                problems.append(
                    Text(
                        f"{name}：第{line}行第{(pos or 0) + 1}列（{col.name}）：值「{shown}」{e.reason.zh}",
                        f"{name}: line {line}, column {(pos or 0) + 1} ({col.name}): "
                        f"value '{shown}': {e.reason.en}",
                    )
                )
                bad = True
                continue
            if isinstance(value, str) and value[:1] in ("=", "+", "@") and col.type == "text":
                problems.append(formula_problem(name, line, (pos or 0) + 1, col.name, value))
                bad = True
                continue
            row[col.name] = value
        if bad:
            continue
        key = tuple(row.get(k) for k in kind.key)
        if key in seen:
            problems.append(
                tr(
                    "{f}：第{l}行：与第{p}行重复（{k}）",
                    "{f}: line {l}: duplicate of line {p} ({k})",
                    f=name,
                    l=line,
                    p=seen[key],
                    k=", ".join(str(k) for k in key),
                )
            )
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        raise BadRows(
            tr(
                "{f}：{n}处错误，未导入任何内容",
                "{f}: 1 problem, nothing was imported"
                if len(problems) == 1
                else "{f}: {n} problems, nothing was imported",
                f=name,
                n=len(problems),
            ),
            problems,
        )
    if not rows:
        raise BadInput(tr("{f}：没有数据行", "{f}: no data rows", f=name))
    return rows
