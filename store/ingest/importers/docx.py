"""Word documents (.docx): paragraphs, headings kept as headings, tables as rows.

Title and author come from the document's core properties (what Word shows under File >
Info), else the first Title-style paragraph. A "Title" paragraph becomes `# Title`, "Heading
N" becomes N+1 `#` marks (`## ` for Heading 1), list paragraphs `- item`, table rows their
cells joined by ' | '. Word's created/modified dates say when the file was edited, not when
the text was published: they are never used as the publication date; a date standing in a
short line before the text ("Almaty, 14 May 2007") is, with basis `text`.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import Any

from store.ingest.importers.base import (
    Extracted,
    Found,
    ImportFailure,
    clean_field,
    date_in_short_lines,
    with_title_line,
)

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_JUNK_AUTHOR = frozenset({"user", "admin", "administrator", "owner", "author", "python-docx"})
# The document head: a date before this many paragraphs of prose counts as its dateline.
_HEAD_PARAGRAPHS = 8


def extract_docx(raw: bytes) -> Extracted:
    """Import one .docx; a damaged file raises ImportFailure with the reason."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ImportFailure("not a Word .docx file (a .docx is a zip package; this is not)")
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ImportFailure(f"damaged or unreadable .docx ({exc})") from exc
    blocks: list[tuple[str, str]] = []  # (kind, text): kind "title", "heading", "item", "text"
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            blocks.extend(("row", row) for row in _table_rows(item))
        else:
            blocks.append(_paragraph(item))
    blocks = [(kind, text) for kind, text in blocks if text]
    if not blocks:
        raise ImportFailure("no text in the document")
    properties = document.core_properties
    title = _found(properties.title, "DOCX document properties (title)")
    if title is None:
        first = next((text for kind, text in blocks if kind.startswith("#")), None)
        title = Found(first.lstrip("# "), "first Title or Heading paragraph") if first else None
    author = _found(properties.author, "DOCX document properties (author)")
    if author is not None and author.value.casefold() in _JUNK_AUTHOR:
        author = None
    head = [text for _, text in blocks[:_HEAD_PARAGRAPHS] if not text.startswith("#")]
    published = date_in_short_lines(head)
    extracted = Extracted(
        text=with_title_line(title, _render(blocks)),
        kind="docx",
        text_source="paragraphs, headings and tables of the document (python-docx)",
        title=title,
        author=author,
        published=Found(published.value, f"document text: {published.source}")
        if published
        else None,
        date_basis="text",
    )
    if properties.created is not None:
        created = properties.created.date().isoformat()
        extracted.notes.append(f"Word created date {created} not used (not a publication date)")
    return extracted


def _found(value: Any, source: str) -> Found | None:
    text = clean_field(value)
    return Found(text, source) if text else None


def _paragraph(paragraph: Any) -> tuple[str, str]:
    text = " ".join(paragraph.text.split())
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.casefold() == "title":
        return "#", f"# {text}"
    heading = _HEADING.match(style)
    if heading:
        level = min(int(heading.group(1)) + 1, 6)
        return "#" * level, "#" * level + " " + text
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if numbered or style.casefold().startswith("list"):
        return "item", f"- {text}"
    return "text", text


def _table_rows(table: Any) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:  # merged cells repeat their text
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _render(blocks: list[tuple[str, str]]) -> str:
    """Paragraphs separated by blank lines; list items and table rows one per line."""
    out: list[str] = []
    for index, (kind, text) in enumerate(blocks):
        if index and not (kind in ("item", "row") and blocks[index - 1][0] == kind):
            out.append("\n")
        out.append(text + "\n")
    return "".join(out)
