"""Download one http(s) URL for import, within limits an admin can rely on.

Only http and https are fetched, on every hop: a redirect to `file:`, `ftp:` or any other
scheme is refused, and at most `max_redirects` redirects are followed. A connection or a
silence longer than `timeout` seconds, or a whole download taking longer than that budget
in all, fails; so does a body larger than `max_bytes` (refused from its Content-Length
before any byte is read when the server states one) and a content type that is not HTML,
PDF, DOCX or plain text. Every failure is an ImportFailure with a one-line reason.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from store.ingest.importers.base import ImportFailure

logger = logging.getLogger(__name__)

USER_AGENT = "kz-brief-import/1 (an admin importing one document)"
SCHEMES = ("http", "https")
REDIRECTS = (301, 302, 303, 307, 308)
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
    "text/markdown": "text",
    "text/x-markdown": "text",
}
# Served for any file by servers that do not know better: the bytes decide.
UNTYPED = ("", "application/octet-stream", "binary/octet-stream", "application/download")


@dataclass(frozen=True)
class FetchLimits:
    """How far a download may go; `kz-brief import` takes them from settings."""

    max_bytes: int = 50 * 1024 * 1024
    timeout: float = 30.0
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """A downloaded body, the format it was served as, and the address it came from."""

    body: bytes
    kind: str  # "html", "pdf", "docx" or "text"
    url: str  # after redirects
    charset: str | None


def is_url(source: str) -> bool:
    """True for anything written as a URL (`scheme://...`), supported or not."""
    return "://" in source and bool(urlsplit(source).scheme)


def fetch(url: str, limits: FetchLimits) -> Fetched:
    """GET `url` within `limits`; raise ImportFailure with the reason otherwise."""
    import requests

    deadline = time.monotonic() + limits.timeout
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    current = url
    try:
        for hop in range(limits.max_redirects + 1):
            _check_scheme(current, url if hop else None)
            response = session.get(
                current, stream=True, allow_redirects=False, timeout=limits.timeout
            )
            if response.status_code in REDIRECTS and response.headers.get("Location"):
                response.close()
                current = urljoin(current, response.headers["Location"])
                continue
            break
        else:
            raise ImportFailure(
                f"more than {limits.max_redirects} redirects (last to {current}); not followed"
            )
        with response:
            if response.status_code >= 400:
                raise ImportFailure(f"the server answered HTTP {response.status_code}")
            media, charset = _content_type(response.headers.get("Content-Type", ""))
            kind = CONTENT_TYPES.get(media)
            if kind is None and media not in UNTYPED:
                raise ImportFailure(
                    f"content type {media} is not HTML, PDF, DOCX or plain text; not imported"
                )
            body = _read_body(response, limits, deadline)
    except requests.exceptions.Timeout as exc:
        raise ImportFailure(f"no answer within {limits.timeout:g} s ({_short(exc)})") from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise ImportFailure(f"too many redirects ({_short(exc)})") from exc
    except requests.exceptions.ConnectionError as exc:
        raise ImportFailure(f"could not connect ({_short(exc)})") from exc
    except requests.exceptions.RequestException as exc:
        raise ImportFailure(f"download failed ({_short(exc)})") from exc
    finally:
        session.close()
    if kind is None:
        kind = sniff(body)
        if kind is None:
            raise ImportFailure(
                f"served as {media or 'no content type'} and not recognisable as HTML, PDF "
                "or DOCX; not imported"
            )
    return Fetched(body, kind, current, charset)


def sniff(body: bytes) -> str | None:
    """The format of untyped bytes: a PDF, a DOCX (a zip with word/), or HTML."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in body[:65536]:
        return "docx"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def _check_scheme(current: str, original: str | None) -> None:
    parts = urlsplit(current)
    scheme = parts.scheme.lower()
    if scheme in SCHEMES and parts.hostname:
        return
    if scheme in SCHEMES:
        raise ImportFailure(f"{current} is not a complete URL (no host name)")
    if original is None:
        raise ImportFailure(f"only http and https URLs can be imported, not {scheme or current}")
    raise ImportFailure(f"redirected to {current}: only http and https are followed")


def _content_type(header: str) -> tuple[str, str | None]:
    media, _, rest = header.partition(";")
    charset = None
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media.strip().lower(), charset


def _read_body(response, limits: FetchLimits, deadline: float) -> bytes:
    stated = response.headers.get("Content-Length", "")
    if stated.isdigit() and int(stated) > limits.max_bytes:
        raise ImportFailure(
            f"{_size(int(stated))} is larger than the {_size(limits.max_bytes)} import limit "
            "(KZ_IMPORT_MAX_MB)"
        )
    # A server may drip bytes just fast enough never to hit the read timeout: a watchdog
    # closes the response when the whole budget is spent.
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        response.close()

    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
    watchdog.daemon = True
    watchdog.start()
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limits.max_bytes:
                raise ImportFailure(
                    f"larger than the {_size(limits.max_bytes)} import limit "
                    "(KZ_IMPORT_MAX_MB); download stopped"
                )
            chunks.append(chunk)
    except ImportFailure:
        raise
    except Exception as exc:
        if expired.is_set():
            raise ImportFailure(f"download took longer than {limits.timeout:g} s; stopped") from exc
        raise
    finally:
        watchdog.cancel()
    if expired.is_set():
        raise ImportFailure(f"download took longer than {limits.timeout:g} s; stopped")
    return b"".join(chunks)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{count / 1024:.0f} KB" if count >= 1024 else f"{count} bytes"


def _short(exc: Exception) -> str:
    """The last, most specific part of a requests error, on one line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."
