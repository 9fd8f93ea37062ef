"""`kz-brief import`: sources (files, folders, URLs) to `NAME.txt` + `NAME.meta.toml` pairs.

For each source the original bytes are kept under `.originals/` in the target folder, the
extracted text becomes `NAME.txt` and its facts `NAME.meta.toml`. A re-import of the same
source (same path or URL) finds its earlier name through `[sources] document` in the
metadata file and writes only files whose bytes change, so an unchanged source changes
nothing, not even a modification time. One source failing never stops the batch. A file is
recorded by its path relative to the target folder, so the folder can be copied to another
machine without carrying the admin's own paths.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from store.files import write_bytes_atomically
from store.ingest.corpus import DOCUMENT_SUFFIXES, META_SUFFIX
from store.ingest.importers.base import Extracted, ImportFailure
from store.ingest.importers.fetch import FetchLimits, fetch, is_url
from store.ingest.importers.metafile import imported_from, read_meta, render_meta

logger = logging.getLogger(__name__)

ORIGINALS = ".originals"
SUFFIX_KINDS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
}
KIND_SUFFIX = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "text": ".txt"}
# Formats that only import makes indexable: what it takes from inside the target folder.
CONVERTED = frozenset({"html", "pdf", "docx"})
SUPPORTED = ".html, .pdf, .docx, .txt, .md"
NOT_SUPPORTED = {
    ".doc": "an old Word .doc file: save it as .docx, then import that",
    ".rtf": "an RTF file: save it as .docx, then import that",
    ".odt": "an OpenDocument file: save it as .docx, then import that",
}

STATUSES = ("imported", "updated", "unchanged", "skipped", "failed")


@dataclass
class ImportOutcome:
    """What happened to one source, for the table `kz-brief import` prints."""

    source: str
    status: str  # one of STATUSES
    name: str | None = None  # the document's name in the target folder (NAME.txt)
    reason: str = ""  # why it was skipped or failed
    published: str | None = None
    date_basis: str | None = None  # "metadata", "text" or None (no date found)
    date_source: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Item:
    """One source to import: a file, or a URL."""

    label: str
    path: Path | None = None
    url: str | None = None
    kind: str | None = None


def import_sources(
    sources: Sequence[str],
    target: Path,
    limits: FetchLimits | None = None,
    dry_run: bool = False,
    on_outcome: Callable[[ImportOutcome], None] | None = None,
) -> list[ImportOutcome]:
    """Import every source into `target`; one outcome per source (per file of a folder)."""
    batch = _Batch(target, limits or FetchLimits(), dry_run)
    outcomes: list[ImportOutcome] = []
    for entry in _expand(sources, target):
        outcome = batch.run(entry) if isinstance(entry, _Item) else entry
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


# ----- what the sources name ----------------------------------------------------------------


def _expand(sources: Sequence[str], target: Path) -> list[_Item | ImportOutcome]:
    """Files, folders (walked) and URLs as items, in order; what cannot be imported is an
    outcome already (skipped or failed, with the reason)."""
    items: list[_Item | ImportOutcome] = []
    outcomes = items
    seen: set[str] = set()
    target = target.resolve()
    for source in sources:
        if is_url(source):
            scheme = urlsplit(source).scheme.lower()
            if scheme not in ("http", "https"):
                outcomes.append(
                    ImportOutcome(
                        source, "failed", reason="only http and https URLs can be imported"
                    )
                )
            elif source not in seen:
                seen.add(source)
                items.append(_Item(source, url=source))
            continue
        path = Path(source).expanduser()
        if path.is_dir():
            walked = list(_walk(path, inside_target=_inside(path.resolve(), target)))
            for file, kind in walked:
                key = str(file.resolve())
                if kind is None:
                    outcomes.append(
                        ImportOutcome(str(file), "skipped", reason=_unsupported(file, folder=True))
                    )
                elif key not in seen:
                    seen.add(key)
                    items.append(_Item(str(file), path=file, kind=kind))
            if not walked:
                outcomes.append(ImportOutcome(source, "skipped", reason="nothing to import here"))
        elif path.is_file():
            kind = SUFFIX_KINDS.get(path.suffix.lower())
            key = str(path.resolve())
            if kind is None:
                outcomes.append(ImportOutcome(source, "failed", reason=_unsupported(path)))
            elif kind == "text" and _inside(path.resolve(), target):
                outcomes.append(
                    ImportOutcome(
                        source,
                        "skipped",
                        reason="already a document in the target folder: "
                        "`kz-brief index` reads it as it is",
                    )
                )
            elif key not in seen:
                seen.add(key)
                items.append(_Item(source, path=path, kind=kind))
        else:
            outcomes.append(ImportOutcome(source, "failed", reason="no such file or folder"))
    return items


def _walk(folder: Path, inside_target: bool) -> Iterable[tuple[Path, str | None]]:
    """Every visible file under `folder` with its kind (None: not importable). Inside the
    target folder only formats that need converting are taken: text files there already
    are documents, and metadata files belong to them."""
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith(META_SUFFIX):
                continue
            path = Path(root) / name
            kind = SUFFIX_KINDS.get(path.suffix.lower())
            if inside_target and kind not in CONVERTED:
                if kind is None:
                    yield path, None
                continue
            yield path, kind


def _unsupported(path: Path, folder: bool = False) -> str:
    known = NOT_SUPPORTED.get(path.suffix.lower())
    if known:
        return known
    return f"not a format kz-brief imports ({SUPPORTED})" + ("; left alone" if folder else "")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# ----- one source ---------------------------------------------------------------------------


class _Batch:
    """The target folder's state during one batch: names taken, earlier imports known."""

    def __init__(self, target: Path, limits: FetchLimits, dry_run: bool) -> None:
        self.target = target
        self.originals = target / ORIGINALS
        self.limits = limits
        self.dry_run = dry_run
        self.claimed: set[str] = set()
        self._by_source: dict[str, str] | None = None
        self._by_size: dict[int, list[Path]] | None = None

    def run(self, item: _Item) -> ImportOutcome:
        outcome = ImportOutcome(item.label, "failed")
        try:
            self._import(item, outcome)
        except ImportFailure as exc:
            outcome.status, outcome.reason = "failed", str(exc)
        except OSError as exc:
            outcome.status = "failed"
            outcome.reason = f"{exc.strerror or exc} ({exc.filename or item.label})"
        except Exception as exc:  # one bad document must not stop the batch
            logger.warning("import of %s failed", item.label, exc_info=True)
            outcome.status, outcome.reason = "failed", f"could not be read ({exc!r})"
        return outcome

    def _import(self, item: _Item, outcome: ImportOutcome) -> None:
        raw, kind, url, charset = self._load(item)
        if not raw.strip():
            raise ImportFailure("empty file: nothing to import")
        document, earlier_forms = self._document(item)
        name, same_bytes = self._name_for((document, *earlier_forms), raw, item)
        outcome.name = name
        txt, meta = self.target / f"{name}.txt", self.target / f"{name}{META_SUFFIX}"
        original = self.originals / f"{name}{KIND_SUFFIX[kind]}"
        previous = self._previous_original(name)
        if previous == original and txt.exists() and meta.exists():
            if _same_bytes(original, raw):
                _describe(outcome, read_meta(meta))
                outcome.status = "unchanged"
                outcome.reason = (
                    f"same bytes as the source of {name}.txt, already imported"
                    if same_bytes
                    else "unchanged since its last import"
                )
                self._release_source(item, original)
                return
        extracted = _extract(kind, raw, url, charset, item.path)
        old_meta = read_meta(meta) if meta.exists() else None
        same_source = imported_from(old_meta) in (document, *earlier_forms)
        notes = (old_meta or {}).get("notes") if same_source else None
        relative = f"{ORIGINALS}/{original.name}"
        meta_text = render_meta(
            extracted, document, relative, notes if isinstance(notes, str) else None
        )
        txt_bytes, meta_bytes = extracted.text.encode("utf-8"), meta_text.encode("utf-8")
        outcome.notes = list(extracted.notes)
        _describe_extracted(outcome, extracted)
        existed = txt.exists()
        if existed and _same_bytes(txt, txt_bytes) and _same_bytes(meta, meta_bytes):
            outcome.status, outcome.reason = (
                "unchanged",
                "same text and metadata as its last import",
            )
            self._release_source(item, previous)
            return
        outcome.status = "updated" if existed else "imported"
        if self.dry_run:
            return
        if not _same_bytes(original, raw):
            write_bytes_atomically(original, raw)
        if previous is not None and previous != original:
            previous.unlink(missing_ok=True)  # the source changed format (say HTML to PDF)
        for path, data in ((txt, txt_bytes), (meta, meta_bytes)):
            if not _same_bytes(path, data):
                write_bytes_atomically(path, data)
        self._known_sources()[document] = name
        if self._by_size is not None:
            self._by_size.setdefault(len(raw), []).append(original)
        self._release_source(item, original)

    def _load(self, item: _Item) -> tuple[bytes, str, str | None, str | None]:
        """The source's bytes, its kind, the URL it came from and the charset HTTP stated."""
        if item.url is not None:
            fetched = fetch(item.url, self.limits)
            return fetched.body, fetched.kind, fetched.url, fetched.charset
        assert item.path is not None and item.kind is not None
        return item.path.read_bytes(), item.kind, None, None

    # --- names ---

    def _document(self, item: _Item) -> tuple[str, tuple[str, ...]]:
        """How `[sources] document` names this source: its URL, or its path relative to the
        target folder; and the absolute path earlier versions recorded, to find old imports."""
        if item.url is not None:
            return item.url, ()
        assert item.path is not None
        absolute = item.path.resolve()
        try:
            relative = Path(os.path.relpath(absolute, self.target.resolve())).as_posix()
        except ValueError:  # no relative path (another drive)
            return str(absolute), ()
        return relative, (str(absolute),)

    def _name_for(self, documents: Sequence[str], raw: bytes, item: _Item) -> tuple[str, bool]:
        """The name an earlier import of this source (any of `documents`, the forms it may
        be recorded in) used, or of a source with the very same bytes (a file that moved, a
        copy: True); else a new name no document has."""
        known = self._known_sources()
        name = next((known[d] for d in documents if d in known), None)
        if name is None:
            name = self._same_original(raw)
            if name is not None and (self.target / f"{name}.txt").exists():
                return name, True
            name = None
        if name is None:
            base = _slug(item.url and _url_stem(item.url) or Path(item.label).stem)
            name = base
            number = 1
            while self._taken(name):
                number += 1
                name = f"{base}-{number}"
        self.claimed.add(name)
        return name, False

    def _taken(self, name: str) -> bool:
        if name in self.claimed:
            return True
        beside = [self.target / f"{name}{suffix}" for suffix in (*DOCUMENT_SUFFIXES, META_SUFFIX)]
        return any(path.exists() for path in beside) or self._previous_original(name) is not None

    def _known_sources(self) -> dict[str, str]:
        if self._by_source is None:
            self._by_source = {}
            for meta in sorted(self.target.glob(f"*{META_SUFFIX}")):
                document = imported_from(read_meta(meta))
                if document is not None:
                    self._by_source.setdefault(document, meta.name[: -len(META_SUFFIX)])
        return self._by_source

    def _same_original(self, raw: bytes) -> str | None:
        """The name of a document whose kept original has exactly these bytes. Only
        originals of the same size are read, so a large `.originals/` costs a `stat` each."""
        if self._by_size is None:
            self._by_size = {}
            if self.originals.is_dir():
                for path in sorted(self.originals.iterdir()):
                    if path.is_file():
                        self._by_size.setdefault(path.stat().st_size, []).append(path)
        digest = hashlib.sha256(raw).digest()
        for path in self._by_size.get(len(raw), []):
            if hashlib.sha256(path.read_bytes()).digest() == digest:
                return path.stem
        return None

    def _previous_original(self, name: str) -> Path | None:
        for suffix in KIND_SUFFIX.values():
            path = self.originals / f"{name}{suffix}"
            if path.exists():
                return path
        return None

    def _release_source(self, item: _Item, original: Path | None) -> None:
        """A source lying in the target folder itself moves into `.originals/` (its bytes
        are there now), so the indexer does not meet it beside its own text."""
        if self.dry_run or item.path is None or original is None:
            return
        source = item.path.resolve()
        if _inside(source, self.target.resolve()) and not _inside(source, self.originals.resolve()):
            if _same_bytes(original, source.read_bytes()):
                source.unlink()


def _extract(
    kind: str, raw: bytes, url: str | None, charset: str | None, path: Path | None
) -> Extracted:
    if kind == "html":
        from store.ingest.importers.html import extract_html

        return extract_html(raw, url=url, charset=charset)
    if kind == "pdf":
        from store.ingest.importers.pdf import extract_pdf

        return extract_pdf(raw)
    if kind == "docx":
        from store.ingest.importers.docx import extract_docx

        return extract_docx(raw)
    from store.ingest.importers.text import extract_text

    sidecar = path.with_name(path.stem + META_SUFFIX) if path is not None else None
    return extract_text(raw, sidecar.read_bytes() if sidecar and sidecar.is_file() else None)


def _describe_extracted(outcome: ImportOutcome, extracted: Extracted) -> None:
    if extracted.published is not None:
        outcome.published = extracted.published.value
        outcome.date_basis = extracted.date_basis
        outcome.date_source = extracted.published.source


def _describe(outcome: ImportOutcome, meta: dict | None) -> None:
    """The date an earlier import recorded, for an unchanged source's row in the table."""
    meta = meta or {}
    published = meta.get("published")
    if published is not None:
        outcome.published = str(published)
        outcome.date_basis = str(meta.get("date_basis", "metadata"))
        sources = meta.get("sources")
        if isinstance(sources, dict) and isinstance(sources.get("published"), str):
            outcome.date_source = sources["published"]


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _slug(text: str) -> str:
    """A file name from a title-like string: word characters, dots and dashes."""
    slug = re.sub(r"[^\w.-]+", "-", unquote(text)).strip("-.")
    slug = re.sub(r"-{2,}", "-", slug)[:80].strip("-.")
    return slug or "document"


def _url_stem(url: str) -> str:
    """'https://x.org/news/2006/astana-plan.html' -> 'astana-plan'; a bare host -> its name."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    while segments:
        stem = Path(segments[-1]).stem if "." in segments[-1] else segments[-1]
        if stem.lower() not in ("index", "default", "article", "view", "print"):
            return stem
        segments.pop()
    return parts.hostname or "page"
