"""The vector index: a Chroma collection plus the manifest that says how it was built.

One `ChromaStore` serves both the embedded `PersistentClient` and a Chroma server
(`BOT_CHROMA_URL`); the manifest lives in the collection's metadata so it travels with the
vectors in either mode. Telemetry is off: the product makes no network call of its own.
With a server, every call is bounded by `request_timeout`, a server that goes away turns into
`BackendUnavailable`, and a collection rebuilt under a running app into `IndexMissing`; there is
no retry or reconnect logic beyond what Chroma's client does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx
import numpy as np

from common.embed import Embedder
from common.errors import BackendUnavailable, IndexMismatch, IndexMissing
from common.settings import Settings
from ingest.chunk import CHUNKER_VERSION
from ingest.records import Chunk
from ingest.versions import live_version

SCHEMA_VERSION = 2  # 2: source ids from the project root, whatever the working directory
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Manifest:
    """How an index was built; reading it back checks each field against the configuration."""

    embedder: str
    dimension: int
    weights: str
    chunker_version: str
    sources: dict[str, str] = field(default_factory=dict, hash=False)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))

    def same_build(self, other: Manifest) -> bool:
        """True when vectors of `other` can live beside ours (same model, weights and chunker)."""
        fields = ("embedder", "dimension", "weights", "chunker_version", "schema_version")
        return all(getattr(self, f) == getattr(other, f) for f in fields)


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the index."""

    id: str
    text: str
    metadata: dict[str, Any] = field(hash=False)


def _remote(method: Callable[P, R]) -> Callable[P, R]:
    """Report a lost Chroma server, or a collection dropped under us, as a one-line `BotError`."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        try:
            return method(*args, **kwargs)
        except httpx.TransportError as e:  # refused, reset, timed out: never a bad request
            raise BackendUnavailable(
                f"Chroma server at {getattr(store, 'url', None) or 'the configured address'} stopped answering "
                f"({e.__class__.__name__}: {e}); start it again or check BOT_CHROMA_URL."
            ) from e
        except Exception as e:
            from chromadb.errors import NotFoundError  # loaded already: the client exists

            if not isinstance(e, NotFoundError):
                raise
            raise IndexMissing(
                f"Collection {getattr(store, 'name', '?')!r} was rebuilt or removed after this app opened it "
                f"({e}); restart the app to load the current index."
            ) from e

    return wrapper


class ChromaStore:
    """A Chroma collection with upsert/delete/query and the build manifest."""

    def __init__(self, client: Any, name: str, url: str | None = None, folder: Path | None = None) -> None:
        self.client = client
        self.name = name
        self.url = url
        self.folder = folder  # the version folder it reads (embedded mode), for `published_version` checks
        self._collection: Any = None

    @property
    @_remote
    def collection(self) -> Any:
        if self._collection is None:
            try:
                self._collection = self.client.get_collection(self.name)
            except httpx.TransportError:
                raise
            except Exception as e:  # chroma raises several types for "no such collection"
                raise IndexMissing(f"No collection {self.name!r} in the index; run: python -m ingest") from e
        return self._collection

    @_remote
    def exists(self) -> bool:
        return self.name in {getattr(c, "name", c) for c in self.client.list_collections()}

    @_remote
    def create(self, manifest: Manifest) -> None:
        """Start an empty collection (dropping any old one) stamped with `manifest`."""
        if self.exists():
            self.client.delete_collection(self.name)
        self._collection = self.client.create_collection(
            self.name, metadata={"manifest": manifest.to_json()}, configuration={"hnsw": {"space": "cosine"}}
        )

    @_remote
    def manifest(self) -> Manifest | None:
        raw = (self.collection.metadata or {}).get("manifest")
        return Manifest.from_json(raw) if raw else None

    @_remote
    def write_manifest(self, manifest: Manifest) -> None:
        self.collection.modify(metadata={"manifest": manifest.to_json()})

    @_remote
    def items(self) -> list[StoredChunk]:
        got = self.collection.get(include=["documents", "metadatas"])
        return [
            StoredChunk(i, d or "", dict(m or {})) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])
        ]

    @_remote
    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self.collection.upsert(
            ids=[c.id for c in chunks],
            embeddings=np.asarray(vectors, dtype=np.float32),
            documents=[c.text for c in chunks],
            metadatas=[chunk_metadata(c) for c in chunks],
        )

    @_remote
    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.collection.delete(ids=list(ids))

    @_remote
    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Ids of the `k` nearest chunks with their cosine similarity, best first."""
        k = min(k, self.count())
        if k == 0:
            return []
        got = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k, include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]

    @_remote
    def count(self) -> int:
        return int(self.collection.count())


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "question": chunk.question,
        "section": chunk.section,
        "source": chunk.source,
        "start_line": chunk.start_line,
        "end_line": chunk.end_line,
        "key": chunk.key,
        "piece": chunk.piece,
    }


def open_store(settings: Settings, index_dir: Path | None = None) -> ChromaStore:
    """The store `settings` points at: a Chroma server when `chroma_url` is set, else a folder."""
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ModuleNotFoundError as e:
        raise BackendUnavailable("chromadb is missing: pip install chromadb") from e
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as e:
            raise BackendUnavailable(f"Chroma server at {settings.chroma_url} is not answering: {e}") from e
        _bound_requests(client, settings.request_timeout)
        return ChromaStore(client, settings.collection, url=settings.chroma_url)
    folder = Path(index_dir) if index_dir else published_version(settings)
    if folder is None:
        raise IndexMissing(
            f"No index at {settings.index_dir}; build it first: python -m ingest "
            "(BOT_INDEX_DIR names the folder it writes, e.g. data/index)"
        )
    try:
        client = chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as e:  # chroma reports a damaged folder with several error types
        raise IndexMissing(f"The index at {folder} is unreadable ({e}); rebuild it: python -m ingest --rebuild") from e
    return ChromaStore(client, settings.collection, folder=folder)


def open_index(settings: Settings, embedder: Embedder) -> ChromaStore:
    """The published index, checked to be built by `embedder` and this chunker: what the bot reads.

    Raises:
        IndexMissing: no index, an empty or unreadable one, or one without a manifest.
        IndexMismatch: built with another embedder, weights or chunker; `python -m ingest --rebuild` fixes it.
    """
    store = open_store(settings)
    if not store.exists():
        where = settings.chroma_url or settings.index_dir
        raise IndexMissing(f"No index at {where}; build it first: python -m ingest")
    wanted = Manifest(embedder.name, embedder.dimension, embedder.fingerprint, CHUNKER_VERSION)
    check_compatible(store.manifest(), wanted)
    return store


def published_version(settings: Settings) -> Path | None:
    """The version folder a reader of `settings` should have open now; None on a Chroma server or with no index."""
    return None if settings.chroma_url else live_version(Path(settings.index_dir))


def _bound_requests(client: Any, seconds: float) -> None:
    """Give the HTTP client's requests a timeout: Chroma's has none and no setting for one.

    Without it a server that hangs (rather than going away) hangs the bot. The session is
    private to chromadb (`Client._server._session`, seen in 1.5.9), so it is set only if present.
    """
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)


def check_compatible(stored: Manifest | None, wanted: Manifest) -> None:
    """Raise `IndexMismatch` when an index was built another way than configured."""
    if stored is None:
        raise IndexMissing("The index has no manifest; rebuild it: python -m ingest --rebuild")
    if not stored.same_build(wanted):
        raise IndexMismatch(
            f"Index built with {stored.embedder} ({stored.dimension}d, chunker {stored.chunker_version}), "
            f"but {wanted.embedder} ({wanted.dimension}d, chunker {wanted.chunker_version}) is configured; "
            "run: python -m ingest --rebuild"
        )
