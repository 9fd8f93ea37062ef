"""Dating: metadata first, then a dateline the article does not contradict, then none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.ingest.corpus import read_document
from store.ingest.dates import contradicts, date_from_text, find_dates, weekday_references
from store.ingest.prepare import prepare
from tests.conftest import SEEDS

EUOBSERVER = SEEDS / "euobserver-2009-nato-woos-kazakhstan.txt"
CACI = SEEDS / "caci-2005-kazakhstan-legal-basis-nato.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19th Mar 2018", date(2018, 3, 19)),
        ("Wednesday, 02 November 2005", date(2005, 11, 2)),
        ("June 26, 2009", date(2009, 6, 26)),
        ("published 2009-06-26 in Brussels", date(2009, 6, 26)),
        ("(11/2/2005 issue of the Analyst)", date(2005, 11, 2)),
        ("3rd of Sept. 2014", date(2014, 9, 3)),
        ("14 September 2022, 16:20", date(2022, 9, 14)),
        ("2022-09-14T16:20:00+06:00", date(2022, 9, 14)),
        ("14.09.2022 16:20", date(2022, 9, 14)),
        ("14/09/2022", date(2022, 9, 14)),
        ("09/14/2022", date(2022, 9, 14)),
        ("14 сентября 2022 г.", date(2022, 9, 14)),
        ("2022 жылғы 14 қыркүйек", date(2022, 9, 14)),
        ("2022 ж. 14 қыркүйекте", date(2022, 9, 14)),
        ("14 қыркүйек 2022 ж.", date(2022, 9, 14)),
        ("Жарияланды: 2021 жылы 3 наурызда", date(2021, 3, 3)),
        ("2010 жылғы 31 желтоқсандағы № 1 қаулы", date(2010, 12, 31)),  # "of 31 December"
        ("2021 жылғы 3 қыркүйектегі кездесу", date(2021, 9, 3)),
        ("08, Jan 2022", date(2022, 1, 8)),
        ("• Last updated 10-Jul-2014 17:43", date(2014, 7, 10)),
        ("25 / 06 / 2013", date(2013, 6, 25)),
        ("9 янв 2022", date(2022, 1, 9)),
        ("08.02.2019г. в 20:30", date(2019, 2, 8)),
    ],
)
def test_find_dates_reads_the_forms_captures_use(text: str, expected: date) -> None:
    assert [m.value for m in find_dates(text)] == [expected]


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("31 February 2009 and 13/45/2009 and 31.02.2009") == []


def test_a_slashed_date_that_reads_both_ways_is_marked_ambiguous() -> None:
    (mention,) = find_dates("11/2/2005")
    assert mention.value == date(2005, 11, 2) and mention.ambiguous
    assert not find_dates("14/09/2022")[0].ambiguous


def test_weekday_references_without_a_year() -> None:
    refs = weekday_references("On Thursday (25 June) he spoke; on Monday, March 3 too.")
    assert refs == [(3, 25, 6), (0, 3, 3)]


def test_a_weekday_that_does_not_fit_the_year_contradicts_the_date() -> None:
    thursday_25_june = [(3, 25, 6)]
    assert not contradicts(date(2009, 6, 26), thursday_25_june)  # a Thursday in 2009
    assert contradicts(date(2018, 3, 19), thursday_25_june)  # not in 2017 or 2018


def test_capture_date_in_header_is_rejected_when_the_article_contradicts_it() -> None:
    text = "19th Mar 2018\n\nHeadline\n\nIn his speech on Thursday (25 June) the minister said."
    decision = date_from_text(text)
    assert decision.published is None
    assert "capture date" in decision.reason


def test_header_dateline_is_used_when_nothing_contradicts_it() -> None:
    text = "Wednesday, 02 November 2005\n\nHeadline\n\nOn October 5 talks were held."
    assert date_from_text(text).published == date(2005, 11, 2)


def test_dates_deep_in_the_body_are_not_datelines() -> None:
    text = "Headline\n\n" + "Words of the article. " * 60 + "It was 4 May 1999."
    assert date_from_text(text).published is None


def _without_metadata(tmp_path: Path, source: Path):
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    return prepare(read_document(copy, copy.stem))


def test_seed_dates_come_from_metadata() -> None:
    for path, expected in ((EUOBSERVER, date(2009, 6, 26)), (CACI, date(2005, 11, 2))):
        ready = prepare(read_document(path, path.stem))
        assert (ready.published, ready.date_basis) == (expected, "metadata")
        assert not any("dated" in w for w in ready.warnings)


def test_without_metadata_neither_seed_is_dated_2018(tmp_path: Path) -> None:
    euobserver = _without_metadata(tmp_path, EUOBSERVER)
    caci = _without_metadata(tmp_path, CACI)
    assert euobserver.published is None and euobserver.date_basis == "none"
    assert caci.published == date(2005, 11, 2) and caci.date_basis == "text"
    assert any("undated" in w for w in euobserver.warnings)
    assert any("only from its text" in w for w in caci.warnings)


def test_metadata_without_published_falls_back_to_text(tmp_path: Path) -> None:
    copy = tmp_path / "caci.txt"
    copy.write_bytes(CACI.read_bytes())
    (tmp_path / "caci.meta.toml").write_text('title = "CACI piece"\n', encoding="utf-8")
    ready = prepare(read_document(copy, "caci"))
    assert (ready.published, ready.date_basis, ready.title) == (
        date(2005, 11, 2),
        "text",
        "CACI piece",
    )


# --- where a page states its own date --------------------------------------------------------

HEADLINE = "Kazakhstan and NATO review peacekeeping cooperation for the coming year"
BODY = [
    "The First Deputy Minister of Defence met a delegation of NATO staff in Astana to review "
    "the cooperation plan and the training of peacekeepers for the coming year.",
    "The parties noted that the peacekeeping brigade had completed its evaluation and agreed "
    "to hold the next round of talks in Brussels after the summer exercises.",
    "The delegation was also briefed on preparations for the exercise, which will be held at "
    "a training range near Almaty with units from partner countries.",
]


def _page(*lines: str, body: list[str] = BODY, after: tuple[str, ...] = ()) -> str:
    return "\n\n".join([*lines, *body, *after]) + "\n"


def test_a_date_inside_a_sentence_is_an_event_not_the_publication_date() -> None:
    first = "On 27 May 1994 Kazakhstan signed the Partnership for Peace Framework Document."
    decision = date_from_text(_page("Fact sheet", HEADLINE, body=[first, *BODY]))
    assert decision.published is None
    assert "no publication date" in decision.reason


@pytest.mark.parametrize(
    "line", ["14 September 2022, 16:20", "14.09.2022 16:20", "14/09/2022", "2022-09-14T16:20"]
)
def test_a_date_line_under_a_long_site_banner_dates_the_page(line: str) -> None:
    banner = [
        "An official website of the Ministry of Defence of the Republic of Kazakhstan",
        "Government addresses end in gov.kz. Websites of state bodies are published only under "
        "that domain, and every one of them uses a secure connection for its visitors.",
        *["Ministry", "Press centre", "Documents", "Contacts", "Search"],
        "Home / Press centre / News",
    ]
    decision = date_from_text(_page(*banner, HEADLINE, line, "Photo: press service"))
    assert (decision.published, decision.precision) == (date(2022, 9, 14), "day")
    assert "date line" in decision.reason


def test_the_original_date_wins_over_updated_and_capture_dates() -> None:
    header = ["Captured 2 June 2020", HEADLINE, "Updated 5 May 2019, 10:00", "Published 3 May 2019"]
    assert date_from_text(_page(*header)).published == date(2019, 5, 3)
    one_line = "Published 3 May 2019 · Last updated 5 May 2019"
    assert date_from_text(_page(HEADLINE, one_line)).published == date(2019, 5, 3)


def test_an_updated_date_alone_is_used_and_labelled_as_such() -> None:
    decision = date_from_text(_page(HEADLINE, "Last modified: 5 May 2019"))
    assert decision.published == date(2019, 5, 5)
    assert "'Updated' line" in decision.reason and "original may be earlier" in decision.reason
    assert decision.updated
    assert not date_from_text(_page(HEADLINE, "5 May 2019", "Last modified: 7 May 2019")).updated


def test_a_page_dated_only_by_its_update_has_the_basis_updated(tmp_path: Path) -> None:
    path = tmp_path / "topic.txt"
    path.write_text(_page(HEADLINE, "Last updated: 23 May 2022 15:32"), encoding="utf-8")
    ready = prepare(read_document(path, "topic"))
    assert (ready.published, ready.date_basis) == (date(2022, 5, 23), "updated")


@pytest.mark.parametrize("label", ["Retrieved", "Accessed on", "Captured", "Archived"])
def test_a_capture_date_alone_leaves_the_page_undated(label: str) -> None:
    decision = date_from_text(_page(HEADLINE, f"{label} 4 June 2020"))
    assert decision.published is None and "capture or retrieval date" in decision.reason


@pytest.mark.parametrize(
    "opening",
    [
        "ASTANA, 14 September 2022 (Steppe Wire) - ",
        "ASTANA, Kazakhstan, Sept. 14, 2022 -- ",
        "Astana, 14 сентября 2022 – ",
        "September 14, 2022: ",  # the date alone opens the first paragraph
        "Казахстан, 14 сентября, 2022, 14:12 — ИА Степь. ",  # with the clock time
        "ASTANA, Sept. 14, 2022, 9:05 a.m. (Steppe Wire) - ",
    ],
)
def test_a_wire_story_is_dated_by_its_opening_dateline(opening: str) -> None:
    decision = date_from_text(_page(HEADLINE, "By Dana Omarova", body=[opening + BODY[0], *BODY]))
    assert decision.published == date(2022, 9, 14) and "opening dateline" in decision.reason


def test_a_dateline_without_a_year_takes_the_year_of_the_updated_line() -> None:
    first = "ASTANA, Sept. 14 (Steppe Wire) - " + BODY[0]
    decision = date_from_text(_page(HEADLINE, "(Updated Sept. 15, 2022)", body=[first, *BODY]))
    assert decision.published == date(2022, 9, 14) and "no year" in decision.reason
    assert date_from_text(_page(HEADLINE, body=[first, *BODY])).published is None


def test_a_closing_date_line_dates_a_release_but_comment_dates_do_not() -> None:
    release = _page(HEADLINE, after=("Astana, 14 September 2022", "Press service"))
    decision = date_from_text(release)
    assert decision.published == date(2022, 9, 14) and "closing" in decision.reason
    blog = _page(HEADLINE, after=("3 comments", "Marat S.", "15 September 2022 at 08:14"))
    assert date_from_text(blog).published is None


def test_a_cover_line_with_only_a_month_gives_month_precision() -> None:
    cover = ["EURASIA SECURITY PROGRAMME", "POLICY BRIEF No. 14 · MARCH 2011", HEADLINE]
    decision = date_from_text(_page(*cover))
    assert (decision.published, decision.precision) == (date(2011, 3, 1), "month")


@pytest.mark.parametrize("line", ["2011 жылғы наурыз", "Наурыз 2011", "МАРТ 2011"])
def test_a_month_named_in_kazakh_or_russian_gives_month_precision(line: str) -> None:
    decision = date_from_text(_page(HEADLINE, line))
    assert (decision.published, decision.precision) == (date(2011, 3, 1), "month")


def test_a_slashed_date_that_reads_both_ways_is_not_guessed() -> None:
    assert date_from_text(_page(HEADLINE, "05/06/2022")).published is None
    assert date_from_text(_page(HEADLINE, "25/06/2022")).published == date(2022, 6, 25)


@pytest.mark.parametrize(
    ("lines", "published", "precision", "shown"),
    [
        (("POLICY BRIEF No. 14 · MARCH 2011", HEADLINE), date(2011, 3, 1), "month", "2011-03"),
        ((HEADLINE, "Steppe Quarterly, Vol. 9, No. 3 (2015)"), date(2015, 1, 1), "year", "2015"),
    ],
)
def test_a_page_dated_to_a_month_or_year_is_prepared_with_that_precision(
    tmp_path: Path, lines: tuple[str, ...], published: date, precision: str, shown: str
) -> None:
    path = tmp_path / "brief.txt"
    path.write_text(_page(*lines), encoding="utf-8")
    ready = prepare(read_document(path, "brief"))
    assert (ready.published, ready.date_precision, ready.date_basis) == (
        published,
        precision,
        "text",
    )
    assert any(f"dated {shown} only from its text" in w for w in ready.warnings)


@pytest.mark.parametrize(
    ("headline", "title"),
    [
        ("# Regional Security Digest", "Regional Security Digest"),
        ("Analysis: Kazakhstan weighs its NATO options", "Kazakhstan weighs its NATO options"),
        ("Kazakhstan weighs its NATO options | Steppe Wire", "Kazakhstan weighs its NATO options"),
        # A page template's placeholder the capture kept unfilled (a comment count).
        (
            "Kazakhstan weighs its NATO options ({{commentsTotal}})",
            "Kazakhstan weighs its NATO options",
        ),
        ("Kazakhstan weighs its NATO options {{ views }}", "Kazakhstan weighs its NATO options"),
    ],
)
def test_a_title_found_in_the_text_loses_markup_kicker_and_site_name(
    tmp_path: Path, headline: str, title: str
) -> None:
    path = tmp_path / "page.txt"
    path.write_text(_page(headline), encoding="utf-8")
    assert prepare(read_document(path, "page")).title == title


@pytest.mark.parametrize(
    "line",
    [
        "Source: Steppe Quarterly, Volume 9, Issue 3, p. 10-20 (2015)",
        "JOURNAL OF STEPPE STUDIES No. 2(40), 2015",
        "«Вестник степи», Алматы, 2015 г., № 3, с. 5-17.",
    ],
)
def test_a_journal_issue_line_gives_year_precision(line: str) -> None:
    decision = date_from_text(_page(HEADLINE, line))
    assert (decision.published, decision.precision) == (date(2015, 1, 1), "year")
    assert "journal issue line" in decision.reason
    # A month or a day on the page is more precise and wins.
    dated = date_from_text(_page(HEADLINE, line, "March 2015"))
    assert (dated.published, dated.precision) == (date(2015, 3, 1), "month")


@pytest.mark.parametrize(
    "line",
    [
        "Vol. 12, No. 4 (2014), reprinted 2015",  # two years: which one is not said
        "Resolution No. 1325 was adopted in 2000 by all members of the council.",  # a sentence
        "Copyright 2015 Steppe Review",  # no issue
    ],
)
def test_no_year_is_guessed_from_other_lines(line: str) -> None:
    assert date_from_text(_page(HEADLINE, line)).published is None


def test_an_issue_number_before_a_month_is_no_day() -> None:
    decision = date_from_text(_page("Research Division, Rome - No. 79 June 2012", HEADLINE))
    assert (decision.published, decision.precision) == (date(2012, 6, 1), "month")
    assert date_from_text(_page(HEADLINE, "31 June 2012")).published is None


def test_an_issue_number_with_a_comma_before_a_month_is_no_day() -> None:
    decision = date_from_text(_page("Research Division - No. 8, June 2012", HEADLINE))
    assert (decision.published, decision.precision) == (date(2012, 6, 1), "month")


def test_a_date_that_opens_a_sentence_of_the_body_is_no_dateline() -> None:
    first = "September 14, 2022 was the day the ministry chose for the first exercise."
    assert date_from_text(_page(HEADLINE, body=[first, *BODY])).published is None


RUSSIAN_BODY = [
    "Учения пройдут на полигоне близ Алматы с участием военных трёх стран, сообщили в "
    "министерстве обороны.",
    "В них примут участие около тысячи военнослужащих, добавили в ведомстве.",
]


def test_a_slashed_date_on_a_cyrillic_page_reads_day_first() -> None:
    """Russian and Kazakh pages write numeric dates day-first; an English page's "05/08/2013"
    could be either and dates nothing."""
    headline = "В Казахстане пройдут учения"
    decision = date_from_text(_page(headline, "05 / 08 / 2013", body=RUSSIAN_BODY))
    assert decision.published == date(2013, 8, 5)
    assert date_from_text(_page(HEADLINE, "05 / 08 / 2013")).published is None


@pytest.mark.parametrize(("caption_day", "dated"), [("09.01.2022", True), ("08.01.2022", False)])
def test_a_dateline_without_a_year_takes_it_from_the_same_day_in_the_header(
    caption_day: str, dated: bool
) -> None:
    caption = f"Военные на учениях - Агентство, 1920, {caption_day}"
    first = "ЕРЕВАН, 9 янв — Агентство. " + RUSSIAN_BODY[0]
    decision = date_from_text(_page("Миротворцы начали охрану объектов", caption, body=[first]))
    # A header date of another day is only a short header line, never the dateline's year.
    assert ("no year" in decision.reason) is dated
    if dated:
        assert decision.published == date(2022, 1, 9)


def test_an_infobox_date_of_what_the_page_is_about_does_not_date_it() -> None:
    rows = (
        "KAZBAT",
        "Active31 January 2000 – Present",
        "Founded 12 May 1995",
        "Country Kazakhstan",
    )
    assert date_from_text(_page(*rows, HEADLINE)).published is None


def test_a_stamp_printed_over_every_page_does_not_date_the_document() -> None:
    """A document viewer's capture prints "8/13/2019 97-1058" over each page; the report's
    own date stands under its title on the cover."""
    stamp = "• 8/13/2019 12-3456"
    cover = ("Steppe Report for Parliament", HEADLINE, "Jane Example", "July 22, 2013")
    page_two = (stamp, "2/28", HEADLINE, "Summary")
    decision = date_from_text(_page(stamp, "1/28", *cover, *page_two))
    assert decision.published == date(2013, 7, 22)


def test_a_press_release_line_dates_the_release() -> None:
    line = "IMMEDIATE RELEASE July 20, 1998 (703)555-0100(public/industry)"
    decision = date_from_text(_page("News Release", "No. 377-98", line, HEADLINE))
    assert decision.published == date(1998, 7, 20) and "page header" in decision.reason


def test_an_infobox_history_of_dates_does_not_date_the_page() -> None:
    """A reference page's infobox lists its subject's history as bulleted dates: those
    are the subject's dates, not the page's; one dated line alone still dates it."""
    history = [
        "• 14 March 1995 (as the joint battalion)",
        "• 2 June 2000 (as the peacekeeping brigade)",
    ]
    undated = date_from_text(
        "\n".join(["Steppe Peacekeeping Brigade", "Formation", *history])
        + "\n\n"
        + "\n\n".join(BODY)
        + "\n"
    )
    assert undated.published is None
    dated = date_from_text(_page(HEADLINE, "• 2 June 2000"))
    assert dated.published == date(2000, 6, 2)
