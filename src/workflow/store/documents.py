"""The documents store: every attached file kept once, named by its SHA-256.

- **SQLite**: a folder beside the database file, ``<database>.documents/ab/cdef…`` (the
  first two hex digits a sub-folder, so that no folder holds more than a few thousand
  files). A file is copied into a temporary file inside the store while it is hashed,
  flushed to disk (``fsync``), and renamed to its hash's name (an atomic rename on one
  file system), so a crash leaves either the whole file or none. The copy is kept
  before the attach event's transaction commits: a transaction that then fails
  leaves a file no event names, which is harmless (it is only ever found by its hash,
  and the same content attached later reuses it). A folder, not blobs in the SQLite
  file: the database stays small and fast to back up and verify, and a scan can be
  opened with any viewer straight from the store.
- **PostgreSQL**: the ``documentblob`` table (bytea, in parts of 4 MiB), written in the
  attach event's own transaction, so the document and its event are committed
  together, and ``pg_dump`` carries the documents with the log. Blobs, not large
  objects: a large object is not removed with its rows, needs its own privileges,
  and ``pg_dump`` handles it separately.

Only a well-formed SHA-256 (64 lowercase hex digits) ever names a file here; a display
name never does, so nothing is written outside the store."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from workflow.domain.documents import is_sha256, too_large
from workflow.errors import BadInput
from workflow.i18n import tr
from workflow.store.sql import Raw

CHUNK = 1024 * 1024
"""Bytes read, hashed and written at a time."""
PART = 4 * 1024 * 1024
"""The size of a document's part on PostgreSQL (fewer round trips than CHUNK; a part
is read whole when a document is written out)."""
SUFFIX = ".documents"
INCOMING = ".incoming-"


@dataclass(frozen=True, slots=True)
class Staged:
    """A file copied into a private temporary file while hashed."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Found:
    """What the store holds under a hash: nothing, or content of this hash and size."""

    present: bool
    sha256: str = ""
    size: int = 0


class DocumentStore(Protocol):
    """Where documents live (a folder for SQLite, a table for PostgreSQL)."""

    where: str
    """How a message names the store."""

    def stage(self, source: Path, limit: int, shown: str) -> Staged:
        """Copy ``source`` aside while hashing it (at most ``limit`` bytes)."""

    def keep(self, staged: Staged, db: Raw) -> None:
        """Put a staged file in the store under its hash (in ``db``'s transaction for
        a table)."""

    def discard(self, staged: Staged) -> None:
        """Remove what :meth:`stage` left, if anything is left."""

    def chunks(self, sha256: str, db: Raw) -> Iterator[bytes] | None:
        """The document's bytes in order, or None when the store has none."""

    def examine(self, sha256: str, db: Raw) -> Found:
        """Re-hash what the store holds under ``sha256``."""


def _copy_hashing(source: Path, target_fd: int, limit: int, shown: str, durable: bool) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as src, os.fdopen(target_fd, "wb", closefd=True) as out:
            while block := src.read(CHUNK):
                size += len(block)
                if size > limit:
                    raise too_large(shown, size, limit)
                digest.update(block)
                out.write(block)
            out.flush()
            if durable:  # the copy that is kept (not a spool on the way to a table)
                os.fsync(out.fileno())
    except IsADirectoryError as e:
        raise BadInput(tr("{f} 是文件夹，不是文件", "{f} is a folder, not a file", f=shown)) from e
    except FileNotFoundError as e:
        raise BadInput(tr("文件不存在：{f}", "no such file: {f}", f=shown)) from e
    except PermissionError as e:
        raise BadInput(tr("无权读取 {f}", "no permission to read {f}", f=shown)) from e
    return digest.hexdigest(), size


def _stage_into(folder: Path, source: Path, limit: int, shown: str, durable: bool = True) -> Staged:
    if not source.is_file():
        if source.exists():
            raise BadInput(tr("{f} 不是普通文件", "{f} is not a regular file", f=shown))
        raise BadInput(tr("文件不存在：{f}", "no such file: {f}", f=shown))
    size = source.stat().st_size
    if size > limit:
        raise too_large(shown, size, limit)
    fd, name = tempfile.mkstemp(prefix=INCOMING, dir=folder)
    try:
        sha, size = _copy_hashing(source, fd, limit, shown, durable)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Staged(Path(name), sha, size)


def _hash_stream(blocks: Iterator[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for block in blocks:
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


class FolderStore:
    """Documents as files beside a SQLite database (see the module doc)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(sha256)  # never a path from anything but a hash
        return self.root / sha256[:2] / sha256[2:]

    def stage(self, source: Path, limit: int, shown: str) -> Staged:
        try:
            self.root.mkdir(mode=0o750, exist_ok=True)
        except OSError as e:
            raise BadInput(
                tr(
                    "无法建立文件库 {p}：{e}",
                    "cannot create the documents store {p}: {e}",
                    p=self.root,
                    e=e.strerror or e,
                )
            ) from e
        return _stage_into(self.root, source, limit, shown)

    def keep(self, staged: Staged, db: Raw | None = None) -> None:
        target = self.path_of(staged.sha256)
        target.parent.mkdir(mode=0o750, exist_ok=True)
        os.replace(staged.path, target)  # the same content, or a damaged copy made whole
        _sync_folder(target.parent)

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)

    def chunks(self, sha256: str, db: Raw) -> Iterator[bytes] | None:
        path = self.path_of(sha256)
        if not path.is_file():
            return None

        def read() -> Iterator[bytes]:
            with path.open("rb") as f:
                while block := f.read(CHUNK):
                    yield block

        return read()

    def examine(self, sha256: str, db: Raw) -> Found:
        blocks = self.chunks(sha256, db)
        if blocks is None:
            return Found(False)
        try:
            return Found(True, *_hash_stream(blocks))
        except OSError:
            return Found(False)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class TableStore:
    """Documents as rows of ``documentblob`` on PostgreSQL (see the module doc)."""

    where = "documentblob"

    def stage(self, source: Path, limit: int, shown: str) -> Staged:
        return _stage_into(Path(tempfile.gettempdir()), source, limit, shown, durable=False)

    def keep(self, staged: Staged, db: Raw) -> None:
        if db.one("SELECT 1 FROM documentblob WHERE sha256 = :sha AND part = 0", {"sha": staged.sha256}):
            return
        digest = hashlib.sha256()
        with staged.path.open("rb") as f:
            part = 0
            while True:
                block = f.read(PART)
                if not block and part:
                    break
                digest.update(block)
                db.run(
                    "INSERT INTO documentblob (sha256, part, data) VALUES (:sha, :part, :data) "
                    "ON CONFLICT DO NOTHING",
                    {"sha": staged.sha256, "part": part, "data": block},
                )
                part += 1
                if not block:
                    break
        if digest.hexdigest() != staged.sha256:  # the staged copy changed under us
            raise BadInput(tr("暂存的文件在写入时被改动", "the staged file changed while it was stored"))

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)

    def chunks(self, sha256: str, db: Raw) -> Iterator[bytes] | None:
        if not is_sha256(sha256):
            return None
        if db.one("SELECT 1 FROM documentblob WHERE sha256 = :sha AND part = 0", {"sha": sha256}) is None:
            return None

        def read() -> Iterator[bytes]:
            for (data,) in db.stream(
                "SELECT data FROM documentblob WHERE sha256 = :sha ORDER BY part", {"sha": sha256}, size=8
            ):
                yield bytes(data)

        return read()

    def examine(self, sha256: str, db: Raw) -> Found:
        blocks = self.chunks(sha256, db)
        if blocks is None:
            return Found(False)
        return Found(True, *_hash_stream(blocks))


def store_for(db: Raw) -> DocumentStore | None:
    """The documents store of the database ``db`` is connected to; None for a SQLite
    database in memory (it has no folder to keep documents beside)."""
    if not db.sqlite:
        return TableStore()
    for _seq, name, file in db.all("PRAGMA database_list", {}):
        if name == "main":
            return FolderStore(Path(str(file) + SUFFIX)) if file else None
    return None


def folder_of(database: str | Path) -> Path:
    """The documents folder beside a SQLite database file."""
    return Path(str(database) + SUFFIX)


def copy_documents(source_db: str | Path, target_db: str | Path) -> int:
    """Copy the documents beside the SQLite database ``source_db`` to the folder beside
    ``target_db`` (a backup, or a restore): every hash-named file the target lacks, or
    holds with another size, through a temporary file and a rename. Files are only
    added or made whole, never removed (content-addressed: a file no event names is
    harmless). The number of files copied."""
    source, target = folder_of(source_db), folder_of(target_db)
    if not source.is_dir():
        return 0
    store = FolderStore(target)
    copied = 0
    for sub in sorted(source.iterdir()):
        if not (sub.is_dir() and len(sub.name) == 2):
            continue
        for file in sorted(sub.iterdir()):
            sha = sub.name + file.name
            if not (is_sha256(sha) and file.is_file()):
                continue
            dest = store.path_of(sha)
            if dest.is_file() and dest.stat().st_size == file.stat().st_size:
                continue
            target.mkdir(mode=0o750, exist_ok=True)
            staged = _stage_into(target, file, file.stat().st_size, str(file))
            try:
                store.keep(staged)
            finally:
                store.discard(staged)
            copied += 1
    return copied
