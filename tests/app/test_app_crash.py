"""`python app.py` as a user starts it, with the default models, killed with SIGKILL in the middle of a
streamed API answer after a vote in the browser: the vote survives, no half-written file is left, and
the next start serves."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import openai
import pytest
from app_fakes import NEEDS_CHROMIUM, chromium, start_app

from bot.feedback import FeedbackLog
from common import Settings
from ingest import run

ROOT = Path(__file__).resolve().parents[2]
LAST_REPLY = "[...document.querySelectorAll('#chat [data-testid=bot]')].at(-1)?.innerText || ''"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.server,
    pytest.mark.browser,
    NEEDS_CHROMIUM,
]


def half_written(*folders: Path) -> list[Path]:
    """Files a writer leaves only while it writes (state `*.part`, model `.*.partial`)."""
    return [
        p for folder in folders if folder.exists() for p in folder.rglob("*") if p.name.endswith((".part", ".partial"))
    ]


def test_kill_9_mid_answer_keeps_the_vote_and_the_next_start_serves(tmp_path):
    from playwright.sync_api import sync_playwright

    settings = Settings(_env_file=None, index_dir=tmp_path / "index", embed_model="minilm")
    run([ROOT / "data" / "article.md"], settings, progress=False)
    env = {
        "BOT_INDEX_DIR": str(settings.index_dir),
        "BOT_EMBED_MODEL": "minilm",
        "BOT_DATA_DIR": str(tmp_path / "data"),
    }
    model_dir = ROOT / "data" / "models"
    log = tmp_path / "app.log"
    app, url = start_app(env, log)
    try:
        # A user asks in the browser and likes the answer: the vote is written.
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium())
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(url)
            page.fill("#question textarea", "What is dropout?")
            page.keyboard.press("Enter")
            page.wait_for_selector("#chat a.cite")
            page.locator("#chat button[aria-label=Like]").last.click()
            feedback = FeedbackLog.in_dir(tmp_path / "data")
            deadline = time.monotonic() + 10
            while not feedback.read() and time.monotonic() < deadline:
                time.sleep(0.1)
            browser.close()
        votes = feedback.read()
        assert [(r["question"], r["vote"]) for r in votes] == [("What is dropout?", "like")]

        # A client streams an answer; the app is killed while it is being prepared.
        body = {
            "model": "dlqa",
            "messages": [{"role": "user", "content": "Why does my loss become NaN?"}],
            "stream": True,
        }
        with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=120) as response:
            lines = response.iter_lines()
            assert '"role": "assistant"' in next(lines)
            # at once: on a fast CPU a whole answer takes under a second, so any fixed wait may outlast it
            os.kill(app.pid, signal.SIGKILL)
            app.wait(30)
            with pytest.raises(httpx.HTTPError):
                for _ in lines:
                    pass
    finally:
        if app.poll() is None:
            app.kill()

    assert feedback.read() == votes  # whole, nothing torn or lost
    app, url = start_app(env, log)
    try:
        assert half_written(model_dir / "kv", tmp_path / "data") == []
        reply = openai.OpenAI(base_url=url + "/v1", api_key="-", max_retries=0, timeout=120).chat.completions.create(
            model="dlqa", messages=[{"role": "user", "content": "Why does my loss become NaN?"}]
        )
        assert reply.model_extra["outcome"] == "answered"
        assert reply.model_extra["citations"] and "[1]" in reply.choices[0].message.content
    finally:
        app.kill()
        app.wait(30)
