"""Chroma server mode for real: `chroma run` on loopback, index, search, restart, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store.errors import IndexUnavailableError
from store.index import tables
from store.index.build import Indexer
from store.index.generations import ServerGenerations
from store.search.searcher import Searcher
from tests.servers import ChromaServer, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "chroma-server")
    running.start()
    yield running
    running.stop()


def test_index_and_search_on_a_server_survive_a_restart(server, seeds_copy, fake_encoder, tmp_path):
    generations = ServerGenerations("127.0.0.1", server.port)
    report = Indexer(generations, fake_encoder).build(seeds_copy)
    assert report.switched and report.count("added") == 2
    before = Searcher(generations, fake_encoder).search("KAZBAT Altynbayev PARP")
    assert before and before[0].doc_id == "caci-2005-kazakhstan-legal-basis-nato"
    assert not (tmp_path / ".kz-brief").exists(), "server mode must not write a local index"

    server.stop()
    server.start()

    fresh = ServerGenerations("127.0.0.1", server.port)
    assert fresh.current() == report.generation
    after = Searcher(fresh, fake_encoder).search("KAZBAT Altynbayev PARP")
    assert [h.chunk_id for h in after] == [h.chunk_id for h in before]
    fake_encoder.encoded.clear()
    again = Indexer(fresh, fake_encoder).build(seeds_copy)
    assert again.count("unchanged") == 2 and fake_encoder.encoded == []


def test_an_unreachable_server_is_a_clear_error(fake_encoder):
    generations = ServerGenerations("127.0.0.1", free_port())
    with pytest.raises(IndexUnavailableError, match="Chroma server"):
        Searcher(generations, fake_encoder).search("NATO")


def test_a_replica_keeps_a_local_copy_of_the_search_tables(
    server, seeds_copy, fake_encoder, tmp_path
):
    cache_root = tmp_path / "replica-cache"
    generations = ServerGenerations("127.0.0.1", server.port, cache_root=cache_root)
    report = Indexer(generations, fake_encoder).build(seeds_copy)
    before = Searcher(generations, fake_encoder).search("KAZBAT Altynbayev PARP")
    saved = cache_root / report.generation
    assert (saved / tables.TABLES_DIR / tables.INFO_FILE).exists()
    assert (saved / "tokens.json").exists()

    server.stop()
    server.start()  # records are read from the server once per generation, then from disk
    fresh = _QueryOnly("127.0.0.1", server.port, cache_root=cache_root)
    after = Searcher(fresh, fake_encoder).search("KAZBAT Altynbayev PARP")
    assert [(h.chunk_id, h.quote) for h in after] == [(h.chunk_id, h.quote) for h in before]


class _QueryOnly(ServerGenerations):
    """Collections that answer nearest-neighbour queries, counts and the small by-id sample
    that checks saved tables, but refuse to hand over every record."""

    def collection(self, generation: str, kind: str = "passages"):
        found = super().collection(generation, kind)

        class NoReads:
            query = found.query
            count = found.count

            def get(self, **kwargs):
                if kwargs.get("ids") is not None and len(kwargs["ids"]) <= tables.CHROMA_SAMPLE:
                    return found.get(**kwargs)
                raise AssertionError("read every record from the server again")

        return NoReads()
