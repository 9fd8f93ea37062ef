"""The measures `kz-brief eval` reports, on a scripted searcher (no model), and the form of the
question sets (the held-out one checked against an index built with a hashing encoder)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from store.errors import StoreError
from store.search.eval_corpus import corpus_index
from store.search.evaluate import (
    EvalQuestion,
    answering_sentences,
    evaluate,
    load_questions,
    missing_snippets,
    overlaps,
)
from store.types import Answer, Hit
from tests.conftest import REPO, SEEDS

HOLDOUT = REPO / "tests" / "eval" / "holdout"


def _hit(quote: str, doc_id: str = "a") -> Hit:
    return Hit(quote, doc_id, f"{doc_id}:{quote[:8]}", "T", None, None, None,
               date(2020, 1, 1), "metadata", 0.5)  # fmt: skip


class ScriptedSearcher:
    """Answers each question with the passages a test wrote for it."""

    def __init__(self, answers: dict[str, list[Hit]]):
        self.answers = answers

    def answer(self, question: str, k: int = 3, sort: str | None = None) -> Answer:
        return Answer(question, question, tuple(self.answers.get(question, [])[:k]))


def _question(qid: str, text: str, relevant=(), kind="what", **extra) -> EvalQuestion:
    return EvalQuestion(qid, text, kind, tuple(relevant), **extra)


def test_hits_mrr_filler_and_no_match_are_counted_as_defined() -> None:
    questions = [
        _question("1", "first", ["apple"]),  # relevant at rank 1 of 1: no filler
        _question("2", "second", ["pear"]),  # relevant at rank 2 of 3: two fillers
        _question("3", "third", ["plum"]),  # nothing relevant: three fillers
        _question("4", "fourth", [], kind="off-topic"),  # refused: right
        _question("5", "fifth", [], kind="off-topic"),  # answered: wrong
    ]
    searcher = ScriptedSearcher(
        {
            "first": [_hit("an apple")],
            "second": [_hit("a fig"), _hit("a pear", "b"), _hit("a kiwi")],
            "third": [_hit("x"), _hit("y"), _hit("z")],
            "fifth": [_hit("anything")],
        }
    )
    report = evaluate(searcher, questions, k=3)
    assert report.hit_at_1 == pytest.approx(1 / 3)
    assert report.hit_at_k == pytest.approx(2 / 3)
    assert report.mrr == pytest.approx((1 + 1 / 2) / 3)
    assert report.no_match_accuracy == pytest.approx(1 / 2)
    assert report.filler_rate == pytest.approx((0 + 2 + 3) / (1 + 3 + 3))
    assert [o.question.id for o in report.failures()] == ["3", "5"]
    assert report.by_kind() == {"what": (2, 3), "off-topic": (1, 2)}


def test_furniture_shown_is_a_failure_even_with_a_relevant_passage() -> None:
    question = _question("f", "trap", ["article text"], kind="furniture", forbidden=("Most read",))
    searcher = ScriptedSearcher({"trap": [_hit("article text"), _hit("Most read: 1. teaser")]})
    report = evaluate(searcher, [question])
    assert report.hit_at_1 == 1.0 and report.forbidden_shown == 1 and report.failures()


def test_both_sides_of_a_disagreement_need_two_documents() -> None:
    question = _question("d", "how many", ["500", "540"], traits=("disagree",))
    one = evaluate(ScriptedSearcher({"how many": [_hit("500 men", "a")]}), [question])
    two = evaluate(
        ScriptedSearcher({"how many": [_hit("500 men", "a"), _hit("540 men", "b")]}), [question]
    )
    assert one.both_sides == 0.0 and two.both_sides == 1.0


def test_paraphrase_counts_content_words_shared_with_the_answering_sentence() -> None:
    text = (
        "Intro line.\n\nThe battalion was formed in 1995 with 500 soldiers. "
        "It trains in English.\n\nAnother paragraph."
    )
    assert answering_sentences("formed in 1995", [text]) == [
        "The battalion was formed in 1995 with 500 soldiers."
    ]
    questions = [
        _question("p", "When was the three-nation unit created?", ["formed in 1995"]),
        _question("w", "When was the battalion formed with 500 soldiers?", ["formed in 1995"]),
    ]
    counts = overlaps(questions, [text])
    # "three-nation unit created" and "battalion formed in 1995" share no content word
    assert counts["p"] <= 2 < counts["w"]
    report = evaluate(ScriptedSearcher({}), questions, overlap=counts)
    assert [o.paraphrased for o in report.outcomes] == [True, False]


def test_every_question_has_a_fixed_half_from_its_id_alone() -> None:
    a = _question("h001", "one")
    b = _question("h001", "a different wording")
    assert a.half == b.half and a.half in ("tuning", "checking")


def test_malformed_question_sets_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "1", "question": "ok"}\n{"id": "2"}\n', encoding="utf-8")
    with pytest.raises(StoreError, match=r"q.jsonl:2"):
        load_questions(path)


def test_the_hard_set_is_what_the_readme_says() -> None:
    """At least 100 questions; half of the answerable ones paraphrased; 15+ off-topic; every
    relevant snippet present in the corpus it runs on; traps and disagreements present."""
    questions = load_questions(REPO / "tests" / "eval" / "hard.jsonl")
    folders = [REPO / "seeds", REPO / "tests" / "store" / "ingest" / "pages",
               REPO / "tests" / "eval" / "corpus"]  # fmt: skip
    texts = [
        p.read_text(encoding="utf-8", errors="replace")
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".txt", ".md")
    ]
    assert missing_snippets(questions, texts) == []
    answerable = [q for q in questions if q.answerable]
    counts = overlaps(questions, texts)
    assert len(counts) == len(answerable)
    paraphrased = sum(count <= 2 for count in counts.values())
    assert len(questions) >= 100 and paraphrased * 2 >= len(answerable)
    kinds = {q.kind for q in questions}
    assert {"who", "what", "when", "how-many", "said", "off-topic", "furniture"} <= kinds
    assert sum(q.kind == "off-topic" for q in questions) >= 15
    assert sum("disagree" in q.traits for q in questions) >= 3
    assert sum("role" in q.traits for q in questions) >= 10
    assert len({q.id for q in questions}) == len(questions)
    assert json.loads((REPO / "tests" / "eval" / "hard.jsonl").read_text().splitlines()[0])


def test_the_holdout_set_is_well_formed_and_its_passages_are_in_its_index(
    tmp_path: Path, fake_encoder
) -> None:
    """The held-out set (tests/eval/README.md) is what the README says, and every expected
    passage is inside one passage of an index of its corpus, built as `kz-brief eval --corpus`
    builds it. Only its form is checked: scoring it in a test would invite tuning to it."""
    questions = load_questions(HOLDOUT / "questions.jsonl")
    files = sorted(p for p in (HOLDOUT / "corpus").iterdir() if p.suffix in (".txt", ".md"))
    texts = [p.read_text(encoding="utf-8") for p in files]

    generations = corpus_index([SEEDS, HOLDOUT / "corpus"], tmp_path, fake_encoder)
    records = generations.collection(generations.current()).get(include=["documents", "metadatas"])
    passages = records["documents"]
    indexed = {meta["doc_id"].rpartition("/")[2] for meta in records["metadatas"]}
    assert {p.stem for p in files} <= indexed
    split_or_missing = [
        f"{q.id}: {snippet!r}"
        for q in questions
        for snippet in q.relevant
        if not any(snippet in passage for passage in passages)
    ]
    assert split_or_missing == []
    sources = [q for q in questions if q.asks_sources]
    assert sources and all(q.docs and set(q.docs) <= indexed for q in sources)
    traps = [q for q in questions if q.kind == "furniture"]
    assert traps and all(any(f in text for text in texts) for q in traps for f in q.forbidden)

    answerable = [q for q in questions if q.answerable]
    counts = overlaps(questions, texts)
    assert len(counts) == len(answerable) >= 60
    assert sum(count <= 2 for count in counts.values()) * 2 >= len(answerable)
    kinds = {q.kind for q in questions}
    assert {"who", "what", "when", "how-many", "said", "source", "off-topic", "furniture"} <= kinds
    assert sum(q.kind == "off-topic" for q in questions) >= 20
    assert sum("disagree" in q.traits for q in questions) >= 2
    assert sum("role" in q.traits for q in questions) >= 10
    assert len({q.id for q in questions}) == len(questions)

    # Held out means new: no question, id or document shared with the set the ranking is tuned on.
    tuned = load_questions(REPO / "tests" / "eval" / "hard.jsonl")
    assert not {q.id for q in tuned} & {q.id for q in questions}
    assert not {q.question for q in tuned} & {q.question for q in questions}
    tuned_docs = {p.stem for p in (REPO / "tests" / "eval" / "corpus").iterdir()}
    assert not tuned_docs & {p.stem for p in files}
