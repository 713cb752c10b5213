"""LangChain interop: the retriever as a `BaseRetriever`, the bot as a `Runnable`.

Users compose these into their own chains (`as_retriever(bot)`); nothing in the product depends on them, and
`Bot` does not know them, so the dependency runs one way: interop -> core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.types import Passage

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
            return [_document(Document, p) for p in bot.retrieve(query, self.k)]

    return ArticleRetriever(k=k)


def _document(document: type, passage: Passage) -> Any:
    """`Passage.to_dict()` as a LangChain `Document`: text and id apart, the rest as metadata.

    The line range is split into `start_line` and `end_line`, because vector stores that take
    LangChain metadata (Chroma among them) accept scalar values only.
    """
    fields = passage.to_dict()
    text, pid, (start, end) = fields.pop("text"), fields.pop("id"), fields.pop("lines")
    return document(page_content=text, id=pid, metadata={**fields, "start_line": start, "end_line": end})


def as_runnable(bot: Bot) -> Runnable:
    """A `Runnable` taking a question (or `{"question", "history"}`) and returning an `Answer`."""
    from langchain_core.runnables import RunnableLambda

    def call(value: Any) -> Any:
        if isinstance(value, dict):
            return bot.ask(value["question"], value.get("history"))
        return bot.ask(str(value))

    return RunnableLambda(call, name="article_bot")
