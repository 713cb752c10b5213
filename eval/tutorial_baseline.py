"""The tutorial pipeline the product is compared with: 1000-character chunks, dense top-4.

`python eval/tutorial_baseline.py` prints its hit@1 and hit@4 on the paraphrase set beside the
product's. A chunk counts as a hit when it contains the gold question's line in the article.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from common.embed import SentenceTransformerEmbedder
from ingest.parse import parse_article

ROOT = Path(__file__).resolve().parents[1]
CHUNK_CHARS = 1000


def split(text: str, size: int = CHUNK_CHARS) -> list[tuple[str, int, int]]:
    """Greedy paragraph packing up to `size` characters (what a RecursiveCharacterTextSplitter does at
    its first separator); returns (text, first line, last line)."""
    chunks: list[tuple[str, int, int]] = []
    buffer: list[str] = []
    start = line = 1
    for paragraph in text.split("\n\n"):
        if buffer and sum(len(p) + 2 for p in buffer) + len(paragraph) > size:
            chunks.append(("\n\n".join(buffer), start, line - 1))
            buffer, start = [], line
        buffer.append(paragraph)
        line += paragraph.count("\n") + 2
    chunks.append(("\n\n".join(buffer), start, line))
    return chunks


def main() -> int:
    text = (ROOT / "data" / "article.md").read_text()
    lines = {r.question: r.start_line for r in parse_article(text)}
    chunks = split(text)
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed_documents([c[0] for c in chunks])
    items = [json.loads(row) for row in (ROOT / "data" / "eval" / "paraphrases.jsonl").read_text().splitlines()]
    ranks = []
    for item in items:
        order = np.argsort(-(vectors @ embedder.embed_query(item["question"])), kind="stable")[:4]
        gold = lines[item["gold"]]
        ranks.append(next((i for i, j in enumerate(order) if chunks[j][1] <= gold <= chunks[j][2]), None))
    hit1 = sum(r == 0 for r in ranks) / len(ranks)
    hit4 = sum(r is not None for r in ranks) / len(ranks)
    print(
        json.dumps({"chunks": len(chunks), "paraphrases": len(items), "hit@1": round(hit1, 3), "hit@4": round(hit4, 3)})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
