"""Where index generations live, and the pointer that says which one is served.

A generation is one complete Chroma collection plus its manifest (model, dimension, the
documents). Readers follow a pointer; `kz-brief index` builds a new generation beside the
current one and moves the pointer only when the build is complete:

- embedded (default): each generation is its own Chroma directory under
  `KZ_DATA_DIR/index/`, and the pointer is the file `CURRENT`, replaced with `os.replace`;
- server (`CHROMA_HOST`): each generation is its own collection, and the manifests and the
  pointer are records of the small `kzbrief-meta` collection.
"""

from __future__ import annotations

import fcntl
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from store.errors import IndexUnavailableError, StoreError
from store.files import write_json_atomically

logger = logging.getLogger(__name__)

# A generation holds two collections: whole passages, and the sentence windows inside them
# (one and two sentences) that let a passage be found by its best sentence.
KINDS = ("passages", "sentences")
META_COLLECTION = "kzbrief-meta"
SERVER_PREFIX = "kzbrief-gen-"
POINTER_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
CACHE_DIR = "cache"
# Old generations are kept this long after they stop being current, so a bot that has not
# yet noticed the switch can finish its request on them.
GRACE_SECONDS = 600


def new_generation_id() -> str:
    """Sortable by build time, unique across machines."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"g{stamp}-{uuid.uuid4().hex[:6]}"


def _chroma_settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _create_collection(client: Any, name: str, manifest_hint: dict[str, Any]) -> Any:
    return client.create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={k: v for k, v in manifest_hint.items() if isinstance(v, str | int | float)},
    )


class GenerationStore(Protocol):
    """Build, switch to and open index generations."""

    location: str

    def current(self) -> str | None: ...

    def manifest(self, generation: str) -> dict[str, Any]: ...

    def create(self, generation: str, kind: str, hint: dict[str, Any]) -> Any: ...

    def collection(self, generation: str, kind: str = "passages") -> Any: ...

    def activate(self, generation: str, manifest: dict[str, Any]) -> None: ...

    def prune(self, keep: set[str]) -> list[str]: ...

    def cache_dir(self, generation: str) -> Path | None:
        """Where files derived from a generation (store.index.tables, the lexical index) are kept
        for the next start-up; None: nowhere."""
        ...

    def forget_caches(self, keep: set[str]) -> None:
        """Drop cached files of generations other than `keep` that nothing else prunes."""
        ...

    def build_lock(self) -> AbstractContextManager[None]:
        """Held for a whole build, so two builds never race to switch the pointer."""
        ...


@dataclass
class LocalGenerations:
    """Generations as directories under `root`; the pointer is a file replaced atomically."""

    root: Path

    @property
    def location(self) -> str:
        return str(self.root)

    def _dir(self, generation: str) -> Path:
        return self.root / generation

    def cache_dir(self, generation: str) -> Path | None:
        # Inside the generation, so pruning a generation removes its caches with it.
        return self._dir(generation) / CACHE_DIR

    def forget_caches(self, keep: set[str]) -> None:
        """Nothing to do: `prune` removes old generations with their caches."""

    def current(self) -> str | None:
        """The generation the pointer names; None when no index was ever built. A pointer
        that is unreadable, malformed or names no generation here is an error naming the
        fix (`kz-brief index --rebuild` builds a new generation whatever the pointer says)."""
        pointer = self.root / POINTER_FILE
        try:
            data = json.loads(pointer.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):  # no index there (yet)
            return None
        except (OSError, ValueError) as exc:
            raise _bad_pointer(pointer, f"unreadable: {exc}") from exc
        generation = data.get("generation") if isinstance(data, dict) else None
        if not is_generation_id(generation):
            raise _bad_pointer(pointer, f"no generation in {_shown(data)}")
        if not self._dir(generation).is_dir():
            raise _bad_pointer(pointer, f"it names {generation}, which is not in {self.root}")
        return generation

    def manifest(self, generation: str) -> dict[str, Any]:
        path = self._dir(generation) / MANIFEST_FILE
        try:
            return _checked_manifest(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError) as exc:
            raise IndexUnavailableError(
                f"The index manifest {path} is unreadable ({exc}); run `kz-brief index --rebuild`."
            ) from exc

    def _client(self, generation: str) -> Any:
        import chromadb

        return chromadb.PersistentClient(
            path=str(self._dir(generation) / "chroma"), settings=_chroma_settings()
        )

    def create(self, generation: str, kind: str, hint: dict[str, Any]) -> Any:
        self._dir(generation).mkdir(parents=True, exist_ok=True)
        return _create_collection(self._client(generation), kind, hint)

    def collection(self, generation: str, kind: str = "passages") -> Any:
        try:
            return self._client(generation).get_collection(kind)
        except Exception as exc:
            raise IndexUnavailableError(
                f"Index generation {generation} cannot be opened ({exc}); "
                "run `kz-brief index --rebuild`."
            ) from exc

    def activate(self, generation: str, manifest: dict[str, Any]) -> None:
        """Write the manifest, then switch the pointer in one atomic rename."""
        write_json_atomically(self._dir(generation) / MANIFEST_FILE, manifest)
        write_json_atomically(self.root / POINTER_FILE, {"generation": generation})

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".build.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(
                    "Another `kz-brief index` is running on this index; try again when it finishes."
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def prune(self, keep: set[str]) -> list[str]:
        """Remove generations not in `keep` once they are older than the grace period."""
        removed = []
        if not self.root.is_dir():
            return removed
        now = time.time()
        for path in self.root.iterdir():
            if not path.is_dir() or path.name in keep:
                continue
            if now - path.stat().st_mtime < GRACE_SECONDS:
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        return removed


@dataclass
class ServerGenerations:
    """Generations as collections on a Chroma server; the pointer is a record in the meta
    collection, so every bot replica sharing the server follows the same switch."""

    host: str
    port: int
    # Local caches of each generation (search tables, lexical index), so a restart or a
    # live swap reads files instead of every record over HTTP; None keeps nothing locally.
    cache_root: Path | None = None

    @property
    def location(self) -> str:
        return f"chroma server http://{self.host}:{self.port}"

    def _client(self) -> Any:
        import chromadb

        try:
            return chromadb.HttpClient(host=self.host, port=self.port, settings=_chroma_settings())
        except Exception as exc:
            raise IndexUnavailableError(
                f"The Chroma server at {self.host}:{self.port} cannot be reached ({exc}). "
                "Start it (`chroma run --path DIR --port PORT`) or unset CHROMA_HOST."
            ) from exc

    def _meta(self) -> Any:
        return self._client().get_or_create_collection(
            META_COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "l2"}}
        )

    def _read_meta(self, record_id: str) -> str | None:
        try:
            found = self._meta().get(ids=[record_id], include=["documents"])
        except IndexUnavailableError:
            raise
        except Exception as exc:
            raise IndexUnavailableError(
                f"The Chroma server at {self.host}:{self.port} did not answer ({exc})."
            ) from exc
        documents = found.get("documents") or []
        return documents[0] if documents else None

    def _write_meta(self, record_id: str, text: str) -> None:
        self._meta().upsert(ids=[record_id], documents=[text], embeddings=[[1.0]])

    def current(self) -> str | None:
        generation = self._read_meta("current")
        if generation is not None and not is_generation_id(generation):
            raise _bad_pointer(self.location, f"no generation in {_shown(generation)}")
        return generation

    def manifest(self, generation: str) -> dict[str, Any]:
        text = self._read_meta(f"manifest:{generation}")
        if text is None:
            raise IndexUnavailableError(
                f"Generation {generation} has no manifest on the server; "
                "run `kz-brief index --rebuild`."
            )
        where = f"the manifest of {generation} on {self.location}"
        try:
            return _checked_manifest(json.loads(text), where)
        except ValueError as exc:
            raise IndexUnavailableError(
                f"{where} is unreadable ({exc}); run `kz-brief index --rebuild`."
            ) from exc

    def cache_dir(self, generation: str) -> Path | None:
        return self.cache_root / generation if self.cache_root else None

    def forget_caches(self, keep: set[str]) -> None:
        """Remove local caches of generations other than `keep` that are past the grace
        period (the server's generations are pruned by whichever machine indexes)."""
        if self.cache_root is None or not self.cache_root.is_dir():
            return
        now = time.time()
        for path in self.cache_root.iterdir():
            if path.name not in keep and now - path.stat().st_mtime >= GRACE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)

    def create(self, generation: str, kind: str, hint: dict[str, Any]) -> Any:
        return _create_collection(self._client(), f"{SERVER_PREFIX}{generation}-{kind}", hint)

    def collection(self, generation: str, kind: str = "passages") -> Any:
        try:
            return self._client().get_collection(f"{SERVER_PREFIX}{generation}-{kind}")
        except IndexUnavailableError:
            raise
        except Exception as exc:
            raise IndexUnavailableError(
                f"Index generation {generation} is missing on the Chroma server ({exc}); "
                "run `kz-brief index --rebuild`."
            ) from exc

    def activate(self, generation: str, manifest: dict[str, Any]) -> None:
        self._write_meta(f"manifest:{generation}", json.dumps(manifest, ensure_ascii=False))
        self._write_meta("current", generation)

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        # A server is shared by machines: run `kz-brief index` from one place (README).
        yield

    def prune(self, keep: set[str]) -> list[str]:
        client = self._client()
        removed = []
        cutoff = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for collection in client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if not name.startswith(SERVER_PREFIX):
                continue
            generation = name[len(SERVER_PREFIX) :].rsplit("-", 1)[0]
            if generation in keep or _younger_than_grace(generation, cutoff):
                continue
            client.delete_collection(name)
            self._meta().delete(ids=[f"manifest:{generation}"])
            if generation not in removed:
                removed.append(generation)
        return removed


_GENERATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def is_generation_id(value: object) -> bool:
    """A name `new_generation_id` could have made: never a path (`../x`) or anything else."""
    return isinstance(value, str) and _GENERATION_ID.fullmatch(value) is not None


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad_pointer(where: object, problem: str) -> IndexUnavailableError:
    return IndexUnavailableError(
        f"The index pointer {where} is damaged ({problem}); run `kz-brief index --rebuild`."
    )


def _checked_manifest(data: object, where: str) -> dict[str, Any]:
    """A manifest as the indexer writes it: an object with a list of documents."""
    if not isinstance(data, dict) or not isinstance(data.get("documents", []), list):
        raise ValueError(f"{where} is not an index manifest")
    return data


def _younger_than_grace(generation: str, now_stamp: str) -> bool:
    """Server generations carry their build time in their id; spare the recent ones."""
    try:
        built = datetime.strptime(generation[1:16], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        now = datetime.strptime(now_stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return False
    return (now - built).total_seconds() < GRACE_SECONDS


def open_generations(data_dir: Path, chroma_host: str | None, chroma_port: int) -> GenerationStore:
    """The generation store the settings name: a Chroma server, or directories on disk."""
    if chroma_host:
        return ServerGenerations(chroma_host, chroma_port, cache_root=data_dir / "cache")
    return LocalGenerations(data_dir / "index")
