"""Ingest files into the index: parse, chunk, embed only what changed, and record the build.

Every check on the input runs before the index is touched, and vectors are computed before
anything is written, so bad input or a failing embedder leaves an existing index as it was.
Changes go into a new version folder beside the live one, which is swapped in atomically
(`ingest.versions`); a rebuild (new embedder or chunker) starts that folder empty.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from common.embed import Embedder, load_embedder
from common.errors import IndexMissing, InputError
from common.paths import PROJECT
from common.settings import Settings
from ingest.chunk import CHUNKER_VERSION, chunk_plain, chunk_records, embedding_text
from ingest.parse import parse_article
from ingest.records import Chunk
from ingest.store import ChromaStore, Manifest, StoredChunk, open_store
from ingest.versions import current_version, discard, is_version, new_version, publish

log = logging.getLogger("ingest")
TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ""})


@dataclass(frozen=True)
class Summary:
    """What one ingest run did; `--json` prints exactly these keys."""

    files: int
    records: int
    added: int
    updated: int
    removed: int
    unchanged: int
    seconds: float


@dataclass(frozen=True)
class SourceFile:
    """One input file; `path` is its source id in the index (see `source_id`), `location` where it was read."""

    path: str
    text: str
    sha256: str
    location: Path


def run(
    paths: Sequence[str | Path],
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: bool = True,
) -> Summary:
    """Bring the index up to date with `paths`.

    Args:
        paths: markdown or text files; each one's chunks replace that file's earlier chunks.
        settings: where the index lives and which embedder to use.
        rebuild: start the index afresh even if it is compatible.
        embedder: an embedder to use instead of the one `settings` names (tests, notebooks).
        progress: show a progress bar while embedding.

    Raises:
        InputError: a file is missing, empty, binary or not text; the index dir is unwritable.
    """
    started = time.perf_counter()
    sources = [read_source(Path(p)) for p in paths]
    if not sources:
        raise InputError("Expected at least one file to ingest, got none.")
    if not settings.chroma_url:
        if is_version(Path(settings.index_dir)):
            raise InputError(
                f"Expected the index folder (e.g. data/index), got one of its versions: {settings.index_dir}"
            )
        _check_writable(Path(settings.index_dir))
    chunks, records = _chunk_all(sources)
    embedder = embedder or load_embedder(settings)
    wanted = Manifest(
        embedder=embedder.name,
        dimension=embedder.dimension,
        weights=embedder.fingerprint,
        chunker_version=CHUNKER_VERSION,
        sources={s.path: s.sha256 for s in sources},
    )
    version = None if settings.chroma_url else current_version(Path(settings.index_dir))
    live, stored = _open_live(settings, version)
    existing = live.items() if live is not None and stored is not None else []  # no manifest, no collection
    change = plan(chunks, wanted, stored, existing, rebuild=rebuild)
    vectors = _embed(embedder, change.embed, progress, settings.embed_batch_size)
    if change.writes(stored):
        _write(settings, version, change.fresh, change.manifest, change.embed, vectors, change.stale)
    return Summary(
        files=len(sources),
        records=records,
        added=change.added,
        updated=change.updated,
        removed=change.removed,
        unchanged=change.unchanged,
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass(frozen=True)
class Plan:
    """What one ingest changes in the index: the chunks to embed, the stale ids to delete, the manifest after."""

    fresh: bool
    embed: list[Chunk]
    stale: list[str]
    manifest: Manifest
    added: int
    updated: int
    removed: int
    unchanged: int

    def writes(self, stored: Manifest | None) -> bool:
        """Whether the index must be written at all (a rerun on unchanged files writes nothing)."""
        return self.fresh or bool(self.embed) or bool(self.stale) or self.manifest != stored


def plan(
    chunks: list[Chunk], wanted: Manifest, stored: Manifest | None, existing: list[StoredChunk], *, rebuild: bool
) -> Plan:
    """The change that brings an index holding `existing` (built as `stored`) to `chunks` of `wanted.sources`.

    A rebuild, no index, or one of another build (embedder, chunker, schema) starts afresh; otherwise only
    chunks whose id (source and text) is new are embedded, and the sources' chunks no longer produced go.
    Chunks of other sources stay, and so do their manifest entries.
    """
    fresh = rebuild or stored is None or not stored.same_build(wanted)
    ours = set(wanted.sources)
    old = {} if fresh else {i.id: i.metadata.get("key", "") for i in existing if i.metadata.get("source") in ours}
    new_ids = {c.id for c in chunks}
    embed = [c for c in chunks if c.id not in old]
    stale = [i for i in old if i not in new_ids]
    kept = {} if fresh or stored is None else stored.sources
    old_keys, new_keys = set(old.values()), {c.key for c in chunks}
    updated = sum(1 for c in embed if c.key in old_keys)
    return Plan(
        fresh=fresh,
        embed=embed,
        stale=stale,
        manifest=replace(wanted, sources={**kept, **wanted.sources}),
        added=len(embed) - updated,
        updated=updated,
        removed=sum(1 for i in stale if old[i] not in new_keys),
        unchanged=len(chunks) - len(embed),
    )


def read_source(path: Path) -> SourceFile:
    """Read one input file, or raise `InputError` saying why it cannot be ingested."""
    if not path.exists():
        raise InputError(f"No such file: {path}")
    if not path.is_file():
        raise InputError(f"Expected a file, got a directory: {path}")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"The file is empty: {path}")
    if b"\0" in raw[:8192]:
        raise InputError(f"Expected a text or markdown file, got binary data: {path}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"Expected UTF-8 text, got undecodable bytes at offset {e.start}: {path}") from e
    if path.suffix.lower() not in TEXT_SUFFIXES:
        log.warning("Reading %s as text (expected .md or .txt)", path)
    return SourceFile(source_id(path), text, hashlib.sha256(raw).hexdigest(), path.resolve())


def _open_live(settings: Settings, version: Path | None) -> tuple[ChromaStore | None, Manifest | None]:
    """The published index and its manifest; a damaged folder is rebuilt rather than patched."""
    if not (settings.chroma_url or version):
        return None, None
    try:
        live = open_store(settings, index_dir=version)
        return (live, live.manifest()) if live.exists() else (live, None)
    except IndexMissing as e:
        log.warning("%s; building a fresh index", e)
        return None, None


def _chunk_all(sources: list[SourceFile]) -> tuple[list[Chunk], int]:
    chunks: list[Chunk] = []
    records = 0
    for source in sources:
        parsed = parse_article(source.text)
        if parsed:
            chunks += chunk_records(parsed, source.path)
            records += len(parsed)
        else:
            log.warning("No questions found in %s; ingesting it as plain passages", source.path)
            chunks += chunk_plain(source.text, source.path)
    return chunks, records


def _embed(embedder: Embedder, chunks: list[Chunk], progress: bool, step: int) -> np.ndarray:
    """Vectors for `chunks`; with a progress bar, `step` (`BOT_EMBED_BATCH_SIZE`) texts go to the embedder at a time."""
    texts = [embedding_text(c) for c in chunks]
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    if not progress:
        return embedder.embed_documents(texts)
    from rich.progress import Progress

    parts = []
    with Progress(transient=True) as bar:
        task = bar.add_task("Embedding", total=len(texts))
        for i in range(0, len(texts), step):
            batch = texts[i : i + step]
            parts.append(embedder.embed_documents(batch))
            bar.advance(task, len(batch))
    return np.vstack(parts)


def _write(
    settings: Settings,
    version: Path | None,
    fresh: bool,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    stale: list[str],
) -> None:
    """Apply the changes: in place on a Chroma server, as a new published version in a folder."""
    if settings.chroma_url:
        _apply(open_store(settings), fresh, manifest, chunks, vectors, stale)
        return
    index_dir = Path(settings.index_dir)
    target = new_version(index_dir, copy_of=None if fresh else version)
    try:
        _apply(open_store(settings, index_dir=target), fresh, manifest, chunks, vectors, stale)
    except BaseException:
        discard(target)
        raise
    publish(index_dir, target)


def _apply(
    store: ChromaStore, fresh: bool, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, stale: list[str]
) -> None:
    if fresh:
        store.create(manifest)
    store.upsert(chunks, vectors)
    store.delete(stale)
    store.write_manifest(manifest)


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder.parent):
            pass
        if not os.access(folder, os.W_OK):
            raise PermissionError(folder)
    except OSError as e:
        raise InputError(f"The index folder is not writable: {folder} ({e.__class__.__name__})") from e


def source_id(path: Path) -> str:
    """The id a file's chunks carry: its path from the repository root when inside it, else its absolute path.

    Independent of the working directory, so one file ingested from two places is one source, and still a
    readable path for citations. (A content hash was rejected: an edited file would become a new source and
    leave its old chunks behind.) Indexes whose ids depended on the working directory are an older schema,
    so an ingest over one rebuilds it.
    """
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(PROJECT))
    except ValueError:
        return str(resolved)
