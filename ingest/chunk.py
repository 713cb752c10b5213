"""Turn Q&A records into embeddable chunks: one per record, split on structure when too long.

A piece of a long answer repeats its question, so each piece retrieves on its own. Length is
counted in words as a stand-in for embedder tokens (MiniLM reads 256 word pieces; technical
text runs ~1.4 pieces a word). Deliberately not handled: splitting inside a code block.
"""

from __future__ import annotations

import hashlib
import re

from common.text import embedding_text as text_for_embedding
from ingest.records import Chunk, QARecord

CHUNKER_VERSION = "qa-2"
MAX_WORDS = 170


def chunk_records(records: list[QARecord], source: str, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Chunks for `records` of one source file; ids are content hashes (source + text)."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for record in records:
        occurrence = seen.get(record.question, 0)
        seen[record.question] = occurrence + 1
        key = f"{source}::{record.question}::{occurrence}"
        answer = display_markdown(record.answer)
        for piece, part in enumerate(_split(answer, max_words - len(record.question.split()))):
            text = f"{record.question}\n\n{part}".strip()
            chunks.append(
                Chunk(
                    id=content_id(source, text),
                    text=text,
                    question=record.question,
                    answer=part,
                    section=record.section,
                    source=source,
                    start_line=record.start_line,
                    end_line=record.end_line,
                    key=f"{key}::{piece}",
                    piece=piece,
                )
            )
    return _unique(chunks)


def chunk_plain(text: str, source: str, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Paragraph chunks for a file with no recognisable questions."""
    lines = text.splitlines()
    chunks: list[Chunk] = []
    for piece, part in enumerate(_split(display_markdown(text), max_words)):
        first = next((i + 1 for i, line in enumerate(lines) if part.splitlines()[0].strip() in line), 1)
        chunks.append(
            Chunk(
                id=content_id(source, part),
                text=part,
                question="",
                answer=part,
                section="",
                source=source,
                start_line=first,
                end_line=first + part.count("\n"),
                key=f"{source}::plain::{piece}",
                piece=piece,
            )
        )
    return _unique(chunks)


def content_id(source: str, text: str) -> str:
    return hashlib.sha256(f"{CHUNKER_VERSION}\0{source}\0{text}".encode()).hexdigest()[:32]


def display_markdown(markdown: str) -> str:
    """Answer markdown as shown to people: highlight tags and escapes removed, structure kept."""
    text = re.sub(r"</?mark>", "", markdown)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = re.sub(r"^(\s*)\* \* ", r"\1* ", text, flags=re.M)  # the article's "* * item" double bullets
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def embedding_text(chunk: Chunk) -> str:
    """What the embedder reads: plain words, no markdown punctuation (shared with retrieval's BM25)."""
    return text_for_embedding(chunk.text)


def _split(markdown: str, max_words: int) -> list[str]:
    blocks = _blocks(markdown)
    pieces: list[list[str]] = [[]]
    words = 0
    for block in blocks:
        size = len(block.split())
        if pieces[-1] and words + size > max_words:
            pieces.append([])
            words = 0
        pieces[-1].append(block)
        words += size
    return ["\n\n".join(p) for p in pieces if p] or [""]


def _blocks(markdown: str) -> list[str]:
    """Top-level blocks: a list item with its children, a paragraph, or a whole code fence."""
    blocks: list[list[str]] = []
    in_fence = False
    for line in markdown.splitlines():
        fence = line.lstrip().startswith(("```", "~~~"))
        top_level = bool(line) and not line[0].isspace()
        starts = (
            not in_fence and top_level and (fence or line.startswith(("* ", "- ", "**")) or re.match(r"\d+\. ", line))
        )
        if not blocks or starts:
            blocks.append([])
        blocks[-1].append(line)
        if fence:
            in_fence = not in_fence
    return [text for text in ("\n".join(b).strip() for b in blocks) if text]


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    """Drop exact repeats (same source and text): one vector per distinct passage."""
    seen: set[str] = set()
    return [c for c in chunks if not (c.id in seen or seen.add(c.id))]
