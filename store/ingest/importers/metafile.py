"""The `NAME.meta.toml` that `kz-brief import` writes, and reading back what it wrote.

The file is the same format admins write by hand (README, "Adding documents"), plus
`date_basis` and a `[sources]` table saying in words where each field came from. It holds
no time stamp: the same source always gives the same bytes, so a re-import changes nothing.
"""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path
from typing import Any

from store.ingest.importers.base import FIELDS, Extracted

logger = logging.getLogger(__name__)

HEADER = (
    "# Written by `kz-brief import`. Importing a changed source again rewrites this file;\n"
    "# `notes` are kept. `published` is YYYY-MM-DD, or YYYY-MM / YYYY when the source gives\n"
    '# only a month or a year; date_basis = "text" means it was found only in the text.\n'
)


def render_meta(
    extracted: Extracted, document: str, original: str, notes: str | None = None
) -> str:
    """The metadata file for one import; `document` is what was imported (a URL or a
    path), `original` where its bytes are kept, relative to the target folder."""
    lines = [HEADER]
    for note in extracted.notes:
        lines.append(f"# Note: {note}\n")
    lines.append("\n")
    found = extracted.fields()
    for name in FIELDS:
        if name in found:
            lines.append(f"{name} = {_string(found[name].value)}\n")
    if "published" in found:
        lines.append(f"date_basis = {_string(extracted.date_basis)}\n")
    notes = notes or extracted.admin_notes
    if notes:
        lines.append(f"notes = {_string(notes)}\n")
    lines.append("\n[sources]\n")
    lines.append(f"document = {_string(document)}\n")
    lines.append(f"original = {_string(original)}\n")
    lines.append(f"text = {_string(extracted.text_source)}\n")
    for name in FIELDS:
        if name in found:
            lines.append(f"{name} = {_string(found[name].source)}\n")
    return "".join(lines)


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are all valid TOML escapes)."""
    text = "".join(ch if ch.isprintable() or ch in "\t" else " " for ch in value)
    return json.dumps(text, ensure_ascii=False)


def read_meta(path: Path) -> dict[str, Any] | None:
    """A metadata file's contents, or None when it is missing or not valid TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError):
        return None


def imported_from(meta: dict[str, Any] | None) -> str | None:
    """What a metadata file says was imported (`[sources] document`), if it was."""
    sources = (meta or {}).get("sources")
    if isinstance(sources, dict) and isinstance(sources.get("document"), str):
        return sources["document"]
    return None
