"""The judge: a model's p(yes) that a passage states a sentence, loaded once and shared where it can be."""

from __future__ import annotations

import pytest

from bot.backends.fake import FakeLLM
from bot.judge import Judge, judge_model, load_judge
from bot.llm import BaseLLM
from common import Settings

DROPOUT = "What is Dropout?\n\nDropout refers to dropping off some neurons during training to prevent overfitting."


def test_auto_judges_with_the_15b_on_llama_cpp_and_with_the_answer_model_elsewhere():
    assert judge_model(Settings(_env_file=None, llm_model="qwen2.5-coder-0.5b")) == "qwen2.5-coder-1.5b"
    assert judge_model(Settings(_env_file=None, llm_model="qwen2.5-coder-1.5b")) == ""  # shared, one copy
    assert judge_model(Settings(_env_file=None, llm_backend="fake")) == ""
    assert judge_model(Settings(_env_file=None, judge_model="off")) is None


def test_the_fake_judge_is_the_answer_model_itself_and_scores_from_logits_not_words():
    generator = FakeLLM(judgement=lambda passage, statement: 0.8 if "neurons" in statement else 0.1)
    judge, notice = load_judge(Settings(_env_file=None, llm_backend="fake"), generator, 0.5)
    assert notice == "" and judge is not None and judge.llm is generator
    assert judge.states(DROPOUT, "Dropout drops neurons.")
    assert not judge.states(DROPOUT, "Dropout adds layers.")


def test_without_a_judge_the_notice_says_why_and_nothing_raises(tmp_path):
    class NoLogits(BaseLLM):
        name, family = "server", "qwen"

    judge, notice = load_judge(Settings(_env_file=None, llm_backend="fake"), NoLogits(), 0.5)
    assert judge is None and "gives no log-probabilities" in notice
    missing = Settings(_env_file=None, judge_model=str(tmp_path / "nowhere.gguf"))
    judge, notice = load_judge(missing, FakeLLM(), 0.5)
    assert judge is None and notice.startswith("No judge:") and "word rules" in notice
    judge, notice = load_judge(Settings(_env_file=None, judge_model="off"), FakeLLM(), 0.5)
    assert judge is None and "BOT_JUDGE_MODEL=off" in notice


def test_a_judge_asks_once_per_passage_and_sentence():
    llm = FakeLLM()
    judge = Judge(llm, 0.5)
    assert judge.support(DROPOUT, "Dropout drops neurons.") == judge.support(DROPOUT, "Dropout drops neurons.")
    assert len(llm.judged) == 1


@pytest.mark.slow
def test_the_real_15b_judge_keeps_a_true_sentence_and_rejects_its_negation():
    from bot.policy import GROUNDING

    judge, notice = load_judge(Settings(_env_file=None, llm_model="qwen2.5-coder-0.5b"), FakeLLM(), GROUNDING.judge_cut)
    assert notice == "" and judge is not None and judge.name == "qwen2.5-coder-1.5b"
    true = judge.support(DROPOUT, "Dropout switches off some neurons while training so the network does not overfit.")
    false = judge.support(DROPOUT, "Dropout adds neurons during training so the network overfits.")
    assert true >= GROUNDING.judge_cut > false
