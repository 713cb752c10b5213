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
    runnable = as_runnable(fake_bot)
    from_dict = runnable.invoke({"question": "What is the dying ReLU problem?", "history": []})
    from_text = runnable.invoke("What is the dying ReLU problem?")

    assert isinstance(from_dict, Answer) and isinstance(from_text, Answer)
    assert from_dict.citations[0].passage.question == "Dying ReLU problem"
    assert (from_text.text, from_text.citations) == (from_dict.text, from_dict.citations)
