"""Every tuned number of the bot lives in `bot/policy.py` and its per-embedder JSON files."""

import ast
from pathlib import Path

import pytest

from bot.policy import GROUNDING, POLICY_DIR, policy_for

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_no_float_literal_in_the_bot_outside_the_policy():
    found = []
    for path in sorted(BOT.rglob("*.py")):
        if path.name == "policy.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and type(node.value) is float and node.value not in (0.0, 1.0):
                found.append(f"{path.relative_to(BOT.parent)}:{node.lineno} {node.value}")
    assert found == []


@pytest.mark.parametrize(("embedder", "lexical"), [("EmbeddingGemma-300M", 0.0), ("all-MiniLM-L6-v2", 0.2)])
def test_each_embedder_reads_its_own_policy(embedder, lexical):
    policy = policy_for(embedder)

    assert (policy.embedder, policy.lexical_weight) == (embedder, lexical)
    scope = policy.scope
    assert len(scope.features) == len(scope.coefficients) >= 1
    assert 0 <= scope.refuse_below <= scope.answer_from <= scope.quote_from <= 1
    assert policy.grounding is GROUNDING  # the meaning checks run on MiniLM whichever embedder retrieves


def test_an_embedder_never_tuned_gets_minilms_policy():
    assert policy_for("my-local-folder") == policy_for("all-MiniLM-L6-v2")


def test_every_policy_file_names_its_embedder_and_where_its_numbers_came_from():
    for path in sorted(POLICY_DIR.glob("*.json")):
        policy = policy_for({"embeddinggemma": "EmbeddingGemma-300M", "mpnet": "all-mpnet-base-v2"}.get(path.stem, ""))
        assert policy.note and policy.scope.note, path.name
