"""Saved web pages and fetched URLs: the article's text and the facts its markup states.

trafilatura finds the main text (menus, banners, related links and footers left out) and is
rendered here as plain paragraphs with `## Heading` lines. Facts come from the page's own
structured metadata first, in this order, each labelled with where it was found:

- JSON-LD (schema.org `Article`/`NewsArticle`/...): `headline`, `author`, `publisher`,
  `datePublished`; it is what the publisher's system states most precisely.
- OpenGraph: `og:title`, `og:site_name`, `og:url`, `article:published_time`.
- Other `<meta>` tags: `author`, `citation_*`, Dublin Core `dc.*`/`dcterms.*`, `date`,
  `pubdate`, `publish-date`, microdata `itemprop="datePublished"`, and `<link rel=canonical>`.
- Then htmldate (original date, never the modified one) over the page *markup*: `<time
  datetime>` attributes, a date in the URL. Basis `metadata`.
- Then htmldate over the page's *visible text*: basis `text`, so answers say the date was
  inferred from text. Modified/updated dates are never used as the publication date.

Fields with no structured source fall back to trafilatura's own reading of the page (the
`<title>`/`<h1>`, a byline, the site name), labelled as such.
"""

from __future__ import annotations

import json
import logging
import re
from copy import deepcopy
from typing import Any
from urllib.parse import urljoin, urlsplit

from store.ingest.encoding import decode_bytes
from store.ingest.importers.base import (
    Extracted,
    Found,
    ImportFailure,
    clean_field,
    iso_date,
    plain_title_words,
    with_title_line,
)

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    "article newsarticle reportagenewsarticle analysisnewsarticle opinionnewsarticle "
    "backgroundnewsarticle blogposting posting socialmediaposting report scholarlyarticle "
    "techarticle liveblogposting webpage".split()
)
# <meta name=...> that state a publication date, most specific first; never modified dates.
DATE_META_NAMES = (
    "citation_publication_date", "citation_date", "citation_online_date", "dc.date.issued",
    "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "dcterms.date",
    "article.published", "article:published_time", "parsely-pub-date", "sailthru.date",
    "publish-date", "publish_date", "publishdate", "publication_date", "pubdate", "date",
)  # fmt: skip
TITLE_META_NAMES = ("citation_title", "dc.title", "dcterms.title", "twitter:title")
AUTHOR_META_NAMES = ("author", "citation_author", "dc.creator", "dcterms.creator")
PUBLISHER_META_NAMES = (
    "citation_publisher", "dc.publisher", "dcterms.publisher", "application-name",
)  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def extract_html(raw: bytes, url: str | None = None, charset: str | None = None) -> Extracted:
    """Import one HTML page; `url` is where it was fetched from, `charset` what HTTP said."""
    import trafilatura
    from trafilatura.utils import load_html

    declared = charset or _declared_charset(raw)
    decoded = decode_bytes(raw, declared)
    if not decoded.text.strip():
        raise ImportFailure("empty page: nothing to import")
    tree = load_html(decoded.text)
    if tree is None:
        raise ImportFailure("not an HTML page that can be read")
    page = _PageFacts(tree, url)
    document = trafilatura.bare_extraction(
        decoded.text, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    body = getattr(document, "body", None)
    title = page.title() or _fallback(document, "title", "page <title> or headline (trafilatura)")
    paragraphs = _render(body, title.value if title else None) if body is not None else []
    if not paragraphs:
        raise ImportFailure("no article text found on the page")
    published, basis = page.published(tree)
    extracted = Extracted(
        text=with_title_line(title, "\n\n".join(paragraphs) + "\n"),
        kind="html",
        text_source="main text of the page (trafilatura)",
        title=title,
        author=page.author() or _fallback(document, "author", "byline on the page (trafilatura)"),
        publisher=page.publisher() or _fallback(document, "sitename", "site name (trafilatura)"),
        url=page.url(),
        published=published,
        date_basis=basis,
    )
    if decoded.detected or decoded.replaced:
        extracted.notes.append(f"page read as {decoded.describe()}")
    if published is None:
        extracted.notes.append("no publication date in the page's markup or text")
    return extracted


def _declared_charset(raw: bytes) -> str | None:
    match = _CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii", errors="replace") if match else None


def _fallback(document: Any, attribute: str, source: str) -> Found | None:
    value = clean_field(getattr(document, attribute, None))
    return Found(value, source) if value else None


# ----- the page's own statements ------------------------------------------------------------


class _PageFacts:
    """The structured metadata of one page: JSON-LD, OpenGraph, <meta> and canonical link."""

    def __init__(self, tree: Any, url: str | None) -> None:
        self.fetched_url = url
        self.meta: dict[str, str] = {}
        for element in tree.iterfind(".//meta"):
            key = (
                element.get("property") or element.get("name") or element.get("itemprop") or ""
            ).strip()
            content = element.get("content") or element.get("datetime")
            prefix = "itemprop:" if element.get("itemprop") and not element.get("name") else ""
            if key and content and content.strip():
                self.meta.setdefault(prefix + key.lower(), content.strip())
        self.canonical = None
        for link in tree.iterfind(".//link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                self.canonical = link.get("href").strip()
                break
        self.article = _json_ld_article(tree)

    def _ld(self, key: str) -> Any:
        return self.article.get(key) if self.article else None

    def _meta(self, names: tuple[str, ...], label: str) -> Found | None:
        for name in names:
            value = clean_field(self.meta.get(name))
            if value and not _is_url(value):
                return Found(value, f"{label} {name}")
        return None

    def title(self) -> Found | None:
        headline = clean_field(_text(self._ld("headline")) or _text(self._ld("name")))
        if headline:
            return Found(headline, "JSON-LD headline")
        og = clean_field(self.meta.get("og:title"))
        if og:
            return Found(og, "OpenGraph og:title")
        return self._meta(TITLE_META_NAMES, "<meta name>")

    def author(self) -> Found | None:
        names = _names(self._ld("author"))
        if names:
            return Found(", ".join(names), "JSON-LD author")
        found = self._meta(AUTHOR_META_NAMES, "<meta name>")
        if found and len(found.value.split()) >= 2:
            return found
        og = clean_field(self.meta.get("article:author"))
        if og and not _is_url(og):
            return Found(og, "OpenGraph article:author")
        return found

    def publisher(self) -> Found | None:
        names = _names(self._ld("publisher"))
        if names:
            return Found(names[0], "JSON-LD publisher")
        og = clean_field(self.meta.get("og:site_name"))
        if og:
            return Found(og, "OpenGraph og:site_name")
        return self._meta(PUBLISHER_META_NAMES, "<meta name>")

    def url(self) -> Found | None:
        base = self.fetched_url
        for value, source in (
            (self.canonical, "canonical link"),
            (self.meta.get("og:url"), "OpenGraph og:url"),
            (_text(self._ld("url")), "JSON-LD url"),
        ):
            if value:
                absolute = urljoin(base, value) if base else value
                if _is_url(absolute):
                    return Found(absolute, source)
        return Found(base, "the address it was fetched from") if base else None

    def published(self, tree: Any) -> tuple[Found | None, str]:
        """The publication date and its basis, in the precedence the module docstring gives."""
        for value, source in (
            (_text(self._ld("datePublished")), "JSON-LD datePublished"),
            (_text(self._ld("dateCreated")), "JSON-LD dateCreated"),
            (self.meta.get("article:published_time"), "OpenGraph article:published_time"),
            (self.meta.get("itemprop:datepublished"), "microdata datePublished"),
            *((self.meta.get(name), f"<meta name> {name}") for name in DATE_META_NAMES),
        ):
            iso = iso_date(value) if value else None
            if iso:
                return Found(iso, source), "metadata"
        from htmldate import find_date

        url = self.url()
        in_markup = find_date(
            _markup_only(tree),
            extensive_search=False,
            original_date=True,
            url=url.value if url else None,
        )
        if in_markup:
            return Found(in_markup, "page markup: <time> or the URL (htmldate)"), "metadata"
        in_text = find_date(_without_modified(tree), extensive_search=True, original_date=True)
        if in_text:
            return Found(in_text, "visible page text (htmldate)"), "text"
        return None, "metadata"


def _json_ld_article(tree: Any) -> dict[str, Any] | None:
    """The page's article object in JSON-LD (an Article type first, a WebPage last)."""
    candidates: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        candidates.extend(_json_objects(data))

    def rank(item: dict[str, Any]) -> int:
        types = {t.lower() for t in _as_list(item.get("@type")) if isinstance(t, str)}
        if types & (ARTICLE_TYPES - {"webpage"}):
            return 0
        return 1 if "webpage" in types else 2

    ranked = sorted((rank(item), i) for i, item in enumerate(candidates))
    usable = [candidates[i] for r, i in ranked if r < 2 or "datePublished" in candidates[i]]
    return usable[0] if usable else None


def _json_objects(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in _as_list(data):
        if isinstance(item, dict):
            found.append(item)
            found.extend(_json_objects(item.get("@graph")))
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    """A JSON-LD value as text: a string, or the first string of a list."""
    for item in _as_list(value):
        if isinstance(item, str | int | float):
            return str(item)
    return None


def _names(value: Any) -> list[str]:
    """Names of JSON-LD persons or organisations (objects with `name`, or plain strings)."""
    names = []
    for item in _as_list(value):
        name = item.get("name") if isinstance(item, dict) else item
        text = clean_field(_text(name))
        if text and not _is_url(text) and text not in names:
            names.append(text)
    return names


def _is_url(value: str) -> bool:
    return urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def _without_modified(tree: Any) -> Any:
    """A copy of the page with every modified/updated date statement removed: htmldate
    falls back on those when it finds no original date, and they are not publication dates."""
    copy = deepcopy(tree)
    for element in list(copy.iter()):
        names = " ".join(
            (element.get(attribute) or "").lower()
            for attribute in ("name", "property", "itemprop", "http-equiv", "class")
        )
        if _MODIFIED.search(names):
            if element.tag == "meta":
                element.getparent().remove(element)
            else:
                element.attrib.pop("datetime", None)
        elif element.tag == "script" and (element.get("type") or "").endswith("ld+json"):
            element.text = _LD_MODIFIED.sub("", element.text or "")
    return copy


_MODIFIED = re.compile(r"modif|updat|revised|last-mod|lastmod")
_LD_MODIFIED = re.compile(r'"date(?:Modified|Updated)"\s*:\s*"[^"]*"\s*,?')


def _markup_only(tree: Any) -> Any:
    """A copy of the page without its visible text: only what markup states is left (meta,
    JSON-LD, attributes such as <time datetime>), so a date found there is not from text.
    Modified dates are removed too (see `_without_modified`)."""
    copy = _without_modified(tree)
    for element in copy.iter():
        if element.tag == "script" and (element.get("type") or "").endswith("ld+json"):
            element.tail = None
            continue
        element.text = None
        element.tail = None
    return copy


# ----- rendering trafilatura's XML as text ------------------------------------------------


def _render(body: Any, title: str | None) -> list[str]:
    """Paragraphs of plain text: `## Heading` lines, `- item` lists, table rows as cells
    joined by ' | '. The page headline itself is left out (the title line stands for it)."""
    want = plain_title_words(title or "")
    blocks: list[str] = []
    for element in body:
        tag = element.tag
        if tag == "head":
            text = _flat(element)
            level = int(element.get("rend", "h2")[1:] or 2) if element.get("rend") else 2
            if text and plain_title_words(text) != want:
                blocks.append("#" * min(max(level, 2), 6) + " " + text)
        elif tag == "list":
            items = [f"- {_flat(item)}" for item in element.iter("item") if _flat(item)]
            if items:
                blocks.append("\n".join(items))
        elif tag == "table":
            rows = [
                " | ".join(_flat(cell) for cell in row.iter("cell")) for row in element.iter("row")
            ]
            rows = [row for row in rows if row.strip(" |")]
            if rows:
                blocks.append("\n".join(rows))
        elif tag == "quote" and len(element):
            blocks.extend(text for child in element if (text := _flat(child)))
        else:
            text = _flat(element)
            if text:
                blocks.append(text)
    return blocks


def _flat(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())
