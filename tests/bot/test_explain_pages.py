"""The cleaner on pages it has never seen, through the real `kz-brief` command: every new
style page's `index --explain` verdicts, and the passages `kz-brief index` stores from them.

The pages and the furniture each one carries are those of tests/store/ingest/test_clean.py
(`FIXTURE_CASES`); here they go through the real file reading (the cp1251 page's encoding
is detected, not given) and the real indexer with the bundled model.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from store.index import tables
from store.index.generations import LocalGenerations
from store.ingest.clean import split_paragraphs
from store.ingest.corpus import read_document
from tests.conftest import REPO
from tests.store.ingest.test_clean import FIXTURE_CASES, page

NEW_PAGES = [
    "gov_release_site_banner.txt",
    "wire_steppe_eagle_runin.txt",
    "interview_podcast_transcript.txt",
    "thinktank_pdf_extract.txt",
    "blog_caspian_notebook_comments.txt",
    "kz_news_ru_cp1251.txt",
    "wire_yearless_dateline_updated.txt",
    "ru_agency_cyber_seminar.txt",
    "thinktank_report_cover_contents.txt",
    "parliament_hearing_transcript.txt",
    "mfa_statement_closing_date.txt",
    "factsheet_undated_retrieved.txt",
    "kz_ministry_release_kazakh.txt",
    "alliance_news_item_lead_caption.txt",
    "journal_pdf_no_blank_lines.txt",
    "agency_item_date_prefix.txt",
    "regional_news_dek_author_line.txt",
    "ru_agency_yearless_dateline_caption.txt",
    "viewer_report_capture.txt",
]
# Pages without a metadata file: the title and the date `index --explain` reports, found in
# the text alone ("Date: 2022-09 (basis: text; <the rule that found it>)").
TITLES_AND_DATES = {
    "ru_agency_yearless_dateline_caption.txt": (
        "Казахстанские миротворцы начали подготовку к ротации в Ливане",
        "2023-03-14 (basis: text; '14 мар' on the opening dateline (no year; the year of "
        "2023-03-14 in the page header))",
    ),
    "viewer_report_capture.txt": (
        "Kazakhstan: Recent Developments and Partnership Interests",
        "2014-03-03 (basis: text; 'March 3, 2014' on a date line in the page header)",
    ),
    "regional_news_dek_author_line.txt": (
        "Defence ministers of three Central Asian states to meet in Almaty on border drills",
        "2024-03-12 (basis: text; '12 March 2024' on a date line in the page header)",
    ),
    "alliance_news_item_lead_caption.txt": (
        "Alliance envoy visits Astana training centre",
        "2011-03-12 (basis: text; '12 Mar. 2011' on a date line in the page header)",
    ),
    "journal_pdf_no_blank_lines.txt": (
        "BORDERS AND BRIGADES: KAZAKHSTAN'S PEACEKEEPING COOPERATION WITH NATO",
        "2015 (basis: text; '2015' on a journal issue line naming its year)",
    ),
    "agency_item_date_prefix.txt": (
        "Sappers begin ordnance clearance course near Balkhash",
        "2019-04-02 (basis: text; '2019-04-02' on a 'published' line in the page header)",
    ),
    "gov_release_site_banner.txt": (
        "Kazakhstan and NATO review peacekeeping cooperation for the coming year",
        "2022-09-14 (basis: text; '14 September 2022' on a date line in the page header)",
    ),
    "wire_yearless_dateline_updated.txt": (
        "Kazakh sappers and NATO experts clear Soviet-era shells from a steppe range",
        "2022-09-14 (basis: text; 'Sept. 14' on the opening dateline (no year; the year of "
        "the 'Updated' date 2022-09-15))",
    ),
    "ru_agency_cyber_seminar.txt": (
        "В Астане прошёл семинар НАТО по защите информационных систем",
        "2022-09-14 (basis: text; '14 сентября 2022' on a date line in the page header)",
    ),
    "thinktank_report_cover_contents.txt": (
        "Women in Uniform: Gender Advisers and Partnership Training in Central Asian Armies",
        "2022-09 (basis: text; 'September 2022' on a header line naming only a month)",
    ),
    "parliament_hearing_transcript.txt": (
        "Transcript of the committee hearing on military medical cooperation",
        "2022-09-14 (basis: text; '14.09.2022' on a closing date line after the text)",
    ),
    "mfa_statement_closing_date.txt": (
        "Statement on the opening of a NATO civil emergency training module in Kokshetau",
        "2021-03-03 (basis: text; '3 March 2021' on a closing date line after the text)",
    ),
    "factsheet_undated_retrieved.txt": (
        "Kazakhstan and NATO: search and rescue cooperation",
        "none (basis: none; only a capture or retrieval date ('4 June 2023'), which says when "
        "the copy was made, not when the page was published)",
    ),
    "kz_ministry_release_kazakh.txt": (
        "Шортанды полигонында НАТО сарапшыларымен бірлескен минадан тазарту курсы өтті",
        "2022-09-14 (basis: text; '2022 жылғы 14 қыркүйек' on a 'published' line in the page "
        "header)",
    ),
    "newswire_uzbek_border_crlf.txt": (
        "Uzbekistan and NATO agree to expand border security training",
        "2023-05-04 (basis: updated; '4 May 2023' on an 'Updated' line: no original date on the "
        "page, and the original may be earlier)",
    ),
}
# "  12 KEEP article             inside the article region (...) | preview"
_LINE = re.compile(r"^\s*(\d+) (KEEP|DROP) (\S+) .* \| ")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_encoder) -> Path:
    """Settings for the CLI, with the session's model handed in instead of loaded again."""
    monkeypatch.setenv("KZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KZ_SEEDS_DIR", str(tmp_path / "seeds"))
    monkeypatch.setattr("bot.runtime.encoder_for", lambda settings: real_encoder)
    return tmp_path


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:69] + "…" if len(flat) > 70 else flat


def test_every_new_page_has_its_furniture_listed() -> None:
    assert set(NEW_PAGES) <= set(FIXTURE_CASES) and len(NEW_PAGES) >= 6


@pytest.mark.parametrize("name", NEW_PAGES)
def test_explain_drops_every_piece_of_furniture_and_keeps_the_article(cli_env, name: str) -> None:
    result = _run("index", "--explain", str(page(name)))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if _LINE.match(line)]
    verdicts = [_LINE.match(line).groups() for line in lines]  # type: ignore[union-attr]
    document = read_document(page(name), name)
    assert document is not None
    paragraphs = split_paragraphs(document.text, document.metadata.title)
    # One line per paragraph of the file as the indexer reads it, in order.
    assert [int(v[0]) for v in verdicts] == [p.index for p in paragraphs]
    assert all(line.endswith(f" | {_preview(p.text)}") for line, p in zip(lines, paragraphs))

    case = FIXTURE_CASES[name]
    kept = [p.text for p, v in zip(paragraphs, verdicts, strict=True) if v[1] == "KEEP"]
    for snippet, rule in case["dropped"].items():
        found = [v for p, v in zip(paragraphs, verdicts, strict=True) if snippet in p.text]
        assert found and found[0][1:] == ("DROP", rule), (snippet, found)
        assert not any(snippet in text for text in kept), snippet
    for phrase in case["kept"]:
        assert any(phrase in text for text in kept), phrase
    if name.endswith("cp1251.txt"):  # read in its detected code page, not as U+FFFD
        assert "cp1251" in result.output and "\ufffd" not in result.output
    passages = re.search(r"^Passages: (\d+)$", result.output, re.MULTILINE)
    assert passages and int(passages.group(1)) >= 1


@pytest.mark.parametrize("name", sorted(TITLES_AND_DATES))
def test_explain_reports_the_title_and_date_found_in_the_text(cli_env, name: str) -> None:
    result = _run("index", "--explain", str(page(name)))
    assert result.exit_code == 0, result.output
    title, dated = TITLES_AND_DATES[name]
    assert f"\nTitle: {title}\n" in result.output
    assert " ".join(result.output.split()).count(f"Date: {dated}") == 1


def test_indexed_passages_of_the_new_pages_are_verbatim_and_hold_no_furniture(cli_env) -> None:
    seeds = cli_env / "seeds"
    seeds.mkdir()
    for name in NEW_PAGES:
        shutil.copy(page(name), seeds / name)
        meta = (page(name)).with_suffix(".meta.toml")
        if meta.exists():
            shutil.copy(meta, seeds / meta.name)
    result = _run("index")
    assert result.exit_code == 0, result.output

    generations = LocalGenerations(cli_env / "data" / "index")
    generation = generations.current()
    saved = tables.load(generations.cache_dir(generation) / tables.TABLES_DIR, generation)
    assert saved is not None
    texts = {name: read_document(seeds / name, name).text for name in NEW_PAGES}  # type: ignore[union-attr]
    indexed: dict[str, list[str]] = {}
    for doc_id, text, start, end in zip(
        saved.doc_ids, saved.texts, saved.starts, saved.ends, strict=True
    ):
        source = texts[f"{doc_id}.txt"]
        assert source[int(start) : int(end)] == text  # a verbatim span of the decoded file
        indexed.setdefault(f"{doc_id}.txt", []).append(text)
    assert sorted(indexed) == sorted(NEW_PAGES)
    for name, passages in indexed.items():
        case = FIXTURE_CASES[name]
        for snippet in case["dropped"]:
            assert not any(snippet in passage for passage in passages), (name, snippet)
        for phrase in case["kept"]:
            assert any(phrase in passage for passage in passages), (name, phrase)


def test_explain_names_the_author_and_where_it_came_from(cli_env) -> None:
    byline_only = REPO / "tests" / "eval" / "corpus" / "spf-2022-multivector-under-strain.txt"
    result = _run("index", "--explain", str(byline_only))
    assert result.exit_code == 0, result.output
    assert "\nAuthor: Aliya Seitkali (its byline)\n" in result.output
    seed = REPO / "seeds" / "caci-2005-kazakhstan-legal-basis-nato.txt"
    seeded = _run("index", "--explain", str(seed))
    assert "\nAuthor: Roger N. McDermott (metadata)\n" in seeded.output
    for name, author in [
        ("agency_item_date_prefix.txt", "Ainur Tulegenova"),  # "Author:" over the name
        ("journal_pdf_no_blank_lines.txt", "Aidana Seitova"),  # "by Aidana Seitova"
        ("regional_news_dek_author_line.txt", "Madina Zhaksylykova"),  # a name alone
        ("thinktank_report_cover_contents.txt", "Madina Serikbayeva and Jonas Ek"),  # cover
    ]:
        styled = _run("index", "--explain", str(page(name)))
        assert f"\nAuthor: {author} (its byline)\n" in styled.output
