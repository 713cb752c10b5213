"""The real page in Debian's Chromium: examples, streaming, citations, sources, votes, escaping."""

import time

import pytest
from app_fakes import NEEDS_CHROMIUM, RELU_ANSWER, SlowLLM, chromium

from bot.feedback import FeedbackLog

LAST_REPLY = "[...document.querySelectorAll('#chat [data-testid=bot]')].at(-1)?.innerText || ''"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.server,
    NEEDS_CHROMIUM,
]


def eventually(check, timeout: float = 5.0):
    """`check()` once it is truthy, polling for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium())
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def test_ask_stream_cite_vote_in_the_browser(make_bot, serve, page, tmp_path):
    bot = make_bot(SlowLLM(responses=[RELU_ANSWER], delay=0.15))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(serve(bot))

    # The first screen: status line and example questions from the article.
    status = page.inner_text("#status")
    assert "backend fake" in status and f"index {len(bot.retriever)} passages" in status
    page.screenshot(path=tmp_path / "first-screen.png")

    # An example is asked on click; the answer streams, then the checked one replaces the draft.
    page.get_by_text("What is the dying ReLU problem?").click()
    page.wait_for_function(f"({LAST_REPLY}).includes('ReLU') && ({LAST_REPLY}).includes('▌')")
    page.wait_for_selector("#chat a.cite")
    assert "▌" not in page.evaluate(LAST_REPLY)
    assert page.evaluate(LAST_REPLY).startswith("If x is less than 0, the ReLU function returns 0")

    # The citation names its passage on hover and the sources panel shows it, with its lines.
    link = page.locator("#chat a.cite").first
    assert "Dying ReLU problem" in link.get_attribute("title")
    source = page.locator("#src-0-1")
    assert "Dying ReLU problem" in source.inner_text()
    assert "data/article.md lines 58–64" in source.inner_text()

    # A like is written to feedback.jsonl under the data dir.
    page.locator("#chat button[aria-label=Like]").last.click()
    log = FeedbackLog.in_dir(bot.settings.data_dir)
    assert eventually(log.read)
    assert [(r["question"], r["vote"]) for r in log.read()] == [("What is the dying ReLU problem?", "like")]

    # Typed HTML is shown as text and never runs.
    page.fill("#question textarea", '<img src=x onerror="window.__xss=1;alert(1)"> How does dropout work?')
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length == 2")
    page.wait_for_function(f"!({LAST_REPLY}).includes('▌') && ({LAST_REPLY}).length > 0")
    assert '<img src=x onerror="window.__xss=1;alert(1)">' in page.inner_text("#chat [data-testid=user] >> nth=1")
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert page.locator("#chat img[src=x]").count() == 0

    # A citation of the first answer brings its sources back and highlights the passage.
    page.locator("#chat a.cite").first.click()
    page.wait_for_selector("#src-0-1.flash")
    page.screenshot(path=tmp_path / "answered.png", full_page=True)
    assert (tmp_path / "answered.png").stat().st_size > 10_000
