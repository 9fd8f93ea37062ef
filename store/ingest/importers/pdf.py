"""PDF reports: their text as paragraphs, without the page furniture a printed page has.

pypdfium2 (PDFium, permissively licensed) gives each page's lines with their position and
font size. From those:

- running headers and footers (a line in the top or bottom band of the page that recurs,
  digits aside, on at least half the pages) and page numbers are dropped;
- lines are joined into paragraphs, broken where the vertical gap is wider than the
  page's usual line spacing or the font changes, and a paragraph cut by a page break is
  joined again when it stopped mid-sentence;
- a word hyphenated at a line end is rejoined ("modern-" + "isation" -> "modernisation"),
  keeping the hyphen when the document writes that word with one elsewhere or the next
  part starts with a capital ("Euro-" + "Atlantic" -> "Euro-Atlantic");
- larger or bold short lines become `## Heading` lines, the largest on the first page the
  `# Title`.

Dates: a PDF's CreationDate is when the file was made, not when the text was published, so
it is never used as the publication date (the import reports it). The date is taken from a
short line on the first page (a cover or byline, "December 2005"), with basis `text`.
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass

from store.ingest.importers.base import (
    Extracted,
    Found,
    ImportFailure,
    clean_field,
    date_in_short_lines,
    iso_date,
    with_title_line,
)

logger = logging.getLogger(__name__)

BAND = 0.1  # top and bottom tenth of a page: where running headers and footers sit
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_JUNK_TITLE = re.compile(
    r"^(?:untitled|document\d*|microsoft word\b.*|.*\.(?:docx?|pdf|rtf|odt|indd|qxd))$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’»)\]]*$")


@dataclass
class _Line:
    text: str
    page: int
    top: float  # distance from the page top, points (of its first character)
    last_top: float  # of its last character: PDFium joins a line hyphenated at its end
    bottom: float
    size: float
    bold: bool
    band: str  # "top", "bottom" or ""


@dataclass
class _Block:
    lines: list[_Line]

    @property
    def size(self) -> float:
        return self.lines[0].size

    @property
    def bold(self) -> bool:
        return self.lines[0].bold


def extract_pdf(raw: bytes) -> Extracted:
    """Import one PDF; a damaged or encrypted file raises ImportFailure with the reason."""
    import pypdfium2 as pdfium

    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise ImportFailure("not a PDF file (it does not start with %PDF)")
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        raise ImportFailure(f"damaged or unreadable PDF ({_reason(exc)})") from exc
    try:
        info = pdf.get_metadata_dict(skip_empty=True)
        pages = [_page_lines(pdf, number) for number in range(len(pdf))]
    finally:
        pdf.close()
    if not any(pages):
        raise ImportFailure("no text in the PDF (a scanned document needs OCR first)")
    kept, dropped = _drop_furniture(pages)
    blocks = _blocks(kept)
    body_size = _body_size(blocks)
    words = _hyphenated_words(blocks)
    first_page = [b for b in blocks if b.lines[0].page == 0]
    title_block = max(first_page, key=lambda b: b.size, default=None)
    if title_block is not None and title_block.size < body_size + 1:
        title_block = None
    rendered: list[str] = []
    for block in blocks:
        text = _join(block.lines, words)
        if block is title_block:
            rendered.append(f"# {text}")
        elif _is_heading(block, text, body_size):
            rendered.append(f"## {text}")
        else:
            rendered.append(text)
    title = _property(info, "Title", "PDF document properties (Title)")
    if title is None and title_block is not None:
        title = Found(_join(title_block.lines, words), "largest text on the first page")
    cover = [_join(b.lines, words) for b in first_page if b is not title_block]
    published = date_in_short_lines(cover)
    extracted = Extracted(
        text=with_title_line(title, "\n\n".join(rendered) + "\n"),
        kind="pdf",
        text_source="text of the PDF pages (pypdfium2), running headers and page numbers removed",
        title=title,
        author=_property(info, "Author", "PDF document properties (Author)"),
        published=Found(published.value, f"first page text: {published.source}")
        if published
        else None,
        date_basis="text",
    )
    if dropped:
        extracted.notes.append(f"{dropped} running header, footer and page-number lines removed")
    created = iso_date(_pdf_date(info.get("CreationDate", "")))
    if created:
        extracted.notes.append(f"PDF creation date {created} not used (not a publication date)")
    return extracted


def _reason(exc: Exception) -> str:
    return str(exc).split("(PDFium: ")[-1].rstrip(").") or type(exc).__name__


def _property(info: dict[str, str], key: str, source: str) -> Found | None:
    value = clean_field(info.get(key))
    if not value or _JUNK_TITLE.match(value) or len(value) < 3:
        return None
    return Found(value, source)


def _pdf_date(value: str) -> str:
    """'D:20060115093000+06'00'' -> '2006-01-15'."""
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", value.strip())
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)


# ----- lines with their geometry ------------------------------------------------------------


def _page_lines(pdf, number: int) -> list[_Line]:
    import pypdfium2.raw as pdfium_c

    page = pdf[number]
    textpage = page.get_textpage()
    try:
        height = page.get_height()
        text = textpage.get_text_range()
        geometry = _positions_match(text, textpage)
        lines: list[_Line] = []
        index = 0
        for piece in re.split(r"(\r\n|\n|\r)", text):
            if piece in ("\r\n", "\n", "\r"):
                index += len(piece)
                continue
            stripped = piece.strip()
            if stripped and geometry:
                at = index + (len(piece) - len(piece.lstrip()))
                left, bottom, right, top = textpage.get_charbox(at, loose=True)
                last_top = textpage.get_charbox(index + len(piece.rstrip()) - 1, loose=True)[3]
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, at)
                weight = pdfium_c.FPDFText_GetFontWeight(textpage.raw, at)
                from_top = height - top
                band = (
                    "top"
                    if from_top < BAND * height
                    else ("bottom" if bottom < BAND * height else "")
                )
                lines.append(
                    _Line(
                        stripped,
                        number,
                        from_top,
                        height - last_top,
                        height - bottom,
                        size,
                        weight >= 600,
                        band,
                    )
                )
            elif stripped:
                lines.append(_Line(stripped, number, 0.0, 0.0, 0.0, 0.0, False, ""))
            index += len(piece)
        if not geometry:
            # Without positions, headers, footers and page numbers are among a page's
            # first and last few lines (in content order, not always on top).
            for line in lines[:3]:
                line.band = "top"
            for line in lines[3:][-3:]:
                line.band = "bottom"
        return lines
    finally:
        textpage.close()
        page.close()


def _positions_match(text: str, textpage) -> bool:
    """True when the page's text maps one to one onto PDFium's characters (and so onto
    their boxes); characters outside the BMP, for one, can break that."""
    return len(text) == textpage.count_chars()


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _drop_furniture(pages: list[list[_Line]]) -> tuple[list[_Line], int]:
    """Remove running headers, footers and page numbers; return the rest in order."""
    seen: dict[tuple[str, str], set[int]] = {}
    for lines in pages:
        for line in lines:
            if line.band:
                seen.setdefault((line.band, _furniture_key(line.text)), set()).add(line.page)
    with_text = sum(1 for lines in pages if lines)
    need = max(2, (with_text + 1) // 2)
    kept: list[_Line] = []
    dropped = 0
    for lines in pages:
        for line in lines:
            recurring = len(seen.get((line.band, _furniture_key(line.text)), ())) >= need
            if line.band and (recurring or _PAGE_NUMBER.match(line.text)):
                dropped += 1
                continue
            kept.append(line)
    return kept, dropped


# ----- paragraphs ---------------------------------------------------------------------------


def _blocks(lines: list[_Line]) -> list[_Block]:
    """Group lines into paragraphs by spacing and font; rejoin paragraphs cut by a page."""
    gaps: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and abs(a.size - b.size) < 0.5 and b.top > a.last_top:
            gaps.setdefault(round(b.size), []).append(b.top - a.last_top)
    # The usual line spacing of each font size; a wider gap starts a new paragraph.
    leading = {size: statistics.median(found) for size, found in gaps.items() if len(found) >= 3}
    width = statistics.median(len(line.text) for line in lines) if lines else 0
    blocks: list[_Block] = []
    for line in lines:
        previous = blocks[-1].lines[-1] if blocks else None
        if previous is not None and _continues(previous, line, leading, width):
            blocks[-1].lines.append(line)
        else:
            blocks.append(_Block([line]))
    return blocks


def _continues(previous: _Line, line: _Line, leading: dict[float, float], width: float) -> bool:
    same_font = abs(previous.size - line.size) < 0.5 and previous.bold == line.bold
    if not same_font:
        return False
    if line.page != previous.page:
        # A paragraph running over a page break stops mid-sentence and goes on in lower case.
        return not _SENTENCE_END.search(previous.text) and line.text[:1].islower()
    if not line.size:
        # No geometry: a paragraph ends with a sentence, and a short line (a heading, a
        # byline) ends its block unless the next goes on in lower case.
        if _SENTENCE_END.search(previous.text):
            return False
        return line.text[:1].islower() or len(previous.text) >= 0.75 * width
    usual = leading.get(round(line.size), 1.25 * line.size)
    return 0 < line.top - previous.last_top <= 1.3 * usual


def _body_size(blocks: list[_Block]) -> float:
    sizes = [b.size for b in blocks for _ in b.lines if b.size]
    return statistics.median(sizes) if sizes else 0.0


def _is_heading(block: _Block, text: str, body_size: float) -> bool:
    if len(block.lines) > 2 or len(text.split()) > 14 or _SENTENCE_END.search(text):
        return False
    return block.size >= body_size + 1 or (block.bold and block.size >= body_size - 0.5)


def _hyphenated_words(blocks: list[_Block]) -> set[str]:
    """Words the document writes with a hyphen inside a line ('peace-keeping')."""
    found: set[str] = set()
    for block in blocks:
        for line in block.lines:
            found.update(w.casefold() for w in re.findall(r"\b\w+-\w+\b", line.text))
    return found


# PDFium writes a line-end hyphen as U+FFFE and joins the two lines itself; other producers
# leave "-" at the end of the line, or a soft hyphen.
_BROKEN_WORD = re.compile(r"(\w+)(?:\ufffe|-\n)(\w+)")


def _join(lines: list[_Line], hyphenated: set[str]) -> str:
    """One paragraph from its lines: words broken at a line end are made whole again."""
    text = "\n".join(line.text for line in lines)
    text = re.sub(r"[\u00ad\x02]\n", "", text)  # a soft hyphen: always inside a word

    def mend(match: re.Match[str]) -> str:
        head, tail = match.groups()
        keep = tail[:1].isupper() or f"{head}-{tail}".casefold() in hyphenated
        return f"{head}-{tail}" if keep else head + tail

    text = _BROKEN_WORD.sub(mend, text).replace("\ufffe", "-")
    return " ".join(text.split())
