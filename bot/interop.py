"""LangChain interop: the retriever as a `BaseRetriever`, the bot as a `Runnable`.

Users compose these into their own chains; nothing in the product itself depends on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from bot.core import Bot


def as_retriever(bot: Bot, k: int = 5) -> Any:
    """A `langchain_core` retriever over the bot's hybrid search; metadata carries section and lines."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class ArticleRetriever(BaseRetriever):
        """Hybrid (dense + BM25) retrieval over the indexed article."""

        k: int = 5

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
            return [
                Document(
                    page_content=p.text,
                    id=p.id,
                    metadata={
                        "section": p.section,
                        "question": p.question,
                        "score": p.score,
                        "start_line": p.lines[0],
                        "end_line": p.lines[1],
                        "source": p.source,
                    },
                )
                for p in bot.retrieve(query, self.k)
            ]

    return ArticleRetriever(k=k)


def as_runnable(bot: Bot) -> Runnable:
    """A `Runnable` taking a question (or `{"question", "history"}`) and returning an `Answer`."""
    from langchain_core.runnables import RunnableLambda

    def call(value: Any) -> Any:
        if isinstance(value, dict):
            return bot.ask(value["question"], value.get("history"))
        return bot.ask(str(value))

    return RunnableLambda(call, name="article_bot")
