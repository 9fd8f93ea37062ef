"""Block Kit builders: Slack's limits, escaping, bold highlights and the source line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from handlers import blocks, messages, share
from store.types import Answer, DateFilter, DocumentInfo, Hit, IndexInfo, Quote, SourceCard

PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>")


def make_hit(quote: str = "First sentence. Second sentence.", **changes: object) -> Hit:
    hit = Hit(
        quote=quote,
        doc_id="doc",
        chunk_id="doc:1",
        title="Nato woos Kazakhstan at security forum",
        author=None,
        publisher="EUobserver",
        url="https://euobserver.com/world/28376",
        published=date(2009, 6, 26),
        date_basis="metadata",
        score=1.0,
        highlights=((16, 32),),
    )
    return replace(hit, **changes)  # type: ignore[arg-type]


def make_answer(hits: tuple[Hit, ...], **changes: object) -> Answer:
    answer = Answer(question="What did NATO say?", query="What did NATO say?", hits=hits)
    return replace(answer, **changes)  # type: ignore[arg-type]


def test_escape_turns_slack_control_characters_into_entities() -> None:
    assert blocks.escape("a & b <!channel> <@U1>") == "a &amp; b &lt;!channel&gt; &lt;@U1&gt;"


@pytest.mark.parametrize(
    ("published", "basis", "expected"),
    [
        (date(2009, 6, 26), "metadata", "26 Jun 2009"),
        (date(2005, 11, 2), "text", "2 Nov 2005 (date inferred from text)"),
        (
            date(2022, 5, 23),
            "updated",
            "23 May 2022 (last updated; first published earlier or then)",
        ),
        (None, "none", "undated"),
        (None, "metadata", "undated"),
    ],
)
def test_format_date_says_where_the_date_came_from(
    published: date | None, basis: str, expected: str
) -> None:
    assert blocks.format_date(published, basis) == expected


def test_context_line_links_the_title_and_names_publisher_and_date() -> None:
    assert blocks.hit_source_line(make_hit()) == (
        "<https://euobserver.com/world/28376|Nato woos Kazakhstan at security forum>"
        " — EUobserver, 26 Jun 2009"
    )


def test_context_line_for_inferred_and_missing_dates() -> None:
    inferred = make_hit(date_basis="text", url=None)
    assert blocks.hit_source_line(inferred) == (
        "Nato woos Kazakhstan at security forum — EUobserver, 26 Jun 2009 (date inferred from text)"
    )
    undated = make_hit(published=None, date_basis="none", publisher=None, url=None)
    assert blocks.hit_source_line(undated) == "Nato woos Kazakhstan at security forum, undated"


def test_only_http_urls_are_linked_and_pipes_cannot_break_the_link() -> None:
    assert "<" not in blocks.hit_source_line(make_hit(url="javascript:alert(1)"))
    line = blocks.hit_source_line(make_hit(url="https://x.org/a?b=1&c=|d"))
    assert line.startswith("<https://x.org/a?b=1&amp;c=%7Cd|")


def test_highlight_offsets_are_bolded_inside_the_blockquote() -> None:
    text, cut = blocks.quote_mrkdwn("First sentence. Second sentence.", ((16, 32),))
    assert text == "> First sentence. *Second sentence.*"
    assert not cut


def test_bold_keeps_spaces_outside_the_stars_and_spans_lines_one_by_one() -> None:
    quote = "Intro text. Bold part\ncontinues here. Tail."
    text, _ = blocks.quote_mrkdwn(quote, ((11, 37),))
    assert text == "> Intro text. *Bold part*\n> *continues here.* Tail."


def test_highlights_are_clipped_merged_and_out_of_range_ones_ignored() -> None:
    text, _ = blocks.quote_mrkdwn("abc def ghi", ((0, 3), (2, 7), (50, 60), (-5, 0)))
    assert text == "> *abc def* ghi"


def test_quote_text_is_escaped_inside_and_outside_bold() -> None:
    quote = "Tell <!channel> & <@U123>. Then <!here> again."
    text, _ = blocks.quote_mrkdwn(quote, ((0, 26),))
    assert "<!" not in text and "<@" not in text
    assert "*Tell &lt;!channel&gt; &amp; &lt;@U123&gt;.*" in text


def test_long_quote_is_cut_at_a_sentence_end_within_3000_characters() -> None:
    sentence = "Kazakhstan and NATO agreed to deepen their partnership this year. "
    quote = sentence * 80  # ~5,300 characters
    text, cut = blocks.quote_mrkdwn(quote, ((0, len(quote)),))
    assert cut
    assert len(text) <= 3000
    assert text.endswith("year.* …")


def test_heavily_escaped_quote_still_fits() -> None:
    quote = "&<> " * 1500
    text, cut = blocks.quote_mrkdwn(quote)
    assert cut and len(text) <= 3000


def test_a_cut_quote_is_noted_next_to_its_source() -> None:
    answer = make_answer((make_hit("word " * 1000, highlights=()),))
    built = blocks.answer_blocks(answer)
    contexts = [e["text"] for b in built if b["type"] == "context" for e in b["elements"]]
    assert any(messages.QUOTE_SHORTENED in text for text in contexts)


def test_answer_has_header_quotes_sources_and_stays_within_limits() -> None:
    hits = tuple(make_hit(f"Passage {n}. " + "text " * 700, chunk_id=str(n)) for n in range(40))
    question = "Why? " * 100
    value = share.encode(share.ShareRequest(question, 40, None))
    built = blocks.answer_blocks(make_answer(hits, question=question), share_value=value)
    assert len(built) <= blocks.MAX_BLOCKS
    assert built[0]["type"] == "header" and len(built[0]["text"]["text"]) <= 150
    for block in built:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "more passages not shown" in json.dumps(built)
    assert built[-1]["elements"][0]["action_id"] == share.ACTION_ID


def test_no_match_explains_what_the_corpus_covers_and_quotes_nothing() -> None:
    answer = make_answer((), question="best cake recipe", covers="The corpus covers NATO.")
    built = blocks.answer_blocks(answer)
    text = json.dumps(built)
    assert "I found nothing in the corpus" in text and "The corpus covers NATO." in text
    assert not any(b["type"] == "section" and b["text"]["text"].startswith(">") for b in built)
    assert blocks.answer_text(answer).startswith("Nothing in the corpus answers")


def test_filters_and_store_notes_are_shown() -> None:
    answer = make_answer(
        (make_hit(),),
        filters=DateFilter(since=date(2008, 1, 1)),
        notes=("question trimmed to 1000 characters",),
    )
    text = json.dumps(blocks.answer_blocks(answer))
    assert "since 2008-01-01" in text and "question trimmed to 1000 characters" in text


def test_brief_is_titled_as_a_brief_and_said_to_be_oldest_first() -> None:
    answer = make_answer((make_hit(),), question="PfP", sort="date")
    built = blocks.answer_blocks(answer)
    assert built[0]["text"]["text"] == "Brief: PfP"
    assert "oldest first" in json.dumps(built)


def test_no_user_or_corpus_text_can_ping_anyone() -> None:
    evil = " ".join(PINGS)
    hit = make_hit(f"Quote {evil}. More.", title=f"Title {evil}", publisher=f"Pub {evil}")
    answer = make_answer(
        (hit,), question=f"Q {evil}", notes=(f"note {evil}",), covers=f"covers {evil}"
    )
    docs = [
        DocumentInfo(
            doc_id="d",
            title=f"Doc {evil}",
            author=None,
            publisher=evil,
            url=None,
            published=None,
            date_basis="none",
            chunk_count=1,
            source_path="x",
        )
    ]
    info = IndexInfo("g", "loc", f"model {evil}", 1, f"built {evil}", tuple(docs))
    outputs = [
        blocks.answer_blocks(answer, share_value="v"),
        blocks.answer_blocks(replace(answer, hits=())),
        blocks.answer_text(answer),
        blocks.answer_text(replace(answer, hits=())),
        blocks.sources_blocks(docs),
        blocks.home_view(info, docs),
    ]
    for output in outputs:
        text = json.dumps(output, ensure_ascii=False)
        for ping in PINGS:
            assert ping not in text
        assert "&lt;!channel&gt;" in text


def test_sources_list_dates_and_basis_within_limits() -> None:
    docs = [
        DocumentInfo(
            doc_id=f"d{n}",
            title=f"Document number {n} " + "x" * 200,
            author=None,
            publisher="CACI Analyst",
            url=None,
            published=date(2005, 11, 2),
            date_basis="text" if n % 2 else "metadata",
            chunk_count=n,
            source_path="x",
        )
        for n in range(300)
    ]
    built = blocks.sources_blocks(docs)
    assert len(built) <= blocks.MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in built if b["type"] == "section")
    text = json.dumps(built)
    assert "2 Nov 2005 (date inferred from text)" in text and "(299 passages)" in text


def test_home_view_says_what_the_bot_knows_and_how_to_ask() -> None:
    docs = [
        DocumentInfo(
            doc_id="d",
            title="Nato woos Kazakhstan at security forum",
            author=None,
            publisher="EUobserver",
            url=None,
            published=date(2009, 6, 26),
            date_basis="metadata",
            chunk_count=7,
            source_path="x",
        )
    ]
    info = IndexInfo("g", "loc", "all-MiniLM-L6-v2", 384, "2025-01-01T00:00:00Z", tuple(docs))
    view = blocks.home_view(info, docs)
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and len(view["blocks"]) <= blocks.MAX_HOME_BLOCKS
    for expected in (
        "Nato woos Kazakhstan at security forum — EUobserver, 26 Jun 2009",
        "2025-01-01T00:00:00Z",
        "/kz-brief",
        "since:2008",
        "before:2006",
        "in:2005",
        "brief TOPIC",
        messages.EXAMPLE_QUESTIONS[0],
    ):
        assert expected in text
    assert messages.HOME_INDEX_MISSING in json.dumps(blocks.home_view(None, []))


def test_share_value_round_trips_and_stays_under_2000_characters() -> None:
    request = share.ShareRequest("“Ünïcode” & <stuff> " * 200, 6, "date")
    value = share.encode(request)
    assert len(value) <= 2000
    decoded = share.decode(value)
    assert decoded.k == 6 and decoded.sort == "date"
    assert request.question.startswith(decoded.question[:100])
    with pytest.raises(ValueError):
        share.decode("not json")


# --- Source cards --------------------------------------------------------------------------


def make_card(**changes: object) -> SourceCard:
    doc = DocumentInfo(
        doc_id="caci",
        title="Kazakhstan lays legal basis <!channel>",
        author="Roger N. McDermott",
        publisher="CACI Analyst",
        url="https://cacianalyst.org/item/10416",
        published=date(2005, 11, 2),
        date_basis="metadata",
        chunk_count=12,
        source_path="/seeds/caci.txt",
        genre="Analytical article",
    )
    card = SourceCard(
        doc,
        byline=Quote("By Roger N McDermott (11/2/2005 issue of the CACI Analyst)", 125, 183),
        dateline=Quote("Wednesday, 02 November 2005", 0, 27),
    )
    return replace(card, **changes)  # type: ignore[arg-type]


def test_a_source_card_shows_the_facts_and_quotes_byline_and_dateline_with_offsets() -> None:
    answer = make_answer((), question="Who wrote the CACI piece?", sources=(make_card(),))
    built = blocks.answer_blocks(answer, today=date(2026, 1, 1))
    dumped = json.dumps(built, ensure_ascii=False)
    assert messages.SOURCE_CARDS_NOTE in dumped
    assert "Roger N. McDermott · CACI Analyst" in dumped and "Analytical article" in dumped
    assert "2 Nov 2005 · 20 years old — date from the document's metadata" in dumped
    assert (
        "<https://cacianalyst.org/item/10416|*Kazakhstan lays legal basis &lt;!channel&gt;*>"
        in (dumped)
    )
    assert "> By Roger N McDermott (11/2/2005 issue of the CACI Analyst)" in dumped
    assert "Byline, quoted from caci.txt (characters 125–183)" in dumped
    assert "Dateline, quoted from caci.txt (characters 0–27)" in dumped
    assert "<!channel>" not in dumped
    assert not answer.no_match and "CACI" in blocks.answer_text(answer)


def test_a_line_that_is_both_byline_and_dateline_is_quoted_once() -> None:
    line = Quote("Posted on 3 October 2022 by Aliya Seitkali", 300, 342)
    card = make_card(byline=line, dateline=line)
    assert len(blocks.card_quotes(card)) == 1
    unknown = replace(card.document, author=None, publisher=None, date_basis="text",
                      date_note="dateline '3 October 2022' in the page header")  # fmt: skip
    lines = blocks.source_card_lines(make_card(document=unknown))
    assert "author not recorded · publisher not recorded" in lines
    assert any("date read from its text (dateline" in line for line in lines)


def test_many_source_cards_stay_within_slack_limits() -> None:
    answer = make_answer((), sources=tuple(make_card() for _ in range(30)))
    built = blocks.answer_blocks(answer)
    assert len(built) <= blocks.MAX_BLOCKS
    assert "more" in json.dumps(built[-1])
