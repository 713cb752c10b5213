"""Where the product's files lie by default: in the project folder, whatever the working directory.

A notebook or a shell elsewhere finds the same fetched models, index and feedback as `make run`:
the defaults are anchored to the checkout this package was imported from (the editable install
`make install` makes), not to the current directory. Explicit settings still win, and a relative one
keeps meaning relative to where the command runs. Deliberately not done: a per-user data folder; the
project is installed editable, and its models (several GB) stay beside the article they serve.
"""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT / "data"
INDEX_DIR = DATA_DIR / "index"
MODEL_DIR = DATA_DIR / "models"
ARTICLE = DATA_DIR / "article.md"
EVAL_DIR = DATA_DIR / "eval"  # the labelled question sets the regression gate, the bench and the tools read


def shown(path: Path) -> str:
    """`path` as the docs write it: relative to the project when it lies inside it (`data/index`)."""
    try:
        return Path(path).relative_to(PROJECT).as_posix()
    except ValueError:
        return str(path)
