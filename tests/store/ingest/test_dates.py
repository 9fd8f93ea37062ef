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
    ],
)
def test_find_dates_reads_the_forms_captures_use(text: str, expected: date) -> None:
    assert [m.value for m in find_dates(text)] == [expected]


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("31 February 2009 and 13/45/2009") == []


def test_weekday_references_without_a_year() -> None:
    refs = weekday_references("On Thursday (25 June) he spoke; on Monday, March 3 too.")
    assert refs == [(3, 25, 6), (0, 3, 3)]


def test_a_weekday_that_does_not_fit_the_year_contradicts_the_date() -> None:
    thursday_25_june = [(3, 25, 6)]
    assert not contradicts(date(2009, 6, 26), thursday_25_june)  # a Thursday in 2009
    assert contradicts(date(2018, 3, 19), thursday_25_june)  # not in 2017 or 2018


def test_capture_date_in_header_is_rejected_when_the_article_contradicts_it() -> None:
    text = "19th Mar 2018\n\nHeadline\n\nIn his speech on Thursday (25 June) the minister said."
    decision = date_from_text(text, text)
    assert decision.published is None
    assert "capture date" in decision.reason


def test_header_dateline_is_used_when_nothing_contradicts_it() -> None:
    text = "Wednesday, 02 November 2005\n\nHeadline\n\nOn October 5 talks were held."
    assert date_from_text(text, text).published == date(2005, 11, 2)


def test_dates_deep_in_the_body_are_not_datelines() -> None:
    text = "Headline\n\n" + "Words of the article. " * 60 + "It was 4 May 1999."
    assert date_from_text(text, text).published is None


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
