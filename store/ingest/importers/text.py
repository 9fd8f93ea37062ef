"""Plain text and Markdown files: decoded in the encoding they were written in.

The text is kept as it is (the indexer cleans and dates it like any seed); what the import
adds is UTF-8 (a cp1251 or Latin-1 file is detected and converted, the encoding reported)
and, when the source folder has a `NAME.meta.toml` beside the file, that metadata.
"""

from __future__ import annotations

import logging
import tomllib
from datetime import date, datetime

from store.ingest.encoding import decode_bytes
from store.ingest.importers.base import Extracted, Found, ImportFailure, clean_field, iso_date

logger = logging.getLogger(__name__)

SIDECAR_SOURCE = "metadata file beside the source"


def extract_text(raw: bytes, sidecar: bytes | None = None) -> Extracted:
    """Import one .txt/.md file; `sidecar` is the `NAME.meta.toml` found beside it, if any."""
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailure("binary file, not text")
    decoded = decode_bytes(raw)
    if not decoded.text.strip():
        raise ImportFailure("no text in the file")
    extracted = Extracted(
        text=decoded.text,
        kind="text",
        text_source=f"the file's text, read as {decoded.describe()}",
    )
    if decoded.detected or decoded.replaced:
        extracted.notes.append(f"read as {decoded.describe()}")
    if sidecar:
        _take_sidecar(extracted, sidecar)
    return extracted


def _take_sidecar(extracted: Extracted, sidecar: bytes) -> None:
    try:
        data = tomllib.loads(sidecar.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        extracted.notes.append(f"metadata file beside it is not valid TOML ({exc}); ignored")
        return
    for name in ("title", "author", "publisher", "url"):
        value = clean_field(data.get(name))
        if value:
            setattr(extracted, name, Found(value, SIDECAR_SOURCE))
    published = data.get("published")
    if isinstance(published, datetime):
        published = published.date()
    text = published.isoformat() if isinstance(published, date) else str(published or "")
    iso = iso_date(text.strip()) if text else None
    if iso:
        extracted.published = Found(iso, SIDECAR_SOURCE)
        basis = str(data.get("date_basis", "metadata"))
        extracted.date_basis = basis if basis in ("metadata", "text") else "metadata"
    extracted.admin_notes = clean_field(data.get("notes"))
