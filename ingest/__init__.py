"""Ingestion: the article becomes Q&A records, chunks, vectors and a Chroma index.

>>> from ingest import parse_article
>>> parse_article("**What is stride?**\\n\\nHow far the filter moves.")[0].question
'What is stride?'
"""

from ingest.chunk import CHUNKER_VERSION, chunk_records
from ingest.embed import Embedder, FakeEmbedder, load_embedder
from ingest.errors import BackendUnavailable, BotError, IndexMismatch, IndexMissing, InputError, ModelMissing
from ingest.parse import parse_article
from ingest.pipeline import Summary, run
from ingest.records import Chunk, QARecord
from ingest.settings import Settings
from ingest.store import ChromaStore, Manifest, open_store

__all__ = [
    "CHUNKER_VERSION",
    "BackendUnavailable",
    "BotError",
    "ChromaStore",
    "Chunk",
    "Embedder",
    "FakeEmbedder",
    "IndexMismatch",
    "IndexMissing",
    "InputError",
    "Manifest",
    "ModelMissing",
    "QARecord",
    "Settings",
    "Summary",
    "chunk_records",
    "load_embedder",
    "open_store",
    "parse_article",
    "run",
]
