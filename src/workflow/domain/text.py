"""One normaliser for every name a person types or a file carries (districts,
townships, users, roster cells and the roster duplicate key): Unicode NFKC, so that
full-width digits and composed / decomposed forms compare equal, and a clear refusal
of the characters that make two different strings look the same (zero-width,
invisible, control and bidirectional characters)."""

from __future__ import annotations

import unicodedata
from itertools import repeat
from typing import Literal, TypeGuard

from workflow.errors import BadInput
from workflow.i18n import Text, tr

MAX_NAME = 200
"""Longest name of a district, township or user."""
SHOWN = 40
"""How many characters of an over-long value a message shows."""

# Format characters (Cf) are refused by category; these are invisible or blank in
# other categories (Hangul and Braille blanks, the Mongolian vowel separator...).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
_BAD_CATEGORIES = {
    "Cc": Text("控制字符", "a control character"),
    "Cf": Text("不可见的格式字符", "an invisible format character"),
    "Cs": Text("无效的代理字符", "an invalid surrogate"),
    "Co": Text("私用区字符", "a private-use character"),
    "Cn": Text("未分配的字符", "an unassigned character"),
    "Zl": Text("换行符", "a line separator"),
    "Zp": Text("分段符", "a paragraph separator"),
}
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class TextProblem(ValueError):
    """A value the normaliser refuses; ``reason`` says why in both languages."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


def shorten(value: str, limit: int = SHOWN) -> str:
    """``value`` cut for a message: its start, an ellipsis and the full length."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value)})"


def _reason(ch: str) -> Text | None:
    if ch in _BIDI:
        return Text("双向文本控制字符", "a bidirectional control character")
    if ch in _INVISIBLE:
        return Text("不可见字符", "an invisible character")
    return _BAD_CATEGORIES.get(unicodedata.category(ch))


def normalise(value: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """``value`` in NFKC with outer blanks stripped; raises :class:`TextProblem` for a
    zero-width, invisible, control or bidi character (its position and code point
    named) or a value longer than ``max_length`` (not echoed in full). ``multiline``
    lets line breaks and tabs through (free text, not names)."""
    _refuse_invisible(value.strip(), multiline)  # positions as the person typed them
    if unicodedata.is_normalized("NFKC", value):
        return _bounded(value.strip(), max_length)
    text = _bounded(unicodedata.normalize("NFKC", value).strip(), max_length)
    _refuse_invisible(text, multiline)
    return text


def _bounded(text: str, max_length: int | None) -> str:
    if max_length is not None and len(text) > max_length:
        raise TextProblem(
            tr(
                "过长（{n}字，最多{m}字）：「{v}」",
                "too long ({n} characters, at most {m}): '{v}'",
                n=len(text),
                m=max_length,
                v=shorten(text),
            )
        )
    return text


def _refuse_invisible(text: str, multiline: bool) -> None:
    if text.isprintable() and _INVISIBLE.isdisjoint(text):
        return  # the common case, decided in C: no control, format, bidi or blank character
    for pos, ch in enumerate(text, start=1):
        if multiline and ch in "\n\t":
            continue
        if ch.isprintable() and ch not in _BIDI and ch not in _INVISIBLE:
            continue
        what = _reason(ch)
        if what is None:
            continue
        raise TextProblem(
            Text(
                f"第{pos}个字符是{what.zh}（U+{ord(ch):04X}），请删除后重输",
                f"character {pos} is {what.en} (U+{ord(ch):04X}); delete it and type the value again",
            )
        )


def is_clean(value: object, max_length: int) -> TypeGuard[str]:
    """``value`` is a text :func:`normalise` would return unchanged (checked in C: the
    common case of a roster cell)."""
    if not isinstance(value, str):
        return False
    text = value
    return (
        0 < len(text) <= max_length
        and text.isprintable()
        and not text[0].isspace()
        and not text[-1].isspace()
        and _INVISIBLE.isdisjoint(text)
        and unicodedata.is_normalized("NFKC", text)
    )


_NFKC: Literal["NFKC"] = "NFKC"


def all_clean(values: list[object], max_length: int) -> bool:
    """:func:`is_clean` of every one of ``values``, decided by a few passes in C over
    the whole list (a roster's column): True only when every value would pass it."""
    if not values or set(map(type, values)) != {str}:
        return False
    texts: list[str] = values  # type: ignore[assignment]
    joined = "".join(texts)
    return (
        min(map(len, texts)) > 0
        and max(map(len, texts)) <= max_length
        and joined.isprintable()
        and _INVISIBLE.isdisjoint(joined)
        and list(map(str.strip, texts)) == texts
        and all(map(unicodedata.is_normalized, repeat(_NFKC), texts))
    )


def name_key(value: str) -> str:
    """The form two names are compared in (duplicate checks): normalised, case-folded,
    inner runs of spaces made one."""
    return fold(normalise(value))


def fold(normalised: str) -> str:
    """:func:`name_key` of a value already through :func:`normalise`."""
    return " ".join(normalised.casefold().split())


def visible(value: str) -> str:
    """``value`` as a screen or a listing shows stored free text: a line break, a
    control or a bidirectional character as a visible escape (``\\n``, ``\\x1b``,
    ``\\u202e``), never as a new line that looks like another event or as a sequence
    the terminal obeys."""
    if value.isprintable() and _BIDI.isdisjoint(value):
        return value
    out = []
    for ch in value:
        if ch == "\n":
            out.append("\\n")
        elif not ch.isprintable() or ch in _BIDI:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def clean_note(value: str, what: Text) -> str:
    """A note or a reason through the normaliser: one line, no control, invisible or
    bidirectional character; refused with a message naming the field."""
    try:
        return normalise(value or "")
    except TextProblem as e:
        raise BadInput(Text(f"{what.zh}无效：{e.reason.zh}", f"invalid {what.en}: {e.reason.en}")) from None


def display_name(value: str, limit: int = MAX_NAME) -> str:
    """A file name someone gave, made harmless to keep and show: its last path part
    (``/`` and ``\\`` both separate), in NFKC, each control, invisible, format or
    bidirectional character replaced by ``_``, cut to ``limit`` characters (keeping
    the extension); never empty, never ``.`` or ``..``. It is only ever shown: no file
    is named by it."""
    text = unicodedata.normalize("NFKC", value or "")
    text = text.replace("\\", "/").rstrip("/").rpartition("/")[2]
    if not (text.isprintable() and _BIDI.isdisjoint(text) and _INVISIBLE.isdisjoint(text)):
        text = "".join(
            "_" if (not ch.isprintable() or ch in _BIDI or ch in _INVISIBLE) else ch for ch in text
        )
    text = text.strip()
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        text = (stem if ext else text)[: limit - len(ext) - 1] + ("." + ext if ext else "")
    if text in ("", ".", ".."):
        return "document"
    return text
