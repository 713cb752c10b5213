"""Rendering: an `Answer` as chat markdown and a sources panel, with the page's CSS and JS.

Pure functions, no Gradio: `app.py` wires them to events. Everything the user or the model
typed is escaped (`escape_text`), so it shows as text and never as markup; the article's own
markdown is rendered here, with raw HTML off except its `<mark>` highlights. Deliberately not
done: themes or per-user styling.
"""

from __future__ import annotations

import html
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.complete import added_note
from bot.types import Answer, Citation
from common.errors import BotError
from common.text import MARKER

if TYPE_CHECKING:
    from bot.core import Bot

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


def escape_text(text: str) -> str:
    """`text` made inert for Gradio's markdown: HTML characters as entities, marks backslashed.

    >>> escape_text("<b>*hi*</b>")
    '&lt;b&gt;\\\\*hi\\\\*&lt;/b&gt;'
    """
    return "".join(_ENTITIES.get(ch) or ("\\" + ch if ch in _MARKDOWN_MARKS else ch) for ch in text)


def cite_link(citation: Citation, turn: int) -> str:
    """`[n]` as a link to its passage in the sources panel, with the passage named on hover."""
    p = citation.passage
    hover = f"{p.section} · {p.question} · {p.where}" if p.section else f"{p.question} · {p.where}"
    return (
        f'<a class="cite" href="#{source_id(turn, citation.n)}" title="{html.escape(hover)}">&#91;{citation.n}&#93;</a>'
    )


def link_citations(text: str, citations: list[Citation], turn: int) -> str:
    """Escaped `text` whose `[n]` markers link to their citations; unknown markers stay plain."""
    by_n = {c.n: c for c in citations}
    out: list[str] = []
    last = 0
    for match in MARKER.finditer(text):  # the bot writes one number per marker; `[1, 2]` is linked whole or not
        out.append(escape_text(text[last : match.start()]))
        citation = by_n.get(int(match.group(1))) if match.group(1).isdigit() else None
        out.append(cite_link(citation, turn) if citation else escape_text(match.group(0)))
        last = match.end()
    out.append(escape_text(text[last:]))
    return "".join(out)


DRAFT = '<span class="grounding-note">Draft, not yet checked against the article:</span> '


def render_draft(draft: str) -> str:
    """The answer as it streams: marked as a draft (the checks may still remove parts), escaped, with a cursor."""
    return (DRAFT if draft.strip() else "") + escape_text(draft) + " ▌"


def render_status(text: str) -> str:
    """A stage the answer waits on ("looking up …"), in italics with the cursor, until the draft starts."""
    return f"*{escape_text(text.strip())}* ▌" if text.strip() else render_draft("")


def render_answer(answer: Answer, turn: int) -> str:
    """The chat message for a final answer: linked citations, quotes marked as quotes."""
    if answer.empty:
        return escape_text(answer.text)
    notice = f"*{escape_text(answer.notice)}*\n\n" if answer.notice else ""
    if answer.refused:
        if not answer.passages:
            return notice + escape_text(answer.text)
        why = (
            "The model drafted an answer, but the nearest passage does not back it up. " if answer.draft.strip() else ""
        )
        return (
            f"{notice}**Not answered:** {escape_text(answer.text)}\n\n"
            f'<span class="grounding-note">{why}The nearest passages are listed under Sources, '
            "in case one of them helps.</span>"
        )
    if answer.outcome == "related":
        why = "The model drafted an answer, but the entry does not back it up. " if answer.draft.strip() else ""
        return (
            f"{notice}**Not answered directly:** {link_citations(answer.text, answer.citations, turn)}\n\n"
            f'<span class="grounding-note">{why}The entry is shown under Sources as the closest one, '
            "not as the answer to your question.</span>"
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
    removed = "; unsupported parts were removed" if answer.grounding == "repaired" else ""
    if answer.judge:
        check = f"Each sentence checked for meaning against its passage by {escape_text(answer.judge)}{removed}."
    else:
        check = f"Not checked by a judge, only by word rules{removed}."
    if answer.trace is not None and answer.trace.added:
        check += f" {added_note(answer.trace.added)}"
    return notice + body + f'\n\n<span class="grounding-note">{check}</span>'


def render_error(error: BaseException) -> str:
    """One line for the chat; BotErrors are meant for users, anything else is named only."""
    if isinstance(error, BotError):
        message = " ".join(str(error).split()) or type(error).__name__
        return f"**Error:** {escape_text(message)}"
    return f"**Error:** something went wrong while answering ({type(error).__name__}); please try again."


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
    elif answer.outcome == "related":
        items = answer.citations
        head = "<p><b>Not answered directly.</b> The closest entry:</p>"
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
            f'<div class="src-where">{html.escape(p.where)}{score}</div>'
            "</div>"
        )
    # Gradio's HTML component can treat `${...}` and `{{...}}` as template syntax: keep them text.
    return (head + "".join(cards)).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def status_line(bot: Bot) -> str:
    """Model, backend, device and index size, for the line under the title."""
    llm = bot.llm
    device = "GPU" if llm.device.lower() in {"gpu", "cuda", "mps"} else "CPU"
    return (
        f"Model {escape_text(llm.name)} · backend {escape_text(bot.settings.llm_backend)} · "
        f"{device} · index {len(bot.retriever)} passages · embedder {escape_text(bot.embedder.name)}"
        + (f" · {escape_text(llm.notice)}" if llm.notice else "")
        + (f" · judge {escape_text(bot.judge.name)}" if bot.judge else f" · {escape_text(bot.judge_notice)}")
    )
