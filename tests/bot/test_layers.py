"""The bot reads the index through `ingest.store` alone; parsing and chunking stay on the ingest side."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def ingest_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ingest":
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "ingest"}
    return found


def test_bot_imports_no_ingestion_module_but_the_store():
    used = {name for path in BOT.rglob("*.py") for name in ingest_imports(path)}
    assert used <= {"ingest.store"}
