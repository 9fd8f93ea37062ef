"""Which documents a question names: by publisher or author, by title, by kind and year."""

from __future__ import annotations

from datetime import date

from store.search.lexical import LexicalIndex, tokens
from store.search.searcher import _document_names
from store.types import DocumentInfo


def _doc(doc_id: str, title: str, genre: str, published: date | None) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id,
        title=title,
        author=None,
        publisher=None,
        url=None,
        published=published,
        date_basis="metadata" if published else "none",
        chunk_count=1,
        source_path="",
        content_hash="",
        genre=genre,
    )


DOCS = {
    d.doc_id: d
    for d in (
        _doc("brief-2011", "Rails and leverage", "Policy brief", date(2011, 3, 1)),
        _doc("brief-2021", "After Afghanistan", "Policy brief", date(2021, 3, 1)),
        _doc("oped-2021", "Keep your distance", "Opinion", date(2021, 5, 2)),
        _doc("undated", "Milestones of the partnership", "Fact sheet", None),
    )
}
LEXICAL = LexicalIndex(["rails and leverage", "after afghanistan", "keep your distance"])


def _named(question: str, kind_and_year: bool = True) -> set[str]:
    names = _document_names(DOCS, LEXICAL, 2, kind_and_year)
    return names.named(set(tokens(question)))


def test_kind_and_year_together_name_one_document() -> None:
    assert _named("What does the 2021 policy brief recommend?") == {"brief-2021"}
    assert _named("What did the 2021 opinion piece argue?") == {"oped-2021"}


def test_kind_or_year_alone_names_nothing() -> None:
    assert _named("What do policy briefs recommend?") == set()
    assert _named("What happened in 2021?") == set()
    assert _named("What does the 2019 policy brief say?") == set()


def test_an_undated_document_is_never_named_by_a_year() -> None:
    assert _named("What does the fact sheet of 2021 list?") == set()


def test_the_rule_can_be_switched_off() -> None:
    assert _named("What does the 2021 policy brief recommend?", kind_and_year=False) == set()
