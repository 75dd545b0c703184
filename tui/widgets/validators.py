"""Input validators that ask the domain's field parsers, so that a form says what is
wrong while the user types, in the user's language."""

from __future__ import annotations

import datetime as dt

from textual.validation import ValidationResult, Validator

from workflow.domain.fields import FieldError, FieldSpec, parse_date
from workflow.i18n import Lang, Text, tr


class FieldValidator(Validator):
    """Accepts what :meth:`FieldSpec.parse` accepts."""

    def __init__(self, spec: FieldSpec, today: dt.date, lang: Lang) -> None:
        super().__init__()
        self.spec = spec
        self.today = today
        self.lang: Lang = lang

    def validate(self, value: str) -> ValidationResult:
        try:
            self.spec.parse(value, self.today)
        except FieldError as e:
            return self.failure(field_problem(e, self.spec)(self.lang))
        return self.success()


def field_problem(e: FieldError, spec: FieldSpec) -> Text:
    """Why a value is refused, saying once what is expected: a wrong type says what the
    field takes ("expected a whole number, at least 0"), a missing value adds it, a
    value out of range says only that."""
    expected = spec.expected()
    if e.reason.en.startswith("expected"):
        return Text(f"应为{expected.zh}", f"expected {expected.en}")
    if e.reason.en == "must not be empty":
        return Text(f"{e.reason.zh}（应为{expected.zh}）", f"{e.reason.en} (expected {expected.en})")
    return e.reason


class DateValidator(Validator):
    """A YYYY-MM-DD date not later than today (empty allowed when ``optional``)."""

    def __init__(self, today: dt.date, lang: Lang, optional: bool = False) -> None:
        super().__init__()
        self.today = today
        self.lang: Lang = lang
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        if self.optional and not value.strip():
            return self.success()
        try:
            parse_date(value, self.today)
        except FieldError as e:
            return self.failure(e.reason(self.lang))
        return self.success()


class Required(Validator):
    """Not empty: a reason, a note."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang: Lang = lang

    def validate(self, value: str) -> ValidationResult:
        if value.strip():
            return self.success()
        return self.failure(tr("必须填写", "required")(self.lang))
