"""Dates that speak: each passage's date and age, the span of an answer's sources and the
order that makes the newest view obvious, and the filters that were searched."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from bot.config import Settings
from handlers import blocks
from store.types import Answer, DateFilter, Hit
from tests.handlers.conftest import (
    RunningBot,
    context_texts,
    production_deps,
    quote_sections,
    running_bot,
)
from tests.handlers.fake_searcher import ControlledSearcher
from tests.slack_fake import FakeSlack

# "Title — Publisher, 26 Jun 2009 · 17 years old": the date of each source line.
_SOURCE_DATE = re.compile(r", (\d{1,2} \w{3} (\d{4}))(?: \(date inferred from text\))? · (.+)$")


def source_dates(blocks_: list[dict[str, object]]) -> list[tuple[int, str]]:
    """(year, age) of every passage's source line, in the order shown."""
    found = []
    for line in context_texts(blocks_):  # type: ignore[arg-type]
        if " — " in line and (match := _SOURCE_DATE.search(line)):
            found.append((int(match.group(2)), match.group(3)))
    return found


def test_an_answer_drawing_on_2005_and_2009_says_so_and_puts_the_newest_first(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    question = "What did NATO discuss in Astana?"
    # The real searcher ranks a 2005 passage best for this question...
    ranked = [hit.published.year for hit in searcher.inner.answer(question).hits]
    assert ranked[0] == 2005 and 2009 in ranked

    bot.mention(question)
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    contexts = context_texts(reply["blocks"])
    # ...and the answer says its sources differ in date, above the passages.
    assert "Sources span 2005–2009; newest first" in contexts
    assert reply["blocks"][2]["elements"][0]["text"] == "Sources span 2005–2009; newest first"
    dates = source_dates(reply["blocks"])
    years = [year for year, _ in dates]
    assert years == sorted(years, reverse=True) and years[0] == 2009 and years[-1] == 2005
    assert dict(dates) == {2009: "17 years old", 2005: "20 years old"}
    assert len(quote_sections(reply["blocks"])) == len(dates)
    # The notification text quotes the newest passage too.
    assert "26 Jun 2009 · 17 years old" in reply["text"]


def test_a_brief_keeps_its_oldest_first_order_and_says_so(bot: RunningBot) -> None:
    response_url = bot.slack.response_url("brief")
    bot.send.command("brief Kazakhstan NATO partnership", response_url=response_url)
    body = bot.slack.wait_for(response_url)[0].body
    assert "Sources span 2005–2009; oldest first" in context_texts(body["blocks"])
    years = [year for year, _ in source_dates(body["blocks"])]
    assert years == sorted(years) and years[0] == 2005 and years[-1] == 2009


def test_an_answer_from_one_date_keeps_the_best_match_first(bot: RunningBot) -> None:
    bot.mention("What did NATO discuss in Astana? in:2009")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    contexts = context_texts(reply["blocks"])
    assert not any(line.startswith("Sources span") for line in contexts)
    assert "best match first" in contexts[0]
    assert {year for year, _ in source_dates(reply["blocks"])} == {2009}


def test_the_filters_taken_from_the_question_are_shown_above_the_answer(
    bot: RunningBot,
) -> None:
    bot.mention("What did NATO say? since:2008")
    blocks_ = bot.slack.wait_for("chat.postMessage")[0].body["blocks"]
    first_quote = next(i for i, b in enumerate(blocks_) if b in _quote_blocks(blocks_))
    searched = [
        i
        for i, b in enumerate(blocks_)
        if b["type"] == "context" and "Searched: since 2008-01-01" in b["elements"][0]["text"]
    ]
    assert searched and searched[0] < first_quote


def test_filters_are_shown_even_when_nothing_matches(bot: RunningBot) -> None:
    bot.mention("What did NATO say? before:1990")
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    text = json.dumps(reply, ensure_ascii=False)
    assert "Searched: before 1990-01-01" in text
    assert "I found nothing in the corpus" in text and "widen the dates" in text


def test_a_question_too_long_for_search_is_trimmed_with_a_note_not_dropped(
    bot: RunningBot, searcher: ControlledSearcher
) -> None:
    question = "What did NATO discuss with Kazakhstan in Astana? " + "Please explain. " * 120
    assert len(question) > 1500
    bot.mention(question)
    reply = bot.slack.wait_for("chat.postMessage")[0].body
    assert searcher.questions() == [question.strip()]
    assert "trimmed to its first" in context_texts(reply["blocks"])[0]
    assert quote_sections(reply["blocks"])
    assert len(reply["blocks"][0]["text"]["text"]) <= 150


def test_a_month_precision_source_shows_as_its_month_in_slack_and_is_filtered_as_one(
    settings: Settings, slack: FakeSlack, partial_dates_searcher
) -> None:
    """Through the real indexer, searcher and Slack app: a document whose metadata says
    `published = "2005-12"` is "Dec 2005" (aged from the month's end), passes in:2005 and
    not since:2006."""
    deps = production_deps(settings, ControlledSearcher(partial_dates_searcher))
    # Both dated sources answer when the plan was due (2 Nov 2005 and Dec 2005).
    question = "When would Kazakhstan's first partnership plan with NATO be ready?"
    with running_bot(settings, deps, slack) as running:
        running.mention(f"{question} in:2005")
        reply = slack.wait_for("chat.postMessage")[0].body
        lines = context_texts(reply["blocks"])
        memo = [line for line in lines if "Steppe Security Notes" in line]
        assert memo and memo[0].endswith("— Steppe Security Notes, Dec 2005 · 20 years old")
        assert "Sources span 2 Nov – Dec 2005; newest first" in lines
        source_lines = [line for line in lines if " — " in line]
        assert "Dec 2005" in source_lines[0]  # the newest first: December after 2 November
        assert "Dec 2005" in reply["text"] and "1 Dec 2005" not in json.dumps(reply)

        running.mention(f"{question} since:2006")
        later = slack.wait_for("chat.postMessage", count=2)[1].body
        assert quote_sections(later["blocks"])
        assert "Dec 2005" not in json.dumps(later)

        response_url = slack.response_url("sources")
        running.send.command("sources", response_url=response_url)
        listed = json.dumps(slack.wait_for(response_url)[0].body, ensure_ascii=False)
        assert "Steppe Security Notes, Dec 2005 · 20 years old" in listed
        assert "Steppe Security Notes, 2007 · 18 years old" in listed


def _quote_blocks(blocks_: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        b
        for b in blocks_
        if b["type"] == "section" and str(b["text"]["text"]).startswith(">")  # type: ignore[index]
    ]


# --- The builders ---------------------------------------------------------------------------


def hit(
    published: date | None, basis: str = "metadata", chunk: str = "c", precision: str = "day"
) -> Hit:
    return Hit(
        quote=f"A passage from {published}.",
        doc_id=f"doc-{published}",
        chunk_id=f"{chunk}-{published}",
        title="Title",
        author=None,
        publisher="Publisher",
        url=None,
        published=published,
        date_basis=basis if published else "none",
        score=1.0,
        date_precision=precision,
    )


@pytest.mark.parametrize(
    ("published", "today", "expected"),
    [
        (date(2009, 6, 26), date(2026, 6, 26), "17 years old"),
        (date(2009, 6, 26), date(2026, 6, 25), "16 years old"),
        (date(2025, 6, 26), date(2026, 6, 26), "1 year old"),
        (date(2026, 1, 31), date(2026, 6, 26), "4 months old"),
        (date(2026, 6, 1), date(2026, 6, 26), "25 days old"),
        (date(2026, 6, 25), date(2026, 6, 26), "1 day old"),
        (date(2026, 6, 26), date(2026, 6, 26), "published today"),
        (date(2027, 1, 1), date(2026, 6, 26), None),
    ],
)
def test_format_age(published: date, today: date, expected: str | None) -> None:
    assert blocks.format_age(published, today) == expected


def test_the_date_line_shows_date_basis_and_age() -> None:
    today = date(2026, 6, 26)
    assert blocks.format_date(date(2009, 6, 26), "metadata", today) == "26 Jun 2009 · 17 years old"
    assert blocks.format_date(date(2009, 6, 26), "text", today) == (
        "26 Jun 2009 (date inferred from text) · 17 years old"
    )
    assert blocks.format_date(None, "none", today) == "undated"


def test_relevance_answers_of_several_dates_go_newest_first_undated_last() -> None:
    hits = (
        hit(date(2005, 11, 2), chunk="a"),
        hit(None),
        hit(date(2009, 6, 26)),
        hit(date(2005, 11, 2), chunk="b"),
    )
    answer = Answer(question="q", query="q", hits=hits)
    ordered = blocks.ordered_hits(answer)
    assert [h.published for h in ordered] == [
        date(2009, 6, 26),
        date(2005, 11, 2),
        date(2005, 11, 2),
        None,
    ]
    assert [h.chunk_id for h in ordered[1:3]] == ["a-2005-11-02", "b-2005-11-02"]  # stable
    assert blocks.span_line(answer) == "Sources span 2005–2009; newest first, undated last"
    brief = replace(answer, sort="date")
    assert blocks.ordered_hits(brief) == hits
    assert blocks.span_line(brief) == "Sources span 2005–2009; oldest first, undated last"


def test_one_date_or_one_year_spans() -> None:
    same = Answer(
        question="q", query="q", hits=(hit(date(2009, 6, 26)), hit(date(2009, 6, 26), chunk="d"))
    )
    assert blocks.span_line(same) is None
    assert blocks.ordered_hits(same) == same.hits
    one_year = Answer(question="q", query="q", hits=(hit(date(2009, 3, 2)), hit(date(2009, 6, 26))))
    assert blocks.span_line(one_year) == "Sources span 2 Mar – 26 Jun 2009; newest first"
    # An inferred date still counts; a date whose basis is "none" does not.
    mixed = (hit(date(2005, 1, 1), basis="text"), replace(hit(date(2001, 1, 1)), date_basis="none"))
    assert blocks.date_span(mixed) is None


def test_searched_line_comes_first_and_the_span_has_its_own_line() -> None:
    hits = (hit(date(2005, 11, 2)), hit(date(2009, 6, 26)))
    answer = Answer(question="q", query="q", hits=hits, filters=DateFilter(since=date(2005, 1, 1)))
    built = blocks.answer_blocks(answer, today=date(2026, 6, 26))
    assert built[1]["elements"][0]["text"] == (
        "2 verbatim passages from the corpus · Searched: since 2005-01-01"
    )
    assert built[2]["elements"][0]["text"] == "Sources span 2005–2009; newest first"


@pytest.mark.parametrize(
    ("published", "precision", "today", "expected"),
    [
        # A month or a year is aged from its last day, in no finer unit than it has.
        (date(2005, 12, 1), "month", date(2026, 6, 26), "Dec 2005 · 20 years old"),
        (date(2005, 12, 1), "month", date(2026, 12, 30), "Dec 2005 · 20 years old"),
        (date(2005, 12, 1), "month", date(2026, 12, 31), "Dec 2005 · 21 years old"),
        (date(2026, 3, 1), "month", date(2026, 6, 26), "Mar 2026 · 2 months old"),
        (date(2026, 5, 1), "month", date(2026, 6, 26), "May 2026"),
        (date(2005, 1, 1), "year", date(2026, 6, 26), "2005 · 20 years old"),
        (date(2025, 1, 1), "year", date(2026, 6, 26), "2025"),
        (date(2026, 1, 1), "year", date(2026, 6, 26), "2026"),
    ],
)
def test_a_partial_date_shows_as_far_as_it_is_known(
    published: date, precision: str, today: date, expected: str
) -> None:
    assert blocks.format_date(published, "metadata", today, precision) == expected


def test_partial_dates_order_and_span_sensibly() -> None:
    december = hit(date(2005, 12, 1), chunk="m", precision="month")
    year = hit(date(2005, 1, 1), chunk="y", precision="year")
    day = hit(date(2005, 12, 1), chunk="d")
    answer = Answer(question="q", query="q", hits=(year, day, december, hit(date(2005, 11, 2))))
    # Newest first: a period sorts at its first day, after a day on that same day.
    assert [h.chunk_id.split("-")[0] for h in blocks.ordered_hits(answer)] == ["m", "d", "c", "y"]
    assert blocks.span_line(answer) == "Sources span 2005; newest first"
    two = Answer(question="q", query="q", hits=(hit(date(2005, 11, 2)), december))
    assert blocks.span_line(two) == "Sources span 2 Nov – Dec 2005; newest first"
    across = Answer(question="q", query="q", hits=(hit(date(2009, 6, 26)), year))
    assert blocks.span_line(across) == "Sources span 2005–2009; newest first"
    line = blocks.hit_source_line(december, date(2026, 6, 26))
    assert line.endswith("Publisher, Dec 2005 · 20 years old")
