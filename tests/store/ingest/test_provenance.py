"""What a page's dropped lines still tell: section headings, the kind of document, and the
byline and dateline quoted on source cards (verbatim spans of the file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.index.context import context_line, embedding_text
from store.ingest.corpus import read_document
from store.ingest.prepare import PreparedDocument, prepare
from store.ingest.provenance import author_from_byline
from store.ingest.words import common_words, read_vocabulary
from tests.conftest import REPO, SEEDS

CORPUS = REPO / "tests" / "eval" / "corpus"


def _prepared(path: Path):
    return prepare(read_document(path, path.stem))


def test_byline_and_dateline_are_verbatim_spans_of_the_file() -> None:
    path = SEEDS / "caci-2005-kazakhstan-legal-basis-nato.txt"
    ready = _prepared(path)
    text = path.read_text(encoding="utf-8")
    assert ready.byline.text.startswith("By Roger N McDermott")
    assert text[ready.byline.start : ready.byline.end] == ready.byline.text
    assert ready.dateline.text == "Wednesday, 02 November 2005"
    assert text[ready.dateline.start : ready.dateline.end] == ready.dateline.text


def test_a_capture_date_in_the_header_is_no_dateline() -> None:
    ready = _prepared(SEEDS / "euobserver-2009-nato-woos-kazakhstan.txt")
    assert ready.published == date(2009, 6, 26) and ready.dateline is None


def test_a_byline_that_dates_the_page_is_both() -> None:
    ready = _prepared(CORPUS / "spf-2022-multivector-under-strain.txt")
    assert ready.byline == ready.dateline
    assert ready.byline.text == "Posted on 3 October 2022 by Aliya Seitkali"


def test_a_closing_date_line_is_the_dateline_of_a_page_dated_at_its_end() -> None:
    path = REPO / "tests" / "store" / "ingest" / "styles" / "parliament_hearing_transcript.txt"
    ready = _prepared(path)
    assert ready.published == date(2022, 9, 14) and ready.dateline.text == "Astana, 14.09.2022"
    text = path.read_text(encoding="utf-8")
    assert text[ready.dateline.start : ready.dateline.end] == ready.dateline.text


def test_section_headings_and_the_kind_of_document() -> None:
    digest = _prepared(CORPUS / "digest-2019-regional-security.md")
    assert "Disaster response" in digest.headings and "Training" in digest.headings
    assert digest.headings[0] == ""  # the digest's first passage sits under no heading
    assert _prepared(CORPUS / "esp-2011-ndn-policy-brief.txt").genre == "Policy brief"
    assert _prepared(CORPUS / "astana-weekly-2014-defence-interview.txt").genre == "Interview"
    # A title's "Review Process" and a site menu's "Opinion" name no kind of document.
    assert _prepared(CORPUS / "mod-2002-parp-release.txt").genre == ""
    assert _prepared(CORPUS / "steppe-wire-2022-csto-withdrawal.txt").genre == ""


def test_the_context_line_a_passage_is_embedded_with() -> None:
    line = context_line("Rails, roads", "ESP", date(2011, 3, 1), "Risks", "Policy brief")
    assert line == "Rails, roads — ESP, March 2011. Policy brief. Risks"
    assert context_line("T", None, date(2005, 1, 1), precision="year") == "T, 2005"
    assert context_line(None, None, None) == ""
    assert embedding_text("The passage.", line) == f"{line}.\nThe passage."
    assert embedding_text("The passage.", "") == "The passage."


def test_a_page_without_metadata_takes_its_author_from_its_byline() -> None:
    ready = _prepared(CORPUS / "spf-2022-multivector-under-strain.txt")
    assert ready.source.metadata.author is None
    assert ready.author == "Aliya Seitkali"
    # Metadata wins over the byline when it names the author.
    seeded = _prepared(SEEDS / "caci-2005-kazakhstan-legal-basis-nato.txt")
    assert seeded.author == seeded.source.metadata.author


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By Roger N McDermott (11/2/2005 issue of the Analyst)", "Roger N McDermott"),
        ("BY DANA OMAROVA", "Dana Omarova"),
        ("Posted on 3 October 2022 by Aliya Seitkali", "Aliya Seitkali"),
        ("By Jane Doe and John Roe, Staff Correspondents", "Jane Doe and John Roe"),
        ("By Jane Doe, Senior Fellow at the Caspian Institute", "Jane Doe"),
        ("By Jane Doe | 12 March 2021", "Jane Doe"),
        ("By Capt. Jane Doe Public Affairs", "Capt. Jane Doe"),
        ("By Maj. Jane Example U.S. Army Central", "Maj. Jane Example"),
        ("By Sgt. Jane Example Arizona National Guard Public Affairs", "Sgt. Jane Example"),
        ("By Lt. Col. Jane Doe Example", "Lt. Col. Jane Doe Example"),  # a three-word name
        ("By Col. Jane Example and Dr. John Roe", "Col. Jane Example and Dr. John Roe"),
        ("By Col. Jane Example, Steppe Defence Academy, and Dr. John Roe", "Col. Jane Example"),
        ("By Jane Example Army Public Affairs", "Jane Example"),
        ("By Jane Doe March 3, 2019", "Jane Doe"),
        ("By April Smith", "April Smith"),
        ("BY ARMAN KEMELBEKOV, STEPPE WIRE WRITER", "Arman Kemelbekov"),
        ("Author: Aidos K. Sarym", "Aidos K. Sarym"),
        ("Автор: Иван Петров", "Иван Петров"),
        ("by NATO Secretary General, Jane Example", "Jane Example"),  # office, then name
        ("by Mr. Jan Example, Minister of Foreign Affairs, at the council", "Mr. Jan Example"),
        ("Keynote speech by Jane Example, Foreign Minister, at the forum", "Jane Example"),
        ("Remarks by the Deputy Minister of Defence at the conference", None),  # no name
        ("Remarks by Deputy Minister of Defence Jane Example at the conference", None),
        ("Remarks as Prepared for Delivery by Jane Example, Ambassador", "Jane Example"),
        ("by NATO Secretary General Lord Example at the Academy", "Lord Example"),
        ("Edited by Jane Doe", None),
        ("Photo by Jane Doe", None),
        ("By Steppe Wire Staff", None),
        ("By 2007, the plan had stalled", None),
    ],
)
def test_the_author_a_byline_names(line: str, author: str | None) -> None:
    assert author_from_byline(line) == author


def test_a_quoted_title_broken_after_its_colon_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "speech.txt"
    body = [
        "It is a great pleasure to be back in Almaty, and to speak at this academy again.",
        "Our partnership has grown since the first exercises, and it will keep growing.",
    ]
    path.write_text(
        "\n\n".join(["“ NATO and Kazakhstan :", "Meeting New Challenges Together”", *body]),
        encoding="utf-8",
    )
    ready = prepare(read_document(path, "speech"))
    assert ready.title == "NATO and Kazakhstan: Meeting New Challenges Together"


def test_an_author_label_with_the_name_on_the_next_line(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    body = [
        "Peacekeepers began leaving the country on Thursday, the defence ministry said.",
        "The withdrawal is expected to take ten days, officials told reporters in Almaty.",
    ]
    text = "\n".join(["Peacekeepers begin to leave", "Author:", "Ivan Petrov", "", *body])
    path.write_text(text, encoding="utf-8")
    ready = prepare(read_document(path, "news"))
    assert ready.author == "Ivan Petrov"
    assert ready.byline.text == "Author:\nIvan Petrov"
    assert text[ready.byline.start : ready.byline.end] == ready.byline.text


def test_a_wire_story_without_a_byline_takes_its_writer_from_the_closing_credits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wire.txt"
    credits = "(Reporting by Dana Omarova in Almaty; Writing by Jane Doe; Editing by John Roe)"
    body = [
        "ALMATY, May 3 (Steppe Wire) - Kazakhstan will host a NATO-backed exercise in August, "
        "the defence ministry said on Tuesday.",
        "About 1,200 troops will take part in the two-week exercise north of Almaty, it said.",
    ]
    text = "\n\n".join(["Kazakhstan to host drills with NATO partners", *body, credits]) + "\n"
    path.write_text(text, encoding="utf-8")
    ready = prepare(read_document(path, "wire"))
    assert ready.author == "Jane Doe"
    assert ready.byline.text == credits
    assert text[ready.byline.start : ready.byline.end] == credits


def test_a_closing_by_line_names_the_author(tmp_path: Path) -> None:
    path = tmp_path / "column.txt"
    body = [
        "Kazakhstan has sent officers to partner courses every year since the programme began.",
        "The ministry expects the number of places to grow again next year, officials said.",
    ]
    text = "\n\n".join(["Officers head abroad for courses", *body, "By Marat Oskenov"]) + "\n"
    path.write_text(text, encoding="utf-8")
    ready = prepare(read_document(path, "column"))
    assert ready.author == "Marat Oskenov"
    assert ready.byline.text == "By Marat Oskenov"


def _news_page(tmp_path: Path, under_headline: str, body_extra: str = "") -> Path:
    path = tmp_path / "item.txt"
    body = [
        "Kazakh and partner engineers began a two-week demining course near Balkhash on "
        f"Tuesday, the defence ministry said.{body_extra}",
        "The course brings together twenty sappers and eight instructors from partner armies.",
    ]
    headline = "Engineers begin demining course at a steppe range"
    path.write_text("\n\n".join([headline, under_headline, "14 May 2024", *body]), "utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Dr Ainur Example-Bekova", "Ainur Example-Bekova"),
        ("Yerlan ZHAKSYBEKOV", "Yerlan Zhaksybekov"),
        ("Мадина Жаксылыкова", "Мадина Жаксылыкова"),
        ("Gulnara Example1", "Gulnara Example"),  # a footnote mark after the name
    ],
)
def test_a_name_alone_under_the_headline_is_the_author(
    tmp_path: Path, line: str, author: str
) -> None:
    path = _news_page(tmp_path, line)
    ready = prepare(read_document(path, "item"))
    assert ready.author == author
    assert ready.byline.text == line
    text = path.read_text(encoding="utf-8")
    assert text[ready.byline.start : ready.byline.end] == line


@pytest.mark.parametrize(
    ("line", "body_extra"),
    [
        ("Photo Gallery", ""),  # a site's words
        ("Available Downloads", ""),  # common English words
        ("Research Division", ""),
        ("Steppe Wire Staff", ""),  # a desk
        ("Balkhash Range", " The balkhash range of the army is old."),  # its words in the text
    ],
)
def test_a_label_under_the_headline_is_no_author(
    tmp_path: Path, line: str, body_extra: str
) -> None:
    ready = prepare(read_document(_news_page(tmp_path, line, body_extra), "item"))
    assert ready.author is None and ready.byline is None


def test_common_words_come_from_the_bundled_vocabulary(tmp_path: Path) -> None:
    words = common_words()
    assert {"photo", "gallery", "research", "division"} <= words
    assert "sagyndykova" not in words and "##ing" not in words
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n##ed\nab\nsteppe\n2022\nstep\n", encoding="utf-8")
    assert read_vocabulary(vocab) == {"steppe", "step"}
    assert read_vocabulary(tmp_path / "missing.txt") == frozenset()


SPEECH_BODY = [
    "Distinguished Secretary General, Excellencies, ladies and gentlemen,",
    "It is an honour to speak at this forum, and to welcome so many partners to Astana.",
    "Our country has worked with the Alliance for thirty years, and it will keep doing so.",
    "Let me turn to three proposals that my government has put forward this year.",
]


@pytest.mark.parametrize(
    ("header_lines", "title", "speaker"),
    [
        (  # a speaker line, the date, then the speech's heading: the heading names it
            [
                "by Jane Example, Minister of Foreign Affairs, at the plenary meeting",
                "14 May 2024",
                "Keynote speech by Jane Example, Minister of Foreign Affairs, at the opening "
                "of the plenary meeting of the security forum",
            ],
            "Keynote speech by Jane Example, Minister of Foreign Affairs, at the opening of "
            "the plenary meeting of the security forum",
            "Jane Example",
        ),
        (  # only the speaker line, which names the occasion
            [
                "by Mr. Jan Example, Chairman of the Council and Minister of Foreign Affairs "
                "of the Republic, at the 700th Meeting of the Permanent Council",
                "Vienna, 14 May 2024",
            ],
            "by Mr. Jan Example, Chairman of the Council and Minister of Foreign Affairs of "
            "the Republic, at the 700th Meeting of the Permanent Council",
            "Mr. Jan Example",
        ),
    ],
)
def test_a_speech_without_a_headline_is_named_by_its_heading_and_speaker(
    tmp_path: Path, header_lines: list[str], title: str, speaker: str
) -> None:
    path = tmp_path / "speech.txt"
    path.write_text("\n\n".join([*header_lines, *SPEECH_BODY]), encoding="utf-8")
    ready = prepare(read_document(path, "speech"))
    assert ready.title == title
    assert ready.author == speaker
    assert ready.published == date(2024, 5, 14)


def test_a_speech_s_heading_does_not_replace_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "speech.txt"
    headline = "Partners in a changing world: shared answers to new risks"
    speaker = "Speech by Jane Example, Minister of Foreign Affairs, at the security forum"
    path.write_text("\n\n".join([headline, speaker, *SPEECH_BODY]), encoding="utf-8")
    ready = prepare(read_document(path, "speech"))
    assert ready.title == headline and ready.author == "Jane Example"


def _article(tmp_path: Path, *lines: str) -> PreparedDocument:
    path = tmp_path / "article.txt"
    path.write_text("\n\n".join(lines), encoding="utf-8")
    ready = prepare(read_document(path, "article"))
    if ready.byline is not None:  # every byline shown is a verbatim span of the file
        text = path.read_text(encoding="utf-8")
        assert text[ready.byline.start : ready.byline.end] == ready.byline.text
    return ready


HEADLINE = "Balancing partners: Kazakhstan's defence cooperation after 2022"
BODY = [
    "Kazakhstan has balanced its partners for three decades, and the war has made that harder.",
    "This paper looks at how the country's defence cooperation changed after February 2022.",
    "It finds that training with partner armies continued, though on a smaller scale than before.",
]


def test_a_byline_under_a_standfirst_names_the_author(tmp_path: Path) -> None:
    ready = _article(tmp_path, HEADLINE, BODY[0], "BY Nozima Example", "Introduction", *BODY[1:])
    assert ready.author == "Nozima Example" and ready.byline.text == "BY Nozima Example"


def test_a_story_and_photos_credit_is_the_writer_s_byline(tmp_path: Path) -> None:
    credit = "Story and photos by SGT. JANE EXAMPLE/U.S. ARMY UNIT"
    ready = _article(tmp_path, HEADLINE, credit, *BODY)
    assert ready.author == "Sgt. Jane Example" and ready.byline.text == credit
    assert [v.rule for v in ready.verdicts if v.paragraph.text == credit] == ["byline"]


def test_a_journal_s_author_lines_name_every_author(tmp_path: Path) -> None:
    first = "Timur Example, Ph.D. (Political Science), senior fellow at a research institute"
    second = "Marat Sample, D.Sc. (Philos.), Professor, Head of a university department"
    ready = _article(tmp_path, first, second, *BODY)
    assert ready.author == "Timur Example and Marat Sample"
    assert ready.byline.text.startswith(first) and ready.byline.text.endswith(second)


@pytest.mark.parametrize(
    ("row", "author"),
    [
        ("19.07.2017 | Comments | International Relations | 312 Dauren Example", "Dauren Example"),
        ("12 May 2021 · Aigerim Sample", "Aigerim Sample"),
        ("19.07.2017 | Comments | International Relations", None),  # no name in the row
        ("Comments | Dauren Example", None),  # no date: a menu, not the page's meta row
        ("Faizan Example Published January 12, 2022 | 08:28 PM", "Faizan Example"),
        ("Breaking News Published January 12, 2022", None),  # a label before the date
    ],
)
def test_a_header_row_with_the_date_may_end_with_the_author(
    tmp_path: Path, row: str, author: str | None
) -> None:
    ready = _article(tmp_path, HEADLINE, row, *BODY)
    assert ready.author == author
    assert (ready.byline.text if ready.byline else None) == (row if author else None)


def test_two_names_alone_under_the_headline_are_both_authors(tmp_path: Path) -> None:
    ready = _article(tmp_path, HEADLINE, "Madina Example and Jonas Sample", *BODY)
    assert ready.author == "Madina Example and Jonas Sample"


def test_an_author_label_at_the_article_s_end_with_the_name_on_the_next_line(
    tmp_path: Path,
) -> None:
    ready = _article(tmp_path, HEADLINE, *BODY, "Author:", "Example Tatyana", "Politics Defence")
    assert ready.author == "Example Tatyana"
    assert ready.byline.text == "Author:\n\nExample Tatyana"


def test_a_journal_s_author_name_alone_over_the_degree_line(tmp_path: Path) -> None:
    name, degree = "Saule Example,", "D. Sc. (History), Institute of Steppe Studies, Almaty"
    ready = _article(tmp_path, name, degree, HEADLINE, *BODY)
    assert ready.author == "Saule Example"
    assert ready.byline.text == f"{name}\n\n{degree}"


@pytest.mark.parametrize(
    ("headline", "author", "title"),
    [
        (
            "For a changing alliance, Kazakhstan is a test case by Jane Doe",
            "Jane Doe",
            "For a changing alliance, Kazakhstan is a test case",
        ),
        (  # who hosted, not who wrote
            "Peacekeeping drills near Almaty hosted by Marat Sample",
            None,
            "Peacekeeping drills near Almaty hosted by Marat Sample",
        ),
    ],
)
def test_a_headline_may_end_with_its_writer_s_name(
    tmp_path: Path, headline: str, author: str | None, title: str
) -> None:
    ready = _article(tmp_path, headline, *BODY)
    assert (ready.author, ready.title) == (author, title)
    assert (ready.byline.text if ready.byline else None) == (headline if author else None)


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Aidos Example (Security Analyst based in Almaty)", "Aidos Example"),
        ("Марат Пример (политолог, эксперт института)", "Марат Пример"),
        ("Steppe Eagle (the exercise of 2014)", None),  # no post in the brackets
        (
            "Dana Example, columnist of the Steppe Gazette, specially for Caspian Review",
            "Dana Example",
        ),
    ],
)
def test_a_name_with_the_writer_s_post_in_brackets_is_the_author(
    tmp_path: Path, line: str, author: str | None
) -> None:
    ready = _article(tmp_path, line, "Publication date: 9 June 2014", *BODY)
    assert ready.author == author
    assert (ready.title != line) is bool(author)  # an author line is never the title


def test_a_report_s_outline_heading_under_the_headline_is_no_author(tmp_path: Path) -> None:
    assert _article(tmp_path, HEADLINE, "IV. CONCLUSIONS", *BODY).author is None


RUSSIAN_BODY = [
    "Казахстанские миротворцы готовятся к очередной ротации в составе миссии ООН в Ливане, "
    "сообщили в министерстве обороны.",
    "Подготовка проходит на полигоне под Алматы и займёт около двух месяцев, добавили в ведомстве.",
]


@pytest.mark.parametrize(("closing", "author"), [("М. ПРИМЕРОВА", "М. Примерова"), ("НАТО", None)])
def test_a_sign_off_with_initials_under_the_text_names_the_writer(
    tmp_path: Path, closing: str, author: str | None
) -> None:
    ready = _article(tmp_path, "Миротворцы готовятся к ротации", *RUSSIAN_BODY, closing)
    assert ready.author == author
    assert (ready.byline.text if ready.byline else None) == (closing if author else None)
