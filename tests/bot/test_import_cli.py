"""`kz-brief import` then `kz-brief index`, as an admin runs them: HTML, PDF, DOCX and a URL
served from loopback become documents whose passages are verbatim spans of their .txt."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from store.index.generations import LocalGenerations
from tests.conftest import FakeEncoder
from tests.web_fake import page

FIXTURES = Path(__file__).resolve().parents[1] / "store" / "ingest" / "fixtures"
HTML, PDF, DOCX = (
    FIXTURES / "steppe-review-ipap.html",
    FIXTURES / "steppe-brief-ipap.pdf",
    FIXTURES / "almaty-training-centre.docx",
)
WIRE_STORY = b"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Kazakh brigade joins exercise | Wire Desk</title>
<meta property="og:title" content="Kazakh brigade joins allied exercise on the Caspian">
<meta property="og:site_name" content="Wire Desk">
<meta name="author" content="Marat Dzhaksybekov">
<meta property="article:published_time" content="2009-09-14T06:05:00Z">
</head><body><header><a href="/">Wire Desk</a> | <a href="/world">World</a></header>
<h1>Kazakh brigade joins allied exercise on the Caspian</h1>
<p>ALMATY, Sept 14 - A Kazakh peacekeeping brigade began a two-week exercise with allied units
on the Caspian coast on Monday, the defence ministry said, the largest such drill the country
has hosted.</p>
<p>About a thousand troops are taking part, rehearsing convoy escort, medical evacuation and the
coordination of headquarters that do not share a first language.</p>
<p>Officials said the exercise tests the standards the brigade agreed to meet under its
partnership plan with the Alliance.</p>
<footer>Reporting by the Wire Desk; editing by the world desk.</footer></body></html>"""


@pytest.fixture
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty seeds folder in the settings, and a fake encoder for `index`."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    monkeypatch.setenv("KZ_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("KZ_DATA_DIR", str(tmp_path / "data"))
    encoder = FakeEncoder()
    monkeypatch.setattr("bot.runtime.encoder_for", lambda settings: encoder)
    return seeds


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _unboxed(output: str) -> str:
    """Terminal output as one line of words: panel borders and wrapping removed."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_imported_documents_index_with_their_dates_and_verbatim_passages(admin, web, tmp_path):
    web.routes["/world/kazakh-brigade-caspian"] = page(WIRE_STORY)
    url = web.url("/world/kazakh-brigade-caspian")
    imported = run("import", str(HTML), str(PDF), str(DOCX), url)
    assert imported.exit_code == 0, imported.output
    assert "4 imported, 0 updated, 0 unchanged, 0 skipped, 0 failed." in imported.output
    assert "Next: run `kz-brief index`" in imported.output

    indexed = run("index")
    assert indexed.exit_code == 0, indexed.output
    generations = LocalGenerations(tmp_path / "data" / "index")
    manifest = generations.manifest(generations.current())
    documents = {d["doc_id"]: d for d in manifest["documents"]}
    assert set(documents) == {
        "steppe-review-ipap", "steppe-brief-ipap", "almaty-training-centre",
        "kazakh-brigade-caspian",
    }  # fmt: skip
    facts = {
        doc_id: (d["title"], d["author"], d["published"], d["date_basis"])
        for doc_id, d in documents.items()
    }
    assert facts == {
        "steppe-brief-ipap": (
            "Kazakhstan and NATO: the Partnership Action Plan in practice", "Daniyar Omarov",
            "2005-12", "text",
        ),
        "steppe-review-ipap": (
            "Astana signs its first partnership plan with NATO", "Aigerim Seitkali",
            "2006-02-02", "metadata",
        ),
        "almaty-training-centre": (
            "Training with partners: the peacekeeping centre near Almaty", "Gulnara Abenova",
            "2007-05-14", "text",
        ),
        "kazakh-brigade-caspian": (
            "Kazakh brigade joins allied exercise on the Caspian", "Marat Dzhaksybekov",
            "2009-09-14", "metadata",
        ),
    }  # fmt: skip

    records = generations.collection(generations.current()).get(include=["documents", "metadatas"])
    quoted: dict[str, int] = {}
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        source = (admin / f"{meta['doc_id']}.txt").read_text(encoding="utf-8")
        assert source[meta["start"] : meta["end"]] == text
        quoted[meta["doc_id"]] = quoted.get(meta["doc_id"], 0) + 1
        for furniture in ("Central Asia Security Brief No. 14", "# ", "Wire Desk |", "cookies"):
            assert furniture not in text
    assert set(quoted) == set(documents)

    before = _files(admin)
    again = run("import", str(HTML), str(PDF), str(DOCX), url)
    assert again.exit_code == 0, again.output
    assert "0 imported, 0 updated, 4 unchanged, 0 skipped, 0 failed." in again.output
    assert _files(admin) == before

    # A date found only in the text says so in answers.
    asked = run("ask", "--json", "Courses in staff planning, convoy protection and mine awareness")
    hit = json.loads(asked.output)["results"][0]
    assert (hit["doc_id"], hit["date_basis"]) == ("almaty-training-centre", "text")
    rendered = run("ask", "Courses in staff planning, convoy protection and mine awareness")
    assert "14 May 2007 (date inferred from text)" in _unboxed(rendered.output)
    report = run("ask", "The modernisation of the defence ministry may meet resistance")
    assert "Dec 2005 (date inferred from text)" in _unboxed(report.output)


def test_a_batch_with_failures_imports_the_rest_and_exits_1(admin, tmp_path):
    result = run(
        "import",
        str(FIXTURES / "broken-report.pdf"),
        str(FIXTURES / "empty-page.html"),
        "http://",
        str(HTML),
    )
    assert result.exit_code == 1
    assert "1 imported, 0 updated, 0 unchanged, 0 skipped, 3 failed." in result.output
    assert (admin / "steppe-review-ipap.txt").exists()
    lines = result.output.splitlines()
    for source, reason in (
        ("broken-report.pdf", "damaged or unreadable PDF (Data format error)"),
        ("empty-page.html", "empty file: nothing to import"),
        ("http://", "http:// is not a complete URL (no host name)"),
    ):
        assert any(line.startswith("  failed: ") and line.endswith(f"{source}: {reason}")
                   for line in lines), result.output  # fmt: skip


def test_a_dry_run_writes_nothing_and_says_so(admin):
    result = run("import", "--dry-run", str(DOCX), "--into", str(admin / "memos"))
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert "Would have: 1 imported" in result.output
    assert not (admin / "memos").exists()


def test_index_tells_the_admin_to_import_a_pdf_left_in_seeds(admin):
    shutil.copy(PDF, admin / "brief.pdf")
    result = run("index", "--dry-run")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "brief.pdf: PDF is not indexed as it is; run `kz-brief import" in flat
    assert "convert it to text" not in flat


def test_a_cp1251_seed_is_indexed_with_its_real_characters(admin, tmp_path):
    shutil.copy(FIXTURES / "kazinform-cp1251.txt", admin / "kazinform.txt")
    result = run("index")
    assert result.exit_code == 0, result.output
    assert "kazinform.txt: not UTF-8; read as cp1251 (detected)" in " ".join(result.output.split())
    generations = LocalGenerations(tmp_path / "data" / "index")
    records = generations.collection(generations.current()).get(include=["documents"])
    text = "\n".join(records["documents"])
    assert "Министр обороны Казахстана встретился с представителями Альянса" in text
    assert "\ufffd" not in text


def test_the_download_limit_comes_from_the_settings(admin, web, monkeypatch):
    web.routes["/page"] = page(WIRE_STORY)
    monkeypatch.setenv("KZ_IMPORT_MAX_MB", "0.001")  # about 1 KB
    result = run("import", web.url("/page"))
    assert result.exit_code == 1
    assert "larger than the 1 KB import limit (KZ_IMPORT_MAX_MB)" in result.output
    monkeypatch.setenv("KZ_IMPORT_TIMEOUT", "soon")
    bad = run("import", web.url("/page"))
    assert bad.exit_code == 2  # a malformed setting (bot.failures)
    assert "KZ_IMPORT_TIMEOUT must be a positive number, got 'soon'." in bad.output
