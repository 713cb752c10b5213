"""The chat UI: `python app.py` serves it on `BOT_HOST:BOT_PORT` (127.0.0.1:7860 by default).

`create_app(bot)` builds the Gradio Blocks from a ready `Bot` (tests pass one with fake models),
`launch(demo, settings)` serves it, and `main()` ties the two to `Settings()`. The pure
`render_*` and `*_html` helpers turn an `Answer` into chat markdown and the sources panel.

Everything the user or the model typed is escaped before Gradio renders it, so it shows as
text and never as markup. The article's own markdown is rendered on the server, with raw HTML
off except its `<mark>` highlights. Deliberately not handled: chat history across reloads,
user accounts beyond one basic-auth pair, and file uploads (none are accepted or served).
"""

from __future__ import annotations

import html
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from bot.core import Bot, clean_question
from bot.feedback import Feedback, FeedbackLog, Vote
from bot.types import Answer, Citation, Passage
from common.errors import BotError, InputError
from common.settings import Settings

try:
    import gradio as gr
except ModuleNotFoundError as e:  # pragma: no cover - gradio is a core dependency
    raise ModuleNotFoundError("The UI needs gradio: pip install -e .") from e

log = logging.getLogger("app")

TITLE = "Deep-learning Q&A"
EXAMPLES = [
    "What is the dying ReLU problem?",
    "Why does my loss become NaN during training?",
    "How does dropout prevent overfitting?",
    "What is AdamW and why is it preferred over Adam?",
    "What are residual connections?",
]
EMPTY_INPUT = "Please type a question about deep learning."
SHOWN_QUESTION_CHARS = 500  # a long question is shown cut in the chat; the bot gets its full limit

_MARKER = re.compile(r"\[(\d{1,3})\]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_MARKDOWN_MARKS = set("\\`*_{}[]()#+-.!|~$")

CSS = """
#status { font-size: 0.85em; opacity: 0.8; }
a.cite { text-decoration: none; font-size: 0.75em; vertical-align: super; padding: 0 1px; }
.grounding-note { font-size: 0.8em; opacity: 0.75; }
#sources .src { border-left: 3px solid var(--color-accent); padding: 0.4rem 0.8rem; margin: 0 0 0.9rem 0;
  background: var(--background-fill-secondary); border-radius: 4px; transition: box-shadow 0.3s; }
#sources .src.flash { box-shadow: 0 0 0 2px var(--color-accent); }
#sources .src-head { font-weight: 600; }
#sources .src-n { color: var(--color-accent); margin-right: 0.3rem; }
#sources .src-section, #sources .src-where { font-size: 0.8em; opacity: 0.75; }
#sources .src-body { font-size: 0.9em; }
#sources .src-body pre { overflow-x: auto; padding: 0.5rem; background: var(--background-fill-primary); }
#sources .empty { opacity: 0.7; }
"""

# A citation link scrolls the sources panel to its passage (and waits for the panel to change
# when the link belongs to an earlier answer, whose sources are shown on the same click).
JS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const id = link.getAttribute("href").slice(1);
    let tries = 0;
    const reveal = () => {
      const target = document.getElementById(id);
      if (!target) { if (tries++ < 30) setTimeout(reveal, 100); return; }
      target.scrollIntoView({behavior: "smooth", block: "nearest"});
      target.classList.add("flash");
      setTimeout(() => target.classList.remove("flash"), 1500);
    };
    reveal();
  }, true);
}
"""


# ---- rendering: pure functions from answers to markdown / HTML -------------------------------


def escape_text(text: str) -> str:
    """`text` made inert for Gradio's markdown: HTML characters as entities, marks backslashed.

    >>> escape_text("<b>*hi*</b>")
    '&lt;b&gt;\\\\*hi\\\\*&lt;/b&gt;'
    """
    return "".join(_ENTITIES.get(ch) or ("\\" + ch if ch in _MARKDOWN_MARKS else ch) for ch in text)


def cite_link(citation: Citation, turn: int) -> str:
    """`[n]` as a link to its passage in the sources panel, with the passage named on hover."""
    p = citation.passage
    hover = f"{p.section} · {p.question} · {where(p)}" if p.section else f"{p.question} · {where(p)}"
    return (
        f'<a class="cite" href="#{source_id(turn, citation.n)}" title="{html.escape(hover)}">&#91;{citation.n}&#93;</a>'
    )


def link_citations(text: str, citations: list[Citation], turn: int) -> str:
    """Escaped `text` whose `[n]` markers link to their citations; unknown markers stay plain."""
    by_n = {c.n: c for c in citations}
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        out.append(escape_text(text[last : match.start()]))
        citation = by_n.get(int(match.group(1)))
        out.append(cite_link(citation, turn) if citation else escape_text(match.group(0)))
        last = match.end()
    out.append(escape_text(text[last:]))
    return "".join(out)


def render_draft(draft: str) -> str:
    """The answer as it streams: plain escaped text and a cursor."""
    return escape_text(draft) + " ▌"


def render_answer(answer: Answer, turn: int) -> str:
    """The chat message for a final answer: linked citations, quotes marked as quotes."""
    notice = f"*{escape_text(answer.notice)}*\n\n" if answer.notice and answer.notice != "empty question" else ""
    if answer.refused:
        if not answer.passages:
            return notice + escape_text(answer.text)
        return (
            f"{notice}**Not answered:** {escape_text(answer.text)}\n\n"
            '<span class="grounding-note">The nearest passages are listed under Sources, '
            "in case one of them helps.</span>"
        )
    if answer.grounding == "extractive":
        lines = [
            "> " + link_citations(line[1:].lstrip(), answer.citations, turn)
            if line.startswith(">")
            else link_citations(line, answer.citations, turn)
            for line in answer.text.splitlines()
        ]
        note = (
            '<span class="grounding-note">Quoted from the article: the model\'s draft could not be '
            "checked against it, so here are the article's own words.</span>"
        )
        return notice + "\n".join(lines) + "\n\n" + note
    body = link_citations(answer.text, answer.citations, turn)
    if answer.grounding == "repaired":
        body += '\n\n<span class="grounding-note">Checked against the article; unsupported parts were removed.</span>'
    return notice + body


def render_error(error: BaseException) -> str:
    """One line for the chat; BotErrors are meant for users, anything else is named only."""
    if isinstance(error, BotError):
        message = " ".join(str(error).split()) or type(error).__name__
        return f"**Error:** {escape_text(message)}"
    return f"**Error:** something went wrong while answering ({type(error).__name__}); please try again."


def where(passage: Passage) -> str:
    start, end = passage.lines
    return f"{passage.source or 'article'} lines {start}–{end}"


def source_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str) -> str:
    """The article's markdown as HTML: code and lists rendered, raw HTML escaped but `<mark>`."""
    rendered = _markdown().render(text)
    return rendered.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


def sources_html(answer: Answer | None, turn: int, *, show_scores: bool = False) -> str:
    """The sources panel for one answer: cited passages, or the nearest ones for a refusal."""
    if answer is None:
        return '<div class="empty">Sources of the answer appear here.</div>'
    if answer.refused:
        items = [Citation(n, p) for n, p in enumerate(answer.passages, start=1)]
        head = "<p><b>Not in the article.</b> The nearest passages were:</p>" if items else ""
    else:
        items = answer.citations
        head = ""
    if not items:
        return '<div class="empty">No sources for this answer.</div>'
    cards = []
    for c in items:
        p = c.passage
        score = f" · score {p.score:.3f}" if show_scores else ""
        cards.append(
            f'<div class="src" id="{source_id(turn, c.n)}">'
            f'<div class="src-head"><span class="src-n">[{c.n}]</span>{html.escape(p.question)}</div>'
            f'<div class="src-section">{html.escape(p.section)}</div>'
            f'<div class="src-body">{markdown_html(p.answer)}</div>'
            f'<div class="src-where">{html.escape(where(p))}{score}</div>'
            "</div>"
        )
    # Gradio's HTML component can treat `${...}` and `{{...}}` as template syntax: keep them text.
    return (head + "".join(cards)).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def status_line(bot: Bot) -> str:
    """Model, backend, device and index size, for the line under the title."""
    llm = bot.llm
    device = "GPU" if str(getattr(llm, "device", "cpu")).lower() in {"gpu", "cuda", "mps"} else "CPU"
    return (
        f"Model {escape_text(llm.name)} · backend {escape_text(bot.settings.llm_backend)} · "
        f"{device} · index {len(bot.retriever)} passages · embedder {escape_text(bot.embedder.name)}"
    )


def answer_json(answer: Answer) -> dict[str, Any]:
    """An `Answer` as the API returns it."""
    return {
        "text": answer.text,
        "grounding": answer.grounding,
        "refused": answer.refused,
        "notice": answer.notice,
        "citations": [
            {
                "n": c.n,
                "section": c.passage.section,
                "question": c.passage.question,
                "source": c.passage.source,
                "lines": list(c.passage.lines),
                "text": c.passage.text,
            }
            for c in answer.citations
        ],
    }


# ---- the chat: plain functions the Gradio events call ---------------------------------------


@dataclass(frozen=True)
class Turn:
    """One answered question of a session; `message` is the index of its reply in the chat."""

    question: str
    answer: Answer | None  # None when answering failed; `reply` then holds the error line
    message: int
    reply: str = ""


def accept(question: str | None, chat: list[dict], limit: int) -> tuple[str, list[dict], str]:
    """Show a typed question in the chat at once and clear the box; an empty one is refused.

    Returns the new box value, the chat, and the question for `reply`.
    Raises:
        gr.Error: the question is empty (shown to the user as a toast).
    """
    text, _ = clean_question(question or "", limit)
    if not text:
        raise gr.Error(EMPTY_INPUT, title="Empty question")
    shown = text if len(text) <= SHOWN_QUESTION_CHARS else text[:SHOWN_QUESTION_CHARS] + " …"
    return "", [*chat, {"role": "user", "content": escape_text(shown)}], question or ""


def reply(
    bot: Bot, question: str, chat: list[dict], turns: list[Turn], options: dict[str, Any], show_scores: bool = False
) -> Iterator[tuple[Any, Any, Any]]:
    """Stream the answer into the chat: (chat, turns, sources) after each piece, then the final.

    The draft grows in the last message; the checked answer replaces it in place in the last
    update. Any failure becomes one line in the chat, so the app stays up.
    """
    number = len(turns)

    def with_reply(content: str) -> list[dict]:
        return [*chat, {"role": "assistant", "content": content}]  # a new list per update

    yield with_reply(render_draft("")), gr.skip(), gr.skip()
    history = [(t.question, t.answer.text) for t in turns if t.answer is not None]
    draft = ""
    try:
        changed = {k: v for k, v in options.items() if getattr(bot.settings, k) != v}
        for item in bot.with_options(**changed).stream(question, history):
            if isinstance(item, Answer):
                turn = Turn(question, item, len(chat))
                yield (
                    with_reply(render_answer(item, number)),
                    [*turns, turn],
                    sources_html(item, number, show_scores=show_scores),
                )
                return
            draft += item
            yield with_reply(render_draft(draft)), gr.skip(), gr.skip()
    except Exception as e:  # the UI boundary: one line in the chat, never a traceback
        if not isinstance(e, BotError):
            log.exception("answering %r failed", question[:200])
        line = render_error(e)
        yield with_reply(line), [*turns, Turn(question, None, len(chat), line)], gr.skip()


def vote(feedback: FeedbackLog, turns: list[Turn], index: int, liked: bool | str) -> Feedback | None:
    """Log a like (True), dislike (False) or a withdrawn vote on the reply at chat `index`."""
    turn = next((t for t in turns if t.message == index), None)
    if turn is None:
        return None
    choice: Vote = {True: "like", False: "dislike", "Like": "like", "Dislike": "dislike"}.get(liked, "retracted")
    if turn.answer is None:
        record = Feedback(turn.question, turn.reply, choice, grounding="error")
    else:
        record = Feedback.on(turn.answer, choice, question=turn.question)
    feedback.append(record)
    return record


def turn_sources(turns: list[Turn], index: int, show_scores: bool) -> str | None:
    """The sources panel for the turn whose question or reply is at chat `index`."""
    for number, t in enumerate(turns):
        if index in (t.message - 1, t.message) and t.answer is not None:
            return sources_html(t.answer, number, show_scores=show_scores)
    return None


def _index(data: gr.EventData) -> int:
    index = data.index
    return index if isinstance(index, int) else index[0]


def create_app(bot: Bot) -> gr.Blocks:
    """The chat UI over `bot`, queued with `bot.settings.concurrency_limit` answers at a time.

    Builds components only: nothing is served until `launch`. The model is loaded here (for
    the status line), so the first question does not wait for it.
    """
    settings = bot.settings
    feedback = FeedbackLog.in_dir(settings.data_dir)
    status = status_line(bot)

    def on_submit(question: str, chat: list[dict]) -> tuple[str, list[dict], str]:
        return accept(question, chat, settings.max_question_chars)

    def on_answer(question, chat, turns, top_k, temperature, max_tokens, show_scores):
        options = {"top_k": int(top_k), "temperature": float(temperature), "max_tokens": int(max_tokens)}
        yield from reply(bot, question, chat, turns, options, show_scores)

    def on_example(data: gr.SelectData) -> str:
        return data.value["text"]

    def on_select(turns: list[Turn], show_scores: bool, data: gr.SelectData) -> Any:
        html_ = turn_sources(turns, _index(data), show_scores)
        return gr.skip() if html_ is None else html_

    def on_scores(turns: list[Turn], show_scores: bool) -> Any:
        html_ = turn_sources(turns, turns[-1].message, show_scores) if turns else None
        return gr.skip() if html_ is None else html_

    def on_like(turns: list[Turn], data: gr.LikeData) -> None:
        try:
            vote(feedback, turns, _index(data), data.liked)
        except OSError as e:
            log.warning("could not write %s: %s", feedback.path, e)
            gr.Warning(f"Your vote could not be saved ({e.strerror or type(e).__name__}).")

    def ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question about the article: text, grounding, refused, notice and citations.

        `history` holds earlier [question, answer] pairs, for follow-up questions.
        """
        try:
            pairs = [(str(q), str(a)) for q, a in (history or [])]
        except (TypeError, ValueError) as e:
            raise gr.Error("Expected history as a list of [question, answer] pairs.") from e
        try:
            return answer_json(bot.ask(question, pairs))
        except BotError as e:
            raise gr.Error(str(e)) from e

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\nAnswers come from one article, with numbered citations to its passages.")
        gr.Markdown(status, elem_id="status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    height=560,
                    show_label=False,
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="**Ask a question about deep learning**, or start from an example:",
                    latex_delimiters=[],
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask about the article… (Enter to send)",
                        show_label=False,
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                        max_lines=6,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    clear = gr.Button("Clear", scale=1, min_width=80)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(None, 0), elem_id="sources")
        with gr.Accordion("Settings", open=False), gr.Row():
            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages retrieved (top-k)")
            temperature = gr.Slider(0.0, 2.0, value=settings.temperature, step=0.05, label="Temperature")
            max_tokens = gr.Slider(16, 1024, value=settings.max_tokens, step=8, label="Max answer tokens")
            show_scores = gr.Checkbox(False, label="Show retrieval scores")
        turns = gr.State([])
        pending = gr.State("")

        private: dict[str, Any] = {"api_visibility": "private"}
        answer_inputs = [pending, chat, turns, top_k, temperature, max_tokens, show_scores]
        answer_outputs = [chat, turns, sources]
        for trigger in (box.submit, send.click):
            trigger(on_submit, [box, chat], [box, chat, pending], queue=False, **private).success(
                on_answer, answer_inputs, answer_outputs, concurrency_id="answer", **private
            )
        chat.example_select(on_example, None, [box], queue=False, **private).then(
            on_submit, [box, chat], [box, chat, pending], queue=False, **private
        ).success(on_answer, answer_inputs, answer_outputs, concurrency_id="answer", **private)
        chat.select(on_select, [turns, show_scores], [sources], queue=False, **private)
        chat.like(on_like, [turns], None, queue=False, **private)
        show_scores.change(on_scores, [turns, show_scores], [sources], queue=False, **private)
        clear.click(lambda: ([], [], sources_html(None, 0)), None, [chat, turns, sources], queue=False, **private)
        chat.clear(lambda: ([], sources_html(None, 0)), None, [turns, sources], queue=False, **private)
        gr.api(ask, api_name="ask", concurrency_id="answer")
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    return demo


def launch(demo: gr.Blocks, settings: Settings, **options: Any) -> tuple[Any, str, str]:
    """Serve `demo` on `settings.host:settings.port`, with basic auth when both fields are set.

    `options` go to `Blocks.launch` (tests pass `prevent_thread_lock=True`).
    """
    if bool(settings.auth_user) != bool(settings.auth_password):
        raise InputError("Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, or neither; got only one.")
    auth = (settings.auth_user, settings.auth_password) if settings.auth_user else None
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        ssr_mode=False,
        mcp_server=False,
        show_error=False,
        max_file_size="1mb",
        footer_links=["api"],
        css=CSS,
        js=JS,
        **options,
    )


def main() -> int:
    """`python app.py`: load the bot from `BOT_*` settings and serve the chat until Ctrl+C."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
        demo = create_app(Bot(settings))
        print(f"Serving on http://{settings.host}:{settings.port}", file=sys.stderr)
        launch(demo, settings, quiet=True)
    except ValidationError as e:
        problems = "; ".join(f"BOT_{'_'.join(map(str, x['loc'])).upper()}: {x['msg']}" for x in e.errors())
        print(f"error: invalid settings: {problems}", file=sys.stderr)
        return 2
    except (BotError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
