"""The words and shapes of page furniture, line by line: what a paragraph of a raw capture
says about itself (a byline, a caption, a date line, a share row, a paywall plea), in English,
Russian and Kazakh. Generic vocabulary, never one site's strings; `clean.py` decides with it,
`paragraphs.py` splits with a few of its shapes.
"""

from __future__ import annotations

import re

from store.ingest.months import ALTERNATION as MONTHS_ALTERNATION
from store.ingest.months import MONTHS


def _cues(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE)


LIST_MARKER = re.compile(r"^(?:\(?\d{1,3}[.)]|[•·▪◦‣●○■►▶*–—-])\s+")
# A sentence end, allowing a footnote mark glued to it ("... in 2006.1" in a PDF's text).
# A sentence end, with a footnote mark after it: "… in 2006.1", "… governments.[i]", "….[12]".
SENTENCE_END = re.compile(
    r"([.!?…])[\"'”’»)\]]*(?:(?<=[^\d\s][.!?…\"'”’»)\]])\d{1,3}|\[(?:\d{1,3}|[ivxlc]{1,6})\])?$"
)
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})
# Generic furniture vocabulary. Strong paywall cues count double.
PAYWALL_STRONG = _cues(
    r"subscri\w*", r"newsletters?\b", r"paywall", r"\blog ?in\b", r"\bsign ?in\b", r"free trial",
    r"cancel any ?time", r"\bper (?:month|year|week)\b", r"thank you for reading", r"\bdonat\w*",
    r"support (?:our|independent) journalism", r"unlimited access", r"create an? (?:free )?account",
    r"already (?:a subscriber|have an account|registered)", r"register (?:now|for free)",
    r"sign up (?:now|today|here|for (?:our|free|updates|upcoming|the newsletter))",
    # Russian: subscribe (imperative or "to our ..."), subscription, log in, register
    r"подпиш\w*те(?:сь)?\b", r"подписывайтесь", r"подписаться на\b", r"подписк\w+",
    r"войдите\b", r"авторизуйтесь", r"зарегистрируйтесь",
)  # fmt: skip
PAYWALL_WEAK = _cues(
    r"\bsign up\b", r"contact us", r"terms of (?:use|service)", r"\baccount\b", r"advertis\w*",
    r"e-?mail address", r"\binbox\b", r"click here", r"upcoming events",
    r"our journalism", r"funded by",
)  # fmt: skip
NOTICE = _cues(
    r"\bcookies?\b", r"privacy (?:policy|notice|settings)", r"terms of (?:use|service)",
    r"all rights reserved", r"\bcopyright\b", r"©", r"reproduc\w+ .{0,40}(?:prohibited|permission)",
    r"все права защищены", r"политик\w+ конфиденциальности",
    r"(?:перепечатк\w+|использовании материалов).{0,40}ссылк\w+",
    r"\breprinted with(?:out)? (?:the )?(?:prior )?(?:written )?permission",
)  # fmt: skip
# A page speaking about the website itself: government site banners ("An official website
# of ...", how to recognise it, secure connections), browser and script warnings.
SITE_SELF = _cues(
    r"\bofficial (?:web ?)?(?:site|portal|page)s? of\b", r"\bthis (?:web ?)?site\b",
    r"here'?s how you know",
    r"how (?:to tell|you can tell|to check) (?:this|a|an) (?:official )?(?:web ?)?site",
    r"\bhttps?://", r"\bhttps\b", r"\bpadlock\b", r"\block icon\b", r"\baddress bar\b",
    r"\b(?:your )?browser\b", r"\bjavascript\b", r"\b(?:connection|site) is (?:encrypted|secure)\b",
    r"\bwebsites? belongs? to\b", r"\bofficial government organi[sz]ation\b",
    r"\b(?:official|secure) (?:\.\w+ )?websites? use\b", r"\bsafely connected\b",
    r"\bofficial, secure websites?\b",
    r"официальн\w+ (?:сайт|интернет-ресурс|портал)\w*", r"\bэтот сайт\b", r"\bбраузер\w*",
)  # fmt: skip
# Notes about the text rather than the text: transcript notes, disclaimers.
EDITORIAL_NOTE = _cues(
    r"edited (?:slightly )?for (?:length|clarity|brevity)",
    r"(?:transcript|text) (?:has been|was) (?:produced|generated|edited|lightly edited)",
    r"\berrors may remain\b", r"\bmay contain errors\b",
    r"views expressed (?:here|herein|in this \w+|are)", r"do not necessarily (?:reflect|represent)",
    # a note on the copy itself: "Page retrieved 4 June 2023 from ...", "Accessed on ..."
    r"^(?:(?:this )?(?:page|copy|snapshot|article|document) )?(?:was )?"
    r"(?:retrieved|captured|accessed|archived|downloaded)\b(?! by\b)",
    r"\bcontents? may have changed\b",
    # a journal's history of the paper: "Received for publication: 24 December 2016.
    # Accepted for publication: 3 March 2017.", "Поступила в редакцию 12.01.2017"
    r"^(?:received|submitted|accepted|revised)(?: for publication| in revised form)?\s*[:\-–]?\s*"
    r"(?:on\s+)?\d",
    r"^(?:статья )?(?:поступила в редакцию|принята к публикации)\b",
    # a paper's funding note: "This series was made possible with support from ..."
    r"\bmade possible (?:with|by|through) (?:the )?(?:generous )?(?:support|funding|a grant)\b",
)  # fmt: skip
# A table of contents entry: a heading, dot leaders (or a wide gap) and a page number.
CONTENTS_ENTRY = re.compile(r"\S(?:\s*(?:\.\s*){4,}|\s*…+\s*)\d{1,4}$")
# A numbered section heading in a report: "2. The Kazakh course", "3.1 Costs".
NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZА-ЯЁ]")
# A report's outline heading in capitals: "II. REGIONAL CHALLENGES", "A. BORDER SECURITY".
OUTLINE_HEADING = re.compile(r"^(?:[IVXLC]{1,6}|[A-H])\.\s+[^a-zа-яё]+$")
# Transcript marks: a timestamp or a stage direction alone on its line.
TRANSCRIPT_MARK = re.compile(
    r"^[\[(]\s*(?:(?:\d{1,2}:)?\d{1,2}:\d{2}|[^\W\d_](?:[^\W\d_]| ){1,30})\s*[\])]$"
)
# A speaker's turn in an interview: "Q:", "A:", "SARA LINDQVIST:" or "Sara Lindqvist:".
SPEAKER = re.compile(
    r"^(?:[QA]|[A-ZА-ЯЁ][A-ZА-ЯЁ.'-]+(?: [A-ZА-ЯЁ][A-ZА-ЯЁ.'-]+){0,3}"
    r"|[A-ZА-ЯЁ][a-zа-яё'-]+(?: [A-ZА-ЯЁ][a-zа-яё'-]+){1,2})\s?:\s+\S"
)
COUNTER = _cues(
    r"^(?:(?:read|viewed|seen|visited)\s+[\d,.\s]+\s+times?"
    r"|[\d,.]+\s*[km]?\s+(?:views?|reads?|shares?|comments?|likes?|hits|readers)"
    r"|(?:views?|hits|reads|shares|comments)\s*:?\s*[\d,.]+[km]?"
    r"|page\s+\d+\s+(?:of|/)\s+\d+|\d+\s*/\s*\d+"
    r"|(?:просмотр\w*|комментари\w*)\s*:?\s*[\d\s,.]+"
    # a page number alone: "3", "- 3 -", "Page 3"
    r"|(?:page|p\.|стр\.|страница)?\s*-?\s*\d{1,4}\s*-?"
    # reading or listening time: "3 min read", "38 min listen"
    r"|\d+\s*(?:min(?:ute)?s?|мин\.?|минут\w*)\s+(?:read|listen|watch|чтения))$"
)
ADVERT = _cues(r"advertis\w*", r"sponsored", r"promoted content")
# A site's note about its own ads: "Tired of banners? You can always turn off ads."
AD_NOTICE = _cues(
    r"(?:turn|switch) off (?:the )?ads\b", r"\bad ?blocker\b", r"\bdisable (?:the )?ads\b",
    r"отключить рекламу", r"надоели баннеры", r"\bблокировщик\w* рекламы",
)  # fmt: skip
# A paper's keyword list: "Keywords: NATO / CSTO / border security", "Ключевые слова".
KEYWORDS = re.compile(r"^(?:key ?words|ключевые слова|түйін сөздер)\b\s*:?", re.IGNORECASE)
CAPTION = _cues(
    r"\((?:photos?|image|picture|illustration|credit|video|sources?|фото|источник)\s*:[^)]*\)\s*$",
    r"^(?:file )?(?:photo|image|picture|illustration)s?(?: credit)?\s*:", r"\bphoto(?:graph)? by\b",
    r"^(?:credit|фото|фотография|иллюстрация)\s*:",
    # who stands where in a photo: "Left to right: ...", "(L-R) ...", "Слева направо: ..."
    r"^\(?(?:(?:from )?left to right|from left|l\s?-\s?r|l to r|pictured|слева направо)\b[):,]?",
    r"\b(?:photo|image|picture)s? courtesy\b", r"\bcourtesy (?:photo|image)\b",
    # a credit after the caption's words: "During the talks. Photo credit: the press service"
    r"\b(?:photo|image|picture)s? credits?\s*:",
    # the photographer in brackets closing a caption: "... a wounded comrade. [Jane Doe]"
    r"(?-i:\[[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}(?:/[\w .'’-]+)?\])\s*$",
)  # fmt: skip
# Where a story came from, on a line of its own: "Source: MoD Press Service", "Источник: …".
SOURCE_CREDIT = re.compile(r"^(?:sources?|источник|дереккөз)\s*:\s*\S", re.IGNORECASE)
MAX_SOURCE_CREDIT_WORDS = 10
CAPTION_START = re.compile(
    r"^(?:file )?(?:photo|image|picture|illustration|credit|фото|фотография)s?(?: credit)?\s*:",
    re.IGNORECASE,
)
# A wire photo's credit closing its caption: "... AGENCY/Firstname Lastname/File Photo".
PHOTO_CREDIT = re.compile(
    r"\b[A-Z]{2,}(?: [A-Z]{2,})*/[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)*(?:/File Photo)?\s*$"
)
# The kinds of speech a heading or a speaker's byline names: "Keynote speech by ...".
SPEECH_KINDS = r"(?:speech|remarks|address|statement|lecture)"
# "By" + capitalised name is case-sensitive so "by 2007, ..." never reads as a byline; a
# report's "by Jane Doe" on a line of its own is one.
BYLINE = re.compile(
    r"^(?:BY\s|By\s+[A-Z]|by\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}\s*$"
    # a speech's speaker line: "by Mr. Jane Doe, Minister of ...", "by NATO Secretary
    # General, Jane Doe"
    r"|by\s+(?:(?:the|Mr|Mrs|Ms|Dr|H\.\s?E)\.?\s+)?[A-Z][^,.;:!?]{2,60},\s"
    r"|(?i:(?:written|posted|published|compiled)\b|story(?: and (?:photos?|video))? by\b"
    r"|filed under\b|(?:additional )?reporting by\b|editing by\b|author\s*:"
    r"|(?:for )?immediate release\b"  # a press release's "IMMEDIATE RELEASE July 20, 1998"
    r"|(?:produced|music|hosted|edited|transcribed|translated) by\b|автор\s*:"
    rf"|(?:(?:opening|closing|keynote) )?{SPEECH_KINDS}"
    r"(?: as (?:prepared|delivered)(?: for delivery)?)? by\b))"
)
# A speech's heading, naming its kind and its speaker: "Keynote speech by ...", "Remarks
# by the Deputy Minister ... at the conference", "Statement of the Minister ...".
SPEECH_HEADING = re.compile(
    r"^(?:(?:opening|closing|keynote|welcoming|introductory)\s+)?"
    rf"{SPEECH_KINDS}\s+(?:by|of)\s",
    re.IGNORECASE,
)
# A speaker line's occasion: "by Jane Doe, Minister ..., at the meeting of ...".
SPEECH_OCCASION = re.compile(r"\s(?:at|during|before|to)\s+the\s", re.IGNORECASE)
# The writer's line that also credits the photos: "Story and photos by Jane Doe/Unit".
STORY_BY = re.compile(r"^story and (?:photos?|video) by\b", re.IGNORECASE)
# The line under a byline naming the writer's post: "Steppe Wire Writer", "Staff
# Correspondent", "Special Correspondent in Almaty", "Special to the Caspian Review".
# Case-sensitive, so a headline's "a fearless writer" never reads as one.
BYLINE_ROLE = re.compile(
    r"^(?:(?:[A-Z][\w.'&-]*|of|the|and)\s+){0,4}"
    r"(?:Writer|Correspondent|Reporter|Columnist|Stringer|Contributor)s?"
    r"(?:\s+(?:in|for|at)\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})?$"
    r"|^Special to (?:the )?[A-Z]"
)
# A writer's name with the post in brackets, on a line of its own: "Jane Doe (Security
# Analyst based in Almaty)", "Иван Петров (эксперт …)". Case-sensitive name words.
# Or after a comma: "Jane Doe, columnist of the Steppe Gazette, specially for …".
POST_WORDS = (
    r"analyst|fellow|professor|lecturer|researcher|expert|scholar|director|correspondent|"
    r"writer|journalist|editor|consultant|student|candidate|columnist|commentator|reporter|"
    r"аналитик|эксперт|профессор|политолог|журналист|директор|сотрудник|научный|обозреватель|"
    r"корреспондент"
)
NAME_WITH_POST = re.compile(
    r"(?P<name>[A-ZА-ЯЁ][\w'’.-]+(?:\s+[A-ZА-ЯЁ][\w'’.-]+){1,3})"
    rf"(?:\s*\((?=[^()]*\b(?i:{POST_WORDS}))[^()]{{3,100}}\)"
    rf"|,\s+(?:[\w-]+\s+){{0,2}}(?i:{POST_WORDS})\b[^.!?:]{{0,120}})"
)
# The credits that close a wire story or a programme: nothing after them is the article.
SIGN_OFF = re.compile(
    r"^\(?(?:(?:additional )?reporting|writing|editing|produced|music)(?: and \w+)? by\b",
    re.IGNORECASE,
)
# A news agency's last paragraph points at another story: "Earlier it was reported that
# ...", "As Steppe Agency reported earlier, ...", "Ранее сообщалось, что ...".
EARLIER_REPORT = re.compile(
    r"^(?:earlier,? (?:it was|we) reported|(?:as )?(?:was |it was )?(?:earlier|previously) "
    r"reported|as [\w .-]{1,30} (?:earlier |previously )?reported (?:earlier|previously)|"
    r"ранее (?:сообщалось|мы (?:писали|сообщали))|ранее [«\"]?[\w .-]{1,30}[»\"]? сообщал[аио]?\b|"
    r"напомним, что|бұған дейін)",
    re.IGNORECASE,
)
MENU_SEPARATOR = re.compile(r"\s(?:»|›|>|\||/|·|•|→)\s")
SHARE = _cues(r"^(?:share|tweet|follow|print|e-?mail this|pin it|copy link|поделит\w*)\b")
SOCIAL = _cues(
    r"\b(?:facebook|twitter|linkedin|whatsapp|telegram|instagram|youtube|vkontakte|вконтакте)\b"
)
LINK_LINE = _cues(
    r"^(?:read (?:more|also|next)|see also|related|tags?|topics?|categories|keywords"
    r"|читайте также|смотрите также|по теме|теги|рубрик[аи])\s*[:»›>]",
    r"^(?:(?:skip|jump) to (?:the )?(?:main )?(?:content|navigation|menu|search|footer)|back to top"
    r"|skip(?: [\w-]+){0,3} (?:navigation|links|menu)(?: to (?:the )?(?:main )?content)?"
    r"|menu|search|home|print(?: this page)?|older posts|newer posts|load more"
    r"|(?:go|back|return) to (?:the )?(?:main (?:site|page)|home ?page|homepage|front page)"
    r"|(?:(?:previous|prev|next)(?: (?:post|article|story|page))?[\s»«›‹<>|/]*){1,2}"
    r"|show more|reply|more|copy link|(?:purchase |acquire )?licensing rights"
    r"|(?:version|site) for the visually impaired|accessibility(?: statement| options| tools)?"
    r"|high contrast|text size|версия для слабовидящих|главная|поиск|меню)\W*$",
    # links to a release's media: "High resolution photos", "Audio file", "MP3 (2.1 MB)"
    r"^(?:(?:high|low)[- ]resolution (?:photos?|images?|pictures?)|audio(?: file)?|video(?: file)?"
    r"|mp3|photo gallery)\b[^!?]{0,30}$",
)
# A post's meta row closing with its comments link: "Jane Doe Analysis, Security Leave a
# Comment", "12 May 2020 | 3 Comments".
COMMENTS_LINK_AT_END = re.compile(
    r"(?:leave a (?:comment|reply)|(?:\d+|no) comments?|оставить комментарий)\s*$", re.IGNORECASE
)
COMMENTS_HEADER = _cues(
    r"^(?:\d+|no|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:thoughts?|comments?|responses?|replies)(?:\s+(?:on|to)\b.*)?$",
    r"^(?:comments?|responses|комментари\w*)\s*\(\d+\)$",
)
DISCUSSION = _cues(r"\b(?:comments?|thoughts|responses|repl(?:y|ies)|discussion)\b")
BIO_LABEL = _cues(
    r"^about the authors?\b", r"^authors?'?s? bio", r"^the (?:author|writer)s? (?:is|are|was)\b"
)
BIO_SENTENCE = re.compile(
    r"^(?:[A-Z][\w.'-]*\s+){1,4}(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,5}?(?:fellow|associate|"
    r"professor|analyst|researcher|director|editor|journalist|correspondent|lecturer|scholar|"
    r"consultant|expert|writer|author|student|candidate)\b"
)
CHROME_WORDS = frozenset(
    "latest news newest recent popular trending most read viewed commented shared related "
    "highlights recommended visit partners partner about contact contacts newsletter newsletters "
    "publications archive archives tags tag topics categories category comments comment reply "
    "replies share follow sites links useful top stories posts articles editor editors picks "
    "brief briefs sponsored subscribe menu search home events videos podcasts multimedia photos "
    "gallery staff team login register sitemap social further reading previous next miss "
    "headlines updates press releases more "
    # Russian
    "новости последние популярное читайте также похожие материалы теме комментарии главная "
    "поиск меню поделиться рубрики теги архив контакты партнеры реклама видео фото лента "
    "свежие другие".split()
)
STOPWORDS = frozenset(
    "the a an of in on for to and or from with by at this our us you your also "
    "и в на по из к с о".split()
)
MONTH_WORDS = frozenset(MONTHS)
DATE_WORDS = MONTH_WORDS | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "updated published posted last modified on at am pm gmt utc "
    "обновлено опубликовано в г года ж жыл жылы жылғы жарияланды жаңартылды".split()
)


def is_dateline(text: str) -> bool:
    """A line that is only a date (and time): capture or publication stamps, never quotable."""
    tokens = re.findall(r"[^\W\d_]+|\d+(?:st|nd|rd|th)?", text.lower())
    if not tokens or len(tokens) > 10 or not any(c.isdigit() for c in text):
        return False
    has_date = any(t in MONTH_WORDS for t in tokens) or re.search(
        r"\d{1,4} ?[-/.] ?\d{1,2} ?[-/.] ?\d", text
    )
    datey = sum(t in DATE_WORDS or t[0].isdigit() for t in tokens)
    if has_date and datey >= 0.75 * len(tokens):
        return True
    # A day, a month word and a year with a clock time are a stamp even when the month and
    # weekday are in a language we have no names for ("Παρ, 29 Ιανουαρίου 2010 - 18:55").
    return bool(DAY_WORD_YEAR.search(text) and CLOCK_TIME.search(text)) and (
        len(tokens) - datey <= MAX_UNREAD_STAMP_WORDS
    )


DAY_WORD_YEAR = re.compile(r"(?<!\d)\d{1,2}\.?\s+[^\W\d_]+\.?,?\s+(?:19|20)\d{2}(?!\d)")
CLOCK_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
MAX_UNREAD_STAMP_WORDS = 2  # the weekday and the month


DATE_TEXT = (
    r"(?:\d{1,2}:\d{2},?\s+)?"  # a time before the date: "17:52 24.06.2009, Agency"
    rf"(?i:(?:{MONTHS_ALTERNATION})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS_ALTERNATION})\.?(?:,?\s+\d{{4}})?"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})(?:,?\s+\d{1,2}:\d{2})?"
)
SOURCE_NAME = r"[A-ZА-ЯЁ][\w.&'’-]*(?:\s+(?:[A-ZА-ЯЁ][\w.&'’-]*|of|the|and|for|de|и)){0,5}"
# A date and the name of the agency or paper it comes from, set apart by punctuation:
# "October 25. Central Asia Newswire", "Steppe Post | 14.06.2016". Without the
# punctuation ("May 9 Victory Parade") the line is a headline.
DATE_AND_SOURCE = re.compile(
    rf"^\(?(?:{DATE_TEXT}\s*(?:[.,|/·•]|\s[-–—])\s*{SOURCE_NAME}"
    rf"|{SOURCE_NAME}\s*(?:[,|/·•]|\s[-–—])\s*{DATE_TEXT})\.?\)?$"
)

# A labelled row of a page's header: "Publication: Steppe Monitor", "By:", "Автор:".
FIELD_ROW = re.compile(r"^[A-ZА-ЯЁ][^\W\d_]{1,20}(?: [^\W\d_]{1,20})?:(?:\s|$)")
# A wire story's dateline on a line of its own: the places, the date, and maybe the agency
# between slashes or in brackets: "Azerbaijan, Baku, June 18 / Trend /", "ASTANA, 14 May
# 2013 (Steppe Wire)".
PLACE_AND_DATE = re.compile(
    r"^(?:[A-ZА-ЯЁ][\w'’.-]*(?:\s+[A-ZА-ЯЁ][\w'’.-]*)?,\s*){1,3}"
    rf"{DATE_TEXT}\s*(?:[/(]\s*{SOURCE_NAME}\s*[/)]?)?\.?$"
)

# A journal issue line: "Vol. 9, Issue 3 (2015)", "No. 2(40), 2012", "2011 г., № 3, с. 5-17".
ISSUE_MARK = re.compile(
    r"(?:\b(?:vol(?:ume)?|issue|no|nr|т|том|вып(?:уск)?)\.?|№)\s*\d", re.IGNORECASE
)


def normalized(text: str) -> str:
    """Casefolded words only, for comparing a line with a title or with another line."""
    return " ".join(re.findall(r"\w+", text.casefold()))
