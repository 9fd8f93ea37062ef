"""Find, read and describe the documents in the seeds folder.

A document is a `.txt` or `.md` file; its facts (title, author, publisher, url, published,
notes) live beside it in `NAME.meta.toml`. Files are read as bytes and decoded here once,
so every later character offset points into exactly the text this module returns.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".txt", ".md")
META_SUFFIX = ".meta.toml"
META_FIELDS = ("title", "author", "publisher", "url", "published", "notes")


@dataclass(frozen=True)
class Metadata:
    """What an admin states about a document; every field is optional."""

    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    notes: str | None = None


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


@dataclass
class Discovery:
    """The documents found in a folder, and the files skipped with the reason."""

    documents: list[SourceDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def meta_path_for(path: Path) -> Path:
    """`seeds/a.txt` -> `seeds/a.meta.toml`."""
    return path.with_name(path.stem + META_SUFFIX)


def discover(seeds_dir: Path) -> Discovery:
    """Read every document under `seeds_dir`; skip, with a warning, what cannot be a document."""
    found = Discovery()
    if not seeds_dir.is_dir():
        found.skipped.append(f"{seeds_dir}: the seeds folder does not exist")
        return found
    seen: dict[str, Path] = {}
    for path in sorted(p for p in seeds_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(seeds_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.name.endswith(META_SUFFIX):
            if not _has_document(path):
                found.skipped.append(f"{relative}: metadata file with no document beside it")
            continue
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            found.skipped.append(
                f"{relative}: not a .txt or .md file; skipped (convert it to text to index it)"
            )
            continue
        doc_id = relative.with_suffix("").as_posix()
        if doc_id in seen:
            found.skipped.append(f"{relative}: same name as {seen[doc_id].name}; skipped")
            continue
        document = read_document(path, doc_id)
        if document is None:
            found.skipped.append(f"{relative}: binary file, not text; skipped")
            continue
        seen[doc_id] = path
        found.documents.append(document)
    return found


def _has_document(meta_path: Path) -> bool:
    stem = meta_path.name[: -len(META_SUFFIX)]
    return any(meta_path.with_name(stem + suffix).exists() for suffix in DOCUMENT_SUFFIXES)


def read_document(path: Path, doc_id: str) -> SourceDocument | None:
    """Decode one file (UTF-8, undecodable bytes replaced with a warning); None if binary."""
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        return None
    warnings: list[str] = []
    text = decode_text(raw, path.name, warnings)
    meta_file = meta_path_for(path)
    meta_raw = meta_file.read_bytes() if meta_file.exists() else b""
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
    )


def decode_text(raw: bytes, name: str, warnings: list[str]) -> str:
    """UTF-8 (a BOM is dropped); bytes that are not UTF-8 become U+FFFD, with a warning."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        warnings.append(
            f"{name}: {bad} byte(s) are not UTF-8 (first at byte {exc.start}); replaced with \ufffd"
        )
        return text


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
        values["published"] = parse_published(data["published"], name, warnings)
    return Metadata(**values)  # type: ignore[arg-type]


def parse_published(value: object, name: str, warnings: list[str]) -> date | None:
    """Accept a TOML date, a datetime, or a 'YYYY-MM-DD' string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        warnings.append(f"{name}: published = {value!r} is not a YYYY-MM-DD date; ignored")
        return None
