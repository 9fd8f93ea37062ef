"""Damaged files in a real data dir: derived ones are rebuilt with one warning and never
quoted from; a damaged index pointer is one line naming `--rebuild`, which fixes it; a
running bot keeps answering from what it loaded."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from store.index import tables
from store.index.generations import LocalGenerations
from store.search import searcher as search
from store.search.searcher import Searcher
from tests.conftest import SEEDS, FakeEncoder

QUESTION = "What is KAZBAT?"
# What the fake encoder (bag of words) finds well enough to clear the relevance threshold.
WORDS = "KAZBAT Altynbayev PARP"


@pytest.fixture
def data_dir(tmp_path: Path, seeds_index: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's real seeds index, as this test's KZ_DATA_DIR."""
    target = tmp_path / "data"
    shutil.copytree(seeds_index, target)
    monkeypatch.setenv("KZ_DATA_DIR", str(target))
    monkeypatch.setenv("KZ_SEEDS_DIR", str(SEEDS))
    return target


@pytest.fixture
def encoder(monkeypatch: pytest.MonkeyPatch):
    def use(chosen) -> None:
        monkeypatch.setattr("bot.runtime.encoder_for", lambda settings: chosen)

    return use


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _cache(data_dir: Path) -> Path:
    generations = LocalGenerations(data_dir / "index")
    return generations.cache_dir(generations.current())


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) * 2 // 3] ^= 0x01
    path.write_bytes(bytes(data))


def _texts_out_of_line(folder: Path) -> None:
    """Every passage's text moved to the next id, and the file's checksum written anew (a
    buggy writer, not a bit flip): only the per-passage hashes can tell."""
    texts = json.loads((folder / tables.TEXTS_FILE).read_text())
    texts["texts"] = texts["texts"][1:] + texts["texts"][:1]
    (folder / tables.TEXTS_FILE).write_text(json.dumps(texts))
    info = json.loads((folder / tables.INFO_FILE).read_text())
    info["sha256"][tables.TEXTS_FILE] = tables._file_sha256(folder / tables.TEXTS_FILE)
    (folder / tables.INFO_FILE).write_text(json.dumps(info))


def _null_tokens(path: Path) -> None:
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "tokens": None}))


DAMAGES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated tables": (f"tables/{tables.ARRAYS_FILE}", _truncate),
    "bit-flipped tables": (f"tables/{tables.ARRAYS_FILE}", _flip),
    "texts out of line with their ids": ("tables", _texts_out_of_line),
    "null in the tokens file": (search.LEXICAL_FILE, _null_tokens),
    "truncated tokens file": (search.LEXICAL_FILE, _truncate),
}


def _quotes_are_verbatim(output: str) -> list[dict]:
    answer = json.loads(output.strip().splitlines()[-1])
    assert answer["results"], answer
    for hit in answer["results"]:
        source = (SEEDS / f"{hit['doc_id']}.txt").read_text(encoding="utf-8")
        assert hit["quote"] in source, hit["quote"][:80]
    return answer["results"]


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_cache_is_rebuilt_with_one_warning_and_never_quoted(
    data_dir: Path, encoder, real_encoder, damage: str
) -> None:
    encoder(real_encoder)
    first = run("ask", "--json", QUESTION)  # saves the tokens file, if not saved yet
    expected = _quotes_are_verbatim(first.stdout)
    where, harm = DAMAGES[damage]
    harm(_cache(data_dir) / where)

    damaged = run("ask", "--json", QUESTION)
    assert damaged.exit_code == 0, damaged.output
    assert _quotes_are_verbatim(damaged.stdout) == expected
    warnings = [line for line in damaged.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, damaged.stderr
    assert "damaged" in warnings[0] and ("rebuilding" in warnings[0] or "again" in warnings[0])
    assert "Traceback" not in damaged.stderr

    again = run("ask", "--json", QUESTION)  # rebuilt and saved: nothing to say any more
    assert again.exit_code == 0 and " WARNING " not in again.stderr
    assert _quotes_are_verbatim(again.stdout) == expected


POINTERS = {
    "garbage": b"\x00\x93 not json",
    "[]": b"[]",
    "a list in the object": b'{"generation": ["g1"]}',
    "a path": b'{"generation": "../../etc"}',
    "nowhere": b'{"generation": "g20990101T000000-abcdef"}',
}


@pytest.mark.parametrize("pointer", list(POINTERS))
def test_a_damaged_pointer_is_one_line_and_index_rebuild_fixes_it(
    data_dir: Path, encoder, pointer: str
) -> None:
    # The fake encoder under the configured model's name: re-embedding takes no time.
    encoder(FakeEncoder(model_id="all-MiniLM-L6-v2"))
    (data_dir / "index" / "CURRENT").write_bytes(POINTERS[pointer])
    for command in (["ask", QUESTION], ["status"], ["index"]):
        failed = run(*command)
        assert failed.exit_code == 1, failed.output
        assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
        assert "index pointer" in failed.stderr and "`kz-brief index --rebuild`" in failed.stderr
    rebuilt = run("index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "the current index is damaged and was ignored" in rebuilt.stdout
    fixed = run("ask", "--json", WORDS)
    assert fixed.exit_code == 0 and _quotes_are_verbatim(fixed.stdout)


def test_a_damaged_manifest_is_fixed_by_index_rebuild(data_dir: Path, encoder) -> None:
    encoder(FakeEncoder(model_id="all-MiniLM-L6-v2"))
    generations = LocalGenerations(data_dir / "index")
    (generations.root / generations.current() / "manifest.json").write_text("[1, 2")
    assert "--rebuild" in run("ask", QUESTION).stderr
    assert run("index", "--rebuild").exit_code == 0
    assert _quotes_are_verbatim(run("ask", "--json", WORDS).stdout)


def test_a_bad_pointer_under_a_running_searcher_keeps_the_loaded_index_answering(
    data_dir: Path, real_encoder, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    monkeypatch.setattr(search, "REFRESH_SECONDS", 0.0)  # check the pointer every question
    searcher = Searcher(LocalGenerations(data_dir / "index"), real_encoder)
    searcher.load()
    expected = [hit.chunk_id for hit in searcher.answer(QUESTION).hits]
    pointer = data_dir / "index" / "CURRENT"
    for damaged in POINTERS.values():
        pointer.write_bytes(damaged)
        for _ in range(2):
            assert [hit.chunk_id for hit in searcher.answer(QUESTION).hits] == expected
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    # One warning per damage, not one per question.
    assert len(warnings) == len(POINTERS)
    assert all("still serving" in warning for warning in warnings)
