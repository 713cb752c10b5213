"""The chat handlers without a server: accepting input, streaming, follow-ups, errors, votes."""

import logging

import gradio as gr
import pytest
from app_fakes import RELU_ANSWER

from app import EMPTY_INPUT, Turn, accept, create_app, main, reply, turn_sources, vote
from bot.backends.fake import FakeLLM
from bot.core import LOOKING_UP
from bot.feedback import FeedbackLog
from ui.render import DRAFT, render_answer, render_draft, render_status, sources_html

OPTIONS = {"top_k": 4, "temperature": 0.0, "max_tokens": 200}


def run_reply(bot, question, turns=(), options=OPTIONS, show_scores=False):
    """All (chat, turns, sources) updates of one reply, starting from a chat holding `turns`."""
    chat = []
    for t in turns:
        chat += [{"role": "user", "content": t.question}, {"role": "assistant", "content": "..."}]
    chat.append({"role": "user", "content": question})
    return list(reply(bot, question, chat, list(turns), options, show_scores))


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07\x1b", None])
def test_empty_input_is_refused_with_a_clear_message(question):
    with pytest.raises(gr.Error, match=EMPTY_INPUT):
        accept(question, [], 2000)


def test_a_question_is_shown_escaped_and_without_control_characters():
    box, chat, pending = accept("What is <b>ReLU</b>?\x00\x1b[31m", [], 2000)

    assert (box, pending) == ("", "What is <b>ReLU</b>?\x00\x1b[31m")
    assert chat == [{"role": "user", "content": "What is &lt;b&gt;ReLU&lt;/b&gt;? \\[31m"}]


def test_a_huge_question_is_shown_cut_and_answered_with_a_notice(make_bot):
    huge = "What is the dying ReLU problem? " + "padding " * 200_000

    _, chat, pending = accept(huge, [], 2000)
    updates = run_reply(make_bot(), pending)

    assert len(chat[0]["content"]) < 600 and chat[0]["content"].endswith(" …")
    final = updates[-1][0][-1]["content"]
    assert final.startswith("*Your question was cut to its first 2000 characters\\.*")


def test_the_answer_streams_then_the_checked_answer_replaces_the_draft(make_bot):
    bot = make_bot(FakeLLM(responses=[RELU_ANSWER]))

    updates = run_reply(bot, "What is the dying ReLU problem?")

    drafts = [chat[-1]["content"] for chat, _, _ in updates[:-1]]
    assert drafts[0] == " ▌" and drafts[-1].startswith(DRAFT + "If x is less than 0") and drafts[-1].endswith(" ▌")
    assert [len(d) for d in drafts] == sorted(len(d) for d in drafts)  # it only grows
    assert {len(chat) for chat, _, _ in updates} == {2}  # one reply, updated in place
    chat, turns, sources = updates[-1]
    answer = turns[-1].answer
    assert answer.grounding == "generated"
    assert turns == [Turn("What is the dying ReLU problem?", answer, 1)]
    assert chat[-1] == {"role": "assistant", "content": render_answer(answer, 0)}
    assert 'href="#src-0-1"' in chat[-1]["content"]
    assert sources == sources_html(answer, 0)
    assert "Dying ReLU problem" in sources


def test_a_status_shows_until_the_draft_replaces_it(make_bot):
    expansion = "The dying ReLU problem: neurons output 0 for negative inputs and stop learning."
    bot = make_bot(FakeLLM(responses=[expansion, RELU_ANSWER]), query_expansion="hyde")

    updates = run_reply(bot, "What is the dying ReLU problem?")

    shown = [chat[-1]["content"] for chat, _, _ in updates]
    assert shown[:2] == [render_draft(""), render_status(LOOKING_UP)]
    assert shown[2] == render_draft("If ") and shown[-2] == render_draft(RELU_ANSWER)
    assert not any("looking up" in s for s in shown[2:])
    answer = updates[-1][1][-1].answer
    assert shown[-1] == render_answer(answer, 0) and answer.expansion == expansion


def test_a_follow_up_uses_the_conversation(make_bot):
    bot = make_bot()
    first = run_reply(bot, "What is the dying ReLU problem?")[-1][1]

    second = run_reply(bot, "and how do I fix it?", first)[-1][1]

    assert len(second) == 2 and second[1].message == 3
    assert "dying ReLU problem" in second[1].answer.standalone_question


def test_settings_from_the_accordion_apply_to_one_request_only(make_bot):
    llm = FakeLLM(responses=["one two three four five six seven"])
    bot = make_bot(llm)

    updates = run_reply(bot, "What is the dying ReLU problem?", options={**OPTIONS, "top_k": 2, "max_tokens": 3})

    assert len(updates[-1][1][-1].answer.passages) == 2
    assert updates[-1][1][-1].answer.draft == "one two three "
    assert (bot.settings.top_k, bot.settings.max_tokens) == (4, 200)


def test_an_out_of_scope_question_is_refused_with_the_nearest_passages(make_bot):
    chat, turns, sources = run_reply(make_bot(), "What is the capital of France?")[-1]

    assert chat[-1]["content"].startswith("**Not answered:** The article does not cover this")
    assert turns[-1].answer.refused
    assert sources.startswith("<p><b>Not in the article.</b>")


def test_a_backend_failure_mid_stream_becomes_one_line_and_no_unchecked_draft_stays(make_bot):
    bot = make_bot(FakeLLM(error_on_chunk=2))

    chat, turns, _ = run_reply(bot, "What is the dying ReLU problem?")[-1]

    assert chat[-1] == {
        "role": "assistant",
        "content": "**Error:** The fake model failed mid\\-stream \\(as asked\\)\\.",
    }
    assert turns == [Turn("What is the dying ReLU problem?", None, 1, chat[-1]["content"])]


class BrokenLLM(FakeLLM):
    def stream(self, messages, *, max_tokens, temperature):
        raise RuntimeError("secret /internal/path")


def test_an_unexpected_failure_is_logged_but_not_shown(make_bot, caplog):
    with caplog.at_level(logging.ERROR, logger="app"):
        chat, _, _ = run_reply(make_bot(BrokenLLM()), "What is the dying ReLU problem?")[-1]

    assert chat[-1]["content"] == "**Error:** something went wrong while answering (RuntimeError); please try again."
    assert "secret /internal/path" in caplog.text


def test_votes_are_logged_for_the_reply_they_were_given_on(make_bot, tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    turns = run_reply(make_bot(FakeLLM(responses=[RELU_ANSWER])), "What is the dying ReLU problem?")[-1][1]
    failed = [*turns, Turn("Why?", None, 3, "**Error:** down")]

    assert vote(log, failed, 0, True) is None  # a user message: nothing to vote on
    vote(log, failed, 1, True)
    vote(log, failed, 1, "")  # the like was clicked again: withdrawn
    vote(log, failed, 3, False)

    records = log.read()
    assert [(r["question"], r["vote"], r["error"]) for r in records] == [
        ("What is the dying ReLU problem?", "like", ""),
        ("What is the dying ReLU problem?", "retracted", ""),
        ("Why?", "dislike", "**Error:** down"),
    ]
    assert records[0]["answer"]["citations"][0]["question"] == "Dying ReLU problem"
    assert records[0]["answer"]["text"] == turns[0].answer.text and records[2]["answer"] is None


def test_clicking_a_message_shows_the_sources_of_its_turn(make_bot):
    bot = make_bot()
    first = run_reply(bot, "What is the dying ReLU problem?")[-1][1]
    turns = run_reply(bot, "How does dropout prevent overfitting?", first)[-1][1]

    assert turn_sources(turns, 0, False) == sources_html(turns[0].answer, 0)
    assert turn_sources(turns, 3, True) == sources_html(turns[1].answer, 1, show_scores=True)
    assert turn_sources(turns, 9, False) is None


def test_the_app_builds_without_a_server_and_exposes_only_ask(fake_bot):
    demo = create_app(fake_bot)

    public = [d["api_name"] for d in demo.get_config_file()["dependencies"] if d["api_visibility"] == "public"]
    assert public == ["ask"]
    assert demo._queue.default_concurrency_limit == fake_bot.settings.concurrency_limit


def test_python_app_py_reports_a_missing_index_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BOT_EMBED_BACKEND", "fake")
    monkeypatch.setenv("BOT_LLM_BACKEND", "fake")

    assert main() == 1
    err = capsys.readouterr().err
    assert err.startswith("error: No index at ") and err.count("\n") == 1


def test_python_app_py_reports_bad_settings_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BOT_TOP_K", "99")

    assert main() == 2
    assert capsys.readouterr().err == "error: invalid settings: BOT_TOP_K: Input should be less than or equal to 20\n"


def test_python_app_py_reports_half_configured_auth_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("BOT_AUTH_USER", "ada")

    assert main() == 2
    assert capsys.readouterr().err == (
        "error: invalid settings: Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, got only BOT_AUTH_USER\n"
    )
