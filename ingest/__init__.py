"""Ingestion: the article becomes Q&A records, chunks, vectors and a Chroma index.

>>> from ingest import parse_article
>>> parse_article("**What is stride?**\\n\\nHow far the filter moves.")[0].question
'What is stride?'
"""

from ingest.chunk import CHUNKER_VERSION, chunk_records
from ingest.parse import parse_article
from ingest.pipeline import Summary, run
from ingest.records import Chunk, QARecord
from ingest.store import ChromaStore, Manifest, open_store

__all__ = [
    "CHUNKER_VERSION",
    "ChromaStore",
    "Chunk",
    "Manifest",
    "QARecord",
    "Summary",
    "chunk_records",
    "open_store",
    "parse_article",
    "run",
]
