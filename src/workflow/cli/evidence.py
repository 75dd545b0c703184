"""Evidence and the audit bundle: ``attach``, ``evidence`` (list, and ``evidence get``),
``audit bundle`` and ``audit verify-bundle``. A thin front end: the work is in
:mod:`workflow.app.evidence`, :mod:`workflow.app.bundle` and (no database)
:mod:`workflow.ledger.bundle`."""

from __future__ import annotations

from pathlib import Path

from workflow.errors import AuditFailure, BadInput
from workflow.i18n import tr


def attach(township: str, fact: str, file: Path, note: str = "", supersedes: str | None = None) -> None:
    """Attach a document to a fact (see the command table for its help)."""
    from workflow.cli.options import OPTS, say
    from workflow.domain.documents import label, size_text

    r = OPTS.service().attach(township, fact, file, note=note, supersedes=supersedes)
    a = r.attachment
    say(
        tr(
            "已附加到「{t}」的 {f}：#{i} {n}（{k}，{s}）sha256 {h}",
            "attached to {f} of '{t}': #{i} {n} ({k}, {s}) sha256 {h}",
            t=r.step.township,
            f=a.fact,
            i=a.id,
            n=a.name,
            k=label(a.media_type),
            s=size_text(a.size),
            h=a.sha256,
        )
    )
    if a.supersedes is not None:
        say(tr("替代附件 #{i}", "supersedes attachment #{i}", i=a.supersedes))


def evidence(
    township: str, document: str | None = None, out: Path | None = None, as_json: bool = False
) -> None:
    """A township's documents by fact, or (``evidence get HASH -o PATH``) write one out."""
    from workflow.cli.options import OPTS, emit_json, say

    if township == "get":
        if document is None or out is None:
            raise BadInput(
                tr("用法：workflow evidence get HASH -o PATH", "usage: workflow evidence get HASH -o PATH")
            )
        a = OPTS.service(reading=True).get_document(document, out)
        say(
            tr(
                "已写出 {n}（sha256 {h}，已核对）到 {p}",
                "wrote {n} (sha256 {h}, checked) to {p}",
                n=a.name,
                h=a.sha256,
                p=out,
            )
        )
        return
    if document is not None:
        raise BadInput(tr("多余的参数「{v}」", "unexpected argument '{v}'", v=document))
    from workflow.app.evidence import shown_when
    from workflow.domain.documents import label, size_text
    from workflow.domain.text import visible

    listing = OPTS.service(reading=True).evidence(township)
    if as_json:
        emit_json(
            {
                "township": listing.township,
                "district": listing.district,
                "required": list(listing.required),
                "documents": [a.as_dict() for a in listing.attachments],
            }
        )
        return
    d = listing.definition
    for fact in listing.facts():
        spec = d.facts.get(fact)
        title = spec.label()(OPTS.lang) if spec else fact
        need = fact in listing.required
        rows = listing.of(fact)
        mark = ""
        if need and not rows:
            mark = tr(
                "  （需要：{d}，尚未附加）",
                "  (needed: {d}; none attached)",
                d=d.document_labels()[fact](OPTS.lang),
            )(OPTS.lang)
        say(f"{title} [{fact}]{mark}")
        for a in rows:
            later = (
                tr("  已被 #{i} 替代", "  superseded by #{i}", i=a.superseded_by)(OPTS.lang)
                if a.superseded_by
                else ""
            )
            say(
                f"  #{a.id} {visible(a.name)}  {size_text(a.size)}  {label(a.media_type)}  {a.actor}  "
                f"{shown_when(a.recorded_at)}  {a.sha256}{later}"
            )
            if a.note:
                say(f"      {visible(a.note)}")


def audit_bundle(
    out: Path,
    district: list[str] | None = None,
    township: list[str] | None = None,
    checkpoint: Path | None = None,
) -> None:
    """Write an audit bundle: events, documents, definition, checkpoint, timeline, README
    (auditors and admins)."""
    from workflow.app.bundle import make_bundle
    from workflow.cli.options import OPTS, say
    from workflow.domain.documents import size_text

    s = make_bundle(
        OPTS.service(reading=True),
        out,
        districts=district or [],
        townships=township or [],
        checkpoint=checkpoint,
        lang=OPTS.lang,
    )
    say(
        tr(
            "已写出审计包 {p}（{b}）：{n}个乡镇，{e}个事件，{d}个文件",
            "audit bundle written to {p} ({b}): {n} townships, {e} events, {d} documents",
            p=s.path,
            b=size_text(s.bytes),
            n=len(s.townships),
            e=s.events,
            d=s.documents,
        )
    )
    say(s.checkpoint)


def audit_verify_bundle(file: Path, trust: list[str] | None = None, as_json: bool = False) -> None:
    """Check an audit bundle with no database and no configuration: chains, replay,
    documents, definition, checkpoint; exit 6 naming what is wrong."""
    from workflow.cli.options import emit_json, say
    from workflow.ledger.bundle import verify_bundle

    report = verify_bundle(file, trust or [])
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "townships": report.townships,
                "chains": report.chains,
                "events": report.events,
                "documents": report.documents,
                "checkpoint": report.checkpoint.as_dict() if report.checkpoint else None,
                "problems": [p.as_dict() for p in report.problems],
            }
        )
    else:
        for p in report.problems:
            say(p)
    if not report.ok:
        raise AuditFailure(
            tr(
                "审计包未通过核验：{n}处问题",
                "the audit bundle failed verification: {n} problem(s)",
                n=len(report.problems),
            )
        )
    if as_json:
        return
    say(
        tr(
            "审计包完好：{t}个乡镇，{c}条链，{e}个事件，{d}个文件，重放所得状态一致",
            "audit bundle intact: {t} townships, {c} chains, {e} events, {d} documents; the replayed states agree",
            t=len(report.townships),
            c=report.chains,
            e=report.events,
            d=report.documents,
        )
    )
    say(
        report.checkpoint
        or tr(
            "包中没有签名检查点：只证明了包内自洽",
            "no signed checkpoint in the bundle: it proves only that it is consistent in itself",
        )
    )
