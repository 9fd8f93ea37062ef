"""The no-match rules' parts: the names a question asks about, what the corpus mentions,
and the share of the question's subject words a passage holds."""

from __future__ import annotations

from store.search.lexical import tokens
from store.search.nomatch import (
    Vocabulary,
    coverage,
    focal_weights,
    idf_weights,
    mentions_name,
    page_feature,
    question_names,
)


def _names(question: str) -> list[str]:
    return [name.text for name in question_names(question)]


def test_names_are_capitalised_words_inside_the_question() -> None:
    assert _names("When did Finland join NATO?") == ["Finland", "NATO"]
    assert _names("What did Moscow's envoy say in January?") == ["Moscow's"]  # not January
    assert _names("Which areas? Kazakhstan offered three.") == []  # a sentence's first word
    assert _names("What Did The Defence Minister Say About Kazakhstan?") == []  # Title Case
    assert _names("How does the MP describe it?") == []  # two-letter abbreviations


def test_the_vocabulary_knows_a_name_and_the_words_it_begins() -> None:
    vocabulary = Vocabulary(tokens("Kyrgyzstan Indian battalion Finland"))
    assert vocabulary.mentions(tokens("Kyrgyz")[0])
    assert vocabulary.mentions(tokens("India")[0])
    assert vocabulary.unknown(question_names("Did Mongolia or Finland sign?")) == ["Mongolia"]


def test_a_passage_mentions_a_name_in_any_of_its_forms() -> None:
    (georgia,) = question_names("What did Georgia's parliament decide?")
    assert mentions_name(georgia, frozenset(tokens("troops from Georgia and Latvia")))
    assert not mentions_name(georgia, frozenset(tokens("the Kazakh parliament decided")))


def test_a_hyphenated_name_is_mentioned_by_its_parts() -> None:
    (pair,) = question_names("What did the fifth US-Kazakhstan dialogue agree?")
    assert (
        Vocabulary(tokens("the U.S. delegation met Kazakhstan's ministers")).unknown([pair]) == []
    )
    assert mentions_name(pair, frozenset(tokens("U.S.-Kazakhstan talks")))
    assert not mentions_name(pair, frozenset(tokens("Kazakhstan talks")))


def test_coverage_weighs_rare_words_more() -> None:
    frequency = {"kazakhstan": 50, "wheat": 0, "export": 1}.get
    weights = idf_weights(["kazakhstan", "wheat", "export"], lambda t: frequency(t, 0), 60)
    assert weights["wheat"] > weights["export"] > weights["kazakhstan"]
    held = coverage(weights, frozenset({"kazakhstan", "export"}))
    assert 0 < held < 0.6
    assert coverage(weights, frozenset({"kazakhstan", "export", "wheat"})) == 1.0


def test_questions_about_page_furniture_are_recognised() -> None:
    assert page_feature("How much does an Astana Weekly subscription cost?") == "subscription"
    assert page_feature("How do I join the programme's mailing list?") == "mailing list"
    assert page_feature("How do I accept the cookies?") == "cookies"
    assert page_feature("When did Kazakhstan sign up to PARP?") is None
    assert page_feature("What equipment did Britain donate to the centre?") is None


def test_questions_about_the_website_itself_are_recognised() -> None:
    assert page_feature("Which stories are most read on the Steppe Herald?") == "most read"
    assert page_feature("Can I download the institute's reports as PDF?") == "download"
    assert page_feature("What is the postal address of the embassy?") == "postal address"
    assert page_feature("Is the ministry's web site genuine?") == "web site genuine"
    # Not the website: a keynote address, a test site, a site of an exercise.
    assert page_feature("What did the keynote address say about Afghanistan?") is None
    assert page_feature("What is the alliance paying for near the old test site?") is None
    assert page_feature("Which site was chosen for the 2016 drills?") is None
    # Switched off, only the page furniture of old is recognised.
    assert page_feature("Can I download the reports?", site=False) is None
    assert page_feature("How do I accept the cookies?", site=False) == "cookies"


def test_focal_words_leave_out_what_the_corpus_says_everywhere() -> None:
    frequency = {"kasahstan": 60, "inflat": 0, "rate": 3, "usbekistan": 15}
    weights = idf_weights(list(frequency), lambda t: frequency[t], 100)
    focal = focal_weights(weights, lambda t: frequency[t], 100, ubiquity=0.1, floor=5)
    assert set(focal) == {"inflat", "rate"}  # Kazakhstan and Uzbekistan are everywhere here
    assert focal["inflat"] == weights["inflat"]
    # In a corpus of 20 passages 10% is 2: the floor keeps words in 3 or 4 passages focal.
    small = focal_weights(weights, lambda t: frequency[t], 20, ubiquity=0.1, floor=5)
    assert "rate" in small and "usbekistan" not in small
