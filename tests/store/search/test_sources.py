"""Questions about the sources themselves: recognised by their form, resolved by the
documents' own details."""

from __future__ import annotations

from datetime import date

import pytest

from store.search.sources import AUTHOR, DATE, LIST, meant, source_question
from store.types import DateFilter, DocumentInfo


def _doc(doc_id, title, publisher=None, author=None, published=None, genre=""):
    return DocumentInfo(doc_id, title, author, publisher, None, published, "metadata", 3,
                        f"/seeds/{doc_id}.txt", genre=genre)  # fmt: skip


DOCS = [
    _doc("caci", "Kazakhstan lays legal basis for deeper cooperation with NATO",
         "CACI Analyst", "Roger N. McDermott", date(2005, 11, 2), "Analytical article"),
    _doc("euobs", "Nato woos Kazakhstan at security forum", "EUobserver", "Valentina Pop",
         date(2009, 6, 26)),
    _doc("brief", "Rails, roads and leverage: the Northern Distribution Network",
         "Eurasia Security Programme", "Helen Marsh", date(2011, 3, 1), "Policy brief"),
    _doc("wire", "Troops leave after unrest", "Steppe Wire", None, date(2022, 1, 13)),
    _doc("blog", "The multi-vector policy under strain", None, None, date(2022, 10, 3)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who wrote the CACI piece?", AUTHOR),
        ("Who is the author of the Caspian Review article?", AUTHOR),
        ("Which outlet published the NDN brief?", AUTHOR),
        ("When was the EUobserver article published?", DATE),
        ("When did Astana Weekly run its interview?", DATE),
        ("What do you have from 2022?", LIST),
        ("Which documents are from 1997?", LIST),
    ],
)
def test_questions_about_sources_are_recognised(question: str, asks: str) -> None:
    assert source_question(question).asks == asks


@pytest.mark.parametrize(
    "question",
    ["What did the CACI piece conclude?", "What do you have on Steppe Eagle?",
     "When did Kazakhstan join NATO's partnership?", "Who commands the brigade?"],
)  # fmt: skip
def test_other_questions_are_not(question: str) -> None:
    assert source_question(question) is None


def _meant(question: str, filters: DateFilter | None = None) -> list[str]:
    return [d.doc_id for d in meant(source_question(question), DOCS, filters=filters)]


def test_the_documents_meant_are_found_by_their_details() -> None:
    assert _meant("Who wrote the CACI piece?") == ["caci"]
    assert _meant("When was the EUobserver article published?") == ["euobs"]
    assert _meant("Who published the brief on the Northern Distribution Network?") == ["brief"]
    assert _meant("Who wrote the commentary on the multi-vector policy?") == ["blog"]


def test_a_listing_by_year_gives_every_document_of_that_year() -> None:
    assert _meant("What do you have from 2022?") == ["wire", "blog"]
    assert _meant("Which documents are from 1997?") == []
    since = DateFilter(since=date(2009, 1, 1), before=date(2010, 1, 1))
    assert _meant("What documents do you have from then?", since) == ["euobs"]


def test_a_question_naming_no_document_means_none() -> None:
    assert _meant("Who wrote the 2016 exercise scenario?") == []
