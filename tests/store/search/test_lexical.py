"""Lexical matching survives spelling variants of names and British/American spelling."""

from __future__ import annotations

import pytest

from store.search.lexical import LexicalIndex, tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nazarbaev", "Nazarbayev"),
        ("Nurgaliev", "Nurgaliyev"),
        ("Tokaev", "Tokayev"),
        ("organisation", "organization"),
        ("cooperation", "co-operation"),
        ("Tunçer", "Tuncer"),
        ("NATO's", "Nato’s"),
        ("U.S.", "US"),
        ("the U.N. mission", "UN"),
    ],
)
def test_spelling_variants_fold_to_a_shared_token(a: str, b: str) -> None:
    assert set(tokens(a)) & set(tokens(b))


def test_different_names_stay_different() -> None:
    assert not set(tokens("Tokayev")) & set(tokens("Tazhin"))


def test_bm25_finds_the_variant_and_nothing_for_unknown_words() -> None:
    index = LexicalIndex(
        ["President Nursultan Nazarbayev values ties.", "The SCO met in Tashkent.", "Other text."]
    )
    assert index.scores("Nazarbaev").argmax() == 0
    assert index.scores("Shanghai Cooperation Organization Tashkent").argmax() == 1
    assert not index.scores("password reset").any()


def test_empty_corpus_scores_nothing() -> None:
    assert LexicalIndex([]).scores("anything").shape == (0,)
