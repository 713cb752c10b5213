"""`python -m bot` as a user runs it: a subprocess over an index of the article, with the fake model.

One test runs `main` in-process instead, to give it a terminal on stderr.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import _after_stream, main
from bot.core import LOOKING_UP
from bot.types import Answer, Trace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bot_cli(fake_index, tmp_path):
    """Runs `python -m bot ARGS` away from the repository (no .env), returning the finished process.

    Keywords set settings: `bot_cli("What is dropout?", query_expansion="hyde")`.
    """

    def run(*args: str, stdin: str = "", index_dir: Path | None = None, **settings: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BOT_INDEX_DIR": str(index_dir or fake_index.index_dir),
            "BOT_EMBED_BACKEND": "fake",
            "BOT_LLM_BACKEND": "fake",
            **{f"BOT_{name.upper()}": value for name, value in settings.items()},
        }
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )

    return run


def test_an_answer_streams_then_lists_its_sources(bot_cli):
    done = bot_cli("What is dropout?")

    assert (done.returncode, done.stderr) == (0, "")
    text, sources = done.stdout.split("\nSources:\n")
    assert "[1]" in text
    assert sources.splitlines()[0] == (
        "[1] Fundamental of Deep Learning > What is Dropout and how is it useful? (data/article.md lines 154–158)"
    )


def test_an_out_of_scope_question_is_refused_with_exit_code_3(bot_cli):
    done = bot_cli("Who won the football world cup in 2018?")

    assert done.returncode == 3
    assert done.stdout.startswith("The article does not cover this.")


def test_a_question_with_only_a_close_entry_names_it_with_exit_code_4(bot_cli):
    done = bot_cli("Who won the football world cup in 2018?", gate_threshold="1.0", gate_floor="0.0")

    assert done.returncode == 4
    assert "The article does not answer this directly. The closest entry is" in done.stdout
    assert "\nSources:\n[1] " in done.stdout


def test_a_missing_index_is_one_line_on_stderr_with_exit_code_1(bot_cli, tmp_path):
    done = bot_cli("What is dropout?", index_dir=tmp_path / "nowhere")

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("error: No index at ") and done.stderr.count("\n") == 1


def test_json_prints_the_answer_as_one_object(bot_cli):
    done = bot_cli("What is dropout?", "--json")

    answer = json.loads(done.stdout)
    assert (done.returncode, answer["outcome"], answer["question"]) == (0, "answered", "What is dropout?")
    assert [c["n"] for c in answer["citations"]] == [1]
    assert answer["citations"][0]["lines"] == [154, 158]  # the shape of Answer.to_dict(), as the HTTP API writes it


def test_usage_errors_exit_with_code_2(bot_cli):
    assert bot_cli("   ").returncode == 2
    assert bot_cli("--no-such-flag").returncode == 2


def test_the_chat_reads_questions_from_stdin_and_keeps_history_for_follow_ups(bot_cli):
    done = bot_cli("--json", stdin="What is the dying ReLU problem?\nand how do I fix it?\n\nnot asked\n")

    first, follow_up = (json.loads(line) for line in done.stdout.splitlines())
    assert done.returncode == 0
    assert first["standalone_question"] == "What is the dying ReLU problem?"
    assert follow_up["standalone_question"] == "how do I fix dying ReLU problem?"


def test_the_chat_ends_at_end_of_input(bot_cli):
    done = bot_cli(stdin="What is dropout?\n")

    assert done.returncode == 0
    assert done.stdout.count("Sources:") == 1


def test_the_looking_up_status_stays_out_of_stdout(bot_cli):
    question = "How does dropout prevent overfitting?"
    plain = bot_cli(question, query_expansion="hyde")
    as_json = bot_cli(question, "--json", query_expansion="hyde")

    assert (plain.returncode, plain.stderr) == (0, "")  # stderr is no terminal here: no status line either
    assert LOOKING_UP not in plain.stdout and "\nSources:\n[1] " in plain.stdout
    answer = json.loads(as_json.stdout)  # stdout is the one JSON object, nothing before it
    assert answer["expansion"] and "expand" in answer["timings"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_status_is_one_line_on_stderr(fake_index, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in {"index_dir": str(fake_index.index_dir), "embed_backend": "fake", "llm_backend": "fake"}.items():
        monkeypatch.setenv(f"BOT_{name.upper()}", value)
    monkeypatch.setenv("BOT_QUERY_EXPANSION", "hyde")
    monkeypatch.setattr(sys, "stderr", Terminal())
    out = io.StringIO()

    assert main(["How does dropout prevent overfitting?"], out=out) == 0

    assert sys.stderr.getvalue() == f"{LOOKING_UP}\n"
    assert LOOKING_UP not in out.getvalue() and "Sources:" in out.getvalue()


def test_a_draft_that_ends_related_is_not_called_checked():
    related = Answer('The article does not answer this directly. The closest entry is "Q" [1].', outcome="related")
    repaired = Answer("Dropout drops units [1].", grounding="repaired")
    judged = Answer("Dropout drops units [1].", grounding="repaired", judge="qwen2.5-coder-1.5b")

    assert "\nNot answered directly:\nThe article does not answer" in _after_stream("A draft.", related)
    assert "\nChecked by word rules only:\nDropout drops units [1]." in _after_stream("A draft.", repaired)
    assert "\nChecked against the article by qwen2.5-coder-1.5b:\nDropout" in _after_stream("A draft.", judged)


def test_a_completed_answer_says_its_last_sentence_is_the_articles_own():
    added = "Dropout drops neurons during training [1]."
    completed = Answer(f"Dropout regularizes [1]. {added}", trace=Trace("What is dropout?", added=added))

    shown = _after_stream("Dropout regularizes [1].", completed)

    assert f"{added}\n(The last sentence is the article's own, added to complete the answer.)\n" in shown
    assert "article's own" not in _after_stream(
        "Dropout regularizes [1].", Answer("Dropout regularizes [1]. More [1].")
    )
