"""Filters and trimming read from the question text."""

from __future__ import annotations

from datetime import date

import pytest

from store.search.query import MAX_QUESTION_CHARS, follow_up_question, parse_question
from store.types import DateFilter


@pytest.mark.parametrize(
    ("text", "since", "before"),
    [
        ("NATO ties since:2008", date(2008, 1, 1), None),
        ("NATO ties before:2006", None, date(2006, 1, 1)),
        ("NATO ties in:2005", date(2005, 1, 1), date(2006, 1, 1)),
        ("NATO ties in:2009-06", date(2009, 6, 1), date(2009, 7, 1)),
        ("NATO ties since:2005-11-02 before:2009", date(2005, 11, 2), date(2009, 1, 1)),
    ],
)
def test_date_filters_are_parsed_and_removed(text: str, since, before) -> None:
    parsed = parse_question(text)
    assert parsed.filters == DateFilter(since, before)
    assert parsed.query == "NATO ties"


def test_sort_and_bad_filters() -> None:
    parsed = parse_question("brief on PfP sort:date since:soon")
    assert parsed.sort == "date"
    assert parsed.query == "brief on PfP"
    assert any("since:soon" in note for note in parsed.notes)


def test_a_huge_question_is_trimmed_with_a_note_not_dropped() -> None:
    parsed = parse_question("Kazakhstan " * 500)
    assert 0 < len(parsed.query) <= MAX_QUESTION_CHARS
    assert parsed.query.startswith("Kazakhstan Kazakhstan")
    assert any("trimmed" in note for note in parsed.notes)


def test_filter_admits_dates_in_range_only() -> None:
    window = DateFilter(date(2005, 1, 1), date(2006, 1, 1))
    assert window.admits(date(2005, 11, 2))
    assert not window.admits(date(2009, 6, 26))
    assert not window.admits(None)
    assert DateFilter().admits(None)


@pytest.mark.parametrize(
    ("first", "follow_up", "query", "since", "before"),
    [
        (
            "What did NATO and Kazakhstan agree?",
            "and in 2009?",
            "What did NATO and Kazakhstan agree?",
            date(2009, 1, 1),
            date(2010, 1, 1),
        ),
        (
            "NATO partnership since:2008",
            "what about Uzbekistan?",
            "NATO partnership Uzbekistan",
            date(2008, 1, 1),
            None,
        ),
        (
            "NATO partnership since:2008",
            "and before 2006?",
            "NATO partnership",
            None,
            date(2006, 1, 1),
        ),
    ],
)
def test_a_short_follow_up_borrows_the_first_question(
    first, follow_up, query, since, before
) -> None:
    parsed = parse_question(follow_up_question(first, follow_up))
    assert parsed.query == query
    assert parsed.filters == DateFilter(since, before)


def test_a_long_follow_up_stands_alone() -> None:
    follow_up = "Can you tell me how the Kazakh parliament handled the state secrets law in 2005?"
    parsed = parse_question(follow_up_question("Who is Altynbayev?", follow_up))
    assert "Altynbayev" not in parsed.query and "state secrets" in parsed.query
    assert parsed.filters == DateFilter(date(2005, 1, 1), date(2006, 1, 1))


def test_a_period_passes_a_filter_when_any_of_its_days_is_inside() -> None:
    december = date(2005, 12, 1)
    assert DateFilter(date(2005, 1, 1), date(2006, 1, 1)).admits(december, "month")  # in:2005
    assert not DateFilter(since=date(2006, 1, 1)).admits(december, "month")  # since:2006
    assert DateFilter(since=date(2005, 12, 15)).admits(december, "month")
    assert DateFilter(before=date(2005, 12, 15)).admits(december, "month")
    assert not DateFilter(before=date(2005, 12, 1)).admits(december, "month")  # before:2005-12
    assert DateFilter(date(2005, 6, 1), date(2005, 7, 1)).admits(date(2005, 1, 1), "year")
    assert not DateFilter(since=date(2005, 12, 15)).admits(date(2005, 12, 14))  # a day is a day
