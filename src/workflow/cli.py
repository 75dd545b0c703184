"""The ``workflow`` command. A thin front end over :mod:`workflow.service`; it never
imports Textual (``workflow tui`` imports it on demand)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from workflow.errors import AuditFailure, BadInput, BadRows, WorkflowError
from workflow.i18n import Lang, Text, detect_lang, parse_lang, tr

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Township Party committee re-election tracker / 乡镇党委换届流程跟踪",
)
district_app = typer.Typer(no_args_is_help=True, help="Districts / 区")
township_app = typer.Typer(no_args_is_help=True, help="Townships / 乡镇")
user_app = typer.Typer(no_args_is_help=True, help="Users / 用户")
violation_app = typer.Typer(no_args_is_help=True, help="Violation reports / 违纪举报")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log / 审计日志")
db_app = typer.Typer(no_args_is_help=True, help="The database schema / 数据库结构")
app.add_typer(district_app, name="district")
app.add_typer(township_app, name="township")
app.add_typer(user_app, name="user")
app.add_typer(violation_app, name="violation")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")

T = TypeVar("T")


@dataclass
class Options:
    db: str | None
    user: str
    lang: Lang
    definition: Path | None

    def loaded_definition(self) -> Any:
        """The ``--definition`` file, else the default definition."""
        from workflow.definition import default_definition, load

        return load(self.definition) if self.definition else default_definition()

    def reads(self) -> Any:
        """Reads only (``status``): no ORM is loaded."""
        from workflow.reads import Reads
        from workflow.store import open_engine

        return Reads(open_engine(self.db), self.user, self.loaded_definition())

    def service(self) -> Any:
        from workflow.service import Service
        from workflow.store import open_engine

        return Service(open_engine(self.db), self.user, self.loaded_definition())


OPTS = Options(None, "", "en", None)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "admin"


@app.callback()
def main_options(
    db: Annotated[
        str | None, typer.Option("--db", envvar="WORKFLOW_DB", help="SQLAlchemy URL or SQLite file")
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", envvar="WORKFLOW_USER", help="Act as this user")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en")] = None,
    definition: Annotated[
        Path | None,
        typer.Option("--definition", envvar="WORKFLOW_DEFINITION", help="Process definition TOML"),
    ] = None,
) -> None:
    if lang is not None and parse_lang(lang) is None:
        raise BadInput(
            tr("--lang 应为 zh 或 en，而不是「{v}」", "--lang must be zh or en, not '{v}'", v=lang)
        )
    OPTS.db = db
    OPTS.user = (as_user or _default_user()).strip()
    OPTS.lang = parse_lang(lang) if lang else detect_lang(None)  # type: ignore[assignment]
    OPTS.definition = definition


def say(text: Text | str) -> None:
    typer.echo(text(OPTS.lang) if isinstance(text, Text) else text)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def stage_name(stage_id: str | None, definition: Any = None) -> str:
    """'n.name' of a stage in the user's language (of ``definition``, else the one in
    use)."""
    if stage_id is None:
        return "-"
    d = definition or current_definition()
    if d.has_stage(stage_id):
        s = d.stage(stage_id)
        return f"{s.order}.{s.zh if OPTS.lang == 'zh' else s.en}"
    return stage_id


def current_definition() -> Any:
    return OPTS.loaded_definition()


# ---------------------------------------------------------------- set-up


@app.command()
def init() -> None:
    """Create the database; the user running it becomes the first admin."""
    svc = OPTS.service()
    if svc.init():
        say(tr("已初始化数据库，管理员：{u}", "database initialised; admin: {u}", u=OPTS.user))
    else:
        say(tr("数据库已初始化，未做更改", "database already initialised; nothing changed"))


@district_app.command("add")
def district_add(
    name: str,
    definition: Annotated[
        Path | None, typer.Option("--definition", help="This district's own process definition")
    ] = None,
) -> None:
    """Add a district."""
    d = OPTS.service().add_district(name, str(definition) if definition else None)
    say(tr("已添加区「{d}」", "district '{d}' added", d=d.name))


@district_app.command("list")
def district_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List districts."""
    rows = OPTS.service().districts()
    if as_json:
        emit_json([{"id": d.id, "name": d.name, "definition": d.definition_path} for d in rows])
        return
    for d in rows:
        say(f"{d.id}\t{d.name}")


@township_app.command("add")
def township_add(
    name: str,
    district: Annotated[str, typer.Option("--district")],
    since: Annotated[str | None, typer.Option("--since", help="Day the work began")] = None,
) -> None:
    """Add a township to a district; it starts at the first stage."""
    t = OPTS.service().add_township(name, district, since)
    say(tr("已添加乡镇「{t}」（{d}）", "township '{t}' added to {d}", t=t.name, d=district))


@township_app.command("list")
def township_list(
    district: Annotated[str | None, typer.Option("--district")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List townships with their stage."""
    rows = OPTS.service().townships(district)
    if as_json:
        emit_json(
            [
                {
                    "id": t.id,
                    "township": t.name,
                    "district": d,
                    "stage": t.stage,
                    "stage_since": t.stage_since,
                    "version": t.version,
                }
                for t, d in rows
            ]
        )
        return
    for t, d in rows:
        say(f"{t.id}\t{d}\t{t.name}\t{stage_name(t.stage)}\t{t.stage_since or ''}")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option("--role", help="coordinator|reviewer|auditor|admin")],
    township: Annotated[list[str] | None, typer.Option("--township")] = None,
) -> None:
    """Add a user with a role (admins only)."""
    u = OPTS.service().add_user(name, role, township or [])
    say(tr("已添加用户「{u}」（{r}）", "user '{u}' added ({r})", u=u.name, r=u.role))


# ---------------------------------------------------------------- reads


def _check_line(c: Any) -> str:
    if c.passed:
        mark = tr("[通过]", "[pass]")
    elif c.waived:
        mark = tr("[已豁免]", "[waived]")
    else:
        mark = tr("[未通过]", "[FAIL]")
    line = f"  {mark(OPTS.lang)} {c.id}: {c.message(OPTS.lang)}"
    line += tr("（实际 {a}，要求 {r}）", " (actual {a}, required {r})", a=c.actual, r=c.required)(OPTS.lang)
    if c.waived:
        line += tr("；豁免理由：{w}", "; waiver: {w}", w=c.waiver_reason)(OPTS.lang)
    return line


@app.command()
def status(township: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A township's stage, next stage, and each check of its exit gate."""
    v = OPTS.reads().status(township)
    if as_json:
        emit_json(
            {
                "township": v.township,
                "district": v.district,
                "stage": v.stage,
                "next_stage": v.next_stage,
                "version": v.version,
                "stage_since": v.stage_since,
                "ready": v.ready,
                "checks": [
                    c.as_dict(OPTS.lang) | ({"waiver_reason": c.waiver_reason} if c.waived else {})
                    for c in v.checks
                ],
                "open_violations": [
                    {"id": x.id, "note": x.opened_note, "opened_on": x.opened_on, "opened_by": x.opened_by}
                    for x in v.open_violations
                ],
                "waivers": [{"check": w.check_id, "reason": w.reason, "by": w.actor} for w in v.waivers],
                "facts": v.facts,
                "rosters": v.roster_counts,
            }
        )
        return
    say(f"{v.township}（{v.district}）" if OPTS.lang == "zh" else f"{v.township} ({v.district})")
    say(
        tr(
            "当前阶段：{s}（自 {d}）",
            "stage: {s} (since {d})",
            s=stage_name(v.stage, v.definition),
            d=v.stage_since or "-",
        )
    )
    say(tr("下一阶段：{s}", "next stage: {s}", s=stage_name(v.next_stage, v.definition)))
    if v.checks:
        say(tr("出口检查：", "exit gate:"))
        for c in v.checks:
            say(_check_line(c))
    for x in v.open_violations:
        say(tr("未处理的违纪举报 #{i}：{n}", "open violation report #{i}: {n}", i=x.id, n=x.opened_note))


@app.command()
def history(township: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every event of a township, oldest first, and whether its chain verifies."""
    from workflow.audit import event_dict

    _town, events, problem = OPTS.service().history(township)
    if as_json:
        emit_json([event_dict(e) for e in events])
        if problem is not None:
            raise AuditFailure(problem.text)
        return
    for e in events:
        payload = json.loads(e.payload)
        flags = []
        if e.kind in ("return", "revert"):
            flags.append(tr("[退回]", "[returned]")(OPTS.lang))
        if e.kind == "waive" or payload.get("waived"):
            flags.append(tr("[豁免]", "[waived]")(OPTS.lang))
        if e.effective_date.isoformat() < e.recorded_at[:10]:
            flags.append(tr("[补记]", "[backdated]")(OPTS.lang))
        extra = ""
        if e.kind == "import":
            extra = f" {payload.get('file')} sha256={payload.get('sha256', '')[:16]}…"
        if e.kind == "record":
            extra = " " + str(payload.get("fact"))
        if e.kind == "waive":
            extra = " " + str(payload.get("check"))
        say(
            f"{e.seq:>3} {e.effective_date} {e.recorded_at} {e.actor} {e.kind}"
            f" {stage_name(e.from_stage)} -> {stage_name(e.to_stage)}{extra}"
            f"{' ' + e.note if e.note else ''} {' '.join(flags)}".rstrip()
        )
    if problem is None:
        say(tr("审计链校验：通过（{n}个事件）", "audit chain verifies ({n} events)", n=len(events)))
    else:  # the events are listed for the auditor, then the command fails
        raise AuditFailure(tr("审计链校验：失败：{p}", "audit chain FAILS: {p}", p=problem.text(OPTS.lang)))


@app.command()
def diagram() -> None:
    """Print the process as a Mermaid stateDiagram-v2."""
    from workflow.diagram import mermaid

    say(mermaid(current_definition(), OPTS.lang))


# ---------------------------------------------------------------- changes


def _kv(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise BadInput(tr("参数「{p}」应写成 字段=值", "argument '{p}' must be field=value", p=p))
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


@app.command()
def record(
    township: str,
    fact: str,
    values: Annotated[list[str] | None, typer.Argument(help="field=value ...")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Effective date YYYY-MM-DD")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    expect_version: Annotated[int | None, typer.Option("--expect-version")] = None,
) -> None:
    """Record a fact, e.g. record 东湖镇 draft title=工作报告 date=2021-04-12"""
    r = OPTS.service().record(township, fact, _kv(values or []), on, note, expect_version)
    say(tr("已记录「{t}」的 {f}", "recorded {f} for '{t}'", t=r.township, f=fact))


@app.command()
def advance(
    township: Annotated[str | None, typer.Argument()] = None,
    to: Annotated[str | None, typer.Option("--to")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Effective date YYYY-MM-DD")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    expect_version: Annotated[int | None, typer.Option("--expect-version")] = None,
    district: Annotated[str | None, typer.Option("--district", help="Bulk: every township of")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Bulk: ... that is at this stage")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bulk: only list")] = False,
) -> None:
    """Step a township to its next stage when its exit gate holds; or, with --district
    and --stage, every township of a district at that stage whose gate holds."""
    if district or stage or dry_run:
        if township or to or expect_version is not None or not (district and stage):
            raise BadInput(
                tr(
                    "批量前进用法：workflow advance --district 区 --stage 阶段 [--dry-run] [--on 日期]",
                    "bulk usage: workflow advance --district NAME --stage STAGE [--dry-run] [--on DATE]",
                )
            )
        _bulk_advance(district, stage, on, note, dry_run)
        return
    if township is None:
        raise BadInput(
            tr(
                "请指定乡镇，或用 --district 与 --stage 批量前进",
                "name a township, or use --district and --stage",
            )
        )
    r = OPTS.service().advance(township, to, on, note, expect_version)
    say(
        tr(
            "「{t}」：{a} → {b}",
            "'{t}': {a} -> {b}",
            t=r.township,
            a=stage_name(r.from_stage),
            b=stage_name(r.to_stage),
        )
    )


def _bulk_advance(district: str, stage: str, on: str | None, note: str, dry_run: bool) -> None:
    from workflow.errors import Blocked

    outcomes = OPTS.service().bulk_advance(district, stage, on, note, dry_run)
    labels = {
        "advanced": tr("已前进", "advanced"),
        "ready": tr("可前进", "ready"),
        "blocked": tr("受阻", "blocked"),
        "not_permitted": tr("无权", "not permitted"),
        "conflict": tr("冲突", "conflict"),
        "bad_input": tr("输入有误", "bad input"),
    }
    for o in outcomes:
        say(f"{labels[o.outcome](OPTS.lang)}\t{o.township}")
        for c in o.failing:
            say(_check_line(c))
        if o.reason is not None and not o.failing:
            say(f"  {o.reason(OPTS.lang)}")
    done = sum(o.outcome in ("advanced", "ready") for o in outcomes)
    summary = (
        tr(
            "{n}个乡镇处于该阶段：{d}个可前进，{b}个受阻",
            "{n} townships at that stage: {d} ready, {b} not",
            n=len(outcomes),
            d=done,
            b=len(outcomes) - done,
        )
        if dry_run
        else tr(
            "{n}个乡镇处于该阶段：{d}个已前进，{b}个未前进",
            "{n} townships at that stage: {d} advanced, {b} not",
            n=len(outcomes),
            d=done,
            b=len(outcomes) - done,
        )
    )
    say(summary)
    if done < len(outcomes):
        raise Blocked(tr("部分乡镇未前进（见上）", "some townships were not advanced (see above)"))


@app.command("return")
def return_cmd(
    township: str,
    to: Annotated[str, typer.Option("--to")],
    reason: Annotated[str, typer.Option("--reason")],
    on: Annotated[str | None, typer.Option("--on")] = None,
    expect_version: Annotated[int | None, typer.Option("--expect-version")] = None,
) -> None:
    """Send a township back to an earlier stage (reviewers and admins)."""
    r = OPTS.service().return_(township, to, reason, on, expect_version)
    say(
        tr(
            "「{t}」已退回：{a} → {b}",
            "'{t}' returned: {a} -> {b}",
            t=r.township,
            a=stage_name(r.from_stage),
            b=stage_name(r.to_stage),
        )
    )


@app.command()
def waive(
    township: str,
    check: str,
    reason: Annotated[str, typer.Option("--reason")],
) -> None:
    """Let one check of one township pass (reviewers and admins)."""
    OPTS.service().waive_check(township, check, reason)
    say(tr("已豁免「{t}」的检查 {c}", "check {c} of '{t}' waived", t=township, c=check))


@violation_app.command("open")
def violation_open(township: str, note: Annotated[str, typer.Option("--note")]) -> None:
    """Record a violation report; it blocks every forward step until resolved."""
    v, _ = OPTS.service().open_violation(township, note)
    say(tr("已登记违纪举报 #{i}", "violation report #{i} opened", i=v.id))


@violation_app.command("resolve")
def violation_resolve(violation_id: int, note: Annotated[str, typer.Option("--note")]) -> None:
    """Resolve a violation report (reviewers and admins)."""
    v, _ = OPTS.service().resolve_violation(violation_id, note)
    say(tr("违纪举报 #{i} 已处理", "violation report #{i} resolved", i=v.id))


@violation_app.command("list")
def violation_list(
    township: Annotated[str | None, typer.Argument()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List violation reports."""
    rows = OPTS.service().violations(township)
    if as_json:
        emit_json(
            [
                {
                    "id": v.id,
                    "township": n,
                    "status": v.status,
                    "note": v.opened_note,
                    "opened_on": v.opened_on,
                    "resolved_note": v.resolved_note,
                    "resolved_on": v.resolved_on,
                }
                for v, n in rows
            ]
        )
        return
    for v, n in rows:
        say(f"#{v.id}\t{n}\t{v.status}\t{v.opened_on}\t{v.opened_note}")


@app.command("import")
def import_cmd(
    township: Annotated[str | None, typer.Argument()] = None,
    kind: Annotated[str | None, typer.Argument()] = None,
    file: Annotated[Path | None, typer.Argument()] = None,
    replace: Annotated[bool, typer.Option("--replace")] = False,
    template: Annotated[str | None, typer.Option("--template", help="Write a header-only CSV")] = None,
    output: Annotated[str | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Import a roster (CSV or XLSX), all or nothing; or write a template."""
    from workflow.rosters import roster_kind, template_csv

    if template:
        text = template_csv(roster_kind(template))
        if output == "-":
            sys.stdout.write(text)
            return
        path = Path(output or f"{template}.csv")
        if path.exists():
            raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=path))
        path.write_text("\ufeff" + text, encoding="utf-8")
        say(tr("已写出模板 {p}", "template written to {p}", p=path))
        return
    if not (township and kind and file):
        raise BadInput(
            tr(
                "用法：workflow import 乡镇 名册类型 文件 [--replace]，或 --template 类型",
                "usage: workflow import TOWNSHIP KIND FILE [--replace], or --template KIND",
            )
        )
    r = OPTS.service().import_roster(township, kind, file, replace)
    payload = json.loads(r.event.payload)
    say(
        tr(
            "已导入「{t}」的{k}名册：{n}行（{f}，sha256 {h}）",
            "imported {n} {k} rows for '{t}' ({f}, sha256 {h})",
            t=r.township,
            k=kind,
            n=payload["rows"],
            f=payload["file"],
            h=payload["sha256"][:16],
        )
    )


@app.command()
def roster(township: str, kind: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List a township's roster of one kind."""
    rows = OPTS.service().roster(township, kind)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        say("\t".join("" if v is None else str(v) for v in r.values()))


@audit_app.command("verify")
def audit_verify(township: Annotated[str | None, typer.Option("--township")] = None) -> None:
    """Check every hash chain; exit 6 naming the first bad event."""

    report = OPTS.service().verify(township)
    if not report.ok:
        for p in report.problems:
            say(p.text)
        raise AuditFailure(
            tr(
                "审计日志校验失败：{n}条链有问题",
                "audit log verification failed: {n} chain(s) broken",
                n=len(report.problems),
            )
        )
    say(
        tr(
            "审计日志完整：{c}条链，{e}个事件",
            "audit log intact: {c} chains, {e} events",
            c=report.chains,
            e=report.events,
        )
    )


@app.command()
def demo() -> None:
    """Fill the database with the demo districts (generated records; idempotent)."""
    from workflow.demo import build_demo

    summary = build_demo(OPTS.service())
    for name in summary.created:
        say(tr("已生成演示数据：{d}", "demo district created: {d}", d=name))
    for name in summary.skipped:
        say(tr("已存在，跳过：{d}", "already present, skipped: {d}", d=name))


@app.command()
def report(
    district: Annotated[str | None, typer.Option("--district")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The district report, computed from the records."""
    from workflow.report import render_text

    data = OPTS.service().report(district)
    if as_json:
        emit_json(data)
    else:
        say(render_text(data, OPTS.lang))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring an older database to the current schema (admins)."""
    r = OPTS.service().upgrade_schema()
    say(tr("数据库结构：{a} → {b}", "database schema: {a} -> {b}", a=r[0] or "-", b=r[1]))


@app.command()
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH while it is in use (admins and auditors)."""
    n = OPTS.service().backup(path)
    say(tr("已备份到 {p}（{n}页）", "backed up to {p} ({n} pages)", p=path, n=n))


# ---------------------------------------------------------------- entry point


def _register_commands() -> None:
    from workflow import export_commands, tui_commands

    tui_commands.register(app)
    export_commands.register(app)


def _print_error(e: WorkflowError) -> None:
    stream = sys.stderr
    print(e.text(OPTS.lang), file=stream)
    if isinstance(e, BadRows):
        for p in e.problems:
            print(f"  {p(OPTS.lang)}", file=stream)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the documented exit code."""
    import click

    OPTS.lang = detect_lang(None)
    try:
        app(args=argv, standalone_mode=False)
        code = 0
    except WorkflowError as e:
        _print_error(e)
        code = e.exit_code
    except (typer.Exit, click.exceptions.Exit) as e:
        code = e.exit_code
    except (typer.Abort, click.exceptions.Abort):
        code = 1
    except KeyboardInterrupt:
        code = 130
    except Exception as e:
        show = getattr(e, "show", None)
        if callable(show):  # a usage error of the command line (typer's click)
            show()
            code = 2
        else:  # last resort: no traceback reaches a user
            print(
                tr(
                    "内部错误：{e}（请报告此问题）",
                    "internal error: {e} (please report it)",
                    e=f"{type(e).__name__}: {e}",
                )(OPTS.lang),
                file=sys.stderr,
            )
            if os.environ.get("WORKFLOW_DEBUG"):
                raise
            code = 1
    if argv is None:
        sys.exit(code)
    return code


_register_commands()
