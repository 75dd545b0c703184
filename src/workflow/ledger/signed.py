"""A signed checkpoint read without any database: its canonical encoding, its root
hash, its signer's fingerprint, the keys given with ``--trust``, and the check of its
signature (Ed25519, the ``cryptography`` library). ``audit verify --checkpoint`` (with
the database) and ``audit verify-bundle`` (without one) both use these."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workflow.errors import AuditFailure, BadInput
from workflow.i18n import tr

FORMAT = "workflow-checkpoint/1"


def canonical(value: Any) -> bytes:
    """The one encoding that is hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fingerprint(public_b64: str) -> str:
    return "sha256:" + hashlib.sha256(base64.b64decode(public_b64)).hexdigest()


def root_of(chains: Sequence[Sequence[Any]]) -> str:
    """SHA-256 over the canonical encoding of the sorted (chain, seq, head) triples."""
    return hashlib.sha256(canonical(sorted([str(c), int(s), str(h)] for c, s, h in chains))).hexdigest()


def trusted_fingerprints(values: Iterable[str]) -> set[str]:
    """``--trust`` values: a base64 public key, a ``sha256:`` fingerprint, or a file
    holding either."""
    out: set[str] = set()
    for raw_value in values:
        value = raw_value.strip()
        if not value.startswith("sha256:") and Path(value).is_file():
            value = Path(value).read_text(encoding="utf-8").strip()
        if re.fullmatch(r"sha256:[0-9a-f]{64}", value):
            out.add(value)
            continue
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise BadInput(
                tr(
                    "--trust「{v}」应为 Ed25519 公钥（base64）、sha256: 指纹或含其一的文件",
                    "--trust '{v}' must be an Ed25519 public key (base64), a sha256: fingerprint or a file holding one",
                    v=raw_value,
                )
            )
        out.add(fingerprint(value))
    return out


def well_formed(data: object) -> bool:
    """``data`` has a checkpoint's shape (format, chains, signer, signature, root)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return False
    return all(
        isinstance(data.get(name), kind)
        for name, kind in (("chains", list), ("signer", dict), ("signature", str), ("root", str))
    )


def check_signature(data: dict[str, Any], where: object) -> tuple[str, list[tuple[str, int, str]]]:
    """The signer's fingerprint and the checkpoint's chains, once its signature (by the
    key it names) and its root hash check out; :class:`AuditFailure` naming ``where``
    otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = str(data["signer"].get("public_key", ""))
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public, validate=True))
        signature = base64.b64decode(str(data["signature"]), validate=True)
    except (ValueError, binascii.Error) as e:
        raise AuditFailure(
            tr(
                "{p}：签名者公钥或签名无法解析",
                "{p}: the signer's public key or the signature cannot be read",
                p=where,
            )
        ) from e
    body = {k: v for k, v in data.items() if k != "signature"}
    try:
        key.verify(signature, canonical(body))
    except InvalidSignature:
        raise AuditFailure(
            tr(
                "{p}：签名无效：检查点在签署后被修改，或不是由所示密钥签署",
                "{p}: bad signature: the checkpoint was changed after signing, or not signed by the key it names",
                p=where,
            )
        ) from None
    try:
        chains = [(str(c), int(s), str(h)) for c, s, h in data["chains"]]
    except (TypeError, ValueError) as e:
        raise AuditFailure(
            tr("{p}：所列的链无法解析", "{p}: the chains listed cannot be read", p=where)
        ) from e
    if root_of(chains) != data["root"]:
        raise AuditFailure(
            tr("{p}：根哈希与所列的链不符", "{p}: the root hash does not match the chains listed", p=where)
        )
    return fingerprint(public), chains


def untrusted(where: object, fp: str) -> AuditFailure:
    return AuditFailure(
        tr(
            "{p}：签名密钥 {f} 不在 --trust 所列的受信任密钥中",
            "{p}: signed by key {f}, which is not among the keys given with --trust",
            p=where,
            f=fp,
        )
    )
