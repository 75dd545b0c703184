"""Bilingual text: every user-facing string exists in Chinese and English."""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One message in both languages."""

    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def __add__(self, other: Text) -> Text:
        return Text(self.zh + other.zh, self.en + other.en)

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def tr(zh: str, en: str, /, **values: object) -> Text:
    """Build a :class:`Text` from two templates filled with the same values."""
    return Text(zh.format(**values), en.format(**values))


def join(texts: list[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    """Join several messages, keeping each language apart."""
    return Text(zh_sep.join(t.zh for t in texts), en_sep.join(t.en for t in texts))


def detect_lang(explicit: str | None = None) -> Lang:
    """``--lang``, else ``WORKFLOW_LANG``, else the locale: zh for zh_*, else en."""
    for candidate in (explicit, os.environ.get("WORKFLOW_LANG")):
        if candidate:
            low = candidate.strip().lower()
            if low.startswith("zh"):
                return "zh"
            if low.startswith("en"):
                return "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"


def parse_lang(value: str) -> Lang | None:
    """The language a ``--lang`` value names, or None when it names neither."""
    low = value.strip().lower()
    if low in ("zh", "zh_cn", "zh-cn", "cn", "chinese", "中文"):
        return "zh"
    if low in ("en", "english", "en_us", "en-us"):
        return "en"
    return None
