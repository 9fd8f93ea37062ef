"""Importing URLs, against a real HTTP server on loopback: limits hold, failures are one line."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from store.ingest.importers import FetchLimits, ImportFailure, import_sources
from store.ingest.importers.fetch import fetch
from tests.web_fake import chunked, closed_port_url, page, redirect, silent

FIXTURES = Path(__file__).parent / "fixtures"
HTML = (FIXTURES / "steppe-review-ipap.html").read_bytes()
PDF = (FIXTURES / "steppe-brief-ipap.pdf").read_bytes()
LIMITS = FetchLimits(max_bytes=200_000, timeout=2.0, max_redirects=3)


def _failure(url: str, limits: FetchLimits = LIMITS) -> str:
    with pytest.raises(ImportFailure) as caught:
        fetch(url, limits)
    reason = str(caught.value)
    assert reason and "\n" not in reason
    return reason


def test_a_url_imports_like_a_saved_page_and_its_address_is_recorded(web, tmp_path: Path) -> None:
    web.routes["/2006/02/astana-partnership-plan"] = page(HTML)
    url = web.url("/2006/02/astana-partnership-plan")
    seeds = tmp_path / "seeds"
    (outcome,) = import_sources([url], seeds, LIMITS)
    assert (outcome.status, outcome.name) == ("imported", "astana-partnership-plan")
    assert (outcome.published, outcome.date_basis) == ("2006-02-02", "metadata")
    assert (seeds / ".originals" / "astana-partnership-plan.html").read_bytes() == HTML
    meta = tomllib.loads((seeds / "astana-partnership-plan.meta.toml").read_text("utf-8"))
    assert meta["sources"]["document"] == url
    # The page names its canonical address; that is the document's url.
    assert meta["url"] == "https://review.example.org/2006/02/astana-partnership-plan"
    (again,) = import_sources([url], seeds, LIMITS)
    assert again.status == "unchanged"


def test_redirects_are_followed_a_bounded_number_of_times(web) -> None:
    web.routes["/old"] = redirect("/moved")
    web.routes["/moved"] = redirect(web.url("/report.pdf"), status=301)
    web.routes["/report.pdf"] = page(PDF, "application/pdf")
    fetched = fetch(web.url("/old"), LIMITS)
    assert (fetched.kind, fetched.body, fetched.url) == ("pdf", PDF, web.url("/report.pdf"))
    web.routes["/loop"] = redirect("/loop")
    assert "more than 3 redirects" in _failure(web.url("/loop"))
    assert web.requests.count("/loop") == 4  # the first request and three redirects


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/report.pdf"])
def test_a_redirect_to_another_scheme_is_refused(web, target: str) -> None:
    web.routes["/sneaky"] = redirect(target)
    reason = _failure(web.url("/sneaky"))
    assert reason == f"redirected to {target}: only http and https are followed"


def test_only_http_and_https_urls_are_imported(tmp_path: Path) -> None:
    (outcome,) = import_sources(["file:///etc/passwd"], tmp_path / "seeds", LIMITS)
    assert outcome.status == "failed" and "only http and https" in outcome.reason
    assert not (tmp_path / "seeds").exists()


def test_a_body_over_the_size_limit_is_refused(web) -> None:
    small = FetchLimits(max_bytes=10_000, timeout=2.0)
    web.routes["/stated"] = page(b"x" * 20_000, "text/plain")
    assert "larger than the 10 KB import limit" in _failure(web.url("/stated"), small)
    # A server that states no length is stopped once the limit is passed.
    web.routes["/endless"] = chunked(b"<p>more</p>" * 100, count=1000)
    assert "download stopped" in _failure(web.url("/endless"), small)


def test_a_content_type_that_is_no_document_is_refused(web) -> None:
    web.routes["/logo.png"] = page(b"\x89PNG\r\n\x1a\n", "image/png")
    assert _failure(web.url("/logo.png")) == (
        "content type image/png is not HTML, PDF, DOCX or plain text; not imported"
    )
    # Untyped bytes are recognised by what they are, or refused.
    web.routes["/download"] = page(PDF, "application/octet-stream")
    assert fetch(web.url("/download"), LIMITS).kind == "pdf"
    web.routes["/blob"] = page(b"\x01\x02\x03 data", "application/octet-stream")
    assert "not recognisable as HTML, PDF or DOCX" in _failure(web.url("/blob"))


def test_a_silent_or_dripping_server_is_given_up_on(web) -> None:
    quick = FetchLimits(timeout=0.5)
    web.routes["/silent"] = silent(3)
    started = time.monotonic()
    assert "no answer within 0.5 s" in _failure(web.url("/silent"), quick)
    # Bytes arriving often enough never to trip the read timeout still hit the total budget.
    web.routes["/drip"] = chunked(b"<p>.</p>", count=60, pause=0.05)
    assert "took longer than 0.5 s" in _failure(web.url("/drip"), quick)
    assert time.monotonic() - started < 3


def test_http_errors_and_dead_servers_are_one_line_and_the_batch_goes_on(web, tmp_path) -> None:
    web.routes["/page"] = page(HTML)
    closed = closed_port_url("/page")
    outcomes = import_sources(
        [web.url("/gone"), closed, web.url("/page")], tmp_path / "seeds", LIMITS
    )
    assert [o.status for o in outcomes] == ["failed", "failed", "imported"]
    assert outcomes[0].reason == "the server answered HTTP 404"
    assert outcomes[1].reason.startswith("could not connect (")
    assert "\n" not in outcomes[1].reason
