"""The LangChain retriever and runnable over the fast bot."""

from __future__ import annotations

from bot.interop import as_retriever, as_runnable
from bot.types import Answer


def test_retriever_documents_carry_the_passage_with_scalar_metadata(fake_bot):
    passage = fake_bot.retrieve("What is the dying ReLU problem?", 2)[0]

    document = as_retriever(fake_bot, k=2).invoke("What is the dying ReLU problem?")[0]

    assert (document.page_content, document.id) == (passage.text, passage.id)
    assert document.metadata == {
        "section": passage.section,
        "question": passage.question,
        "score": passage.score,
        "source": passage.source,
        "start_line": passage.lines[0],
        "end_line": passage.lines[1],
    }


def test_runnable_answers_a_question_or_a_dict(fake_bot):
    answer = as_runnable(fake_bot).invoke({"question": "What is the dying ReLU problem?", "history": []})

    assert isinstance(answer, Answer) and answer.citations
