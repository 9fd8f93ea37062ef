"""The `kz-brief` command line, driven through click's runner and, once, as a real process."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from store.index.build import Indexer
from store.index.embed import recipe_of
from store.index.generations import LocalGenerations
from tests.conftest import REPO, FakeEncoder, age_files

JSON_KEYS = {
    "quote",
    "doc_id",
    "chunk_id",
    "title",
    "author",
    "publisher",
    "url",
    "published",
    "date_precision",
    "date_basis",
    "score",
    "highlights",
}


# How the configured backend makes vectors: a fake standing in for it must say the same.
CONFIGURED_RECIPE = recipe_of(Settings().embedding_backend)


class NoModel(FakeEncoder):
    """An encoder that must not be used: proves a command loads and runs no model."""

    def __init__(self, model_id: str, recipe: str = CONFIGURED_RECIPE):
        super().__init__(model_id=model_id, recipe=recipe)

    def encode(self, texts, progress=None):
        raise AssertionError("the model was used")

    def dimension(self) -> int:
        raise AssertionError("the model was loaded")


@pytest.fixture
def env(tmp_path: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("KZ_SEEDS_DIR", str(seeds_copy))
    monkeypatch.setenv("KZ_DATA_DIR", str(tmp_path / "data"))
    return {"KZ_SEEDS_DIR": str(seeds_copy), "KZ_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def indexed(env, seeds_index: Path, use_encoder, real_encoder) -> dict[str, str]:
    """The session's real seeds index, copied in as this test's data dir."""
    shutil.copytree(seeds_index, env["KZ_DATA_DIR"])
    use_encoder(real_encoder)
    return env


@pytest.fixture
def use_encoder(monkeypatch: pytest.MonkeyPatch):
    """Hand the CLI a given encoder instead of loading the model again."""

    def use(encoder) -> None:
        monkeypatch.setattr("bot.runtime.encoder_for", lambda settings: encoder)

    return use


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_index_then_a_second_run_with_nothing_changed_uses_no_model(env, use_encoder, real_encoder):
    use_encoder(real_encoder)
    first = run("index")
    assert first.exit_code == 0, first.output
    assert "Index summary" in first.output and "Now serving generation" in first.output
    use_encoder(NoModel(real_encoder.model_id, real_encoder.recipe))
    second = run("index")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output


# Each costs from a tenth of a second (Slack, BM25) to seconds (a model, Chroma) to import.
HEAVY_MODULES = ("torch", "sentence_transformers", "onnxruntime", "chromadb", "slack_bolt", "bm25s")


def test_a_no_change_index_imports_no_model_chroma_or_slack(env, seeds_copy):
    age_files(seeds_copy)
    # The configured model's name and recipe: a no-change run reuses what it made.
    encoder = FakeEncoder("all-MiniLM-L6-v2", recipe=CONFIGURED_RECIPE)
    Indexer(LocalGenerations(Path(env["KZ_DATA_DIR"]) / "index"), encoder).build(seeds_copy)
    code = (
        "import sys; from bot.cli import cli; cli(['index'], standalone_mode=False); "
        f"print('imported:', [m for m in {HEAVY_MODULES!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "nothing changed" in result.stdout
    assert "imported: []" in result.stdout


def test_dry_run_and_explain(env, use_encoder, seeds_copy):
    use_encoder(NoModel("all-MiniLM-L6-v2"))
    dry = run("index", "--dry-run")
    assert dry.exit_code == 0 and "Dry run" in dry.output
    explained = run(
        "index", "--explain", str(seeds_copy / "caci-2005-kazakhstan-legal-basis-nato.txt")
    )
    assert explained.exit_code == 0
    assert "KEEP" in explained.output and "DROP" in explained.output
    assert "duplicate" in explained.output and "2005-11-02 (basis: metadata" in explained.output


def test_status_without_an_index_says_how_to_build_one(env):
    missing = run("status")
    assert missing.exit_code == 1 and "kz-brief index" in missing.output


def test_status_lists_documents_with_dates_and_basis(indexed):
    shown = run("status")
    assert shown.exit_code == 0
    for expected in ("2009-06-26", "2005-11-02", "metadata", "all-MiniLM-L6-v2", "384"):
        assert expected in shown.output
    assert "all-MiniLM-L6-v2 (torch, 384 dimensions)" in shown.output  # how vectors were made
    assert "No match:" in shown.output and "calibrated on" in shown.output


def test_ask_json_lines_from_stdin_in_order(indexed):
    result = run(
        "ask", "--json", "-k", "2", "-", input="Who is Altynbayev?\n\nrecipe for pancakes\n"
    )
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["query"] == "Who is Altynbayev?" and not first["no_match"]
    assert 1 <= len(first["results"]) <= 2 and set(first["results"][0]) == JSON_KEYS
    assert "Altynbayev" in first["results"][0]["quote"]
    assert first["results"][0]["published"] == "2005-11-02"
    assert first["results"][0]["date_precision"] == "day"
    assert second == {
        "query": "recipe for pancakes",
        "no_match": True,
        "results": [],
        "sources": [],
    }


def test_a_question_about_a_source_gets_its_card_in_json_and_in_the_terminal(indexed):
    result = run("ask", "--json", "Who wrote the CACI piece?")
    answer = json.loads(result.output)
    assert not answer["no_match"] and answer["results"] == []
    (card,) = answer["sources"]
    assert card["author"] == "Roger N. McDermott" and card["published"] == "2005-11-02"
    assert card["date_basis"] == "metadata" and card["title"].startswith("Kazakhstan lays")
    text = Path(card["source_path"]).read_text(encoding="utf-8")
    byline = card["byline"]
    assert byline["text"].startswith("By Roger N McDermott")
    assert text[byline["start"] : byline["end"]] == byline["text"]
    shown = run("ask", "When was the EUobserver article published?")
    assert "Nato woos Kazakhstan at security forum" in shown.output
    assert "Valentina Pop · EUobserver" in shown.output and "26 Jun 2009" in shown.output


@pytest.fixture
def partially_dated(env, partial_dates_index: Path, use_encoder, real_encoder) -> dict[str, str]:
    """The session's index over the seeds and two documents dated to a month and a year."""
    shutil.copytree(partial_dates_index / "data", env["KZ_DATA_DIR"])
    use_encoder(real_encoder)
    return env


def test_a_month_precision_date_in_json_terminal_answers_and_status(partially_dated):
    question = "Kazakhstan's partnership action plan with NATO"
    result = run(
        "ask", "--json", "-k", "5", "-", input=f"{question} in:2005\n{question} since:2006\n"
    )
    assert result.exit_code == 0, result.output
    in_2005, since_2006 = (json.loads(line) for line in result.output.strip().splitlines())
    dates = {(r["doc_id"], r["published"], r["date_precision"]) for r in in_2005["results"]}
    assert ("ipap-talks-dec-2005", "2005-12", "month") in dates
    assert ("caci-2005-kazakhstan-legal-basis-nato", "2005-11-02", "day") in dates
    assert since_2006["results"] and "2005-12" not in {
        r["published"] for r in since_2006["results"]
    }
    assert {r["date_precision"] for r in since_2006["results"]} <= {"day", "year"}

    shown = run("ask", f"{question} in:2005").output
    assert "Sources span 2 Nov – Dec 2005; newest first" in shown
    # Rich wraps the panel's lines: read the text without its borders and line breaks.
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", shown).split())
    assert re.search(r"Steppe Security Notes, Dec 2005 · \d+ years old", flat), flat
    assert "1 Dec 2005" not in shown

    status = run("status").output
    assert "2005-12" in status and "2005-12-01" not in status
    assert "2007 " in status and "2007-01-01" not in status


def test_ask_renders_for_a_terminal(indexed):
    result = run("ask", "What did Rogozin say about Kazakhstan? since:2008")
    assert result.exit_code == 0
    assert "Searched: since 2008-01-01" in result.output
    assert "Nato woos Kazakhstan at security forum — EUobserver, 26 Jun 2009 ·" in result.output
    assert re.search(r"years\W+old", result.output)  # the source line may wrap in the panel
    off = run("ask", "best pizza in Naples")
    assert "Nothing in the corpus on that." in off.output and "covers" in off.output


@pytest.mark.parametrize("leave", ["quit", "/quit", "EXIT", ""])
def test_chat_answers_each_question_until_told_to_stop(indexed, leave):
    typed = ["What is KAZBAT?", "best pizza in Naples", leave, "Who is Utemuratov?"]
    result = run("chat", input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "KAZBAT" in result.output and "CACI Analyst" in result.output
    assert result.output.count("Nothing in the corpus on that.") == 1  # pizza, not the quit
    assert "Utemuratov" not in result.output  # asked after leaving: never read


def test_model_mismatch_fails_with_the_rebuild_message(indexed, use_encoder):
    use_encoder(NoModel("another-model"))
    result = run("ask", "NATO")
    assert result.exit_code == 1 and "kz-brief index --rebuild" in result.output


def test_bad_setting_is_a_one_line_error_and_exit_code_2(env, monkeypatch):
    monkeypatch.setenv("CHROMA_PORT", "eighty")
    result = run("status")
    assert result.exit_code == 2 and "CHROMA_PORT" in result.output


def test_eval_reports_hybrid_and_baseline(indexed):
    result = run("eval", str(REPO / "tests" / "eval" / "questions.jsonl"))
    assert result.exit_code == 0
    assert "hybrid (dense + BM25)" in result.output and "dense only (baseline)" in result.output
    assert "BM25 only (baseline)" in result.output and "filler rate" in result.output
    assert "kind: off-topic" in result.output and "half: checking" in result.output


@pytest.mark.slow
def test_the_installed_command_indexes_and_answers(env, tmp_path):
    """The real `kz-brief` process, as an admin and a user run it."""
    command = [sys.executable, "-m", "bot"]
    environment = {**os.environ, **env}
    index = subprocess.run(
        command + ["index"], env=environment, capture_output=True, text=True, timeout=300
    )
    assert index.returncode == 0, index.stderr
    ask = subprocess.run(
        command + ["ask", "--json", "-"],
        input="What is KAZBAT?\nWhat did Scheffer say about Rogozin?\n",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ask.returncode == 0, ask.stderr
    answers = [json.loads(line) for line in ask.stdout.splitlines()]
    assert [a["query"] for a in answers] == [
        "What is KAZBAT?",
        "What did Scheffer say about Rogozin?",
    ]
    for answer in answers:
        hit = answer["results"][0]
        source = Path(env["KZ_SEEDS_DIR"], f"{hit['doc_id']}.txt").read_text(encoding="utf-8")
        assert hit["quote"] in source
