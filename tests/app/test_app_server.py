"""The app served for real on a free port: the `/ask` API, the queue, files, and basic auth."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from app_fakes import RELU_ANSWER, SlowLLM
from gradio_client import Client

from bot.backends.fake import FakeLLM
from bot.types import Answer

pytestmark = pytest.mark.server


def test_the_ask_endpoint_returns_the_answer_and_its_citations(make_bot, serve):
    url = serve(make_bot(FakeLLM(responses=[RELU_ANSWER])))
    client = Client(url, verbose=False)

    result = client.predict("What is the dying ReLU problem?", api_name="/ask")

    added = result["trace"]["added"]  # two sentences, fewer than the prompt asks for: the entry completes them
    assert added and result["text"] == f"{RELU_ANSWER} {added}"
    assert (result["grounding"], result["refused"]) == ("generated", False)
    assert [(c["n"], c["question"], c["source"], c["lines"]) for c in result["citations"]] == [
        (1, "Dying ReLU problem", "data/article.md", [58, 64])
    ]
    assert result["citations"][0]["text"].startswith("Dying ReLU problem\n\n")
    assert result.keys() == Answer("").to_dict().keys()


def test_the_ask_endpoint_takes_a_history_for_follow_ups(make_bot, serve):
    client = Client(serve(make_bot()), verbose=False)

    first = client.predict("What is the dying ReLU problem?", api_name="/ask")
    second = client.predict(
        "and how do I fix it?", [["What is the dying ReLU problem?", first["text"]]], api_name="/ask"
    )

    assert second["citations"] and second["outcome"] == "answered"
    assert second["question"] == "and how do I fix it?"
    assert "dying relu" in second["standalone_question"].lower()  # the history was used to rewrite it


def test_a_backend_error_reaches_the_client_as_one_line_and_the_app_stays_up(make_bot, serve):
    client = Client(serve(make_bot(FakeLLM(error_on_chunk=1))), verbose=False)

    with pytest.raises(Exception, match=r"The fake model failed mid-stream \(as asked\)\.") as raised:
        client.predict("What is the dying ReLU problem?", api_name="/ask")
    assert "Traceback" not in str(raised.value)
    assert client.predict("What is the capital of France?", api_name="/ask")["refused"] is True


def test_a_long_answer_does_not_block_page_loads(make_bot, serve):
    llm = SlowLLM(responses=["word " * 60], delay=0.1)  # about six seconds of streaming
    url = serve(make_bot(llm, concurrency_limit=1))
    client = Client(url, verbose=False)

    job = client.submit("What is the dying ReLU problem?", api_name="/ask")
    assert llm.started.wait(10)
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda path: httpx.get(url + path, timeout=5), ["", "config", "", "config"]))
    loaded = time.perf_counter() - started

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert loaded < 2
    assert not job.done()
    assert job.result(timeout=30)["refused"] is False


@pytest.mark.parametrize(
    "path",
    [
        "gradio_api/file=/etc/passwd",
        "gradio_api/file=data/article.md",
        "gradio_api/file=pyproject.toml",
        "file=/etc/passwd",
        "gradio_api/file=../../../../etc/passwd",
        "static/../../../../etc/passwd",
    ],
)
def test_no_file_outside_the_app_is_served(make_bot, serve, path):
    url = serve(make_bot())

    response = httpx.get(url + path, timeout=5)

    assert response.status_code in {403, 404}
    assert "root:" not in response.text


def test_the_app_binds_localhost_by_default(make_bot, serve):
    assert serve(make_bot()).startswith("http://127.0.0.1:")


def test_basic_auth_guards_the_page_and_the_api(make_bot, serve):
    url = serve(make_bot(), auth_user="ada", auth_password="s3cret")

    assert httpx.get(url + "config", timeout=5).status_code == 401
    client = Client(url, auth=("ada", "s3cret"), verbose=False)
    assert client.predict("What is the dying ReLU problem?", api_name="/ask")["citations"]


def test_the_documented_api_snippet_runs(make_bot, serve, capsys):
    doc = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("## Gradio API", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    url = serve(make_bot())

    exec(snippet.replace("http://127.0.0.1:7860/", url), {})

    printed = capsys.readouterr().out
    assert "data/article.md lines" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, None), "Expected the question as text, got NoneType"),
        (("What is ReLU?", [["only a question"]]), r"Expected history as a list of \[question, answer\] pairs"),
    ],
)
def test_bad_api_input_gets_a_clear_message(make_bot, serve, args, message):
    client = Client(serve(make_bot()), verbose=False)

    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/ask")
    assert client.predict("", api_name="/ask")["text"] == "Please type a question about deep learning."
