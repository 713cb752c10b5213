"""`python -m ingest [PATH ...] [--index-dir DIR] [--rebuild] [--json]`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from common.errors import BotError
from common.paths import ARTICLE
from common.settings import Settings
from ingest.pipeline import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Build or update the article index.")
    parser.add_argument("paths", nargs="*", type=Path, default=[ARTICLE], help="markdown or text files")
    parser.add_argument(
        "--index-dir", type=Path, help="index folder (default: BOT_INDEX_DIR or the project's data/index)"
    )
    parser.add_argument("--rebuild", action="store_true", help="start the index afresh")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s", stream=sys.stderr)
    try:
        overrides = {"index_dir": args.index_dir} if args.index_dir else {}
        summary = run(args.paths, Settings(**overrides), rebuild=args.rebuild, progress=not args.json)
    except BotError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(asdict(summary)))
    else:
        print(
            f"{summary.files} file(s), {summary.records} records: {summary.added} added, {summary.updated} updated, "
            f"{summary.removed} removed, {summary.unchanged} unchanged in {summary.seconds:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
