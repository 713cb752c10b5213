"""Build data/eval/qa.jsonl: every article question with its answer as plain-text reference.

One line per distinct question (by `normalize_question`), in document order:
`{"id": "q001", "question", "reference": [str, ...], "section", "lines": [[start, end], ...]}`.
`reference` and `lines` are always lists, one entry per copy of the question, so a duplicated
question (the article asks "What is Adam and why ..." twice) keeps one id and both answers
without a second schema. Ids are positions in the article: rebuild after editing the article.

References are the article's answers with markdown removed (bold, `<mark>`, list markers,
links to their text, images, escapes, fences) because token F1 and ROUGE-L would otherwise
score `**` and bullets. Code inside fences is kept verbatim, so a Python `**` can remain there.

Usage: `python eval/build.py [article.md] [out.jsonl]`.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

from eval.sets import EVAL_DIR, normalize_question
from ingest.parse import parse_article

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "article.md"
_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_MARKER = re.compile(r"^(?:(?:[*+-]|\d+[.)])\s+)+")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_LATEX_TEXT = re.compile(r"\\text\{([^}]*)\}")
_DISPLAY_MATH = re.compile(r"^\[\s*(.*?)\s*\]$")


def build(article_path: Path = ARTICLE) -> list[dict]:
    """Parse the article and group its Q&A records into eval rows, first occurrence first."""
    rows: dict[str, dict] = {}
    for record in parse_article(article_path.read_text(encoding="utf-8")):
        key = normalize_question(record.question)
        if key not in rows:
            rows[key] = {
                "id": f"q{len(rows) + 1:03d}",
                "question": record.question,
                "reference": [],
                "section": record.section,
                "lines": [],
            }
        rows[key]["reference"].append(strip_markdown(record.answer))
        rows[key]["lines"].append([record.start_line, record.end_line])
    return list(rows.values())


def strip_markdown(answer: str) -> str:
    """Plain text of an answer: one line per paragraph or list item, code blocks kept verbatim.

    >>> strip_markdown("* * **Tanh** is <mark>centered</mark> at **\\\\-1**, see [docs](http://x).")
    'Tanh is centered at -1, see docs.'
    """
    out: list[str] = []
    code: list[str] | None = None
    for line in answer.splitlines():
        if _FENCE.match(line):
            if code is None:
                code = []
            else:
                out.extend(textwrap.dedent("\n".join(code)).strip("\n").splitlines())
                code = None
        elif code is not None:
            code.append(line.rstrip())
        elif text := _clean_line(line):
            out.append(text)
    if code:  # an unclosed fence keeps its code rather than losing it
        out.extend(textwrap.dedent("\n".join(code)).strip("\n").splitlines())
    return "\n".join(out)


def _clean_line(line: str) -> str:
    text = _LIST_MARKER.sub("", line.strip())
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = text.replace("**", "").replace("`", "")
    text = _ESCAPE.sub(r"\1", text)
    text = _LATEX_TEXT.sub(r"\1", text).replace("\\times", "×")
    text = _DISPLAY_MATH.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


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
