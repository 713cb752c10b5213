"""Query expansion (HyDE) with the fake model: when it runs, what it adds to retrieval, what it must not change."""

import pytest

import bot.core
from bot import Bot, Status
from bot.backends.fake import FakeLLM
from bot.core import LOOKING_UP, REFUSAL
from bot.expand import expansion_model, expansion_on
from common import FakeEmbedder, Settings

DROPOUT = "Dropout randomly zeroes activations during training to reduce overfitting."
VAGUE = "How does it work?"  # no word that points at one passage; the expansion supplies "dropout"
ANSWER = "Dropout drops some neurons during training [1]."


def make_bot(index: Settings, llm: FakeLLM, **overrides) -> Bot:
    return Bot(index, llm=llm, embedder=FakeEmbedder(), **overrides)


def never_loaded() -> FakeLLM:
    raise AssertionError("the generator was loaded to decide whether to expand")


def test_stream_says_looking_up_then_answers_from_the_expanded_retrieval(fake_index):
    llm = FakeLLM(responses=[DROPOUT, ANSWER])  # the first call expands, the second answers
    bot = make_bot(fake_index, llm, query_expansion="hyde")

    items = list(bot.stream(VAGUE))

    assert items[0] == Status(LOOKING_UP)
    assert all(isinstance(i, str) for i in items[1:-1]) and "".join(items[1:-1]) == ANSWER
    answer = items[-1]
    assert (answer.expansion, answer.draft, answer.refused) == (DROPOUT, ANSWER, False)
    assert answer.passages[0].question == "What is Dropout and how does it work?"
    assert {"expand", "retrieve", "generate"} <= set(answer.timings)
    assert llm.history[0][-1].content == VAGUE  # the expander saw the question alone
    assert answer.to_dict()["expansion"] == DROPOUT


def test_the_expansion_changes_what_retrieval_finds(fake_index):
    plain = make_bot(fake_index, FakeLLM(), query_expansion="off")
    expanded = make_bot(fake_index, FakeLLM(responses=[DROPOUT]), query_expansion="hyde")

    assert plain.retrieve(VAGUE, k=1)[0].question == "How does stochastic gradient descent work?"
    assert expanded.retrieve(VAGUE, k=1)[0].question == "What is Dropout and how does it work?"


def test_off_means_no_status_no_expansion_and_one_model_call(fake_index):
    llm = FakeLLM(responses=[ANSWER])
    bot = make_bot(fake_index, llm, query_expansion="off")

    items = list(bot.stream(VAGUE))

    assert not any(isinstance(i, Status) for i in items)
    assert items[-1].expansion == "" and "expand" not in items[-1].timings
    assert len(llm.history) == 1


def test_the_gate_still_judges_the_users_own_question(fake_index):
    llm = FakeLLM(responses=[DROPOUT, "Spain won it [1]."])
    bot = make_bot(fake_index, llm, query_expansion="hyde")

    answer = bot.ask("Who won the football world cup in 2018?")

    assert (answer.refused, answer.text, answer.expansion) == (True, REFUSAL, DROPOUT)
    assert "What is Dropout and how does it work?" in [p.question for p in answer.passages]  # retrieval followed it
    assert len(llm.history) == 1  # the expansion only: no answer was generated


@pytest.mark.parametrize("gpu", [False, True])
def test_auto_stays_off_unless_the_15b_expands_on_a_gpu(fake_index, monkeypatch, gpu):
    monkeypatch.setattr(bot.core, "_gpu_offload", lambda settings: gpu)
    llm = FakeLLM(responses=[ANSWER])
    auto = make_bot(fake_index, llm, query_expansion="auto")

    items = list(auto.stream(VAGUE))  # without a GPU, or with one but a generator that is not the 1.5B

    assert not any(isinstance(i, Status) for i in items) and items[-1].expansion == ""
    assert len(llm.history) == 1
    large = make_bot(fake_index, llm, query_expansion="auto", expansion_model="qwen2.5-coder-1.5b")
    assert large.expands is gpu


def test_a_named_expansion_model_is_loaded_apart_from_the_answer_model(fake_index):
    llm = FakeLLM()
    bot = make_bot(fake_index, llm, query_expansion="hyde", expansion_model="qwen2.5-coder-1.5b")

    assert bot.expander.llm is not llm
    assert isinstance(bot.expander.llm, FakeLLM)  # the fake backend stands in for the named model


def test_expansion_model_is_the_named_one_else_the_15b_for_a_small_preset_else_the_generator():
    def settings(**fields) -> Settings:
        return Settings(_env_file=None, **fields)

    assert expansion_model(settings(query_expansion="hyde", expansion_model="my.gguf")) == "my.gguf"
    small = settings(query_expansion="hyde", llm_backend="llama_cpp", llm_model="qwen2.5-coder-0.5b", n_gpu_layers=0)
    assert expansion_model(small) == "qwen2.5-coder-1.5b"
    assert expansion_model(settings(query_expansion="hyde", llm_backend="fake")) is None
    assert expansion_model(settings(query_expansion="auto", llm_backend="fake")) is None
    same = small.model_copy(update={"expansion_model": "qwen2.5-coder-0.5b"})
    assert expansion_model(same) is None  # the generator itself: one copy of the model in memory


def test_expansion_on_follows_the_setting_and_decides_auto_without_loading_a_model_on_a_cpu():
    def on(mode: str, gpu: bool, generator=never_loaded, **fields) -> bool:
        return expansion_on(Settings(_env_file=None, query_expansion=mode, **fields), generator, gpu=gpu)

    assert on("hyde", gpu=False) and not on("off", gpu=True)
    assert not on("auto", gpu=False)
    assert on("auto", gpu=True, expansion_model="qwen2.5-coder-1.5b")
    assert not on("auto", gpu=True, generator=FakeLLM)  # the generator is "fake", not the 1.5B
