"""The command palette: every action of the current screen that the acting user may
take, and "jump to township" searched in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workflow.errors import WorkflowError
from workflow.i18n import tr
from workflow.tui.context import lang, wf
from workflow.tui.keys import KEYS

NOT_IN_PALETTE = {"palette", "down", "up"}


class WorkflowCommands(Provider):
    """Actions (as the keys table names them) and townships by name."""

    def actions(self) -> list[tuple[str, Callable[[], Any], str]]:
        """(label, callback, help) for each action the screen or app offers now."""
        t = lang(self.app)
        screen = self.screen
        out: list[tuple[str, Callable[[], Any], str]] = []
        for k in KEYS.values():
            if k.id in NOT_IN_PALETTE:
                continue
            for target in (screen, self.app):
                if hasattr(target, f"action_{k.action}") and target.check_action(k.action, ()) is not False:
                    label = f"{k.label(t)} ({k.display or k.key})"
                    out.append((label, partial(target.run_action, k.action), k.where(t)))
                    break
        return out

    async def discover(self) -> Hits:
        for label, callback, text in self.actions():
            yield DiscoveryHit(label, callback, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, callback, text in self.actions():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=text)
        if not query.strip():
            return
        app = wf(self.app)
        t = lang(self.app)
        try:
            rows = await asyncio.to_thread(app.board.find, query, 10)
        except WorkflowError:
            return
        for r in rows:
            label = tr("跳转到乡镇：{n}（{d}）", "Jump to township: {n} ({d})", n=r.name, d=r.district)(t)
            yield Hit(
                max(matcher.match(label), 0.5),
                matcher.highlight(label),
                partial(app.open_township, r.id),
                help=tr("打开乡镇", "open the township")(t),
            )
