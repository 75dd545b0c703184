"""The confirmation before the townships selected on the dashboard are stepped forward."""

from __future__ import annotations

import datetime as dt

from workflow.i18n import Lang, tr
from workflow.tui.widgets.confirm_advance import ConfirmStep

NAMES_SHOWN = 12
"""Township names listed in the dialog; more are counted, not named."""


def bulk_summary(names: list[str], lang: Lang) -> str:
    """How many townships, which, and that each is checked and recorded on its own."""
    shown = ("、" if lang == "zh" else ", ").join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += tr("等", " and {n} more", n=len(names) - NAMES_SHOWN)(lang)
    return tr(
        "推进所选的 {n} 个乡镇：{s}\n每个乡镇分别检查出口条件、分别记录；条件未满足的不会推进。",
        "Advance the {n} selected townships: {s}\n"
        "Each is checked and recorded on its own; those whose gate fails stay where they are.",
        n=len(names),
        s=shown,
    )(lang)


class ConfirmBulkAdvance(ConfirmStep):
    """Advance several townships: how many and which, the effective date and a note.

    | Key | Action |
    |---|---|
    | y, enter, ctrl+s | advance |
    | n, escape | cancel |
    """

    def __init__(self, names: list[str], today: dt.date, lang: Lang) -> None:
        super().__init__(
            tr("确认批量推进", "Confirm bulk advance")(lang),
            bulk_summary(names, lang),
            today,
            lang,
        )
        self.names = names
