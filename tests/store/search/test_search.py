"""Retrieval with the real bundled model over the real seeds index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.index.generations import LocalGenerations
from store.ingest.corpus import read_document
from store.ingest.sentences import sentence_spans
from store.search.evaluate import evaluate, load_questions, overlaps, source_texts
from store.search.ranking import LEGACY, RankingOptions
from store.search.searcher import Searcher
from store.types import DATE_BASES
from tests.conftest import REPO

EUOBSERVER = "euobserver-2009-nato-woos-kazakhstan"
CACI = "caci-2005-kazakhstan-legal-basis-nato"
FURNITURE = (
    "Subscribe",
    "free trial",
    "News in Brief",
    "Latest News",
    "Stakeholders",
    "Newsletter",
    "Visit also",
    "Staff Publications",
    "Silk Road Paper",
    "Read 3338 times",
    "Evacuated women",
    "Merkel",
)


def _source(hit) -> str:
    return Path(hit.source_path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Who is Altynbayev?", "Altynbayev"),
        ("What is KAZBAT?", "KAZBAT"),
        ("What did Simmons propose about PARP?", "PARP"),
        ("What did Rogozin say?", "Rogozin"),
        ("Who is Bolat Nurgaliev?", "Nurgaliev"),
    ],
)
def test_rare_names_and_codes_are_found_first(searcher, question: str, term: str) -> None:
    hits = searcher.search(question)
    assert hits and term in hits[0].quote


def test_spelling_variants_of_a_name_still_match(searcher) -> None:
    hits = searcher.search("What does Nazarbaev think about cooperation with NATO?", k=5)
    assert any("Nazarbayev" in h.quote for h in hits)
    hits = searcher.search("Shanghai Cooperation Organization")
    assert "Shanghai Co-operation Organisation" in hits[0].quote


def test_paraphrases_are_found_where_words_differ(searcher) -> None:
    hits = searcher.search("Who compared Kazakhstan to a wife courted by a lover?")
    assert "Russia's wife" in hits[0].quote
    hits = searcher.search("Which law stopped Kazakhstan from sharing secret information?", k=3)
    assert any("law on state secrets" in h.quote for h in hits)


def test_a_question_spanning_both_documents_gets_both(searcher) -> None:
    hits = searcher.search("How does Kazakhstan balance Russia and China in its ties with NATO?")
    assert {h.doc_id for h in hits} == {EUOBSERVER, CACI}


@pytest.mark.parametrize(
    "question",
    [
        "What is a good recipe for banana bread?",
        "How do I reset my email password?",
        "Who won the football match last night?",
        "What will the weather be tomorrow?",
    ],
)
def test_off_topic_questions_get_no_quotes_and_a_covers_line(searcher, question: str) -> None:
    answer = searcher.answer(question)
    assert answer.no_match and answer.hits == ()
    assert "Nato woos Kazakhstan" in answer.covers and "2005-11-02" in answer.covers


def test_every_quote_is_a_verbatim_dated_span_of_its_file(searcher) -> None:
    for question in ("NATO partnership with Kazakhstan", "Afghanistan transit", "Uzbekistan"):
        for hit in searcher.search(question, k=5):
            assert _source(hit)[hit.start : hit.end] == hit.quote
            expected = date(2009, 6, 26) if hit.doc_id == EUOBSERVER else date(2005, 11, 2)
            assert (hit.published, hit.date_basis) == (expected, "metadata")


def test_furniture_is_never_returned(searcher) -> None:
    for question in (
        "subscribe free trial per month",
        "News in Brief Latest News",
        "Silk Road Paper",
    ):
        for hit in searcher.search(question, k=5):
            assert not any(f.lower() in hit.quote.lower() for f in FURNITURE)


def test_date_filters_in_the_question(searcher) -> None:
    since = searcher.answer("Kazakhstan cooperation with NATO since:2008", k=5)
    assert since.hits and {h.doc_id for h in since.hits} == {EUOBSERVER}
    before = searcher.answer("Kazakhstan cooperation with NATO before:2006", k=5)
    assert before.hits and {h.doc_id for h in before.hits} == {CACI}
    during = searcher.answer("Kazakhstan cooperation with NATO in:2007")
    assert during.no_match and during.filters.describe() == "since 2007-01-01, before 2008-01-01"


def test_chronological_mode_orders_oldest_first(searcher) -> None:
    hits = searcher.search("Kazakhstan relations with Russia and NATO", k=6, sort="date")
    dates = [h.published for h in hits]
    assert len(set(dates)) == 2 and dates == sorted(dates)


def test_highlights_mark_whole_sentences_that_answer(searcher) -> None:
    (hit, *_) = searcher.search("Who compared Kazakhstan to a wife courted by a lover?")
    assert hit.highlights
    boundaries = {edge for span in sentence_spans(hit.quote) for edge in span}
    for start, end in hit.highlights:
        assert 0 <= start < end <= len(hit.quote)
        assert start in boundaries and end in boundaries
    assert any("wife" in hit.quote[s:e] for s, e in hit.highlights)


def test_no_near_duplicates_and_a_cap_per_document(searcher) -> None:
    hits = searcher.search("Kazakhstan NATO Partnership for Peace cooperation", k=4)
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            assert a.quote not in b.quote and b.quote not in a.quote
    assert max(sum(h.doc_id == d for h in hits) for d in (EUOBSERVER, CACI)) <= 2


def test_a_question_naming_a_document_lifts_the_cap(seeds_index, real_encoder) -> None:
    every = Searcher(
        LocalGenerations(seeds_index / "index"), real_encoder, options=RankingOptions(cut_below=0)
    )  # no passage left out for being weaker: the cap alone decides
    hits = every.search("What does the CACI Analyst article by McDermott conclude?", k=4)
    assert sum(h.doc_id == CACI for h in hits) >= 3


def test_empty_and_huge_questions(searcher) -> None:
    empty = searcher.answer("   since:2008 ")
    assert empty.no_match and any("no question" in n for n in empty.notes)
    huge = searcher.answer("What did Rogozin say about Kazakhstan? " * 600)
    assert any("trimmed" in n for n in huge.notes)
    assert huge.hits and "Rogozin" in huge.hits[0].quote


def test_question_set_quality_beats_the_dense_baseline(
    product_seeds_generations, product_encoder
) -> None:
    questions = load_questions(REPO / "tests" / "eval" / "questions.jsonl")
    assert len(questions) >= 30
    generations = product_seeds_generations
    hybrid = evaluate(Searcher(generations, product_encoder), questions, k=3)
    dense = evaluate(Searcher(generations, product_encoder, mode="dense"), questions, k=3)
    assert hybrid.hit_at_k >= 0.95
    assert hybrid.no_match_accuracy == 1.0
    assert hybrid.hit_at_k > dense.hit_at_k and hybrid.mrr > dense.mrr


# ----- the hard question set (tests/eval/hard.jsonl, README "How retrieval works") ---------


@pytest.fixture(scope="module")
def hard_reports(hard_generations, product_encoder):
    """The hard set scored for the product, its baselines and the ranking it replaced."""
    questions = load_questions(REPO / "tests" / "eval" / "hard.jsonl")
    product = Searcher(hard_generations, product_encoder)
    overlap = overlaps(questions, source_texts(product))
    runs = {
        "product": product,
        "dense": Searcher(hard_generations, product_encoder, mode="dense"),
        "lexical": Searcher(hard_generations, product_encoder, mode="lexical"),
        "legacy": Searcher(hard_generations, product_encoder, options=LEGACY),
    }
    return {name: evaluate(s, questions, 3, overlap) for name, s in runs.items()}


def test_the_hard_set_bar(hard_reports) -> None:
    """The bar reached on the hard set (README has the numbers and the issue's targets)."""
    product, legacy = hard_reports["product"], hard_reports["legacy"]
    paraphrased = product.subset(lambda o: o.paraphrased)
    assert product.hit_at_k >= 0.94 and product.mrr >= 0.87
    assert paraphrased.hit_at_k >= 0.9
    # One sits at the threshold (README); the int8 export is made for this CPU's kernels,
    # so another machine's vectors may differ in the third decimal.
    assert product.false_no_match <= 1
    refused = sum(o.returned == 0 for o in product.outcomes if o.question.off_topic)
    assert refused >= 29 and legacy.no_match_accuracy < 0.1
    assert product.filler_rate <= 0.55 < legacy.filler_rate
    assert product.forbidden_shown == 0
    assert product.card_accuracy == 1.0


def test_said_questions_rank_better_with_a_lighter_lexical_side(
    hard_generations, product_encoder, hard_reports
) -> None:
    """What-did-X-say questions weigh BM25 at 0.15, not 0.3 (set on the tuning half,
    checked on the other): the kind finds more of its answers in the top three and ranks
    them no worse."""
    questions = load_questions(REPO / "tests" / "eval" / "hard.jsonl")
    flat = RankingOptions(said_lexical_weight=RankingOptions().lexical_weight)
    searcher = Searcher(hard_generations, product_encoder, options=flat)
    overlap = overlaps(questions, source_texts(searcher))
    said = [q for q in questions if q.kind == "said"]
    before = evaluate(searcher, said, 3, overlap)
    after = hard_reports["product"].subset(lambda o: o.question.kind == "said")
    assert after.hit_at_k > before.hit_at_k and after.mrr >= before.mrr


def test_the_product_beats_its_baselines_and_the_ranking_it_replaced(hard_reports) -> None:
    product = hard_reports["product"]
    for other in ("dense", "lexical", "legacy"):
        assert product.hit_at_k > hard_reports[other].hit_at_k
        assert product.mrr > hard_reports[other].mrr


def test_every_hard_set_answer_quotes_verbatim_with_date_and_basis(
    hard_generations, product_encoder
) -> None:
    searcher = Searcher(hard_generations, product_encoder)

    def decoded(path: str) -> str:  # as the indexer read it: CRLF kept, cp1251 decoded
        return read_document(Path(path), Path(path).stem).text

    for question in load_questions(REPO / "tests" / "eval" / "hard.jsonl"):
        answer = searcher.answer(question.question)
        for hit in answer.hits:
            assert decoded(hit.source_path)[hit.start : hit.end] == hit.quote
            assert hit.date_basis in DATE_BASES
            assert (hit.published is None) == (hit.date_basis == "none")
        for card in answer.sources:
            text = decoded(card.document.source_path)
            for quote in (card.byline, card.dateline):
                assert quote is None or text[quote.start : quote.end] == quote.text


def test_a_name_the_corpus_never_mentions_gets_a_note_and_no_passages(
    hard_generations, product_encoder
) -> None:
    answer = Searcher(hard_generations, product_encoder).answer("When did Finland join NATO?")
    assert answer.no_match and any("Finland" in note for note in answer.notes)


def test_a_document_named_by_its_kind_and_year_lifts_the_cap(
    hard_generations, product_encoder
) -> None:
    """A question about "the 2021 policy brief" names the one policy brief of 2021 (not
    the 2011 one): its passages may fill every place, as for a document named by its title."""
    every = RankingOptions(cut_below=0)  # no passage left out for being weaker
    question = "What does the 2021 policy brief see as the most lasting result?"
    named = Searcher(hard_generations, product_encoder, options=every).search(question, k=4)
    assert sum(h.doc_id.endswith("thinktank_pdf_extract") for h in named) >= 3
    # (Without the rule a distinctive word of its publisher may name it too, depending on
    # the corpus: tests/store/search/test_document_names.py checks the rule on its own.)


def test_a_passage_sharing_only_ubiquitous_words_is_not_an_answer(
    hard_generations, product_encoder
) -> None:
    """Uzbekistan is in many passages of the hard corpus; inflation in none. Without the
    focal-word rule a Northern Distribution Network passage answers the question."""
    question = "What is the inflation rate in Uzbekistan?"
    assert Searcher(hard_generations, product_encoder).answer(question).no_match
    off = RankingOptions(focal_share=0)
    assert Searcher(hard_generations, product_encoder, options=off).answer(question).hits
    # An answerable question about Uzbekistan keeps its answer.
    left = Searcher(hard_generations, product_encoder).search(
        "When did Uzbekistan leave the Russian-led security bloc?"
    )
    assert any("Uzbekistan left in 2012" in hit.quote for hit in left)


def test_the_dropped_unknown_words_margin_still_measures_what_it_did(
    hard_generations, product_encoder
) -> None:
    """bench/ideas.py measures it: words the corpus never uses ("wheat") raise the bar."""
    question = "How much wheat does Kazakhstan export to Afghanistan?"
    assert Searcher(hard_generations, product_encoder).answer(question).hits
    raised = RankingOptions(unknown_words_margin=1.0)
    assert Searcher(hard_generations, product_encoder, options=raised).answer(question).no_match
