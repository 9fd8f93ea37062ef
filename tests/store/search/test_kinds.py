"""What a question asks for (its kind), its subject words, and what a passage offers."""

from __future__ import annotations

import pytest

from store.search.kinds import (
    HOW_MANY,
    OTHER,
    SAID,
    WHEN,
    WHERE,
    WHO,
    of_year,
    offers,
    question_kind,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did Kazakhstan join the Partnership for Peace?", WHEN),
        ("In what year was the battalion formed?", WHEN),
        ("How many troops took part?", HOW_MANY),
        ("How much did Washington pay?", HOW_MANY),
        ("What did the railway boss say about fees?", SAID),
        ("How did the minister describe the partners?", SAID),
        ("Who commands the brigade?", WHO),
        ("Which general handed over the letter?", WHO),
        # A role word after a modifier or two still asks for a person; other nouns do not.
        ("Which Kazakh minister talked about copying Europe's approach?", WHO),
        ("Which senior Kazakh official received the delegation?", WHO),
        ("Which company won the tender?", OTHER),
        ("Which trade route that avoids Russia is expanding?", OTHER),
        ("Where was the drill held?", WHERE),
        ("Why was the deployment unprecedented?", OTHER),
    ],
)
def test_kinds_from_the_question_form(question: str, kind: str) -> None:
    assert question_kind(question).kind == kind


def test_the_narrow_reading_of_who_questions_can_be_measured() -> None:
    question = "Which Kazakh minister talked about copying Europe's approach?"
    assert question_kind(question, role_modifiers=False).kind == OTHER
    assert question_kind("Which minister talked?", role_modifiers=False).kind == WHO


def test_the_subject_leaves_the_scaffolding_out() -> None:
    asked = question_kind("How many interoperability targets did the country take on in 2002?")
    assert asked.subject.split() == ["interoperability", "targets", "country", "take", "2002"]
    assert asked.years == frozenset({2002})


def test_what_a_passage_offers() -> None:
    assert offers(WHEN, "It was agreed on 31 January 2006.")
    assert not offers(WHEN, "It was agreed after long talks.")
    assert offers(HOW_MANY, "About 1,200 troops took part.") and offers(HOW_MANY, "four rotations")
    assert offers(SAID, '"We will not join any bloc," he said.')
    assert offers(WHO, "Colonel Daniyar Ospanov spoke.") and not offers(WHO, "the drill ended")
    assert not offers(OTHER, "anything at all")


def test_a_year_named_in_the_question() -> None:
    assert of_year(frozenset({2016}), 2016, "this year's drills")
    assert of_year(frozenset({2016}), 2014, "the 2016 drills were planned")
    assert not of_year(frozenset({2016}), 2014, "the drills were planned")
    assert not of_year(frozenset(), 2016, "2016")
