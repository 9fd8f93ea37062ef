"""Shared fixtures: an isolated environment, a fake encoder that counts its work, and one
real index over the seeds (built once per session with the bundled model)."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config import SETTING_NAMES
from store.index.generations import LocalGenerations
from store.search.lexical import tokens
from tests.servers import PostgresServer, postgres_server, redis_server

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# Two documents dated only to a month ("2005-12") and to a year ("2007").
PARTIAL_DATES = REPO / "tests" / "store" / "search" / "partial_dates"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test starts with no kz-brief settings from the developer's shell or `.env`."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


class FakeEncoder:
    """Hashed bag-of-words vectors: fast, deterministic, and it records every text encoded."""

    backend = "fake"

    def __init__(
        self, model_id: str = "fake-hash-1024", dimension: int = 1024, recipe: str = "fake"
    ):
        self.model_id = model_id
        self.recipe = recipe  # a fake standing in for the product's model takes its recipe
        self._dimension = dimension
        self.encoded: list[str] = []

    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokens(text) or ["empty"]:
                digest = hashlib.sha1(token.encode()).digest()
                vectors[row, int.from_bytes(digest[:4], "little") % self._dimension] += 1.0
            vectors[row] /= np.linalg.norm(vectors[row])
        if progress is not None:
            progress(len(texts))
        return vectors


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def opened_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file Python opens from now on (`open`, and pathlib's reads, which use `io.open`):
    proves a file was, or was not, read."""
    opened: list[Path] = []
    real_open = io.open

    def recording_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike):
            opened.append(Path(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(builtins, "open", recording_open)
    return opened


def age_files(folder: Path, seconds: float = 3600) -> None:
    """Date every file under `folder` back, as files are that were not just written: the index
    trusts a file's size and mtime only once it is a few seconds old."""
    then = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of the seeds folder that a test may edit."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def real_encoder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from store.index.embed import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder()
    encoder.encode(["warm up"])
    return encoder


@pytest.fixture(scope="session")
def product_encoder(tmp_path_factory: pytest.TempPathFactory):
    """The encoder the product runs by default (all-MiniLM-L6-v2 through onnx-int8, exported
    once per session): the retrieval-quality bars are measured on what users get."""
    from store.index.embed import open_encoder

    encoder = open_encoder("all-MiniLM-L6-v2", "onnx-int8", tmp_path_factory.mktemp("models"))
    encoder.encode(["warm up"])
    return encoder


EVAL_FOLDERS = (
    SEEDS,
    REPO / "tests" / "store" / "ingest" / "pages",
    REPO / "tests" / "eval" / "corpus",
)


@pytest.fixture(scope="session")
def hard_generations(tmp_path_factory: pytest.TempPathFactory, product_encoder):
    """An index of the hard question set's corpus (seeds, ingest style pages and
    tests/eval/corpus), built as `kz-brief eval --corpus` builds it."""
    from store.search.eval_corpus import corpus_index

    return corpus_index(list(EVAL_FOLDERS), tmp_path_factory.mktemp("hard"), product_encoder)


@pytest.fixture(scope="session")
def product_seeds_generations(tmp_path_factory: pytest.TempPathFactory, product_encoder):
    """An index of the seeds alone, built with the product's encoder."""
    from store.search.eval_corpus import corpus_index

    return corpus_index([SEEDS], tmp_path_factory.mktemp("seeds-product"), product_encoder)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> Iterator[Path]:
    """A real index over the project's seeds; returns the data dir holding it."""
    from store.index.build import Indexer

    data_dir = tmp_path_factory.mktemp("data")
    Indexer(LocalGenerations(data_dir / "index"), real_encoder).build(SEEDS)
    yield data_dir


@pytest.fixture(scope="session")
def searcher(seeds_index: Path, real_encoder):
    """The real search API over the real seeds index."""
    from store.search.searcher import Searcher

    searcher = Searcher(LocalGenerations(seeds_index / "index"), real_encoder)
    searcher.load()
    return searcher


@pytest.fixture(scope="session")
def partial_dates_index(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> Path:
    """A real index over the seeds plus two documents dated only to a month and to a year;
    returns the folder holding `seeds/` and `data/` (the data dir)."""
    from store.index.build import Indexer

    folder = tmp_path_factory.mktemp("partial-dates")
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in PARTIAL_DATES.iterdir():
        shutil.copy(path, seeds / path.name)
    Indexer(LocalGenerations(folder / "data" / "index"), real_encoder).build(seeds)
    return folder


@pytest.fixture(scope="session")
def partial_dates_searcher(partial_dates_index: Path, real_encoder):
    """The real search API over `partial_dates_index`."""
    from store.search.searcher import Searcher

    searcher = Searcher(LocalGenerations(partial_dates_index / "data" / "index"), real_encoder)
    searcher.load()
    return searcher


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch):
    """A web server on loopback (tests/web_fake.py); proxies from the shell are not used."""
    from tests.web_fake import running_web

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running_web() as server:
        yield server


# --- Real servers (tests/servers.py) -------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port; its redis:// URL."""
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session (initdb costs seconds); tests take a fresh
    database each (`postgres_url`)."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer, request: pytest.FixtureRequest) -> str:
    """The URL of a new, empty database, in the plain form operators write."""
    name = "t_" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    return postgres.create_database(name)
