"""Set-up commands: init, districts, townships, users, the demo, schema upgrade and backup."""

from __future__ import annotations

from workflow.cli.options import OPTS, emit_json, say, stage_name
from workflow.i18n import tr


def init(admin: str | None, password_stdin: bool) -> None:
    """Create the database with its first admin, whose password is asked twice."""
    from workflow.app.auth import check_new_password, hash_secret
    from workflow.app.service import Service
    from workflow.cli.options import default_user
    from workflow.cli.users import read_new_password
    from workflow.domain.definition import default_definition
    from workflow.store.db import check_schema, is_initialised

    name = (admin or OPTS.login_name or default_user()).strip()
    if is_initialised(OPTS.engine()):
        check_schema(OPTS.engine())  # an older schema is refused: init never migrates
        say(tr("数据库已初始化，未做更改", "database already initialised; nothing changed"))
        return
    password = check_new_password(read_new_password(password_stdin, OPTS.lang))
    svc = Service(OPTS.engine(), name, default_definition())
    if svc.init(hash_secret(password)):
        say(
            tr(
                "已初始化数据库，管理员：{u}；请登录：workflow login {u}",
                "database initialised; admin: {u}; sign in: workflow login {u}",
                u=name,
            )
        )
        if OPTS.definition:
            rec = svc.set_default_definition(OPTS.definition)
            say(
                tr(
                    "新区默认流程定义：sha256 {h}",
                    "default definition for new districts: sha256 {h}",
                    h=rec.sha256,
                )
            )
    else:
        say(tr("数据库已初始化，未做更改", "database already initialised; nothing changed"))


def district_add(name: str) -> None:
    """Add a district (on ``--definition``, given before or after the command)."""
    own = OPTS.definition
    d = OPTS.service().add_district(name, str(own) if own else None)
    say(tr("已添加区「{d}」", "district '{d}' added", d=d.name))


def district_list(as_json: bool) -> None:
    """List districts."""
    rows = OPTS.service(reading=True).districts()
    if as_json:
        emit_json([{"id": d.id, "name": d.name, "definition": d.definition_path} for d in rows])
        return
    for d in rows:
        say(f"{d.id}\t{d.name}")


def township_add(name: str, district: str, since: str | None) -> None:
    """Add a township to a district; it starts at the first stage."""
    t = OPTS.service().add_township(name, district, since)
    say(tr("已添加乡镇「{t}」（{d}）", "township '{t}' added to {d}", t=t.name, d=district))


def township_list(district: str | None, as_json: bool) -> None:
    """List townships with their stage."""
    rows = OPTS.service(reading=True).townships(district)
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
