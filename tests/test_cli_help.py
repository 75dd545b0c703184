"""The command line's help and usage: every command's help in Chinese and English,
with every option described and the choices listed; ``--version``; global options
before or after the command; usage errors in the user's language."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from workflow.cli.commands import COMMANDS, GLOBAL_OPTS, Command, Group, walk
from workflow.cli.main import main
from workflow.cli.parser import width_of
from workflow.domain.definition import default_definition
from workflow.domain.rosters import ROSTER_KINDS
from workflow.i18n import LANGS, Lang

PATHS = [path for path, _ in walk()]
COMMAND_PATHS = [path for path, entry in walk() if isinstance(entry, Command)]
TYPE_NAME = re.compile(r"<(str|bool|int|float|path|list\[[^\]]*\]|text|integer)>", re.I)
CJK = re.compile(r"[\u4e00-\u9fff]")


def flat(text: str) -> str:
    """``text`` without white space (help is wrapped at any space, and between Chinese
    characters)."""
    return re.sub(r"\s+", "", text)


def run_help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main([*args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    return out


def option_lines(help_text: str, flag: str) -> str:
    """The description printed for ``flag`` (the rest of its line and the lines under
    it, up to the next option or section)."""
    lines = help_text.splitlines()
    for i, line in enumerate(lines):
        words = line.strip().replace(",", " ").split()
        if line.startswith("  ") and not line.startswith("   ") and flag in words[:4]:
            invocation = re.match(r"\s+(-[^\s,]+(?: [A-Z=|a-z_]+)?(?:, )?)+", line)
            rest = line[invocation.end() :] if invocation else ""
            following = []
            for nxt in lines[i + 1 :]:
                if not nxt.startswith("     ") or nxt.strip().startswith("-"):
                    break
                following.append(nxt.strip())
            return " ".join([rest.strip(), *following]).strip()
    raise AssertionError(f"{flag} is not in the help:\n{help_text}")


def entry_of(path: tuple[str, ...]) -> Command | Group:
    return dict(walk())[path]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_help_in_both_languages(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...], lang: Lang
) -> None:
    out = run_help(capsys, "--lang", lang, *path, "--help")
    assert out.startswith("用法：workflow " if lang == "zh" else "usage: workflow ")
    assert TYPE_NAME.search(out) is None, out
    entry = entry_of(path)
    assert flat((entry.description or entry.summary)(lang)).lower() in flat(out).lower()
    flags = [*GLOBAL_OPTS, *(entry.opts if isinstance(entry, Command) else ())]
    for opt in flags:
        if opt.hidden:
            assert opt.flags[-1] not in out
            continue
        described = option_lines(out, opt.flags[-1])
        assert described, f"{opt.flags[-1]} has no description in {' '.join(path)}"
        if lang == "zh":
            assert CJK.search(described), f"{opt.flags[-1]} of {' '.join(path)}: {described}"
    if isinstance(entry, Command):
        for arg in entry.args:
            assert arg.metavar in out
            assert (CJK.search(arg.help.zh) if lang == "zh" else arg.help.en) and flat(
                arg.help(lang)
            ) in flat(out)
    else:
        for sub in entry.commands:
            assert f"  {sub.name} " in out
    if entry.examples:
        assert ("示例：" if lang == "zh" else "examples:") in out
        assert all(line in out for _, line in entry.examples)
    for line in out.splitlines():
        if not line.startswith(("  workflow ", "  # ")):
            assert width_of(line) <= 80, line  # wrapped to the terminal (COLUMNS=80 in pytest)


def test_every_command_has_examples_and_every_group_its_commands() -> None:
    for path, entry in walk():
        assert entry.examples, " ".join(path)
        assert entry.summary.zh and entry.summary.en and CJK.search(entry.summary.zh), path


def test_every_command_function_takes_exactly_its_arguments() -> None:
    """The table and the functions agree: each argument and option (but the global
    ones, read from OPTS) is a parameter of the function that runs the command."""
    global_dests = {o.dest for o in GLOBAL_OPTS}
    for path, entry in walk():
        if not isinstance(entry, Command):
            continue
        module, _, name = entry.run.partition(":")
        fn = getattr(__import__(module, fromlist=[name]), name)
        wanted = {a.dest for a in entry.args} | {o.dest for o in entry.opts if o.dest not in global_dests}
        assert set(inspect.signature(fn).parameters) == wanted, path


def test_advance_help_in_chinese_lists_the_stage_ids(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_help(capsys, "--lang", "zh", "advance", "--help")
    assert "用法：workflow advance" in out and "阶段编号" in out
    for stage in default_definition().stages:
        assert re.search(rf"^  {stage.id}\s+{stage.order}\.{stage.zh}", out, re.M), stage.id
    for flag in (
        "--to",
        "--on",
        "--note",
        "--expect-version",
        "--district",
        "--stage",
        "--dry-run",
        "--help",
    ):
        assert CJK.search(option_lines(out, flag)), flag
    assert "workflow advance 东湖镇" in out


def test_record_help_lists_facts_and_their_fields(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_help(capsys, "record", "--help", "--lang", "en")
    for name, fact in default_definition().facts.items():
        assert re.search(rf"^  {name}\s+{re.escape(fact.en)}", out, re.M), name
        for field in fact.fields:
            assert re.search(rf"^    {field.name}=\s+{re.escape(field.en)}", out, re.M), (name, field.name)
    assert "one of: approved, returned" in out and "a date YYYY-MM-DD" in out


def test_waive_help_lists_the_check_ids(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_help(capsys, "waive", "-h", "--lang", "zh")
    ids = [c.id for s in default_definition().stages for c in s.checks]
    assert len(ids) > 10
    for check in ids:
        assert re.search(rf"^  {check}\b", out, re.M), check


def test_roster_kinds_roles_and_formats_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    for path in (["import"], ["roster"]):
        out = run_help(capsys, *path, "--help", "--lang", "zh")
        for kind in ROSTER_KINDS.values():
            assert re.search(rf"^  {kind.name}\s+{kind.zh}", out, re.M), kind.name
    for path in (["user", "add"], ["user", "set-role"]):
        out = run_help(capsys, "--lang", "en", *path, "--help")
        for role in ("coordinator", "reviewer", "auditor", "admin"):
            assert re.search(rf"^  {role}\s+\S", out, re.M), role
    out = run_help(capsys, "export", "timeline", "--help", "--lang", "en")
    for fmt in ("csv", "json", "ics", "xlsx", "html", "mermaid"):
        assert re.search(rf"^  {fmt}\s+\S", out, re.M), fmt


def test_help_follows_workflow_lang_then_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "WORKFLOW_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "用法：workflow status" in run_help(capsys, "status", "--help")
    monkeypatch.setenv("WORKFLOW_LANG", "en")
    assert "usage: workflow status" in run_help(capsys, "status", "--help")
    assert "用法：workflow status" in run_help(capsys, "status", "--help", "--lang", "zh")
    monkeypatch.setenv("WORKFLOW_LANG", "zh")
    out = run_help(capsys, "--help")
    assert out.startswith("用法：workflow") and "命令：" in out and "全局选项：" in out
    assert "usage: workflow" in run_help(capsys, "--lang=en", "--help")


def test_the_root_help_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_help(capsys, "--help", "--lang", "en")
    for entry in COMMANDS:
        assert re.search(rf"^  {entry.name}\s+\S", out, re.M), entry.name
    assert "--version" in out and "WORKFLOW_LANG" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_help(capsys, "--version") == f"workflow {version('workflow')}\n"


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en"]) == 2
    assert "commands:" in capsys.readouterr().out
    assert main(["--lang", "zh", "user"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("用法：workflow user") and "set-role" in out


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["status", "东湖镇", "多余"], "无法识别的参数：多余", "unrecognized arguments: 多余"),
        (["status"], "缺少必需的参数：TOWNSHIP", "the following arguments are required: TOWNSHIP"),
        (
            ["waive", "东湖镇", "draft_recorded"],
            "缺少必需的参数：--reason",
            "arguments are required: --reason",
        ),
        (["statsu", "东湖镇"], "没有命令「statsu」", "invalid choice: no command 'statsu'"),
        (["user", "ad"], "没有命令「ad」", "invalid choice: no command 'ad'"),
        (["advance", "东湖镇", "--to"], "参数 --to：需要一个值", "argument --to: expected one argument"),
        (
            ["advance", "--expect-version", "x"],
            "参数 --expect-version：应为整数",
            "must be a whole number, not 'x'",
        ),
        (["login", "--hours", "半天"], "参数 --hours：应为数字", "must be a number"),
        (["status", "--json=yes", "x"], "参数 --json：此选项不带值", "ignored explicit argument 'yes'"),
        (["--json", "status", "x"], "无法识别的参数：--json", "unrecognized arguments: --json"),
    ],
)
def test_usage_errors_in_the_users_language(
    capsys: pytest.CaptureFixture[str], args: list[str], zh: str, en: str
) -> None:
    for lang, expected in (("zh", zh), ("en", en)):
        assert main(["--lang", lang, *args]) == 2
        out, err = capsys.readouterr()
        assert out == "" and expected in err, err
        assert "Traceback" not in err
        if lang == "zh":
            assert err.startswith("用法：workflow") and "错误：" in err and "详见 workflow" in err
            assert not re.search(r"\b(usage|error|argument|required|unrecognized|expected)\b", err)
        else:
            assert err.startswith("usage: workflow") and "error: " in err


def test_a_bad_lang_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--lang", "fr"]) == 2
    assert "--lang" in capsys.readouterr().err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with 东湖镇 in 某区, and this machine signed in as its admin."""
    path = tmp_path / "w.db"
    svc = make_service(f"sqlite:///{path}", "admin")
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.engine.dispose()
    sign_in(f"sqlite:///{path}", "admin")
    return path


def test_global_options_before_or_after_the_command(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["status", "东湖镇", "--lang", "en", "--db", str(db)],
        ["--db", str(db), "status", "--lang=en", "东湖镇"],
        ["--lang", "zh", "status", "东湖镇", "--db", str(db), "--lang", "en"],  # the last one counts
        ["status", "东湖镇", "--db", str(db), "--read-only", "--as", "admin", "--lang", "en"],
    ):
        assert main(args) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.startswith("东湖镇 (某区)\nstage: 1.Draft the work report"), args
    assert main(["district", "--db", str(db), "list", "--json", "--lang", "zh"]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["某区"]
    assert (
        main(["--db", str(tmp_path / "other.db"), "status", "东湖镇", "--db", str(db), "--lang", "zh"]) == 0
    )
    assert "当前阶段：1.起草工作报告" in capsys.readouterr().out
    assert not (tmp_path / "other.db").exists()


def test_an_option_value_may_look_like_an_option(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As before: the word after an option that takes a value is its value, whatever
    it looks like (``--note -x``, ``-o -``)."""
    assert main(["--db", str(db), "violation", "open", "东湖镇", "--note", "--拉票举报"]) == 0
    assert main(["--db", str(db), "violation", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert [v["note"] for v in json.loads(out[out.index("[") :])] == ["--拉票举报"]
    assert main(["import", "--template", "talks", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("tier,interviewer,interviewee,date")


def test_status_imports_only_what_it_uses(db: Path) -> None:
    """``workflow status`` imports its own command module and the parser for it, not
    the other commands' modules, nor the help's lists, nor typer, click or rich."""
    code = (
        "import sys, json; from workflow.cli.main import main; "
        "rc = main(['status', '东湖镇', '--db', sys.argv[1], '--lang', 'en']); "
        "print(json.dumps({'rc': rc, 'mods': sorted(m for m in sys.modules if m.startswith("
        "('workflow.cli', 'typer', 'click', 'rich')))}))"
    )
    p = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen == {
        "rc": 0,
        "mods": [
            "workflow.cli",
            "workflow.cli.commands",
            "workflow.cli.main",
            "workflow.cli.options",
            "workflow.cli.parser",
            "workflow.cli.reads",
        ],
    }, p.stderr
