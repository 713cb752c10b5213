"""The product as shipped: EmbeddingGemma (fetched by `make models`), its policy, Qwen2.5-Coder-0.5B through llama.cpp."""

from pathlib import Path

import pytest

from bot import Bot
from common import Settings
from common.text import markers
from ingest import run

pytestmark = pytest.mark.slow
ARTICLE = Path(__file__).resolve().parents[2] / "data" / "article.md"


@pytest.fixture(scope="module")
def default_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    settings = Settings(_env_file=None, index_dir=tmp_path_factory.mktemp("default") / "index")
    assert settings.embed_model == "embeddinggemma"  # the default, not the fast tests' MiniLM
    run([ARTICLE], settings, progress=False)
    return Bot(settings)


def test_the_default_embedder_is_embeddinggemma_with_its_own_policy(default_bot):
    assert default_bot.embedder.name == "EmbeddingGemma-300M"
    assert default_bot.embedder.query_prefix == "task: search result | query: "
    assert default_bot.policy.lexical_weight == 0.0
    assert default_bot.grounder.embedder.name == "all-MiniLM-L6-v2"  # the meaning checks keep their embedder


def test_a_terse_interview_question_is_answered_with_the_gold_passage_cited(default_bot):
    answer = default_bot.ask("dying relu - what is it?")

    assert answer.outcome == "answered"
    assert answer.citations[0].passage.question == "Dying ReLU problem"
    assert set(markers(answer.text)) == {c.n for c in answer.citations}


@pytest.mark.parametrize(
    "question",
    [
        "How does multi-head self-attention work in a transformer?",
        "What are the learnable parameters gamma and beta in batch norm and how are they initialized?",
        "What's the capital of Australia?",
    ],
)
def test_questions_the_article_does_not_answer_are_not_answered(default_bot, question):
    answer = default_bot.ask(question)

    assert answer.outcome in {"refused", "related"}
    assert "The article answers" not in answer.text  # no passage quoted as if it were the answer


def test_a_question_worded_unlike_the_article_gets_a_second_look_and_finds_its_entry(default_bot):
    question = "what does glorot init fix?"  # the article says "Xavier initialization"

    assert default_bot.verdict(question, second_look=False).decision == "refuse"
    answer = default_bot.ask(question)

    assert answer.outcome in {"answered", "related"} and "second_look" in answer.timings
    assert answer.citations[0].passage.question == "What is Xavier Initialization and why it's used in NN?"
