"""Aliases the corpus defines: acronyms and people's roles, found from sentence structure."""

from __future__ import annotations

from store.search.aliases import build_aliases
from store.search.lexical import tokens

TEXTS = [
    "The Northern Distribution Network (NDN) carried supplies. Later the NDN carried fuel.",
    "Bolat Utemuratov, Secretary of the Kazakhstani Security Council, believes the plan "
    "will be ready.",
    "The head of the national railway company, Askar Zhumabekov, told a conference that fees "
    "matter.",
    "Kazakh foreign minister Marat Tazhin said the model was useful.",
    "Colonel Daniyar Ospanov, who commands the Kazakh peacekeeping brigade, KAZBRIG, spoke.",
    "The Partnership for Peace Training Centre of the Armed Forces, known as KAZCENT, opened.",
    "Troops of the Collective Security Treaty Organization left. CSTO units guarded the airport.",
    "Mr Utemuratov said nothing more. Zhumabekov also warned of risks. Tazhin agreed.",
    "NATO has appointed Tugay Tuncer as its special representative for Central Asia.",
]


def _extra(table, text: str) -> set[str]:
    return set(table.for_passage(tokens(text)))


def test_an_acronym_and_its_long_form_stand_for_each_other() -> None:
    table = build_aliases(TEXTS)
    assert set(tokens("Northern Distribution Network")) <= _extra(table, "The NDN is a route.")
    assert "kasbrig" in _extra(table, "the Kazakh peacekeeping brigade trained")
    assert set(tokens("Training Centre")) <= _extra(table, "KAZCENT opened a course")


def test_capitalised_names_whose_initials_spell_an_acronym_in_use() -> None:
    table = build_aliases(TEXTS)
    assert "csto" in _extra(table, "the Collective Security Treaty Organization met")


def test_a_person_named_once_with_a_role_carries_it_where_only_the_name_appears() -> None:
    table = build_aliases(TEXTS)
    assert set(tokens("Security Council")) <= _extra(table, "Mr Utemuratov said nothing more.")
    assert set(tokens("head railway company")) <= _extra(table, "Zhumabekov also warned.")
    assert set(tokens("foreign minister")) <= _extra(table, "Tazhin agreed.")
    assert set(tokens("commands peacekeeping brigade")) <= _extra(table, "Ospanov spoke again.")
    assert set(tokens("special representative")) <= _extra(table, "Tuncer will be based in Almaty")


def test_a_passage_states_a_role_only_where_name_and_role_stand_together() -> None:
    table = build_aliases(TEXTS)
    assert table.roles_stated(frozenset(tokens(TEXTS[1])))
    assert not table.roles_stated(frozenset(tokens("Mr Utemuratov said nothing more.")))


def test_no_aliases_from_sentences_that_define_none() -> None:
    table = build_aliases(["The weather was fine and everyone went home early on Friday."])
    assert len(table) == 0
    assert table.for_passage(tokens("The weather was fine")) == []
