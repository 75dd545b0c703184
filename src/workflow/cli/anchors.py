"""Commands that anchor the record: recorded definitions (``district set-definition``,
``definition check``), the PostgreSQL application role (``db app-role``), and the
auditor's keys and checkpoints (``audit key create``, ``audit checkpoint``, and what
``audit verify --checkpoint`` adds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow.errors import AuditFailure
from workflow.i18n import Text, tr

if TYPE_CHECKING:
    from pathlib import Path


def say(text: Text | str) -> None:
    from workflow.cli.options import say as cli_say

    cli_say(text)


# ---------------------------------------------------------------- definitions


def district_set_definition(name: str, file: Path) -> None:
    """Change a district's process definition (admins): the file's text is recorded
    with its SHA-256 in one audited event naming every changed parameter."""
    from workflow.app.definitions import dump_changes
    from workflow.cli.options import OPTS

    changed = OPTS.service().set_district_definition(name, file)
    if not changed:
        say(
            tr(
                "区「{d}」已在使用该定义，未做更改",
                "district '{d}' already runs on that definition; nothing changed",
                d=name,
            )
        )
        return
    say(
        tr(
            "已为区「{d}」记录新的流程定义：{n}项参数变化",
            "new definition recorded for district '{d}': {n} parameter(s) changed",
            d=name,
            n=len(changed),
        )
    )
    for line in dump_changes(changed):
        say(line)


def definition_check(file: Path) -> None:
    """Validate a definition file and print a summary (changes nothing)."""
    from workflow.app.definitions import from_file, summary

    rec = from_file(file)
    for line in summary(rec.definition, rec.sha256):
        say(line)


# ---------------------------------------------------------------- the application role


def db_app_role(name: str, print_only: bool) -> None:
    """Create a least-privilege PostgreSQL role for the application (admins): it may
    read and append audit events but never update, delete or truncate them."""
    from workflow.cli.options import OPTS
    from workflow.store import app_role
    from workflow.store.db import read_session

    svc = OPTS.service()
    svc.ensure_schema()
    with read_session(svc.engine) as session:
        svc._require(svc.actor(session), "admin")
    if print_only:
        for stmt in app_role.statements(svc.engine, name):
            print(stmt + ";")
        return
    app_role.create(svc.engine, name)
    say(
        tr(
            "已创建角色 {n}：可读取和追加审计事件，不能修改、删除或清空；请为它设置密码（ALTER ROLE {n} PASSWORD ...）",
            "role {n} created: it may read and append audit events, never update, delete or truncate them; "
            "set its password (ALTER ROLE {n} PASSWORD ...)",
            n=name,
        )
    )


# ---------------------------------------------------------------- keys and checkpoints


def audit_key_create() -> None:
    """Make your Ed25519 signing key (auditors and admins): the private key stays in
    your config directory (mode 0600); the public key is recorded on the system chain."""
    from workflow.app.checkpoints import create_key
    from workflow.cli.options import OPTS

    info = create_key(OPTS.service())
    if info.new_file:
        say(tr("已生成签名密钥：{p}", "signing key created: {p}", p=info.path))
    else:
        say(tr("使用本机已有的签名密钥：{p}", "using this machine's signing key: {p}", p=info.path))
    say(tr("公钥：{k}", "public key: {k}", k=info.public_key))
    say(tr("指纹：{f}", "fingerprint: {f}", f=info.fingerprint))
    if info.newly_recorded:
        say(tr("公钥已记录在系统链上", "public key recorded on the system chain"))
    else:
        say(
            tr(
                "公钥早已记录在系统链上，未做更改",
                "public key already recorded on the system chain; nothing changed",
            )
        )


def audit_checkpoint(output: Path) -> None:
    """Write a signed checkpoint: every chain's seq and head hash, a root hash over
    them, the database id, the time and your public key (auditors and admins)."""
    from workflow.app import checkpoints as checkpoint
    from workflow.cli.options import OPTS

    body = checkpoint.make(OPTS.service())
    checkpoint.write(body, output)
    say(
        tr(
            "已写出检查点 {p}：{n}条链，根哈希 {r}",
            "checkpoint written to {p}: {n} chains, root {r}",
            p=output,
            n=len(body["chains"]),
            r=body["root"],
        )
    )


def verify_anchors(svc: object, checkpoint_file: Path | None, trust: list[str]) -> list[Text]:
    """What ``audit verify`` adds: this machine's witness state, and a checkpoint if
    given (whose bad signature or untrusted key raises at once)."""
    from workflow.app import checkpoints as checkpoint
    from workflow.app.service import Service
    from workflow.ledger import witness
    from workflow.store import sql as hotpath

    assert isinstance(svc, Service)
    problems: list[Text] = []
    if svc.witness is not None:
        problems += witness.check_all(svc.witness, lambda: hotpath.read(svc.engine))
    if checkpoint_file is not None:
        report = checkpoint.verify(svc, checkpoint_file, trust)
        r, b = report, report.trusted_by
        say(
            Text(
                f"检查点 {checkpoint_file}（{r.created_at}，{r.signer}签署，信任依据：{b.zh}）：{r.chains}条链",
                f"checkpoint {checkpoint_file} ({r.created_at}, signed by {r.signer}, trusted as {b.en}): "
                f"{r.chains} chains",
            )
        )
        problems += report.problems
        if not report.problems:
            say(tr("每条链仍延续该检查点", "every chain still extends the checkpoint"))
    return problems


def fail(problems: list[Text]) -> None:
    for p in problems:
        say(p)
    raise AuditFailure(
        tr("审计日志校验失败：{n}处问题", "audit log verification failed: {n} problem(s)", n=len(problems))
    )
