"""Find, read and describe the documents in the seeds folder.

A document is a `.txt` or `.md` file; its facts (title, author, publisher, url, published,
notes) live beside it in `NAME.meta.toml`. Files are read as bytes and decoded here once,
so every later character offset points into exactly the text this module returns.

The corpus stays inside its folder: a symbolic link that resolves outside it is skipped
with a warning (unless the admin allows it), and so is a file over the size limit, which is
never read past that limit.

Each document also gets a fingerprint (size and modification time of it and of its metadata
file), taken without reading anything: given what the previous index recorded, `discover`
reads only the documents whose fingerprint moved, so a re-index of an unchanged corpus costs
a `stat` per file instead of reading, hashing and parsing every one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from store.ingest.encoding import decode_bytes, has_text_bom
from store.types import parse_period

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".txt", ".md")
# What `kz-brief import` turns into documents; met in the seeds folder, the indexer says so.
IMPORTED_SUFFIXES = (".html", ".htm", ".xhtml", ".pdf", ".docx")
META_SUFFIX = ".meta.toml"
META_FIELDS = (
    "title", "author", "publisher", "url", "published", "notes", "date_basis", "sources",
)  # fmt: skip
# `date_basis = "text"`: the importer found the date only in the document's visible text.
DATE_BASES = ("metadata", "text")
# Web captures are tens of kilobytes: a document over this is skipped, never read whole.
DEFAULT_MAX_BYTES = 10_000_000
# A metadata file holds a few short fields.
MAX_META_BYTES = 100_000
# A file modified this shortly before it was read may be written again with the same size
# and the same timestamp (file clocks tick in milliseconds, FAT's in 2 s), so the fingerprint
# taken then is not trusted: the document is simply read and hashed again next time.
SETTLE_NS = 2_000_000_000


class Fingerprint(NamedTuple):
    """Size and mtime (ns) of a document and of its metadata file (None: no such file).

    Stored in the manifest as a JSON list: equal fingerprints mean neither file was written
    since the recorded content hash was computed.
    """

    size: int
    mtime_ns: int
    meta_size: int | None
    meta_mtime_ns: int | None

    @classmethod
    def from_json(cls, value: object) -> Fingerprint | None:
        """The fingerprint a manifest recorded; None if absent (older manifests) or malformed."""
        if not isinstance(value, list) or len(value) != len(cls._fields):
            return None
        if not all(item is None or type(item) is int for item in value):
            return None
        return cls(*value)


@dataclass(frozen=True)
class Metadata:
    """What an admin states about a document; every field is optional."""

    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    # The first day of the period the admin gave: a day, a month ("2005-12") or a year.
    published: date | None = None
    date_precision: str = "day"
    notes: str | None = None
    # Where `published` came from: "metadata" (stated by the source's own metadata or by an
    # admin) or "text" (`kz-brief import` found it only in the visible text).
    date_basis: str = "metadata"
    # Where each field came from, in words (`kz-brief import` writes them): field -> source.
    sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SourceDocument:
    """One readable document: its decoded text, its metadata and what went wrong reading it."""

    doc_id: str
    path: Path
    text: str
    content_hash: str
    metadata: Metadata
    has_metadata: bool
    warnings: tuple[str, ...] = ()
    # Taken before reading; None when the files were modified too recently to trust it.
    fingerprint: Fingerprint | None = None


@dataclass(frozen=True)
class KnownDocument:
    """What the previous index recorded about a document: enough to know it is unchanged."""

    fingerprint: Fingerprint
    content_hash: str


@dataclass(frozen=True)
class UnchangedDocument:
    """A document whose files still have the recorded fingerprint: not read at all."""

    doc_id: str
    path: Path
    fingerprint: Fingerprint
    content_hash: str


class DocumentTooLargeError(ValueError):
    """A file over the size limit; the message names the limit and its setting."""


@dataclass(frozen=True)
class CorpusLimits:
    """What `discover` accepts: files up to `max_bytes`, and symbolic links only when they
    stay inside the seeds folder (or anywhere, with `follow_outside_links`)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    follow_outside_links: bool = False


@dataclass
class Discovery:
    """The documents found in a folder, and the files skipped with the reason.

    `documents` were read; `unchanged` are those `known` with the same fingerprint.
    """

    documents: list[SourceDocument] = field(default_factory=list)
    unchanged: list[UnchangedDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def meta_path_for(path: Path) -> Path:
    """`seeds/a.txt` -> `seeds/a.meta.toml`."""
    return path.with_name(path.stem + META_SUFFIX)


def discover(
    seeds_dir: Path,
    known: Mapping[str, KnownDocument] | None = None,
    limits: CorpusLimits | None = None,
) -> Discovery:
    """Find every document under `seeds_dir`, reading only those whose fingerprint differs
    from the one in `known` (doc_id -> what the previous index recorded); skip, with a
    warning, what cannot be a document or is outside `limits`."""
    found = Discovery()
    if not seeds_dir.is_dir():
        found.skipped.append(f"{seeds_dir}: the seeds folder does not exist")
        return found
    known = known or {}
    limits = limits or CorpusLimits()
    root = os.path.realpath(seeds_dir)
    files = _visible_files(seeds_dir, root, limits, found.skipped)
    listed = {path for _, path in files}
    seen: dict[str, str] = {}
    # Plain strings, not Paths, in this loop: it runs once per file of a large corpus.
    for relative, path in files:
        name = relative.rpartition("/")[2]
        if name.endswith(META_SUFFIX):
            if not _has_document(path[: -len(META_SUFFIX)], listed):
                found.skipped.append(f"{relative}: metadata file with no document beside it")
            continue
        suffix = os.path.splitext(name)[1]
        if suffix.lower() not in DOCUMENT_SUFFIXES:
            found.skipped.append(_not_a_document(relative, path, suffix))
            continue
        doc_id = relative[: -len(suffix)]
        if doc_id in seen:
            found.skipped.append(f"{relative}: same name as {seen[doc_id]}; skipped")
            continue
        previous = known.get(doc_id)
        if previous is not None:
            fingerprint = _fingerprint(path, path[: -len(suffix)] + META_SUFFIX)
            if fingerprint == previous.fingerprint and fingerprint.size <= limits.max_bytes:
                seen[doc_id] = name
                found.unchanged.append(
                    UnchangedDocument(doc_id, Path(path), fingerprint, previous.content_hash)
                )
                continue
        try:
            document = read_document(Path(path), doc_id, limits, root)
        except DocumentTooLargeError as exc:
            found.skipped.append(f"{relative}: {exc}; skipped")
            continue
        if document is None:
            found.skipped.append(f"{relative}: binary file, not text; skipped")
            continue
        seen[doc_id] = name
        found.documents.append(document)
    return found


def _not_a_document(relative: str, path: str, suffix: str) -> str:
    if suffix.lower() in IMPORTED_SUFFIXES:
        return (
            f"{relative}: {suffix.lstrip('.').upper()} is not indexed as it is; "
            f"run `kz-brief import {path}` to turn it into NAME.txt + NAME.meta.toml"
        )
    return f"{relative}: not a .txt or .md file; skipped"


def _visible_files(
    seeds_dir: Path, root: str, limits: CorpusLimits, skipped: list[str]
) -> list[tuple[str, str]]:
    """(posix path relative to `seeds_dir`, full path) of every file not hidden, in path order.

    The same files as `rglob("*")` + `is_file()` (links to files followed, links to folders
    not), but directory entries answer `is_file` without a `stat` per file. A link that
    resolves outside `root` (the real path of `seeds_dir`) is skipped with a reason in
    `skipped`, unless allowed.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[tuple[str, ...], str]] = [((), str(seeds_dir))]
    while pending:
        parts, folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(((*parts, entry.name), entry.path))
                    elif entry.is_symlink():
                        problem = _link_problem(entry.path, root, limits)
                        if problem:
                            skipped.append(f"{'/'.join((*parts, entry.name))}: {problem}")
                        else:
                            found.append(((*parts, entry.name), entry.path))
                    elif entry.is_file():
                        found.append(((*parts, entry.name), entry.path))
        except PermissionError:
            continue
    # Sorted by path parts, as `sorted(Path)` does: "a/b.txt" before "a-b.txt".
    found.sort(key=lambda item: item[0])
    return [("/".join(parts), path) for parts, path in found]


def _link_problem(path: str, root: str, limits: CorpusLimits) -> str | None:
    """Why a symbolic link in the seeds folder is not read (None: it is read as a file)."""
    target = os.path.realpath(path)
    if not os.path.exists(target):
        return "a symbolic link to nothing; skipped"
    if os.path.isdir(target):
        return "a symbolic link to a folder; not followed"
    if not os.path.isfile(target):
        return "a symbolic link to something that is not a file; skipped"
    if not limits.follow_outside_links and not _inside(target, root):
        return (
            f"a symbolic link to {target}, outside the seeds folder; skipped "
            "(set KZ_ALLOW_LINKS_OUTSIDE_SEEDS=true to index such files)"
        )
    return None


def _inside(target: str, root: str) -> bool:
    return os.path.commonpath([target, root]) == root


def _has_document(stem_path: str, listed: set[str]) -> bool:
    beside = [stem_path + suffix for suffix in DOCUMENT_SUFFIXES]
    # The listing answers almost always; `exists` keeps case-insensitive filesystems right.
    return any(path in listed for path in beside) or any(os.path.exists(p) for p in beside)


def fingerprint_of(path: Path) -> Fingerprint:
    """Stat a document and its metadata file; nothing is read."""
    return _fingerprint(str(path), str(meta_path_for(path)))


def _fingerprint(path: str, meta_path: str) -> Fingerprint:
    stat = os.stat(path)
    try:
        meta = os.stat(meta_path)
    except FileNotFoundError:
        return Fingerprint(stat.st_size, stat.st_mtime_ns, None, None)
    return Fingerprint(stat.st_size, stat.st_mtime_ns, meta.st_size, meta.st_mtime_ns)


def _settled(fingerprint: Fingerprint, now_ns: int) -> Fingerprint | None:
    newest = max(fingerprint.mtime_ns, fingerprint.meta_mtime_ns or 0)
    return fingerprint if newest < now_ns - SETTLE_NS else None


def read_document(
    path: Path, doc_id: str, limits: CorpusLimits | None = None, root: str | None = None
) -> SourceDocument | None:
    """Decode one file (UTF-8, undecodable bytes replaced with a warning); None if binary.

    Never reads more than `limits.max_bytes` (DocumentTooLargeError past it), so neither a
    huge file nor `/dev/zero` can exhaust memory. A metadata file that is a link outside
    `root` (the seeds folder; by default the document's own folder) is ignored.
    """
    limits = limits or CorpusLimits()
    # Stat before reading: a write in between then shows as a changed fingerprint next time.
    fingerprint = _settled(fingerprint_of(path), time.time_ns())
    raw = read_at_most(path, limits.max_bytes)
    if raw is None:
        raise DocumentTooLargeError(
            f"larger than {limits.max_bytes / 1_000_000:g} MB (KZ_MAX_DOCUMENT_MB)"
        )
    if b"\x00" in raw[:8192] and not has_text_bom(raw):
        return None
    warnings: list[str] = []
    text = decode_text(raw, path.name, warnings)
    meta_file = meta_path_for(path)
    meta_raw = _metadata_bytes(meta_file, root or os.path.realpath(path.parent), limits, warnings)
    metadata = parse_metadata(meta_raw, meta_file.name, warnings) if meta_raw else Metadata()
    digest = hashlib.sha256(raw + b"\x00" + meta_raw).hexdigest()
    return SourceDocument(
        doc_id=doc_id,
        path=path,
        text=text,
        content_hash=digest,
        metadata=metadata,
        has_metadata=bool(meta_raw),
        warnings=tuple(warnings),
        fingerprint=fingerprint,
    )


def read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it holds more than `limit` (only limit + 1 are read)."""
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    return raw if len(raw) <= limit else None


def _metadata_bytes(meta_file: Path, root: str, limits: CorpusLimits, warnings: list[str]) -> bytes:
    """The metadata file's bytes (b"" when there is none, or it is not to be read)."""
    if not meta_file.exists():
        return b""
    if meta_file.is_symlink():
        problem = _link_problem(str(meta_file), root, limits)
        if problem:
            warnings.append(f"{meta_file.name}: {problem}")
            return b""
    raw = read_at_most(meta_file, MAX_META_BYTES)
    if raw is None:
        warnings.append(
            f"{meta_file.name}: over {MAX_META_BYTES // 1000} kB, not a metadata file; ignored"
        )
        return b""
    return raw


def decode_text(raw: bytes, name: str, warnings: list[str]) -> str:
    """UTF-8 first (a BOM is dropped); a file that is not UTF-8 is decoded with the encoding
    detected from its bytes, with a warning naming it; only when nothing fits are bytes
    replaced with U+FFFD, with a warning."""
    decoded = decode_bytes(raw)
    if decoded.replaced:
        warnings.append(
            f"{name}: {decoded.replaced} byte(s) are not UTF-8 (first at byte "
            f"{decoded.first_bad_byte}); replaced with \ufffd"
        )
    elif decoded.detected:
        warnings.append(f"{name}: not UTF-8; read as {decoded.encoding} (detected)")
    return decoded.text


def parse_metadata(raw: bytes, name: str, warnings: list[str]) -> Metadata:
    """Read `NAME.meta.toml`; a broken file or field gives a warning, never a crash."""
    try:
        data = tomllib.loads(raw.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        warnings.append(f"{name}: not valid TOML ({exc}); metadata ignored")
        return Metadata()
    unknown = sorted(set(data) - set(META_FIELDS))
    if unknown:
        warnings.append(f"{name}: unknown field(s) {', '.join(unknown)} ignored")
    values: dict[str, object] = {}
    for key in ("title", "author", "publisher", "url", "notes"):
        value = data.get(key)
        if value is not None:
            values[key] = str(value).strip() or None
    if "published" in data:
        published = parse_published(data["published"], name, warnings)
        if published is not None:
            values["published"], values["date_precision"] = published
    if "date_basis" in data:
        basis = str(data["date_basis"]).strip().lower()
        if basis in DATE_BASES:
            values["date_basis"] = basis
        else:
            warnings.append(
                f"{name}: date_basis = {data['date_basis']!r} is not one of "
                f"{', '.join(DATE_BASES)}; read as metadata"
            )
    if "sources" in data:
        values["sources"] = _parse_sources(data["sources"], name, warnings)
    return Metadata(**values)  # type: ignore[arg-type]


def _parse_sources(value: object, name: str, warnings: list[str]) -> tuple[tuple[str, str], ...]:
    """The `[sources]` table: field name -> where it came from (plain words)."""
    if not isinstance(value, dict):
        warnings.append(f"{name}: sources must be a table ([sources]); ignored")
        return ()
    return tuple((str(key), str(text)) for key, text in value.items() if not isinstance(text, dict))


def parse_published(value: object, name: str, warnings: list[str]) -> tuple[date, str] | None:
    """The date and its precision: a TOML date or datetime (day), or a string 'YYYY-MM-DD',
    'YYYY-MM' (month) or 'YYYY' (year); a bare TOML integer year is read as 'YYYY'."""
    if isinstance(value, datetime):
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    if isinstance(value, str | int) and not isinstance(value, bool):
        found = parse_period(str(value))
        if found is not None:
            return found
    warnings.append(
        f"{name}: published = {value!r} is not a date (write YYYY-MM-DD, YYYY-MM or YYYY); ignored"
    )
    return None
