"""Month names as dates are written on the pages a Kazakhstan corpus holds: English, Russian
and Kazakh. One table, read by the cleaner (lines that are only a date), the dater and the
importers, so a language added here is read everywhere."""

from __future__ import annotations

import re

ENGLISH = [
    ("jan", "january"),
    ("feb", "february"),
    ("mar", "march"),
    ("apr", "april"),
    ("may",),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "sept", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
]
# As dates are written ("14 сентября 2022"), as months are named alone ("сентябрь 2022") and
# as agencies shorten them in a dateline ("ЕРЕВАН, 9 янв — Agency.").
RUSSIAN = [
    ("января", "январь", "янв"),
    ("февраля", "февраль", "фев"),
    ("марта", "март", "мар"),
    ("апреля", "апрель", "апр"),
    ("мая", "май"),
    ("июня", "июнь", "июн"),
    ("июля", "июль", "июл"),
    ("августа", "август", "авг"),
    ("сентября", "сентябрь", "сен", "сент"),
    ("октября", "октябрь", "окт"),
    ("ноября", "ноябрь", "ноя"),
    ("декабря", "декабрь", "дек"),
]
# Named alone ("14 қыркүйек 2022 ж.") and with the locative ending a date takes in a
# sentence or after "жылғы" ("2022 жылғы 14 қыркүйекте").
KAZAKH = [
    ("қаңтар", "қаңтарда"),
    ("ақпан", "ақпанда"),
    ("наурыз", "наурызда"),
    ("сәуір", "сәуірде"),
    ("мамыр", "мамырда"),
    ("маусым", "маусымда"),
    ("шілде", "шілдеде"),
    ("тамыз", "тамызда"),
    ("қыркүйек", "қыркүйекте"),
    ("қазан", "қазанда"),
    ("қараша", "қарашада"),
    ("желтоқсан", "желтоқсанда"),
]
# The locative made an attribute, as a date before a noun takes it: "2010 жылғы 31
# желтоқсандағы қаулы" (the decree of 31 December 2010): "-да" + "ғы", "-де" + "гі".
KAZAKH_ATTRIBUTIVE = [
    (f"{locative}{'ғы' if locative.endswith('а') else 'гі'}",) for _, locative in KAZAKH
]
MONTHS: dict[str, int] = {
    name: number
    for table in (ENGLISH, RUSSIAN, KAZAKH, KAZAKH_ATTRIBUTIVE)
    for number, names in enumerate(table, start=1)
    for name in names
}
# Longest first, so that a regex alternation reads "september" rather than "sep".
LONGEST_FIRST = sorted(MONTHS, key=len, reverse=True)
ALTERNATION = "|".join(map(re.escape, LONGEST_FIRST))
