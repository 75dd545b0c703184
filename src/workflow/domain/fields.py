"""Typed fields shared by recorded facts and roster columns: parse, validate, render."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from workflow.domain.text import TextProblem, normalise
from workflow.i18n import Text, tr

FieldType = Literal["text", "int", "date", "choice", "bool", "names"]
FIELD_TYPES: tuple[FieldType, ...] = ("text", "int", "date", "choice", "bool", "names")

TRUE_WORDS = {"yes", "y", "true", "1", "是", "对", "有"}
FALSE_WORDS = {"no", "n", "false", "0", "否", "无", ""}

TYPE_NAMES: dict[str, Text] = {
    "text": Text("文本", "text"),
    "int": Text("整数", "a whole number"),
    "date": Text("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "bool": Text("是/否", "yes/no"),
    "names": Text("以;分隔的姓名", "names separated by ;"),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One typed field: its name, labels, and what values it accepts."""

    name: str
    type: FieldType
    zh: str
    en: str
    required: bool = True
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    min: int | None = None
    max: int | None = None
    aliases: tuple[str, ...] = ()
    max_length: int = 500

    def label(self) -> Text:
        return Text(self.zh, self.en)

    def expected(self) -> Text:
        """What this field accepts, for error messages."""
        if self.type == "choice":
            options = ", ".join(self.choices)
            return tr("以下之一：{o}", "one of: {o}", o=options)
        base = TYPE_NAMES[self.type]
        if self.type == "int" and self.min is not None:
            return base + tr("，不小于{m}", ", at least {m}", m=self.min)
        return base

    def parse(self, raw: object, today: dt.date | None = None) -> Any:
        """The typed value of ``raw``; raises ValueError with a bilingual reason."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required and self.type != "bool":
                raise FieldError(tr("不能为空", "must not be empty"))
            return [] if self.type == "names" else (False if self.type == "bool" else None)
        if self.type == "text":
            return _clean(str(raw), self.max_length)
        if self.type == "int":
            if isinstance(raw, bool):
                raise FieldError(tr("应为整数", "expected a whole number"))
            if isinstance(raw, int):
                value = raw
            elif isinstance(raw, float) and raw.is_integer():
                value = int(raw)
            else:
                text = str(raw).strip()
                try:
                    value = int(text)
                except ValueError:
                    raise FieldError(tr("应为整数", "expected a whole number")) from None
            if self.min is not None and value < self.min:
                raise FieldError(tr("应不小于{m}", "must be at least {m}", m=self.min))
            if self.max is not None and value > self.max:
                raise FieldError(tr("应不大于{m}", "must be at most {m}", m=self.max))
            return value
        if self.type == "date":
            return parse_date(raw, today)
        if self.type == "bool":
            low = str(raw).strip().lower()
            if low in TRUE_WORDS:
                return True
            if low in FALSE_WORDS:
                return False
            raise FieldError(tr("应为 是/否 或 yes/no", "expected yes/no or 是/否"))
        if self.type == "names":
            text = _clean(str(raw), None)
            return [_clean(n, self.max_length) for n in text.split(";") if n.strip()]
        # choice
        text = _clean(str(raw), self.max_length)
        key = self.choice_aliases.get(text, self.choice_aliases.get(text.lower(), text.lower()))
        if key not in self.choices:
            raise FieldError(tr("应为以下之一：{o}", "expected one of: {o}", o=", ".join(self.choices)))
        return key

    def dump(self, value: Any) -> Any:
        """A JSON-safe form of a parsed value."""
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def load(self, value: Any) -> Any:
        """The parsed value back from its JSON form."""
        if self.type == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        return value


def _clean(raw: str, max_length: int | None) -> str:
    """``raw`` through the one text normaliser (:mod:`workflow.text`)."""
    try:
        return normalise(raw, max_length=max_length)
    except TextProblem as e:
        raise FieldError(e.reason) from None


class FieldError(ValueError):
    """A value a field does not accept; ``reason`` says why in both languages."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(raw: object, today: dt.date | None = None, earliest: dt.date | None = None) -> dt.date:
    """A YYYY-MM-DD date that exists, not later than ``today`` nor earlier than
    ``earliest`` when given."""
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        form = _ISO_DAY.fullmatch(text)
        if form is None:
            raise FieldError(tr("日期应为 YYYY-MM-DD 格式", "expected a date as YYYY-MM-DD"))
        try:
            value = dt.date(int(form[1]), int(form[2]), int(form[3]))
        except ValueError:
            raise FieldError(
                tr(
                    "{d} 不是真实存在的日期",
                    "{d} is not a real date (no such day in the calendar)",
                    d=text,
                )
            ) from None
    if today is not None and value > today:
        raise FieldError(tr("日期{d}晚于今天{t}", "date {d} is later than today {t}", d=value, t=today))
    if earliest is not None and value < earliest:
        raise FieldError(tr("日期{d}早于{e}", "date {d} is before {e}", d=value, e=earliest))
    return value
