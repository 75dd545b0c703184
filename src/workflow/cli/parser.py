"""The command line's parser: :mod:`argparse` built from the table in
:mod:`workflow.cli.commands`, in the user's language, only as far as the command that
runs (a command's own arguments are added when it is the one named; the lists that
need the process definition are read only when its help is printed).

Global options (``--db``, ``--as``, ``--lang``, ``--definition``, ``--read-only``) are
accepted before the command, between a group and its command, and after it. As with
the old front end, an option that takes a value takes the next word whatever it
looks like (``--note -x``). Usage errors are raised as :class:`UsageError` in the
user's language; ``--help`` and ``--version`` as :class:`ParseExit`."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, cast

from workflow.cli.commands import COMMANDS, GLOBAL_OPTS, Arg, Command, Group, Opt, Section
from workflow.i18n import Lang, Text, parse_lang, tr

Body = list[tuple[str, str]] | list[str]
"""A section of a help: rows (a name, then what it is) or lines printed as they are."""
SectionFn = Callable[[], tuple[str, Body]]

GLOBAL_PREFIX = "g_"
"""The destination of a global option starts with it (no command option clashes)."""


class UsageError(Exception):
    """The command line is wrong: the usage line and the message, exit 2."""

    def __init__(self, parser: Parser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message

    def show(self) -> None:
        p = self.parser
        print(p.format_usage().rstrip(), file=sys.stderr)
        print(
            Text("{p}：错误：{m}", "{p}: error: {m}")(p.lang).format(p=p.prog, m=self.message),
            file=sys.stderr,
        )
        hint = tr("详见 {p} --help", "see '{p} --help'", p=p.prog)
        print(hint(p.lang), file=sys.stderr)


class ParseExit(Exception):
    """``--help`` or ``--version`` was printed: the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- messages in Chinese

_ZH: list[tuple[str, str]] = [
    (r"argument (.+?): (.*)", "参数 {0}：{1}"),
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"invalid choice: (.*) \(choose from (.*)\)", "无效的选择：{0}（可选：{1}）"),
    (r"expected one argument", "需要一个值"),
    (r"expected at most one argument", "最多一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"expected (\d+) arguments?", "需要{0}个值"),
    (r"ignored explicit argument (.*)", "此选项不带值，却给了 {0}"),
    (r"ambiguous option: (.*) could match (.*)", "选项 {0} 不明确，可能是：{1}"),
    (r"not allowed with argument (.*)", "不能与 {0} 同时使用"),
    (r"invalid (.*) value: (.*)", "无效的值：{1}"),
]
"""argparse's messages that reach users (as patterns of its English text), in Chinese."""


def translate(message: str, lang: Lang) -> str:
    """One of argparse's English messages in ``lang`` (nested: ``argument X: ...``)."""
    if lang == "en":
        return message
    for pattern, zh in _ZH:
        m = re.fullmatch(pattern, message, re.S)
        if m:
            parts = list(m.groups())
            if pattern.startswith("argument"):  # what is wrong with that argument
                parts[-1] = translate(parts[-1], lang)
            return zh.format(*parts)
    return message


# ---------------------------------------------------------------- help text


def width_of(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = rf"\s+|[{_WIDE}][，。、；：！？）」』》%]*|[^\s{_WIDE}]+"
"""Space, a Chinese character (with the closing marks after it), or a word."""


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, breaking between words and
    between Chinese characters (never before a closing mark); its own line breaks kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for token in re.findall(_TOKEN, paragraph):
            if token.isspace():
                if line:
                    line, used = line + " ", used + 1
                continue
            w = width_of(token)
            if line and used + w > width:
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + token, used + w
        lines.append(line.rstrip())
    return lines


class Formatter(argparse.HelpFormatter):
    """argparse's layout, wrapping by terminal columns (Chinese takes two each), its
    headings ending in the language's colon."""

    def __init__(self, prog: str, lang: Lang = "en") -> None:
        super().__init__(prog, max_help_position=30)
        self.lang = lang

    class _Section(argparse.HelpFormatter._Section):
        def format_help(self) -> str:
            text: str = super().format_help()
            heading = getattr(self, "heading", None)
            if heading and getattr(self.formatter, "lang", "en") == "zh":
                text = text.replace(f"{heading}:\n", f"{heading}：\n", 1)
            return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, max(width, 20))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, max(width - len(indent), 20)))

    def add_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """A two-column list (a name, then what it is), wrapped under its text."""
        self._add_item(self._format_rows, [rows])

    def add_lines(self, lines: Sequence[str]) -> None:
        """Lines printed as they are (examples), indented."""
        self._add_item(lambda: "".join(" " * self._current_indent + x + "\n" for x in lines), [])

    def _format_rows(self, rows: Sequence[tuple[str, str]]) -> str:
        indent = " " * self._current_indent
        name_width = min(max((width_of(n) for n, _ in rows), default=0), 24)
        text_width = max(self._width - self._current_indent - name_width - 2, 24)
        pad = " " * (name_width + 2)
        out = []
        for name, desc in rows:
            lines = wrap(desc, text_width) if desc else []
            if width_of(name) > name_width or not lines:
                out.append(indent + name)
                out.extend(indent + pad + x for x in lines)
            else:
                out.append(indent + name + " " * (name_width - width_of(name) + 2) + lines[0])
                out.extend(indent + pad + x for x in lines[1:])
        return "\n".join(x.rstrip() for x in out) + "\n"


class Parser(argparse.ArgumentParser):
    """A parser that speaks ``lang``, raises instead of exiting, and prints the extra
    sections (lists, examples) of its command at the end of its help."""

    def __init__(self, prog: str, lang: Lang, description: str | None = None) -> None:
        super().__init__(
            prog=prog,
            description=description,
            formatter_class=Formatter,
            add_help=False,
            allow_abbrev=False,
        )
        self.lang = lang
        self.lead: list[SectionFn] = []
        """Sections printed before the options (the commands of a group)."""
        self.sections: list[SectionFn] = []
        """Sections printed after the options (lists, examples)."""
        self.hidden_from_usage: list[argparse.Action] = []
        self._positionals.title = Text("参数", "arguments")(lang)
        self._optionals.title = Text("选项", "options")(lang)
        self.add_argument(
            "-h", "--help", action=_Help, help=Text("显示此帮助并退出", "show this help and exit")(lang)
        )

    def _get_formatter(self) -> Formatter:
        return Formatter(self.prog, self.lang)

    def _usage_actions(self) -> list[argparse.Action]:
        return [a for a in self._actions if a not in self.hidden_from_usage]

    def _usage_prefix(self) -> str:
        return Text("用法：", "usage: ")(self.lang)

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._usage_actions(), [], self._usage_prefix())
        return formatter.format_help()

    def format_help(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._usage_actions(), [], self._usage_prefix())
        formatter.add_text(self.description)
        self._add_sections(formatter, self.lead)
        for group in self._action_groups:
            if not group._group_actions:
                continue
            formatter.start_section(group.title)
            formatter.add_text(group.description)
            formatter.add_arguments(group._group_actions)
            formatter.end_section()
        self._add_sections(formatter, self.sections)
        formatter.add_text(self.epilog)
        return formatter.format_help()

    @staticmethod
    def _add_sections(formatter: Formatter, sections: list[SectionFn]) -> None:
        for section in sections:
            title, body = section()
            formatter.start_section(title)
            if body and isinstance(body[0], tuple):
                formatter.add_rows(body)
            else:
                formatter.add_lines(cast("list[str]", body))
            formatter.end_section()

    def parse_known_intermixed_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """argparse's, with the usage line kept whole (it cuts an English "usage: "
        off the front of it, whatever the prefix)."""
        if self.usage is not None:
            return super().parse_known_intermixed_args(args, namespace)
        self.usage = self.format_usage()[len(self._usage_prefix()) :].rstrip("\n")
        try:
            return super().parse_known_intermixed_args(args, namespace)
        finally:
            self.usage = None

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, translate(message, self.lang))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            print(message, file=sys.stderr, end="")
        raise ParseExit(status)


class _Help(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        parser.print_help()
        parser.exit()


class _Version(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"workflow {version()}")
        parser.exit()


def version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("workflow")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


# ---------------------------------------------------------------- building


def _number(kind: str, lang: Lang) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        try:
            return int(value) if kind == "int" else float(value)
        except ValueError:
            wanted = (
                tr("应为整数，而不是「{v}」", "must be a whole number, not '{v}'", v=value)
                if kind == "int"
                else tr("应为数字，而不是「{v}」", "must be a number, not '{v}'", v=value)
            )
            raise argparse.ArgumentTypeError(wanted(lang)) from None

    return convert


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value)


def _type(kind: str, lang: Lang) -> Callable[[str], Any] | None:
    if kind in ("int", "float"):
        return _number(kind, lang)
    if kind == "path":
        return _path
    return None


def _help(text: Text, lang: Lang, extra: list[Text]) -> str:
    return "".join(t(lang) for t in [text, *extra]).replace("%", "%%")


def _add_opt(parser: Parser, opt: Opt, lang: Lang, group: Any, *, suppress: bool) -> argparse.Action:
    extra: list[Text] = []
    kwargs: dict[str, Any] = {"dest": opt.dest}
    if opt.metavar is None:
        kwargs["action"] = "store_true"
    else:
        kwargs["metavar"] = opt.metavar
        kwargs["type"] = _type(opt.type, lang)
        if opt.many:
            kwargs["action"] = "append"
            extra.append(Text("（可重复）", " (repeatable)"))
        if opt.default not in (None, ""):
            extra.append(tr("（默认：{d}）", " (default: {d})", d=opt.default))
        if opt.env:
            extra.append(tr("（环境变量 {e}）", " (environment variable {e})", e=opt.env))
    if opt.required:
        kwargs["required"] = True
    if suppress:
        kwargs["default"] = argparse.SUPPRESS
    elif opt.env:
        import os

        env = os.environ.get(opt.env) or None  # an empty variable counts as unset
        conv = _type(opt.type, lang)
        kwargs["default"] = conv(env) if (env is not None and conv) else env
    else:
        kwargs["default"] = False if opt.metavar is None else opt.default
    kwargs["help"] = argparse.SUPPRESS if opt.hidden else _help(opt.help, lang, extra)
    action: argparse.Action = group.add_argument(*opt.flags, **kwargs)
    return action


def _add_arg(group: Any, arg: Arg, lang: Lang) -> None:
    kwargs: dict[str, Any] = {"metavar": arg.metavar, "help": _help(arg.help, lang, [])}
    if arg.nargs:
        kwargs["nargs"] = arg.nargs
    conv = _type(arg.type, lang)
    if conv:
        kwargs["type"] = conv
    if arg.nargs == "*":
        kwargs["default"] = None
    group.add_argument(arg.dest, **kwargs)


def _add_globals(parser: Parser, lang: Lang, *, root: bool, own: Sequence[Opt] = ()) -> None:
    """The global options; after a command they only override what was given before
    it (``own``: a command's own help for one of them)."""
    title = (
        Text("全局选项", "global options")
        if root
        else Text("全局选项（写在命令前后均可）", "global options (before or after the command)")
    )
    group = parser.add_argument_group(title(lang))
    helps = {o.flags: o for o in own}
    for opt in GLOBAL_OPTS:
        action = _add_opt(parser, helps.get(opt.flags, opt), lang, group, suppress=not root)
        if not root:
            parser.hidden_from_usage.append(action)
    if root:
        group.add_argument(
            "--version", action=_Version, help=Text("显示版本并退出", "show the version and exit")(lang)
        )


def _examples(entry: Command | Group, lang: Lang) -> list[str]:
    lines: list[str] = []
    for comment, line in entry.examples:
        lines.append(f"# {comment(lang)}")
        lines.append(line)
    return lines


def _rows_of(entries: Sequence[Command | Group], lang: Lang) -> list[tuple[str, str]]:
    rows = []
    for e in entries:
        text = e.summary(lang)
        if isinstance(e, Group):
            text += Text("（命令：{s}）", " (commands: {s})")(lang).format(
                s=", ".join(c.name for c in e.commands)
            )
        rows.append((e.name, text))
    return rows


def _section(lang: Lang, section: Section) -> SectionFn:
    def build() -> tuple[str, Body]:
        from workflow.cli import choices

        title, rows = choices.SECTIONS[section](lang)
        return title, rows

    return build


def _add_examples(parser: Parser, entry: Command | Group, lang: Lang) -> None:
    if entry.examples:
        lines = _examples(entry, lang)
        parser.sections.append(lambda: (Text("示例", "examples")(lang), lines))


def root_parser(lang: Lang) -> Parser:
    from workflow.cli.commands import ROOT_DESCRIPTION, ROOT_EXAMPLES, ROOT_NOTE

    parser = Parser("workflow", lang, ROOT_DESCRIPTION(lang))
    parser.usage = Text(
        "workflow [全局选项] 命令 [参数 ...]", "workflow [global options] COMMAND [ARGS ...]"
    )(lang)
    _add_globals(parser, lang, root=True)
    rows = _rows_of(COMMANDS, lang)
    parser.lead.append(lambda: (Text("命令", "commands")(lang), rows))
    lines = [x for comment, line in ROOT_EXAMPLES for x in (f"# {comment(lang)}", line)]
    parser.sections.append(lambda: (Text("示例", "examples")(lang), lines))
    parser.epilog = ROOT_NOTE(lang)
    return parser


def _description(entry: Command | Group, lang: Lang) -> str:
    text = (entry.description or entry.summary)(lang)
    return text[:1].upper() + text[1:]


def group_parser(group: Group, prog: str, lang: Lang) -> Parser:
    parser = Parser(prog, lang, _description(group, lang))
    parser.usage = Text("{p} 命令 [参数 ...]", "{p} COMMAND [ARGS ...]")(lang).format(p=prog)
    _add_globals(parser, lang, root=False)
    rows = _rows_of(group.commands, lang)
    parser.lead.append(lambda: (Text("命令", "commands")(lang), rows))
    _add_examples(parser, group, lang)
    return parser


def command_parser(command: Command, prog: str, lang: Lang) -> Parser:
    parser = Parser(prog, lang, _description(command, lang))
    for arg in command.args:
        _add_arg(parser._positionals, arg, lang)
    global_flags = {o.flags for o in GLOBAL_OPTS}
    for opt in command.opts:
        if opt.flags not in global_flags:
            _add_opt(parser, opt, lang, parser._optionals, suppress=False)
    _add_globals(parser, lang, root=False, own=[o for o in command.opts if o.flags in global_flags])
    for section in command.sections:
        parser.sections.append(_section(lang, section))
    _add_examples(parser, command, lang)
    return parser


# ---------------------------------------------------------------- parsing


def _value_options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions if a.nargs != 0 for s in a.option_strings}


def glue(tokens: Sequence[str], takes_value: set[str]) -> list[str]:
    """``--opt VALUE`` as ``--opt=VALUE``: the next word is the value whatever it
    looks like (``--note -x``, ``-o -``), as the old front end read it."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "--":
            out.extend(tokens[i:])
            break
        if t in takes_value and i + 1 < len(tokens):
            out.append(f"{t}={tokens[i + 1]}")
            i += 2
            continue
        out.append(t)
        i += 1
    return out


def split_command(tokens: Sequence[str], takes_value: set[str]) -> tuple[list[str], str | None, list[str]]:
    """The options before the first word that is not an option or an option's value,
    that word (a command), and the rest."""
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "--":
            rest = list(tokens[i + 1 :])
            return list(tokens[:i]), (rest[0] if rest else None), rest[1:]
        if t.startswith("-") and t != "-":
            i += 2 if t in takes_value else 1
            continue
        return list(tokens[:i]), t, list(tokens[i + 1 :])
    return list(tokens), None, []


def wanted_lang(tokens: Sequence[str], default: Lang) -> Lang:
    """The language of help and usage errors: the last valid ``--lang``, else ``default``."""
    found = default
    for i, t in enumerate(tokens):
        if t == "--":
            break
        value = tokens[i + 1] if t == "--lang" and i + 1 < len(tokens) else None
        if t.startswith("--lang="):
            value = t.split("=", 1)[1]
        if value is not None:
            found = parse_lang(value) or found
    return found


class Call:
    """What the command line asks for: the function to run and its arguments, and the
    global options."""

    def __init__(self, run: str, kwargs: dict[str, Any], options: dict[str, Any]) -> None:
        self.run = run
        self.kwargs = kwargs
        self.options = options

    def function(self) -> Callable[..., None]:
        """The command's function; its module is imported only now."""
        from importlib import import_module

        module, _, name = self.run.partition(":")
        fn: Callable[..., None] = getattr(import_module(module), name)
        return fn


def _pick(parser: Parser, entries: Sequence[Command | Group], name: str) -> Command | Group:
    for e in entries:
        if e.name == name:
            return e
    message = tr(
        "没有命令「{n}」（可选：{c}）",
        "invalid choice: no command '{n}' (choose from {c})",
        n=name,
        c=", ".join(e.name for e in entries),
    )
    raise UsageError(parser, message(parser.lang))


def parse(tokens: Sequence[str], lang: Lang) -> Call:
    """Read the command line (help and errors in ``lang``)."""
    parser = root_parser(lang)
    before, name, rest = split_command(tokens, _value_options(parser))
    found = vars(parser.parse_args(glue(before, _value_options(parser))))
    prog = "workflow"
    entries: Sequence[Command | Group] = COMMANDS
    while True:
        if name is None:
            parser.print_help()
            parser.exit(2)
        entry = _pick(parser, entries, name)
        prog = f"{prog} {entry.name}"
        if isinstance(entry, Command):
            break
        parser = group_parser(entry, prog, lang)
        before, name, rest = split_command(rest, _value_options(parser))
        found.update(vars(parser.parse_args(glue(before, _value_options(parser)))))
        entries = entry.commands
    parser = command_parser(entry, prog, lang)
    found.update(vars(parser.parse_intermixed_args(glue(rest, _value_options(parser)))))
    options = {k[len(GLOBAL_PREFIX) :]: v for k, v in found.items() if k.startswith(GLOBAL_PREFIX)}
    kwargs = {k: v for k, v in found.items() if not k.startswith(GLOBAL_PREFIX)}
    return Call(entry.run, kwargs, options)
