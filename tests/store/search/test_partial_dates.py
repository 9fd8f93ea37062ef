"""Dates known only to a month or a year, through the real indexer and searcher: filters
treat such a date as its whole period, and a brief puts it in its place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.index import tables

QUESTION = "Kazakhstan's first partnership action plan with NATO"
MEMO = "ipap-talks-dec-2005"  # published = "2005-12"
REVIEW = "kazbat-review-2007"  # published = "2007"


def _documents(searcher, question: str) -> set[str]:
    return {hit.doc_id for hit in searcher.answer(question, k=5).hits}


def test_the_index_keeps_each_date_with_its_precision(partial_dates_searcher) -> None:
    documents = {d.doc_id: d for d in partial_dates_searcher.documents()}
    assert (documents[MEMO].published, documents[MEMO].date_precision) == (
        date(2005, 12, 1),
        "month",
    )
    assert (documents[REVIEW].published, documents[REVIEW].date_precision) == (
        date(2007, 1, 1),
        "year",
    )
    caci = documents["caci-2005-kazakhstan-legal-basis-nato"]
    assert (caci.published, caci.date_precision) == (date(2005, 11, 2), "day")
    # Listed oldest first: 2 Nov 2005, Dec 2005, 2007, 26 Jun 2009.
    assert [d.doc_id for d in partial_dates_searcher.documents()][:3] == [caci.doc_id, MEMO, REVIEW]


@pytest.mark.parametrize(
    ("filters", "admitted"),
    [
        ("in:2005", True),
        ("in:2005-12", True),
        ("since:2006", False),
        ("before:2005-12", False),
        ("before:2006", True),
        # A boundary inside December 2005: the month may hold days on either side of it.
        ("since:2005-12-15", True),
        ("before:2005-12-15", True),
        ("in:2005-12-20", True),
        ("in:2005-11", False),
    ],
)
def test_a_month_precision_document_is_filtered_as_its_whole_month(
    partial_dates_searcher, filters: str, admitted: bool
) -> None:
    hits = partial_dates_searcher.answer(f"{QUESTION} {filters}", k=5).hits
    assert (MEMO in {hit.doc_id for hit in hits}) is admitted
    for hit in hits:
        if hit.doc_id == MEMO:
            assert (hit.published, hit.date_precision) == (date(2005, 12, 1), "month")


def test_a_year_precision_document_is_filtered_as_its_whole_year(partial_dates_searcher) -> None:
    question = "peacekeeping brigade passed a NATO evaluation"
    assert REVIEW in _documents(partial_dates_searcher, f"{question} in:2007-06")
    assert REVIEW in _documents(partial_dates_searcher, f"{question} since:2007-12-31")
    assert REVIEW not in _documents(partial_dates_searcher, f"{question} since:2008")
    assert REVIEW not in _documents(partial_dates_searcher, f"{question} before:2007")


def test_a_brief_puts_a_month_after_the_days_before_it(partial_dates_searcher) -> None:
    hits = partial_dates_searcher.answer(f"{QUESTION} sort:date", k=5).hits
    order = [(hit.published, hit.date_precision) for hit in hits]
    assert (date(2005, 12, 1), "month") in order
    assert order == sorted(order, key=lambda d: d[0])
    memo = order.index((date(2005, 12, 1), "month"))
    assert all(day < date(2005, 12, 1) for day, _ in order[:memo])


def test_filtered_rows_hold_every_period_they_overlap(partial_dates_index: Path) -> None:
    """The saved tables carry each passage's period: the December 2005 passages are inside
    a slice starting mid-December, the 2005-11-02 ones are masked out of it."""
    from store.index.generations import LocalGenerations

    generations = LocalGenerations(partial_dates_index / "data" / "index")
    generation = generations.current()
    saved = tables.load(generations.cache_dir(generation) / tables.TABLES_DIR, generation)
    assert saved is not None
    rows = saved.rows_published(date(2005, 12, 15), None)
    inside = [
        saved.doc_ids[row]
        for row in range(rows.first, rows.last)
        if rows.admitted is None or rows.admitted[row - rows.first]
    ]
    masked = {saved.doc_ids[row] for row in range(rows.first, rows.last)} - set(inside)
    assert MEMO in inside and masked == {"caci-2005-kazakhstan-legal-basis-nato"}
