"""Passages: verbatim spans, whole sentences, never across dropped text."""

from __future__ import annotations

from store.ingest.chunk import MAX_CHARS, TARGET_CHARS, Span, chunk_document
from store.ingest.sentences import sentence_spans


def _spans(text: str) -> list[Span]:
    spans, offset = [], 0
    for index, block in enumerate(text.split("\n\n")):
        spans.append(Span(index, offset, offset + len(block)))
        offset += len(block) + 2
    return spans


def test_short_paragraphs_are_joined_up_to_the_target_size() -> None:
    paragraphs = [f"Paragraph {i} says a thing about Astana and NATO." for i in range(30)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_document(text, _spans(text))
    assert len(chunks) > 1
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= TARGET_CHARS
        assert chunk.text.startswith("Paragraph") and chunk.text.endswith(".")


def test_passages_never_join_across_a_dropped_paragraph() -> None:
    text = "First kept paragraph.\n\nDropped furniture.\n\nSecond kept paragraph."
    kept = [s for s in _spans(text) if s.index != 1]
    chunks = chunk_document(text, kept)
    assert [c.text for c in chunks] == ["First kept paragraph.", "Second kept paragraph."]


def test_long_paragraph_is_cut_between_sentences_only() -> None:
    sentences = [
        f"Sentence number {i} is about the Partnership for Peace programme." for i in range(60)
    ]
    text = " ".join(sentences)
    chunks = chunk_document(text, [Span(0, 0, len(text))])
    assert len(chunks) > 3
    boundaries = {s for s, _ in sentence_spans(text)} | {e for _, e in sentence_spans(text)}
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.start in boundaries and chunk.end in boundaries
        assert len(chunk.text) <= MAX_CHARS


def test_a_single_huge_sentence_stays_whole() -> None:
    text = "A " + "very " * 400 + "long sentence."
    (chunk,) = chunk_document(text, [Span(0, 0, len(text))])
    assert chunk.text == text


def test_sentence_spans_respect_abbreviations_and_initials() -> None:
    text = "Roger N. McDermott met Mr. Simmons in the U.S. Army base. Then talks began!"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Roger N. McDermott met Mr. Simmons in the U.S. Army base.",
        "Then talks began!",
    ]


def test_russian_and_kazakh_sentences_split_at_cyrillic_capitals() -> None:
    text = (
        "В 2010 г. Министр прибыл в Астану. «Это важно», сказал он. Выделено 15 млн. "
        "Тенге потрачено. Қазақстан НАТО-мен ынтымақтасады. Ә. Қ. Нұрбек — сарапшы."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "В 2010 г. Министр прибыл в Астану.",
        "«Это важно», сказал он.",
        "Выделено 15 млн. Тенге потрачено.",
        "Қазақстан НАТО-мен ынтымақтасады.",
        "Ә. Қ. Нұрбек — сарапшы.",
    ]
