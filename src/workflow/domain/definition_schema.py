"""The shape of a process definition file, and its checker: the standard library
only (no pydantic: ``workflow status`` loads every stored definition, and pydantic's
import and model building cost it some 60 ms).

Each table of the file is a class below whose annotations are its keys: ``str``,
``int``, ``bool``, ``int | None``, a ``Literal`` of strings, ``list[...]``,
``dict[str, ...]`` (``dict[str, Any]``: a table of anything), another table, or a
table ``| None``. A key given a value in the class may be left out of the file: that
value takes its place (``default([])``, ``default({})`` for a list or a table, new
each time; ``default({})`` for a key that is a table gives that table with every key
at its default). Checking is strict and collects every problem: a key the table does
not declare (the message lists those it does), a missing key, a value of another type
(an integer refuses ``true``, ``1.0`` and ``"3"``; a string refuses ``3``), each named
with the file, the key path (``stages[0].deadline_days``, ``facts.x.fields[1].min``),
the value and what was expected, in both languages. What passes comes back as
read-only instances of those classes with every default filled."""

# No ``from __future__ import annotations``: the annotations below are the schema,
# read as types when each class is created.

import datetime as dt
import inspect
from types import NoneType, UnionType
from typing import Any, ClassVar, Literal, NoReturn, TypeVar, cast, get_args, get_origin

from workflow.domain.documents import DEFAULT_MAX_MB
from workflow.domain.text import shorten
from workflow.i18n import Text, tr

RECORDING_ROLES = ("coordinator", "reviewer", "admin")
"""The roles that may record facts at all; a fact's ``recorded_by`` names some of them."""

Loc = tuple[str | int, ...]
"""Where a value is: table keys and array indexes from the top of the file."""


class _Run:
    """One check of one file: its name and the problems found so far."""

    __slots__ = ("problems", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Text] = []

    def wrong(self, loc: Loc, value: object, spec: "_Spec") -> None:
        kind = _kind(value)
        self.problems.append(
            tr(
                "{f}：键「{k}」的值 {v}（{tz}）不合要求：应为{ez}",
                "{f}: key '{k}' has value {v} ({te}): expected {ee}",
                f=self.source,
                k=key_path(loc),
                v=_shown(value),
                tz=kind.zh,
                te=kind.en,
                ez=spec.expected.zh,
                ee=spec.expected.en,
            )
        )

    def missing(self, loc: Loc) -> None:
        self.problems.append(
            tr("{f}：缺少键「{k}」", "{f}: missing key '{k}'", f=self.source, k=key_path(loc))
        )

    def unknown(self, loc: Loc, expected: str) -> None:
        self.problems.append(
            tr(
                "{f}：未知的键「{k}」，应为：{e}",
                "{f}: unknown key '{k}', expected one of: {e}",
                f=self.source,
                k=key_path(loc),
                e=expected,
            )
        )


class _Spec:
    """What one value must be; ``check`` gives the value to keep (None after a
    problem, which it adds to the run)."""

    __slots__ = ("expected", "many")

    def __init__(self, expected: Text, many: Text) -> None:
        self.expected = expected
        """The value expected, for a message (``an integer``)."""
        self.many = many
        """Several of them, for the message about an array of them (``integers``)."""

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        raise NotImplementedError


class _Scalar(_Spec):
    __slots__ = ("kind",)

    def __init__(self, kind: type, expected: Text, many: Text) -> None:
        super().__init__(expected, many)
        self.kind = kind

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        # bool is an int to Python, not to a definition (nor an int a bool)
        if isinstance(value, self.kind) and (self.kind is bool or not isinstance(value, bool)):
            return value
        run.wrong((*loc, part), value, self)
        return None


_STR = _Scalar(str, Text("文本", "a string"), Text("文本", "strings"))
_INT = _Scalar(int, Text("整数", "an integer"), Text("整数", "integers"))
_BOOL = _Scalar(
    bool, Text("布尔值（true 或 false）", "a boolean (true or false)"), Text("布尔值", "booleans")
)


class _Choice(_Spec):
    __slots__ = ("values",)

    def __init__(self, values: tuple[str, ...]) -> None:
        listed = ", ".join(values)
        super().__init__(Text(f"以下之一：{listed}", f"one of: {listed}"), Text(f"{listed} 之一", listed))
        self.values = values

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        if isinstance(value, str) and value in self.values:
            return value
        run.wrong((*loc, part), value, self)
        return None


class _Optional(_Spec):
    """The value may be None (a TOML file never holds one; a caller's table may)."""

    __slots__ = ("inner",)

    def __init__(self, inner: _Spec) -> None:
        super().__init__(inner.expected, inner.many)
        self.inner = inner

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        return None if value is None else self.inner.check(value, loc, part, run)


class _List(_Spec):
    __slots__ = ("item",)

    def __init__(self, item: _Spec) -> None:
        super().__init__(
            Text(f"由{item.many.zh}组成的数组", f"an array of {item.many.en}"), Text("数组", "arrays")
        )
        self.item = item

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        if not isinstance(value, list):
            run.wrong((*loc, part), value, self)
            return None
        here = (*loc, part)
        item = self.item
        if item is _STR:  # the common case, without a call per item
            for i, v in enumerate(value):
                if not isinstance(v, str):
                    run.wrong((*here, i), v, item)
            return list(value)
        return [item.check(v, here, i, run) for i, v in enumerate(value)]


class _Map(_Spec):
    """A table of named values of one kind (``item``), or of any values (None)."""

    __slots__ = ("item",)

    def __init__(self, item: _Spec | None) -> None:
        super().__init__(Text("表", "a table"), Text("表", "tables"))
        self.item = item

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        if not isinstance(value, dict):
            run.wrong((*loc, part), value, self)
            return None
        here = (*loc, part)
        for k in value:
            if not isinstance(k, str):  # never from TOML; a caller's table may hold one
                run.wrong((*here, repr(k)), k, _STR)
        item = self.item
        if item is None:
            return dict(value)
        return {k: item.check(v, here, k if isinstance(k, str) else repr(k), run) for k, v in value.items()}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


class _Default:
    """A default that is new each time it is used: a copy of a list or table of plain
    values (``flat``), else the value run through its key's type (a table)."""

    __slots__ = ("flat", "value")

    def __init__(self, value: object) -> None:
        self.value: Any = value
        self.flat = False

    def fits(self, spec: _Spec) -> None:
        """Say whether the default of a key of type ``spec`` is ``flat``."""
        value = self.value
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        self.flat = (
            isinstance(spec, _List | _Map)
            and items is not None
            and not any(isinstance(v, list | dict) for v in items)
        )

    def __repr__(self) -> str:
        return f"default({self.value!r})"


_REQUIRED = _Required()
_ABSENT = object()


def default(value: object) -> Any:
    """The value of a key the file leaves out, when it is a list or a table:
    ``default([])``, ``default({})`` (a table with every key at its default)."""
    return _Default(value)


class Table:
    """A table of the file: subclasses list its keys as annotations, each with its
    default when it has one. Instances are made by :func:`checked` only."""

    _keys: ClassVar[tuple[tuple[str, _Spec, object, type | None], ...]] = ()
    """Each key: its name, its type, its default and the one type of value taken
    without a call (a string for ``str``; None for a list or a table)."""
    _names: ClassVar[frozenset[str]] = frozenset()
    _expected: ClassVar[str] = ""

    def __init_subclass__(cls) -> None:
        keys = []
        for name, annotation in inspect.get_annotations(cls).items():
            spec = _spec(annotation)
            value = cls.__dict__.get(name, _REQUIRED)
            if value is not _REQUIRED:
                probe = _Run(cls.__name__)
                spec.check(value.value if isinstance(value, _Default) else value, (), name, probe)
                if probe.problems:
                    raise TypeError(f"{cls.__name__}.{name}: default {value!r} does not fit its type")
                if isinstance(value, _Default):
                    value.fits(spec)
                elif isinstance(value, list | dict):
                    raise TypeError(f"{cls.__name__}.{name}: a list or table default is default(...)")
            plain = spec.inner if isinstance(spec, _Optional) else spec
            keys.append((name, spec, value, plain.kind if isinstance(plain, _Scalar) else None))
        cls._keys = tuple(keys)
        cls._names = frozenset(k[0] for k in keys)
        cls._expected = ", ".join(k[0] for k in keys)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class _Table(_Spec):
    __slots__ = ("table",)

    def __init__(self, table: type[Table]) -> None:
        super().__init__(Text("表", "a table"), Text("表", "tables"))
        self.table = table

    def check(self, value: object, loc: Loc, part: str | int, run: _Run) -> Any:
        if not isinstance(value, dict):
            run.wrong((*loc, part), value, self)
            return None
        return self.keys(value, (*loc, part), run)

    def keys(self, value: dict[Any, Any], here: Loc, run: _Run) -> Table:
        """The table ``value`` (at ``here``) checked key by key."""
        table = self.table
        out = object.__new__(table)
        fields = out.__dict__
        found = 0
        for name, spec, default, plain in table._keys:
            v = value.get(name, _ABSENT)
            if type(v) is plain:  # exactly: a bool is not taken for an int here
                fields[name] = v
                found += 1
            elif v is not _ABSENT:
                fields[name] = spec.check(v, here, name, run)
                found += 1
            elif default is _REQUIRED:
                run.missing((*here, name))
                fields[name] = None
            elif isinstance(default, _Default) and default.flat:
                fields[name] = default.value.copy()
            elif isinstance(default, _Default):
                fields[name] = spec.check(default.value, here, name, run)
            else:
                fields[name] = default
        if found < len(value):
            for k in value:
                if k not in table._names:
                    run.unknown((*here, k if isinstance(k, str) else repr(k)), table._expected)
        return out


def _spec(annotation: object) -> _Spec:
    """The checker of one annotation (a TypeError for one this module does not know,
    when the class is created)."""
    if annotation is str:
        return _STR
    if annotation is int:
        return _INT
    if annotation is bool:
        return _BOOL
    if isinstance(annotation, type) and issubclass(annotation, Table):
        return _Table(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and len(args) == 1:
        return _List(_spec(args[0]))
    if origin is dict and len(args) == 2 and args[0] is str:
        return _Map(None if args[1] is Any else _spec(args[1]))
    if origin is Literal and all(isinstance(a, str) for a in args):
        return _Choice(args)
    if origin is UnionType and len(args) == 2 and args[1] is NoneType:
        return _Optional(_spec(args[0]))
    raise TypeError(f"no checker for the annotation {annotation!r}")


T = TypeVar("T", bound=Table)


def checked(table: type[T], raw: object, source: str) -> tuple[T | None, list[Text]]:
    """``raw`` (a parsed file) as a ``table``, or None and every problem found."""
    run = _Run(source)
    spec = _Table(table)
    if not isinstance(raw, dict):
        run.wrong((), raw, spec)
        return None, run.problems
    out = spec.keys(raw, (), run)
    if run.problems:
        return None, run.problems
    return cast(T, out), []


def key_path(loc: Loc) -> str:
    """``("stages", 0, "deadline_days")`` as ``stages[0].deadline_days``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + shorten(part)
    return out or "(top)"


_KINDS: dict[type, Text] = {
    bool: Text("布尔值", "a boolean"),
    int: Text("整数", "an integer"),
    float: Text("小数", "a decimal number"),
    str: Text("文本", "a string"),
    list: Text("数组", "an array"),
    dict: Text("表", "a table"),
    dt.datetime: Text("日期时间", "a date-time"),
    dt.date: Text("日期", "a date"),
    dt.time: Text("时刻", "a time of day"),
    NoneType: Text("空值", "nothing"),
}


def _kind(value: object) -> Text:
    for kind in type(value).__mro__:
        if kind in _KINDS:
            return _KINDS[kind]
    return Text(type(value).__name__, type(value).__name__)


def _shown(value: object) -> str:
    """``value`` as a message shows it: TOML's spelling of booleans and dates, a
    string quoted, anything long cut short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return shorten(repr(value))


# The definition file, table by table.


class ProcessTable(Table):
    id: str
    zh: str
    en: str
    initial: str
    final: str


class SettingsTable(Table):
    holidays: list[str] = default([])
    working_weekends: list[str] = default([])
    rule_set_zh: str = ""
    rule_set_en: str = ""
    revert_to_any_earlier: bool = True
    max_document_mb: int = DEFAULT_MAX_MB


class CheckTable(Table):
    id: str
    gate: str
    params: dict[str, Any] = default({})
    evidence: list[str] = default([])


class StageTable(Table):
    id: str
    zh: str
    en: str
    deadline_days: int | None = None
    facts: list[str] = default([])
    rosters: list[str] = default([])
    checks: list[CheckTable] = default([])


class WhenTable(Table):
    fact: str
    field: str
    value: str


class TransitionTable(Table):
    kind: Literal["advance", "return"]
    source: str
    dest: str
    when: WhenTable | None = None


class FieldTable(Table):
    name: str
    type: str
    zh: str
    en: str
    required: bool = True
    choices: list[str] = default([])
    min: int | None = None
    max: int | None = None


class FactTable(Table):
    zh: str
    en: str
    fields: list[FieldTable]
    recorded_by: list[str] = default(list(RECORDING_ROLES))
    document_zh: str = ""
    document_en: str = ""


class DefinitionTable(Table):
    process: ProcessTable
    settings: SettingsTable = default({})
    stages: list[StageTable]
    transitions: list[TransitionTable]
    facts: dict[str, FactTable] = default({})
