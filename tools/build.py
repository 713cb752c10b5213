"""Build data/eval/qa.jsonl: every article question with its answer as plain-text reference.

One line per distinct question (by `common.text.question_key`), in document order:
`{"id": "q001", "question", "reference": [str, ...], "section", "lines": [[start, end], ...]}`.
`reference` and `lines` are always lists, one entry per copy of the question, so a duplicated
question (the article asks "What is Adam and why ..." twice) keeps one id and both answers
without a second schema. Ids are positions in the article: rebuild after editing the article.

References are the article's answers made plain by `common.text.plain_for_reference` (bold,
`<mark>`, list markers, links to their text, images, escapes and fences removed) because token F1 and ROUGE-L would otherwise
score `**` and bullets. Code inside fences is kept verbatim, so a Python `**` can remain there.

Usage: `python tools/build.py [article.md] [out.jsonl]`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common.paths import ARTICLE, EVAL_DIR
from common.text import plain_for_reference, question_key
from ingest.parse import parse_article


def build(article_path: Path = ARTICLE) -> list[dict]:
    """Parse the article and group its Q&A records into eval rows, first occurrence first."""
    rows: dict[str, dict] = {}
    for record in parse_article(article_path.read_text(encoding="utf-8")):
        key = question_key(record.question)
        if key not in rows:
            rows[key] = {
                "id": f"q{len(rows) + 1:03d}",
                "question": record.question,
                "reference": [],
                "section": record.section,
                "lines": [],
            }
        rows[key]["reference"].append(plain_for_reference(record.answer))
        rows[key]["lines"].append([record.start_line, record.end_line])
    return list(rows.values())


def write(rows: list[dict], path: Path) -> None:
    """One JSON object per line, UTF-8, stable key order, so a rebuild diffs cleanly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def main(argv: list[str]) -> int:
    article = Path(argv[0]) if argv else ARTICLE
    out = Path(argv[1]) if len(argv) > 1 else EVAL_DIR / "qa.jsonl"
    rows = build(article)
    write(rows, out)
    print(f"wrote {len(rows)} questions to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
