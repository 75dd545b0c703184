"""Every command of the ``workflow`` command line, as data: its arguments and options
with their help in Chinese and English, its examples, the lists its help shows, and
the function that runs it (``module:function``, imported only when it runs).
:mod:`workflow.cli.parser` builds the parser from this table; nothing here imports a
command's module."""

from __future__ import annotations

from typing import Any, Literal

from workflow.i18n import Text

T = Text

Section = Literal["stages", "facts", "checks", "rosters", "roles", "formats"]
"""A list the help shows under a command, read from the shipped process definition
(:mod:`workflow.cli.choices`) only when the help is printed."""

Example = tuple[Text, str]
"""What an example does, and the command line."""

Kind = Literal["str", "path", "int", "float"]

# Plain classes (not dataclasses): every command line loads this table, and making a
# dataclass costs more than the whole table.


class Arg:
    """A positional argument; ``dest`` is the command function's parameter."""

    __slots__ = ("dest", "help", "metavar", "nargs", "type")

    def __init__(
        self, dest: str, metavar: str, help: Text, nargs: Literal["?", "*"] | None = None, type: Kind = "str"
    ) -> None:
        self.dest, self.metavar, self.help, self.nargs, self.type = dest, metavar, help, nargs, type


class Opt:
    """An option; without a ``metavar`` it is a flag (true when given)."""

    __slots__ = ("default", "dest", "env", "flags", "help", "hidden", "many", "metavar", "required", "type")

    def __init__(
        self,
        flags: tuple[str, ...],
        dest: str,
        help: Text,
        metavar: str | None = None,
        type: Kind = "str",
        default: object = None,
        required: bool = False,
        many: bool = False,
        env: str | None = None,
        hidden: bool = False,
    ) -> None:
        self.flags, self.dest, self.help, self.metavar, self.type = flags, dest, help, metavar, type
        self.default, self.required, self.many, self.env, self.hidden = default, required, many, env, hidden


def replace(opt: Opt, **changes: Any) -> Opt:
    """``opt`` with some of its fields changed."""
    fields: dict[str, Any] = {name: getattr(opt, name) for name in Opt.__slots__}
    fields.update(changes)
    return Opt(**fields)


class Command:
    """A command: what it does, what it takes, and ``run``, the function that runs it."""

    __slots__ = ("args", "description", "examples", "name", "opts", "run", "sections", "summary")

    def __init__(
        self,
        name: str,
        summary: Text,
        run: str,
        args: tuple[Arg, ...] = (),
        opts: tuple[Opt, ...] = (),
        description: Text | None = None,
        examples: tuple[Example, ...] = (),
        sections: tuple[Section, ...] = (),
    ) -> None:
        self.name, self.summary, self.run, self.args, self.opts = name, summary, run, args, opts
        self.description, self.examples, self.sections = description, examples, sections


class Group:
    """Commands under one name (``workflow user add``)."""

    __slots__ = ("commands", "description", "examples", "name", "summary")

    def __init__(
        self,
        name: str,
        summary: Text,
        commands: tuple[Command | Group, ...],
        description: Text | None = None,
        examples: tuple[Example, ...] = (),
    ) -> None:
        self.name, self.summary, self.commands = name, summary, commands
        self.description, self.examples = description, examples


# ---------------------------------------------------------------- global options

DB = Opt(
    ("--db",),
    "g_db",
    T(
        "数据库：SQLAlchemy URL 或 SQLite 文件路径；默认为用户数据目录中的 workflow.db",
        "the database: a SQLAlchemy URL or a SQLite file; default: workflow.db in your user data directory",
    ),
    metavar="URL",
    env="WORKFLOW_DB",
)
AS = Opt(
    ("--as",),
    "g_as",
    T(
        "workflow login 默认提供的用户名（谁在操作由登录决定）",
        "the name 'workflow login' offers (signing in decides who acts)",
    ),
    metavar="NAME",
)
LANG = Opt(
    ("--lang",),
    "g_lang",
    T(
        "输出与帮助的语言：zh（中文）或 en（英文）；默认取环境变量 WORKFLOW_LANG，否则按系统区域设置（zh_* 为中文）",
        "the language of output and help: zh (Chinese) or en (English); default: WORKFLOW_LANG, "
        "else the locale (zh_* is Chinese)",
    ),
    metavar="zh|en",
)
DEFINITION = Opt(
    ("--definition",),
    "g_definition",
    T(
        "流程定义 TOML 文件，只用于 init、district add 和 diagram（管理员）；乡镇始终按其所在区记录的定义运行",
        "a process definition TOML file, read only by init, district add and diagram (admins); "
        "a township always runs on its district's recorded definition",
    ),
    metavar="FILE",
    type="path",
    env="WORKFLOW_DEFINITION",
)
READ_ONLY = Opt(
    ("--read-only",),
    "g_read_only",
    T(
        "只读：按原样打开 SQLite 副本（如光盘或只读共享上的），不写任何文件",
        "only read: open a SQLite copy as it is (e.g. on a CD or a read-only share), writing nothing",
    ),
)
GLOBAL_OPTS = (DB, AS, LANG, DEFINITION, READ_ONLY)


# ---------------------------------------------------------------- shared pieces

JSON = Opt(("--json",), "as_json", T("以 JSON 输出", "print JSON"))
TOWNSHIP = Arg(
    "township",
    "TOWNSHIP",
    T(
        "乡镇：名称、编号，或重名时写作 区/名称",
        "the township: its name, its id, or district/name when names repeat",
    ),
)
ON = Opt(
    ("--on",),
    "on",
    T(
        "发生日期 YYYY-MM-DD（默认：今天；不能晚于今天，早于今天即为补记）",
        "the day it happened, YYYY-MM-DD (default: today; never later than today; an earlier day is a backdated entry)",
    ),
    metavar="DATE",
)
NOTE = Opt(
    ("--note",), "note", T("备注，记入审计日志", "a note, kept in the audit log"), metavar="TEXT", default=""
)
EXPECT_VERSION = Opt(
    ("--expect-version",),
    "expect_version",
    T(
        "仅当乡镇版本号仍为 N（你看到的版本）时才执行；他人已先改动时不做更改，退出码 5",
        "only if the township's version is still N (the one you looked at); if someone changed it first, "
        "nothing is changed and the exit code is 5",
    ),
    metavar="N",
    type="int",
)
USER = Arg("name", "NAME", T("用户名", "the user's name"))
PASSWORD_STDIN = Opt(
    ("--password-stdin",),
    "password_stdin",
    T(
        "从标准输入读取密码（一行；首次登录的新用户：设置码、新密码两行），供脚本使用",
        "read the password from standard input (one line; a new user's first sign-in: the set-up code, "
        "then the new password), for scripts",
    ),
)
TOWNSHIPS = Opt(
    ("--township",),
    "township",
    T("乡镇（可写多次）", "a township (give it once per township)"),
    metavar="TOWNSHIP",
    many=True,
)
FILE_OUT = T("要写入的文件，- 表示标准输出", "the file to write, - for standard output")
ROLES_HINT = T(
    "角色：coordinator、reviewer、auditor 或 admin（见下文）",
    "the role: coordinator, reviewer, auditor or admin (see below)",
)


def _cmd(run: str, name: str, summary: Text, **kw: object) -> Command:
    """A command run by ``workflow.cli.<run>`` (``module:function``)."""
    return Command(name=name, summary=summary, run=f"workflow.cli.{run}", **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- set-up and sign-in

INIT = _cmd(
    "setup:init",
    "init",
    T(
        "创建数据库及首位管理员（密码输入两次）",
        "create the database with its first admin (password asked twice)",
    ),
    opts=(
        Opt(
            ("--admin",),
            "admin",
            T(
                "首位管理员的用户名（默认：--as，否则本机登录名）",
                "the first admin's name (default: --as, else your login name here)",
            ),
            metavar="NAME",
        ),
        Opt(
            ("--password-stdin",),
            "password_stdin",
            T(
                "从标准输入读取管理员密码（一行），供脚本使用",
                "read the admin's password from standard input (one line), for scripts",
            ),
        ),
    ),
    description=T(
        "创建数据库及首位管理员，密码需输入两次。已初始化的数据库不做任何更改（也不升级结构）。"
        "加 --definition 时，该文件的文本记录为新建区的默认流程定义。",
        "Create the database with its first admin, whose password is asked twice. A database that is "
        "already initialised is left unchanged (and never upgraded). With --definition FILE, that text is "
        "recorded as the definition new districts get.",
    ),
    examples=(
        (
            T("以「管理员」为首位管理员创建数据库", "create the database with 管理员 as its first admin"),
            "workflow init --admin 管理员",
        ),
        (
            T(
                "在指定的 SQLite 文件中创建，密码来自标准输入",
                "in a given SQLite file, the password from standard input",
            ),
            "workflow --db ./换届.db init --admin 管理员 --password-stdin < password.txt",
        ),
    ),
)

LOGIN = _cmd(
    "users:login",
    "login",
    T("登录；会话保存在本机配置目录", "sign in; the session is kept in your config directory"),
    args=(
        Arg(
            "name",
            "NAME",
            T("用户名（默认：--as，否则提示输入）", "the user's name (default: --as, else asked)"),
            nargs="?",
        ),
    ),
    opts=(
        PASSWORD_STDIN,
        Opt(
            ("--hours",),
            "hours",
            T(
                "会话时长（小时，大于 0、不超过 744）",
                "the session's length in hours (more than 0, at most 744)",
            ),
            metavar="H",
            type="float",
            default=12.0,
        ),
        Opt(
            ("--demo",),
            "demo",
            T(
                "仅限演示数据库：以该演示用户免密码登录",
                "demo databases only: sign in as this demo user without a password",
            ),
        ),
    ),
    description=T(
        "登录：输入密码；首次登录时先输入管理员给你的一次性设置码，再设置密码。会话保存在本机配置目录，"
        "之后的命令以你的身份执行。",
        "Sign in with your password; the first time, with the one-time set-up code an admin gave you, then "
        "choose a password. The session is kept in your config directory, and the commands that follow act "
        "as you.",
    ),
    examples=(
        (T("登录（提示输入密码）", "sign in (the password is asked)"), "workflow login 管理员"),
        (T("登录 8 小时", "sign in for 8 hours"), "workflow login 李审核 --hours 8"),
        (
            T("在演示数据库上免密码登录", "on a demo database, without a password"),
            "workflow login 王审计 --demo",
        ),
    ),
)

LOGOUT = _cmd(
    "users:logout",
    "logout",
    T("结束本机对此数据库的会话", "end this machine's session for the database"),
    examples=((T("退出登录", "sign out"), "workflow logout"),),
)

WHOAMI = _cmd(
    "users:whoami",
    "whoami",
    T("当前登录用户：角色、负责的乡镇、会话有效期", "who is signed in: role, townships and session expiry"),
    opts=(JSON,),
    examples=((T("查看当前登录用户", "who am I"), "workflow whoami"),),
)

USER_GROUP = Group(
    "user",
    T("用户管理（管理员）与修改自己的密码", "users (admins), and your own password"),
    (
        _cmd(
            "users:user_add",
            "add",
            T(
                "添加用户并显示其一次性设置码（管理员）",
                "add a user with a role; prints their one-time set-up code (admins)",
            ),
            args=(USER,),
            opts=(
                Opt(("--role",), "role", ROLES_HINT, metavar="ROLE", required=True),
                replace(
                    TOWNSHIPS,
                    help=T(
                        "分配给该用户的乡镇（可写多次；协调员只能操作分配给自己的乡镇）",
                        "a township assigned to the user (once per township; coordinators act only on theirs)",
                    ),
                ),
            ),
            description=T(
                "添加用户并显示其一次性设置码（只显示这一次）：交给该用户，由其运行 workflow login 设置密码。",
                "Add a user with a role and print their one-time set-up code (shown only now): give it to the "
                "user, who runs 'workflow login' to choose a password.",
            ),
            examples=(
                (
                    T("添加负责两个乡镇的协调员", "add a coordinator of two townships"),
                    "workflow user add 陈协调 --role coordinator --township 东湖镇 --township 西湖镇",
                ),
                (T("添加审计员", "add an auditor"), "workflow user add 王审计 --role auditor"),
            ),
            sections=("roles",),
        ),
        _cmd(
            "users:user_list",
            "list",
            T(
                "列出所有用户：角色、乡镇、是否停用、上次登录（管理员）",
                "every user: role, townships, disabled, last sign-in (admins)",
            ),
            opts=(JSON,),
            examples=((T("以 JSON 列出用户", "the users as JSON"), "workflow user list --json"),),
        ),
        _cmd(
            "users:user_set_role",
            "set-role",
            T("修改用户的角色（管理员）", "change a user's role (admins)"),
            args=(USER, Arg("role", "ROLE", ROLES_HINT)),
            examples=(
                (T("把陈协调改为审核人", "make 陈协调 a reviewer"), "workflow user set-role 陈协调 reviewer"),
            ),
            sections=("roles",),
        ),
        _cmd(
            "users:user_assign",
            "assign",
            T("为用户分配乡镇（管理员）", "assign townships to a user (admins)"),
            args=(USER,),
            opts=(
                replace(
                    TOWNSHIPS,
                    required=True,
                    help=T("要分配的乡镇（可写多次）", "a township to assign (once per township)"),
                ),
            ),
            examples=(
                (T("分配一个乡镇", "assign one township"), "workflow user assign 陈协调 --township 南山乡"),
            ),
        ),
        _cmd(
            "users:user_unassign",
            "unassign",
            T("取消用户的乡镇分配（管理员）", "take townships from a user (admins)"),
            args=(USER,),
            opts=(
                replace(
                    TOWNSHIPS,
                    required=True,
                    help=T("要取消的乡镇（可写多次）", "a township to take away (once per township)"),
                ),
            ),
            examples=(
                (
                    T("取消一个乡镇", "take one township away"),
                    "workflow user unassign 陈协调 --township 南山乡",
                ),
            ),
        ),
        _cmd(
            "users:user_disable",
            "disable",
            T("停用用户，其会话立即结束（管理员）", "disable a user; their sessions end at once (admins)"),
            args=(USER,),
            examples=((T("停用用户", "disable a user"), "workflow user disable 陈协调"),),
        ),
        _cmd(
            "users:user_enable",
            "enable",
            T("重新启用已停用的用户（管理员）", "enable a disabled user again (admins)"),
            args=(USER,),
            examples=((T("启用用户", "enable a user"), "workflow user enable 陈协调"),),
        ),
        _cmd(
            "users:user_reset",
            "reset",
            T(
                "清除用户的密码与会话，显示新的设置码（管理员）",
                "clear a user's password and sessions; prints a new set-up code (admins)",
            ),
            args=(USER,),
            examples=((T("用户忘记了密码", "a user forgot their password"), "workflow user reset 陈协调"),),
        ),
        _cmd(
            "users:user_passwd",
            "passwd",
            T(
                "修改自己的密码（先输入原密码，再输入新密码两次）",
                "change your own password (the old one, then the new one twice)",
            ),
            opts=(
                Opt(
                    ("--password-stdin",),
                    "password_stdin",
                    T(
                        "从标准输入读取原密码和新密码（两行）",
                        "read the old and the new password from standard input (two lines)",
                    ),
                ),
            ),
            examples=((T("修改密码", "change your password"), "workflow user passwd"),),
        ),
    ),
    examples=(
        (
            T("添加协调员", "add a coordinator"),
            "workflow user add 陈协调 --role coordinator --township 东湖镇",
        ),
        (T("某条命令的帮助", "help on one command"), "workflow user add --help"),
    ),
)


# ---------------------------------------------------------------- districts, townships, definitions

DISTRICT_GROUP = Group(
    "district",
    T("区", "districts"),
    (
        _cmd(
            "setup:district_add",
            "add",
            T("添加区（管理员）", "add a district (admins)"),
            args=(Arg("name", "NAME", T("区名", "the district's name")),),
            opts=(
                replace(
                    DEFINITION,
                    help=T(
                        "本区的流程定义文件（默认：数据库的默认定义）；其文本连同 SHA-256 记录在本区",
                        "this district's own process definition file (default: the database's default "
                        "definition); its text is recorded with the district, with its SHA-256",
                    ),
                ),
            ),
            examples=(
                (T("添加区", "add a district"), "workflow district add 某区"),
                (
                    T("添加使用自己流程定义的区", "a district with its own definition"),
                    "workflow district add 演示区 --definition 演示区.toml",
                ),
            ),
        ),
        _cmd(
            "setup:district_list",
            "list",
            T("列出所有区", "list the districts"),
            opts=(JSON,),
            examples=((T("列出区", "list the districts"), "workflow district list"),),
        ),
        _cmd(
            "anchors:district_set_definition",
            "set-definition",
            T(
                "更换区的流程定义（管理员）；事件列出每项变化的参数",
                "change a district's process definition (admins); the event names every changed parameter",
            ),
            args=(
                Arg("name", "NAME", T("区名", "the district's name")),
                Arg(
                    "file",
                    "FILE",
                    T("新的流程定义 TOML 文件", "the new process definition TOML file"),
                    type="path",
                ),
            ),
            description=T(
                "更换区的流程定义（管理员）：文件文本连同 SHA-256 记入一个审计事件，事件列出每项变化的参数（旧值与新值）。",
                "Change a district's process definition (admins): the file's text is recorded with its SHA-256 "
                "in one audited event naming every changed parameter (old and new value).",
            ),
            examples=(
                (
                    T("更换流程定义", "change the definition"),
                    "workflow district set-definition 某区 新定义.toml",
                ),
            ),
        ),
    ),
    examples=((T("添加区", "add a district"), "workflow district add 某区"),),
)

TOWNSHIP_GROUP = Group(
    "township",
    T("乡镇", "townships"),
    (
        _cmd(
            "setup:township_add",
            "add",
            T(
                "在区中添加乡镇（管理员）；从第一阶段开始",
                "add a township to a district (admins); it starts at the first stage",
            ),
            args=(Arg("name", "NAME", T("乡镇名", "the township's name")),),
            opts=(
                Opt(
                    ("--district",),
                    "district",
                    T("所属的区", "the district it belongs to"),
                    metavar="DISTRICT",
                    required=True,
                ),
                Opt(
                    ("--since",),
                    "since",
                    T(
                        "工作开始的日期 YYYY-MM-DD；之前日期的记录将被拒绝",
                        "the day the work began, YYYY-MM-DD; a record dated before it is refused",
                    ),
                    metavar="DATE",
                ),
            ),
            examples=(
                (T("添加乡镇", "add a township"), "workflow township add 东湖镇 --district 某区"),
                (
                    T("写明开始日期", "with the day the work began"),
                    "workflow township add 西湖镇 --district 某区 --since 2021-04-01",
                ),
            ),
        ),
        _cmd(
            "setup:township_list",
            "list",
            T("列出乡镇及其所处阶段", "list the townships with their stage"),
            opts=(
                Opt(
                    ("--district",),
                    "district",
                    T("只列出该区的乡镇", "only this district's townships"),
                    metavar="DISTRICT",
                ),
                JSON,
            ),
            examples=(
                (T("列出某区的乡镇", "one district's townships"), "workflow township list --district 某区"),
            ),
        ),
    ),
    examples=((T("添加乡镇", "add a township"), "workflow township add 东湖镇 --district 某区"),),
)

DEFINITION_GROUP = Group(
    "definition",
    T("流程定义文件", "process definition files"),
    (
        _cmd(
            "anchors:definition_check",
            "check",
            T(
                "检查流程定义文件并显示摘要（不做更改）",
                "validate a process definition file and print a summary (changes nothing)",
            ),
            args=(
                Arg("file", "FILE", T("流程定义 TOML 文件", "the process definition TOML file"), type="path"),
            ),
            examples=((T("检查文件", "check a file"), "workflow definition check 新定义.toml"),),
        ),
    ),
    examples=((T("检查文件", "check a file"), "workflow definition check 新定义.toml"),),
)


# ---------------------------------------------------------------- reading a township

STATUS = _cmd(
    "reads:status",
    "status",
    T(
        "乡镇的当前阶段、下一阶段，以及出口关口的每项检查",
        "a township's stage, next stage, and each check of its exit gate",
    ),
    args=(TOWNSHIP,),
    opts=(JSON,),
    description=T(
        "乡镇的当前阶段、下一阶段，出口关口的每项检查（实际值与要求值）、豁免和未处理的违纪举报。",
        "A township's stage, next stage, each check of its exit gate (actual and required), its waivers and "
        "its open violation reports.",
    ),
    examples=(
        (T("查看乡镇状态", "a township's status"), "workflow status 东湖镇"),
        (
            T("英文 JSON，指定数据库", "as JSON, in English, on a given database"),
            "workflow status 东湖镇 --json --lang en --db ./换届.db",
        ),
    ),
)

HISTORY = _cmd(
    "reads:history",
    "history",
    T(
        "乡镇的全部事件（从早到晚）及审计链校验结果",
        "every event of a township, oldest first, and whether its chain verifies",
    ),
    args=(TOWNSHIP,),
    opts=(JSON,),
    description=T(
        "乡镇的全部事件，从早到晚，标出退回、豁免与补记；最后校验其审计链（校验失败时退出码 6）。",
        "Every event of a township, oldest first, with returns, waivers and backdated entries marked; then "
        "whether its audit chain verifies (exit code 6 when it does not).",
    ),
    examples=((T("查看乡镇历史", "a township's history"), "workflow history 东湖镇"),),
)

DIAGRAM = _cmd(
    "reads:diagram",
    "diagram",
    T("以 Mermaid stateDiagram-v2 输出流程图", "print the process as a Mermaid stateDiagram-v2"),
    description=T(
        "以 Mermaid stateDiagram-v2 输出流程（默认流程定义，或 --definition 指定的文件）。",
        "Print the process (the default definition, or the --definition file) as a Mermaid stateDiagram-v2.",
    ),
    examples=(
        (T("输出流程图", "print the diagram"), "workflow diagram > 流程.mmd"),
        (
            T("某个定义文件的流程图", "the diagram of a definition file"),
            "workflow diagram --definition 新定义.toml",
        ),
    ),
)


# ---------------------------------------------------------------- changing a township

RECORD = _cmd(
    "steps:record",
    "record",
    T("记录（或更正）当前或之后阶段的一项事实", "record (or correct) a fact of the current or a later stage"),
    args=(
        TOWNSHIP,
        Arg("fact", "FACT", T("要记录的事实（见下文）", "the fact to record (see below)")),
        Arg(
            "values",
            "FIELD=VALUE",
            T("事实的字段，每项写作 字段=值（见下文）", "the fact's fields, each as field=value (see below)"),
            nargs="*",
        ),
    ),
    opts=(ON, NOTE, EXPECT_VERSION),
    description=T(
        "记录（或更正）乡镇当前或之后阶段的一项事实，字段写作 字段=值。再次记录同一事实即为更正，旧值保留在审计日志中。",
        "Record (or correct) a fact of the township's current or a later stage, its fields as field=value. "
        "Recording a fact again corrects it; the old values stay in the audit log.",
    ),
    examples=(
        (
            T("记录工作报告初稿", "record the draft work report"),
            "workflow record 东湖镇 draft title=工作报告 date=2021-04-12",
        ),
        (
            T("记录对下征求意见，写明发生日期", "record the consultation below, dated the day it happened"),
            "workflow record 东湖镇 consultation forms_issued=120 suggestions=35 meeting_date=2021-04-20 --on 2021-04-20",
        ),
    ),
    sections=("facts",),
)

ADVANCE = _cmd(
    "steps:advance",
    "advance",
    T(
        "出口关口通过时，乡镇进入下一阶段；或按区与阶段批量前进",
        "step a township to its next stage when its exit gate holds; or in bulk",
    ),
    args=(
        Arg(
            "township",
            "TOWNSHIP",
            TOWNSHIP.help + T("（批量前进时不写）", " (not with --district)"),
            nargs="?",
        ),
    ),
    opts=(
        Opt(
            ("--to",),
            "to",
            T(
                "你要进入的阶段编号（只能是下一阶段，否则退出码 3；见下文）",
                "the stage you mean to step to (only the next one; any other is refused with exit code 3; see below)",
            ),
            metavar="STAGE",
        ),
        ON,
        NOTE,
        EXPECT_VERSION,
        Opt(
            ("--district",),
            "district",
            T(
                "批量：前进该区中处于 --stage 阶段、关口通过的每个乡镇",
                "bulk: advance every township of this district at --stage whose gate holds",
            ),
            metavar="DISTRICT",
        ),
        Opt(
            ("--stage",),
            "stage",
            T("批量：乡镇所处的阶段编号（见下文）", "bulk: the stage the townships are at (see below)"),
            metavar="STAGE",
        ),
        Opt(
            ("--dry-run",),
            "dry_run",
            T(
                "批量：只列出可前进与受阻的乡镇，不做更改",
                "bulk: only list which townships would advance and which are blocked; change nothing",
            ),
        ),
    ),
    description=T(
        "出口关口的每项检查都通过（或已豁免）且没有未处理的违纪举报时，乡镇进入下一阶段；否则不做更改，"
        "逐项列出未通过的检查（实际值与要求值），退出码 3。加 --district 与 --stage 时批量前进该区处于该阶段的"
        "每个乡镇，各自一个事务、一个事件；未前进的乡镇列出原因（有未前进的乡镇时退出码 3）。",
        "Step a township to its next stage when every check of its exit gate holds (or is waived) and no "
        "violation report is open; otherwise nothing changes and each failing check is listed with actual "
        "and required (exit code 3). With --district and --stage, every township of the district at that "
        "stage is advanced, each in its own transaction with its own event; the others are listed with their "
        "reasons (exit code 3 if any was not advanced).",
    ),
    examples=(
        (T("前进到下一阶段", "step to the next stage"), "workflow advance 东湖镇"),
        (
            T(
                "写明日期与阶段，并防止并发改动",
                "with the day, the stage, and a guard against concurrent changes",
            ),
            "workflow advance 东湖镇 --to lower_consultation --on 2021-04-13 --expect-version 2",
        ),
        (
            T("批量：先看哪些可以前进", "bulk: first see which would advance"),
            "workflow advance --district 某区 --stage talks --dry-run",
        ),
    ),
    sections=("stages",),
)

RETURN = _cmd(
    "steps:return_cmd",
    "return",
    T(
        "把乡镇退回到之前的阶段（审核人、管理员）",
        "send a township back to an earlier stage (reviewers and admins)",
    ),
    args=(TOWNSHIP,),
    opts=(
        Opt(
            ("--to",),
            "to",
            T("退回到的阶段编号（见下文）", "the earlier stage to go back to (see below)"),
            metavar="STAGE",
            required=True,
        ),
        Opt(
            ("--reason",),
            "reason",
            T("退回理由，记入审计日志", "why, kept in the audit log"),
            metavar="TEXT",
            required=True,
        ),
        ON,
        EXPECT_VERSION,
    ),
    description=T(
        "把乡镇退回到之前的阶段（审核人、管理员）：区委退回工作报告时从对上审查退回起草工作报告，或回退到任一更早的阶段。",
        "Send a township back to an earlier stage (reviewers and admins): the allowed return (upper review "
        "to draft report, when the district returned the report), or a revert to any earlier stage.",
    ),
    examples=(
        (
            T("区委退回了工作报告", "the district returned the work report"),
            "workflow return 东湖镇 --to draft_report --reason 区委退回修改",
        ),
    ),
    sections=("stages",),
)

WAIVE = _cmd(
    "steps:waive",
    "waive",
    T(
        "让某个乡镇的一项检查视为通过（审核人、管理员）",
        "let one check of one township pass (reviewers and admins)",
    ),
    args=(TOWNSHIP, Arg("check", "CHECK", T("检查编号（见下文）", "the check's id (see below)"))),
    opts=(
        Opt(
            ("--reason",),
            "reason",
            T("豁免理由，记入审计日志", "why, kept in the audit log"),
            metavar="TEXT",
            required=True,
        ),
    ),
    examples=(
        (
            T("经区委书面同意豁免", "waived with the district's written consent"),
            "workflow waive 东湖镇 draft_recorded --reason 区委书面同意",
        ),
    ),
    sections=("checks",),
)

VIOLATION_GROUP = Group(
    "violation",
    T("违纪举报；未处理的举报阻止前进", "violation reports; an open one blocks every forward step"),
    (
        _cmd(
            "steps:violation_open",
            "open",
            T(
                "登记违纪举报；处理前乡镇不能前进",
                "record a violation report; it blocks every forward step until resolved",
            ),
            args=(TOWNSHIP,),
            opts=(
                Opt(("--note",), "note", T("举报内容", "what was reported"), metavar="TEXT", required=True),
            ),
            examples=((T("登记举报", "open a report"), "workflow violation open 东湖镇 --note 拉票举报"),),
        ),
        _cmd(
            "steps:violation_resolve",
            "resolve",
            T("处理违纪举报（审核人、管理员）", "resolve a violation report (reviewers and admins)"),
            args=(
                Arg(
                    "violation_id",
                    "ID",
                    T("举报编号（见 violation list）", "the report's number (see violation list)"),
                    type="int",
                ),
            ),
            opts=(
                Opt(("--note",), "note", T("处理结果", "how it was resolved"), metavar="TEXT", required=True),
            ),
            examples=(
                (T("处理 1 号举报", "resolve report 1"), "workflow violation resolve 1 --note 经查不实"),
            ),
        ),
        _cmd(
            "steps:violation_list",
            "list",
            T("列出违纪举报", "list violation reports"),
            args=(
                Arg(
                    "township", "TOWNSHIP", T("只列出该乡镇的举报", "only this township's reports"), nargs="?"
                ),
            ),
            opts=(JSON,),
            examples=((T("列出全部举报", "every report"), "workflow violation list"),),
        ),
    ),
    examples=((T("登记举报", "open a report"), "workflow violation open 东湖镇 --note 拉票举报"),),
)

IMPORT = _cmd(
    "steps:import_cmd",
    "import",
    T(
        "导入名册（CSV 或 XLSX），全部成功或全不导入；或写出模板",
        "import a roster (CSV or XLSX), all or nothing; or write a template",
    ),
    args=(
        Arg("township", "TOWNSHIP", TOWNSHIP.help, nargs="?"),
        Arg("kind", "KIND", T("名册类型（见下文）", "the roster's kind (see below)"), nargs="?"),
        Arg(
            "file",
            "FILE",
            T("CSV 或 XLSX 文件，首行为表头", "the CSV or XLSX file, with a header row"),
            nargs="?",
            type="path",
        ),
    ),
    opts=(
        Opt(
            ("--replace",),
            "replace",
            T(
                "替换该乡镇已有的这类名册（否则已有名册时拒绝）",
                "replace the township's roster of this kind (else an existing one is refused)",
            ),
        ),
        Opt(
            ("--template",),
            "template",
            T(
                "不导入，只写出该名册类型的表头模板 CSV（见下文）",
                "import nothing: write a header-only CSV template of this kind (see below)",
            ),
            metavar="KIND",
        ),
        Opt(
            ("-o", "--output"),
            "output",
            T(
                "模板写入的文件，- 表示标准输出（默认：KIND.csv）",
                "where the template goes, - for standard output (default: KIND.csv)",
            ),
            metavar="PATH",
        ),
    ),
    description=T(
        "从 CSV 或 XLSX 导入乡镇的名册：每一行都检查通过才导入，否则逐行列出问题，不做更改；或用 --template 写出表头模板。",
        "Import a township's roster from CSV or XLSX: every row is checked, and either all are imported or "
        "nothing is, with each problem listed by row; or write a header-only template with --template.",
    ),
    examples=(
        (
            T("写出党代表候选人名册模板", "write the delegate candidates template"),
            "workflow import --template delegates -o 候选人.csv",
        ),
        (T("导入名册", "import a roster"), "workflow import 东湖镇 delegates 候选人.xlsx"),
        (
            T("替换已导入的名册", "replace a roster imported before"),
            "workflow import 东湖镇 delegates 候选人.csv --replace",
        ),
    ),
    sections=("rosters",),
)

ROSTER = _cmd(
    "steps:roster",
    "roster",
    T("列出乡镇某一类名册", "list a township's roster of one kind"),
    args=(TOWNSHIP, Arg("kind", "KIND", T("名册类型（见下文）", "the roster's kind (see below)"))),
    opts=(JSON,),
    examples=((T("列出党代表候选人", "the delegate candidates"), "workflow roster 东湖镇 delegates"),),
    sections=("rosters",),
)


# ---------------------------------------------------------------- reports, exports, audit

REPORT = _cmd(
    "audit:report",
    "report",
    T("根据记录计算的区报告", "the district report, computed from the records"),
    opts=(Opt(("--district",), "district", T("只报告该区", "only this district"), metavar="DISTRICT"), JSON),
    examples=((T("某区的报告", "one district's report"), "workflow report --district 某区"),),
)

_EXPORT_LANG = replace(
    LANG, help=T("表头与名称的语言：zh 或 en", "the language of headers and names: zh or en")
)

EXPORT_GROUP = Group(
    "export",
    T("导出时间线和审计记录", "export timelines and history"),
    (
        _cmd(
            "export:timeline",
            "timeline",
            T(
                "每个乡镇经过的每个阶段一行：进入、离开、天数、期限、标记",
                "one row per township and stage visited: entered, left, days, deadline, flags",
            ),
            opts=(
                Opt(
                    ("-f", "--format"),
                    "fmt",
                    T("格式（见下文）", "the format (see below)"),
                    metavar="FORMAT",
                    required=True,
                ),
                Opt(("-o", "--output"), "output", FILE_OUT, metavar="PATH", required=True),
                Opt(("--district",), "district", T("只导出该区", "only this district"), metavar="DISTRICT"),
                replace(
                    TOWNSHIPS,
                    help=T("只导出这些乡镇（可写多次）", "only these townships (once per township)"),
                ),
                Opt(
                    ("--from",),
                    "date_from",
                    T(
                        "只导出该日期及之后的阶段 YYYY-MM-DD",
                        "only spans touching this day or later, YYYY-MM-DD",
                    ),
                    metavar="DATE",
                ),
                Opt(
                    ("--to",),
                    "date_to",
                    T(
                        "只导出该日期及之前的阶段 YYYY-MM-DD",
                        "only spans touching this day or earlier, YYYY-MM-DD",
                    ),
                    metavar="DATE",
                ),
                _EXPORT_LANG,
            ),
            description=T(
                "每个乡镇经过的每个阶段一行：进入、离开、天数、期限与逾期天数、退回、豁免与补记标记。导出从不更改数据库，文件完整写完才出现。",
                "One row per township and stage visited: entered, left, days, deadline and overdue days, and flags "
                "for returns, waived checks and backdated events. An export never changes the database, and a "
                "file appears only when complete.",
            ),
            examples=(
                (
                    T("导出某区的 Excel 时间线", "one district as an Excel workbook"),
                    "workflow export timeline -f xlsx -o 某区.xlsx --district 某区",
                ),
                (
                    T(
                        "两个乡镇某日之后的 JSON，写到标准输出",
                        "two townships since a day, as JSON on standard output",
                    ),
                    "workflow export timeline -f json -o - --township 东湖镇 --township 西湖镇 --from 2021-05-01",
                ),
            ),
            sections=("formats",),
        ),
        _cmd(
            "export:history",
            "history",
            T(
                "乡镇的原始审计事件（从早到晚）及其哈希",
                "a township's raw audit events, oldest first, with their hashes",
            ),
            args=(TOWNSHIP,),
            opts=(
                Opt(
                    ("-f", "--format"),
                    "fmt",
                    T("格式：csv 或 json", "the format: csv or json"),
                    metavar="FORMAT",
                    default="csv",
                ),
                Opt(("-o", "--output"), "output", FILE_OUT, metavar="PATH", default="-"),
                replace(LANG, help=T("表头的语言：zh 或 en", "the language of the headers: zh or en")),
            ),
            examples=(
                (
                    T("导出为 JSON 文件", "as a JSON file"),
                    "workflow export history 东湖镇 -f json -o 东湖镇.json",
                ),
            ),
        ),
    ),
    examples=(
        (
            T("导出某区的时间线", "one district's timeline"),
            "workflow export timeline -f csv -o 某区.csv --district 某区",
        ),
    ),
)

AUDIT_GROUP = Group(
    "audit",
    T("校验审计日志；签名密钥与检查点", "verify the audit log; signing keys and checkpoints"),
    (
        _cmd(
            "audit:audit_verify",
            "verify",
            T(
                "校验哈希链、重放日志核对数据、核对本机见证状态与签名检查点",
                "check the hash chains, replay the log against the tables, check this machine's witness and a checkpoint",
            ),
            opts=(
                Opt(("--township",), "township", T("只校验该乡镇", "only this township"), metavar="TOWNSHIP"),
                JSON,
                Opt(
                    ("--checkpoint",),
                    "checkpoint",
                    T(
                        "证明每条链仍延续该签名检查点文件",
                        "prove every chain still extends this signed checkpoint file",
                    ),
                    metavar="FILE",
                    type="path",
                ),
                Opt(
                    ("--trust",),
                    "trust",
                    T(
                        "信任的公钥、指纹或公钥文件（可写多次）",
                        "a trusted public key, fingerprint or key file (repeatable)",
                    ),
                    metavar="KEY",
                    many=True,
                ),
            ),
            description=T(
                "校验每条哈希链，重放日志逐字段核对每张表，核对本机的见证状态；加 --checkpoint 时证明每条链仍延续该签名检查点。"
                "有问题时逐项列出，退出码 6。",
                "Check every hash chain, replay the log against every table, check this machine's witness state "
                "and, with --checkpoint, that every chain still extends a signed checkpoint; exit code 6 naming "
                "each difference.",
            ),
            examples=(
                (T("校验整个数据库", "verify the whole database"), "workflow audit verify"),
                (
                    T("对照检查点校验，信任某把公钥", "against a checkpoint, trusting one key"),
                    "workflow audit verify --checkpoint 2021-06.ckpt --trust 审计公钥.pub",
                ),
            ),
        ),
        _cmd(
            "evidence:audit_bundle",
            "bundle",
            T(
                "制作审计包：事件、文件、流程定义、签名检查点、时间线与说明（审计员、管理员）",
                "write an audit bundle: events, documents, definitions, a signed checkpoint, the timeline and a "
                "README (auditors and admins)",
            ),
            opts=(
                Opt(
                    ("-o", "--out"),
                    "out",
                    T("审计包文件（.zip）", "the bundle file (.zip)"),
                    metavar="FILE",
                    type="path",
                    required=True,
                ),
                Opt(
                    ("--district",),
                    "district",
                    T("该区的全部乡镇（可写多次）", "every township of this district (repeatable)"),
                    metavar="DISTRICT",
                    many=True,
                ),
                TOWNSHIPS,
                Opt(
                    ("--checkpoint",),
                    "checkpoint",
                    T(
                        "放入包中的签名检查点文件（默认：本机有密钥时新签一个）",
                        "a signed checkpoint file to put in the bundle (default: a new one, when you have a key "
                        "on this machine)",
                    ),
                    metavar="FILE",
                    type="path",
                ),
            ),
            description=T(
                "为所选乡镇写出审计包：规范 JSON 格式的全部事件、全部文件、区的流程定义文本、最新签名检查点、"
                "时间线（HTML 与 CSV）及中英文说明。用 audit verify-bundle 可在没有数据库的机器上核验。",
                "Write an audit bundle for the chosen townships: every event (canonical JSON), every document, the "
                "districts' process definition texts, the latest signed checkpoint, the timeline (HTML and CSV) and "
                "a README in Chinese and English. audit verify-bundle checks it on a machine with no database.",
            ),
            examples=(
                (
                    T("一个区的审计包", "a district's bundle"),
                    "workflow audit bundle --district 某区 -o 某区.zip",
                ),
                (
                    T("一个乡镇的审计包", "one township's bundle"),
                    "workflow audit bundle --township 东湖镇 -o 东湖镇.zip",
                ),
            ),
        ),
        _cmd(
            "evidence:audit_verify_bundle",
            "verify-bundle",
            T(
                "不用数据库核验审计包：哈希链、重放、文件、流程定义、检查点签名",
                "check an audit bundle with no database: chains, replay, documents, definitions, the checkpoint's "
                "signature",
            ),
            args=(Arg("file", "FILE", T("审计包文件（.zip）", "the bundle file (.zip)"), type="path"),),
            opts=(
                Opt(
                    ("--trust",),
                    "trust",
                    T(
                        "信任的公钥、指纹或公钥文件（可写多次）",
                        "a trusted public key, fingerprint or key file (repeatable)",
                    ),
                    metavar="KEY",
                    many=True,
                ),
                JSON,
            ),
            description=T(
                "不需要数据库或配置：核对每条链、用同一套 apply 重放各乡镇状态、核对每个文件的哈希与流程定义，"
                "并用 --trust 给出的公钥核对检查点签名。有问题时逐项列出，退出码 6。",
                "Needs no database and no configuration: checks every chain, replays each township's state with "
                "the same apply, checks every document's hash and the definitions, and the checkpoint's signature "
                "against the keys given with --trust; exit code 6 naming each problem.",
            ),
            examples=(
                (
                    T("核验审计包，信任某把公钥", "check a bundle, trusting one key"),
                    "workflow audit verify-bundle 某区.zip --trust sha256:…",
                ),
            ),
        ),
        Group(
            "key",
            T("审计员的签名密钥", "auditors' signing keys"),
            (
                _cmd(
                    "anchors:audit_key_create",
                    "create",
                    T(
                        "生成你的 Ed25519 签名密钥（审计员、管理员）",
                        "make your Ed25519 signing key (auditors and admins)",
                    ),
                    description=T(
                        "生成你的 Ed25519 签名密钥（审计员、管理员）：私钥留在你的配置目录（权限 0600），公钥记录在系统链上。",
                        "Make your Ed25519 signing key (auditors and admins): the private key stays in your config "
                        "directory (mode 0600); the public key is recorded on the system chain.",
                    ),
                    examples=((T("生成密钥", "make a key"), "workflow audit key create"),),
                ),
            ),
            examples=((T("生成密钥", "make a key"), "workflow audit key create"),),
        ),
        _cmd(
            "anchors:audit_checkpoint",
            "checkpoint",
            T(
                "写出签名检查点：每条链的序号与头哈希（审计员、管理员）",
                "write a signed checkpoint of every chain's head (auditors and admins)",
            ),
            opts=(
                Opt(
                    ("-o", "--output"),
                    "output",
                    T("要写入的检查点文件", "the checkpoint file to write"),
                    metavar="FILE",
                    type="path",
                    required=True,
                ),
            ),
            description=T(
                "写出签名检查点：每条链的序号与头哈希、其上的根哈希、数据库编号、时间和你的公钥（审计员、管理员）。",
                "Write a signed checkpoint: every chain's seq and head hash, a root hash over them, the database "
                "id, the time and your public key (auditors and admins).",
            ),
            examples=((T("写出检查点", "write a checkpoint"), "workflow audit checkpoint -o 2021-06.ckpt"),),
        ),
    ),
    examples=((T("校验审计日志", "verify the audit log"), "workflow audit verify"),),
)


# ---------------------------------------------------------------- the user interfaces and the database

TUI = _cmd(
    "tui:tui",
    "tui",
    T(
        "终端界面；没有会话时先显示登录界面",
        "the terminal UI; without a session it opens on the sign-in screen",
    ),
    opts=(
        Opt(
            ("--demo",),
            "demo",
            T(
                "打开演示数据库（首次使用时生成，位于用户数据目录的 demo.db），以演示管理员身份免密码登录",
                "open the demo database (built on first use, demo.db in your user data directory), signed in as "
                "its admin without a password",
            ),
        ),
        replace(
            DB,
            help=T(
                "数据库：SQLAlchemy URL 或 SQLite 文件路径", "the database: a SQLAlchemy URL or a SQLite file"
            ),
        ),
        Opt(
            ("--user",),
            "user",
            T("仅限演示数据库：以该演示用户登录", "demo databases only: sign in as this demo user"),
            metavar="NAME",
        ),
        LANG,
        Opt(("--browser",), "browser", T("", ""), hidden=True),
    ),
    examples=(
        (T("打开演示数据库", "open the demo database"), "workflow tui --demo"),
        (
            T("以演示协调员身份，英文界面", "as a demo coordinator, in English"),
            "workflow tui --demo --user 陈协调 --lang en",
        ),
        (T("打开指定的数据库", "open a given database"), "workflow tui --db ./换届.db"),
    ),
)

SERVE = _cmd(
    "tui:serve",
    "serve",
    T(
        "在浏览器中提供同样的界面（textual-serve），默认只在本机",
        "the same UI in a browser (textual-serve), on loopback by default",
    ),
    opts=(
        Opt(
            ("--host",),
            "host",
            T("监听的地址", "the address to listen on"),
            metavar="HOST",
            default="127.0.0.1",
        ),
        Opt(
            ("--port",),
            "port",
            T("监听的端口", "the port to listen on"),
            metavar="PORT",
            type="int",
            default=8000,
        ),
        Opt(("--demo",), "demo", T("提供演示数据库", "serve the demo database")),
        Opt(
            ("--allow-remote",),
            "allow_remote",
            T(
                "允许非本机地址的 --host（必须置于 TLS 反向代理之后）",
                "allow a non-loopback --host (only behind a TLS reverse proxy)",
            ),
        ),
    ),
    description=T(
        "在浏览器中提供同样的界面（textual-serve），默认只在本机地址上；每个连接各自登录。",
        "The same UI in a browser (textual-serve), on loopback by default; every connection signs in on its own.",
    ),
    examples=(
        (T("在本机 8000 端口提供界面", "serve on this machine, port 8000"), "workflow serve"),
        (
            T("提供演示数据库，换一个端口", "the demo database, on another port"),
            "workflow serve --demo --port 8080",
        ),
    ),
)

DEMO = _cmd(
    "audit:demo",
    "demo",
    T(
        "向数据库填入演示区（生成的记录；重复运行不会重复添加）",
        "fill the database with the demo districts (generated records; running it twice adds nothing)",
    ),
    examples=(
        (T("在新数据库中生成演示数据", "demo data in a new database"), "workflow --db ./演示.db demo"),
    ),
)

DB_GROUP = Group(
    "db",
    T("数据库结构与 PostgreSQL 应用角色", "the database schema and the PostgreSQL application role"),
    (
        _cmd(
            "audit:db_upgrade",
            "upgrade",
            T("把旧数据库升级到当前结构（管理员）", "bring an older database to the current schema (admins)"),
            examples=((T("升级数据库结构", "upgrade the schema"), "workflow db upgrade"),),
        ),
        _cmd(
            "anchors:db_app_role",
            "app-role",
            T(
                "创建最小权限的 PostgreSQL 应用角色（管理员）",
                "create a least-privilege PostgreSQL role for the application (admins)",
            ),
            args=(Arg("name", "NAME", T("角色名", "the role's name")),),
            opts=(
                Opt(("--print",), "print_only", T("只打印 SQL，不执行", "only print the SQL; run nothing")),
            ),
            description=T(
                "创建最小权限的 PostgreSQL 应用角色（管理员）：可读取和追加审计事件，不能修改、删除或清空。",
                "Create a least-privilege PostgreSQL role for the application (admins): it may read and append "
                "audit events but never update, delete or truncate them.",
            ),
            examples=(
                (T("先看要执行的 SQL", "see the SQL first"), "workflow db app-role workflow_app --print"),
            ),
        ),
    ),
    examples=((T("升级数据库结构", "upgrade the schema"), "workflow db upgrade"),),
)

BACKUP = _cmd(
    "audit:backup",
    "backup",
    T(
        "在使用中复制 SQLite 数据库（管理员、审计员）",
        "copy the SQLite database while it is in use (admins and auditors)",
    ),
    args=(Arg("path", "PATH", T("备份文件", "the backup file to write"), type="path"),),
    examples=((T("备份", "make a backup"), "workflow backup 备份/2021-06-30.db"),),
)

RESTORE = _cmd(
    "audit:restore",
    "restore",
    T(
        "用检查过的备份替换 SQLite 数据库（管理员）",
        "put a checked backup in place of the SQLite database (admins)",
    ),
    args=(
        Arg(
            "backup_file",
            "BACKUP",
            T("workflow backup 生成的文件", "a file made by workflow backup"),
            type="path",
        ),
    ),
    opts=(
        Opt(
            ("--to",),
            "to",
            T("恢复到此 SQLite 文件，而不是 --db", "restore to this SQLite file instead of --db"),
            metavar="PATH",
            type="path",
        ),
    ),
    description=T(
        "用检查过的备份替换 SQLite 数据库（管理员）。会话按备份检查（同一数据库的副本，编号与会话相同），因此损坏的数据库也能恢复。",
        "Put a checked backup in place of the SQLite database (admins). The session is checked against the "
        "backup (a copy of the same database, with the same id and sessions), so that a damaged database can "
        "be restored.",
    ),
    examples=((T("从备份恢复", "restore from a backup"), "workflow restore 备份/2021-06-30.db"),),
)


ATTACH = _cmd(
    "evidence:attach",
    "attach",
    T(
        "为某项事实附加文件（PDF、JPEG、PNG、DOCX、XLSX、DOC/WPS、XLS/ET）",
        "attach a document (PDF, JPEG, PNG, DOCX, XLSX, DOC/WPS, XLS/ET) to a fact",
    ),
    args=(
        TOWNSHIP,
        Arg("fact", "FACT", T("事实（见下文）", "the fact (see below)")),
        Arg("file", "FILE", T("要附加的文件", "the file to attach"), type="path"),
    ),
    opts=(
        replace(NOTE, help=T("文件说明，记入审计日志", "a note on the document, kept in the audit log")),
        Opt(
            ("--supersedes",),
            "supersedes",
            T(
                "本文件更正的附件（编号或 sha256 的前 8 位以上）；原附件保留",
                "the attachment this one corrects (its id, or 8 or more digits of its sha256); the old one is kept",
            ),
            metavar="ID|HASH",
        ),
    ),
    description=T(
        "把文件附加到乡镇的一项事实（协调员、审核人、管理员）。文件按内容识别类型、按 SHA-256 存放，附加事件记入乡镇的哈希链；"
        "附加从不替换：更正的扫描件是一份新附件，注明它替代哪一份。",
        "Attach a file to one of a township's facts (its coordinator, reviewers and admins). The file's type is "
        "read from its content and it is stored by its SHA-256; the attach event goes on the township's chain. "
        "Attaching never replaces: a corrected scan is a new attachment that names the one it supersedes.",
    ),
    examples=(
        (
            T("附加区委批复", "attach the district committee's approval"),
            "workflow attach 东湖镇 review 批复.pdf",
        ),
        (
            T("更正扫描件", "a corrected scan"),
            "workflow attach 东湖镇 publicity 公示照片.jpg --supersedes 3 --note 重新拍摄",
        ),
    ),
    sections=("facts",),
)
EVIDENCE = _cmd(
    "evidence:evidence",
    "evidence",
    T(
        "列出乡镇各事实的文件；或用 evidence get HASH -o PATH 取出一个文件",
        "list a township's documents by fact; or write one out with evidence get HASH -o PATH",
    ),
    args=(
        Arg(
            "township",
            "TOWNSHIP|get",
            T("乡镇；或 get，取出一个文件", "the township; or get, to write one document out"),
        ),
        Arg(
            "document",
            "HASH",
            T("与 get 连用：文件的 sha256 或附件编号", "with get: the document's sha256 or attachment id"),
            nargs="?",
        ),
    ),
    opts=(
        Opt(
            ("-o", "--out"),
            "out",
            T(
                "与 get 连用：写入的文件（不会覆盖已有文件）",
                "with get: the file to write (never overwritten)",
            ),
            metavar="PATH",
            type="path",
        ),
        JSON,
    ),
    description=T(
        "列出乡镇每项事实的文件（名称、大小、类型、附加人、时间、哈希）及尚缺的文件。"
        "evidence get 写出一个文件并核对其哈希（审计员、管理员，或该乡镇的协调员）。",
        "List each fact's documents of a township (name, size, type, who, when, hash) and the ones still needed. "
        "evidence get writes one document out, checking its hash (auditors and admins, or the township's own "
        "coordinator).",
    ),
    examples=(
        (T("列出文件", "list the documents"), "workflow evidence 东湖镇"),
        (T("取出一个文件", "write one out"), "workflow evidence get 3f5a9c0e -o 批复.pdf"),
    ),
)

COMMANDS: tuple[Command | Group, ...] = (
    INIT,
    LOGIN,
    LOGOUT,
    WHOAMI,
    USER_GROUP,
    DISTRICT_GROUP,
    TOWNSHIP_GROUP,
    STATUS,
    HISTORY,
    RECORD,
    ADVANCE,
    RETURN,
    WAIVE,
    VIOLATION_GROUP,
    IMPORT,
    ROSTER,
    ATTACH,
    EVIDENCE,
    REPORT,
    EXPORT_GROUP,
    AUDIT_GROUP,
    TUI,
    SERVE,
    DEMO,
    DIAGRAM,
    DEFINITION_GROUP,
    DB_GROUP,
    BACKUP,
    RESTORE,
)

ROOT_DESCRIPTION = T(
    "乡镇党委换届流程跟踪：每个乡镇依次经过八个阶段，出口关口通过才能前进；每次更改都写入哈希链审计日志。",
    "Township Party committee re-election tracker: every township moves through eight stages and leaves "
    "one only when its exit gate holds; every change is written to a hash-chained audit log.",
)

ROOT_EXAMPLES: tuple[Example, ...] = (
    (
        T("创建数据库并登录", "create the database and sign in"),
        "workflow init --admin 管理员 && workflow login 管理员",
    ),
    (
        T(
            "查看乡镇状态（全局选项可写在命令之后）",
            "a township's status (global options may follow the command)",
        ),
        "workflow status 东湖镇 --lang en",
    ),
    (T("某条命令的帮助", "help on one command"), "workflow advance --help"),
)

ROOT_NOTE = T(
    "帮助与输出的语言：--lang，否则环境变量 WORKFLOW_LANG，否则系统区域设置（zh_* 为中文，其余为英文）。"
    "退出码：0 完成，2 输入或用法有误，3 被关口阻止或顺序不对，4 无权限或未登录，5 冲突，6 审计校验失败，7 数据库不可用。",
    "Help and output follow --lang, else WORKFLOW_LANG, else the locale (Chinese for zh_*, else English). "
    "Exit codes: 0 done, 2 bad input or usage, 3 blocked by a gate or out of order, 4 not permitted or not "
    "signed in, 5 conflict, 6 audit verification failed, 7 database unavailable.",
)


def walk(
    entries: tuple[Command | Group, ...] = COMMANDS, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Command | Group]]:
    """Every group and command with its path of names (``("user", "add")``)."""
    out: list[tuple[tuple[str, ...], Command | Group]] = []
    for e in entries:
        path = (*prefix, e.name)
        out.append((path, e))
        if isinstance(e, Group):
            out.extend(walk(e.commands, path))
    return out
