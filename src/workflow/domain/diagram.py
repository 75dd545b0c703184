"""The process definition as a Mermaid ``stateDiagram-v2``."""

from __future__ import annotations

from workflow.domain.definition import Definition
from workflow.i18n import Lang


def quoted(text: str) -> str:
    """``text`` safe inside a Mermaid quoted label: ``"`` and ``#`` as entity codes."""
    return text.replace("#", "#35;").replace('"', "#quot;")


def mermaid(d: Definition, lang: Lang = "en") -> str:
    lines = ["stateDiagram-v2"]
    for s in d.stages:
        label = quoted(s.zh if lang == "zh" else s.en)
        lines.append(f'    state "{s.order}. {label}" as {s.id}')
    lines.append(f"    [*] --> {d.initial}")
    for t in d.transitions:
        if t.kind == "advance":
            checks = [c.id for c in d.stage(t.source).checks]
            label = ", ".join(checks) if checks else "advance"
            lines.append(f"    {t.source} --> {t.dest}: {label}")
        else:
            when = f"{t.when[0]}.{t.when[1]}={t.when[2]}" if t.when else "return"
            lines.append(f"    {t.source} --> {t.dest}: return ({when})")
    if d.revert_to_any_earlier:
        note = "审核人可回退到任一更早阶段" if lang == "zh" else "a reviewer may revert to any earlier stage"
        lines.append(f"    note right of {d.initial}: {note}")
    lines.append(f"    {d.final} --> [*]")
    return "\n".join(lines) + "\n"
