"""The one JSON shape of each value the bot hands out."""

from __future__ import annotations

import json

from bot.types import Answer, Citation, Passage, Trace

STRIDE = Passage("p1", "What is stride?\n\nHow far it moves.", "CNN", "What is stride?", 0.5, (10, 12), "article.md")


def test_passage_to_dict_is_every_field_json_safe():
    assert STRIDE.to_dict() == {
        "id": "p1",
        "text": "What is stride?\n\nHow far it moves.",
        "section": "CNN",
        "question": "What is stride?",
        "score": 0.5,
        "lines": [10, 12],
        "source": "article.md",
    }


def test_citation_to_dict_is_its_passage_with_the_marker():
    assert Citation(1, STRIDE).to_dict() == {"n": 1, **STRIDE.to_dict()}


def test_answer_to_dict_nests_citations_and_passages():
    answer = Answer(
        "It moves [1].", [Citation(1, STRIDE)], passages=[STRIDE], timings={"total": 0.25}, question="Q", model="m"
    )

    assert answer.to_dict() == {
        "text": "It moves [1].",
        "outcome": "answered",
        "grounding": "generated",
        "refused": False,
        "empty": False,
        "model": "m",
        "notice": "",
        "citations": [Citation(1, STRIDE).to_dict()],
        "question": "Q",
        "standalone_question": "",
        "passages": [STRIDE.to_dict()],
        "draft": "",
        "expansion": "",
        "judge": "",
        "timings": {"total": 0.25},
        "trace": None,
    }
    assert json.loads(json.dumps(answer.to_dict())) == answer.to_dict()


def test_an_empty_question_is_marked_empty_not_by_a_notice(fake_bot):
    answer = fake_bot.ask("   ")

    assert answer.empty and answer.refused and answer.notice == ""
    assert not fake_bot.ask("What is the dying ReLU problem?").empty


def test_refused_and_empty_derive_from_the_outcome_and_the_trace():
    assert Answer("no", outcome="refused").refused and not Answer("no", outcome="refused").empty
    assert Answer("?", outcome="refused", trace=Trace("", decision="empty")).empty
    assert (Answer("see [1]", outcome="related").refused, Answer("yes").outcome) == (False, "answered")
