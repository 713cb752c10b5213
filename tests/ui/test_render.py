"""The pure rendering helpers: escaping, citation links, answers, the sources panel, errors."""

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import EMPTY, REFUSAL
from bot.types import Answer, Citation, Passage, Trace
from common.errors import BackendUnavailable
from ui.render import (
    DRAFT,
    escape_text,
    link_citations,
    markdown_html,
    render_answer,
    render_draft,
    render_error,
    render_status,
    sources_html,
    status_line,
)

STRIDE = Passage(
    "p1",
    "What is stride?\n\n* How far the **filter** moves.\n\n```python\nconv(x, stride=2)\n```",
    "CNN",
    "What is stride?",
    0.8123,
    (10, 17),
    "data/article.md",
)
PADDING = Passage(
    "p2",
    "What is padding?\n\n* Zeros <mark>added</mark> around. <script>alert(1)</script> ${x} {{y}}",
    "CNN",
    "What is padding?",
    0.5,
    (19, 21),
    "data/article.md",
)
LINK_1 = '<a class="cite" href="#src-0-1" title="CNN · What is stride? · data/article.md lines 10–17">&#91;1&#93;</a>'
LINK_2 = '<a class="cite" href="#src-0-2" title="CNN · What is padding? · data/article.md lines 19–21">&#91;2&#93;</a>'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ('<img src=x onerror="go()">', "&lt;img src=x onerror=&quot;go\\(\\)&quot;&gt;"),
        ("**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript:alert\\(1\\)\\)"),
        ("# heading\n- item", "\\# heading\n\\- item"),
        ("a & 'b'", "a &amp; &#39;b&#39;"),
        ("$$x$$", "\\$\\$x\\$\\$"),
    ],
)
def test_escape_text_makes_html_and_markdown_inert(text, expected):
    assert escape_text(text) == expected


@given(st.text())
def test_escape_text_leaves_no_markup_and_loses_nothing(text):
    escaped = escape_text(text)

    assert not set("<>\"'") & set(escaped)
    assert html.unescape(re.sub(r"\\(.)", r"\1", escaped, flags=re.S)) == text


def test_citation_markers_become_links_and_unknown_markers_stay_text():
    text = "Stride is how far the filter moves [1]. Padding adds <b>zeros</b> [2][9]."

    linked = link_citations(text, [Citation(1, STRIDE), Citation(2, PADDING)], turn=0)

    assert linked == (
        f"Stride is how far the filter moves {LINK_1}\\. Padding adds &lt;b&gt;zeros&lt;/b&gt; {LINK_2}\\[9\\]\\."
    )


def test_citation_hover_text_is_escaped():
    evil = Passage("p3", "x", 'S" onmouseover="go()', "<q>", 0.0, (1, 2), "data/article.md")

    linked = link_citations("Text [1].", [Citation(1, evil)], turn=3)

    assert 'href="#src-3-1"' in linked
    assert 'title="S&quot; onmouseover=&quot;go()' in linked
    assert "<q>" not in linked


def test_generated_answer_is_the_linked_text_and_names_its_judge():
    answer = Answer("Stride is how far the filter moves [1].", [Citation(1, STRIDE)], passages=[STRIDE], judge="q1.5")

    assert render_answer(answer, 0) == (
        f"Stride is how far the filter moves {LINK_1}\\.\n\n"
        '<span class="grounding-note">Each sentence checked for meaning against its passage by q1\\.5.</span>'
    )


def test_repaired_answer_says_what_checked_it():
    answer = Answer("Stride moves [1].", [Citation(1, STRIDE)], passages=[STRIDE], grounding="repaired")

    assert render_answer(answer, 0) == (
        f"Stride moves {LINK_1}\\.\n\n"
        '<span class="grounding-note">Not checked by a judge, only by word rules; unsupported parts were removed.</span>'
    )


def test_a_completed_answer_says_its_last_sentence_is_the_articles_own():
    added = "Stride is the step of the filter [1]."
    trace = Trace("What is stride?", added=added)
    answer = Answer(f"Stride moves [1]. {added}", [Citation(1, STRIDE)], passages=[STRIDE], judge="q1.5", trace=trace)

    assert render_answer(answer, 0).endswith(
        "by q1\\.5. The last sentence is the article's own, added to complete the answer.</span>"
    )


def test_extractive_answer_is_a_quote_from_the_article():
    text = 'The article answers "What is stride?":\n\n> How far the filter moves. [1]'
    answer = Answer(text, [Citation(1, STRIDE)], passages=[STRIDE], grounding="extractive")

    assert render_answer(answer, 0) == (
        "The article answers &quot;What is stride?&quot;:\n\n"
        f"> How far the filter moves\\. {LINK_1}\n\n"
        '<span class="grounding-note">Quoted from the article: the model\'s draft could not be checked '
        "against it, so here are the article's own words.</span>"
    )


def test_refusal_says_so_plainly_and_points_at_the_nearest_passages():
    answer = Answer(REFUSAL, outcome="refused", passages=[STRIDE, PADDING], grounding="refused")

    assert render_answer(answer, 0) == (
        "**Not answered:** The article does not cover this\\.\n\n"
        '<span class="grounding-note">The nearest passages are listed under Sources, in case one of them helps.</span>'
    )
    panel = sources_html(answer, 0)
    assert panel.startswith("<p><b>Not in the article.</b> The nearest passages were:</p>")
    assert 'id="src-0-1"' in panel and 'id="src-0-2"' in panel


def test_a_refused_draft_says_why_it_was_not_shown():
    answer = Answer(
        REFUSAL, outcome="refused", passages=[STRIDE], grounding="refused", draft="Stride is a kind of fruit."
    )

    assert render_answer(answer, 0) == (
        "**Not answered:** The article does not cover this\\.\n\n"
        '<span class="grounding-note">The model drafted an answer, but the nearest passage does not back it up. '
        "The nearest passages are listed under Sources, in case one of them helps.</span>"
    )


def test_a_related_answer_names_the_closest_entry_and_never_calls_it_the_answer():
    text = 'The article does not answer this directly. The closest entry is "What is stride?" [1].'
    answer = Answer(text, [Citation(1, STRIDE)], passages=[STRIDE, PADDING], grounding="related", outcome="related")

    message = render_answer(answer, 0)
    assert message.startswith("**Not answered directly:** The article does not answer this directly\\.")
    assert 'href="#src-0-1"' in message and "not as the answer to your question" in message
    panel = sources_html(answer, 0)
    assert panel.startswith("<p><b>Not answered directly.</b> The closest entry:</p>")
    assert 'id="src-0-1"' in panel and 'id="src-0-2"' not in panel  # only the entry named, not every neighbour


def test_empty_question_refusal_is_just_the_message():
    answer = Answer(EMPTY, outcome="refused", grounding="refused", trace=Trace("", decision="empty"))

    assert render_answer(answer, 0) == "Please type a question about deep learning\\."
    assert sources_html(answer, 0) == '<div class="empty">No sources for this answer.</div>'


def test_notice_is_shown_above_the_answer():
    answer = Answer(
        "Stride moves [1].", [Citation(1, STRIDE)], notice="Your question was cut to its first 10 characters."
    )

    assert render_answer(answer, 0).startswith("*Your question was cut to its first 10 characters\\.*\n\nStride")


def test_draft_is_marked_as_unchecked_and_escaped_with_a_cursor():
    assert render_draft("Stride <i>is</i> [1") == DRAFT + "Stride &lt;i&gt;is&lt;/i&gt; \\[1 ▌"
    assert "not yet checked" in DRAFT
    assert render_draft("") == " ▌"


def test_a_status_is_escaped_in_italics_with_the_cursor():
    assert render_status("looking up …") == "*looking up …* ▌"
    assert render_status("<b>*odd*</b>") == "*&lt;b&gt;\\*odd\\*&lt;/b&gt;* ▌"
    assert render_status("  ") == render_draft("")


def test_sources_panel_lists_each_cited_passage_with_lines_and_rendered_markdown():
    answer = Answer("a [1] b [2].", [Citation(1, STRIDE), Citation(2, PADDING)], passages=[STRIDE, PADDING])

    panel = sources_html(answer, 0)

    assert panel == (
        '<div class="src" id="src-0-1"><div class="src-head"><span class="src-n">[1]</span>What is stride?</div>'
        '<div class="src-section">CNN</div><div class="src-body"><ul>\n<li>How far the <strong>filter</strong>'
        ' moves.</li>\n</ul>\n<pre><code class="language-python">conv(x, stride=2)\n</code></pre>\n</div>'
        '<div class="src-where">data/article.md lines 10–17</div></div>'
        '<div class="src" id="src-0-2"><div class="src-head"><span class="src-n">[2]</span>What is padding?</div>'
        '<div class="src-section">CNN</div><div class="src-body"><ul>\n<li>Zeros <mark>added</mark> around. '
        "&lt;script&gt;alert(1)&lt;/script&gt; &#36;&#123;x&#125; &#123;&#123;y&#125;&#125;</li>\n</ul>\n</div>"
        '<div class="src-where">data/article.md lines 19–21</div></div>'
    )


def test_sources_panel_shows_retrieval_scores_on_request():
    answer = Answer("a [1].", [Citation(1, STRIDE)])

    assert "data/article.md lines 10–17 · score 0.812</div>" in sources_html(answer, 0, show_scores=True)
    assert "score" not in sources_html(answer, 0)


def test_article_markdown_keeps_mark_highlights_but_no_other_html():
    assert markdown_html('<mark>key</mark> <img src=x onerror="go()">') == (
        "<p><mark>key</mark> &lt;img src=x onerror=&quot;go()&quot;&gt;</p>\n"
    )
    assert markdown_html("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            BackendUnavailable("LLM server down.\nStart it: make serve"),
            "**Error:** LLM server down\\. Start it: make serve",
        ),
        (BackendUnavailable(""), "**Error:** BackendUnavailable"),
        (
            ValueError("/secret/path leaked"),
            "**Error:** something went wrong while answering (ValueError); please try again.",
        ),
    ],
)
def test_errors_become_one_line(error, line):
    assert render_error(error) == line
    assert "\n" not in render_error(error)


def test_status_line_names_model_backend_device_and_index_size(fake_bot):
    assert status_line(fake_bot) == (
        f"Model fake · backend fake · CPU · index {len(fake_bot.retriever)} passages · embedder fake\\-bow · judge fake"
    )
