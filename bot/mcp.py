"""An MCP server over the bot: `python -m bot.mcp` serves the tools `ask` and `search` on stdio.

Agents that speak MCP get the same checked answer and citations as `Bot.ask`. A bad argument or a
failed answer is a tool error with one clear line, never a crash of the server. Nothing but the
protocol may reach stdout, so loading messages go to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from bot.core import Bot, clean_question
from common import heap
from common.errors import BotError
from common.settings import Settings

ABOUT = (
    "Answers questions about one article, '100+ Deep Learning Q&A': neural-network fundamentals, activations, "
    "losses, gradient descent and optimisers, regularisation, CNNs, RNNs and LSTMs, GANs, autoencoders, "
    "embeddings and TensorFlow. Answers cite the article's entries as [n]; questions it does not cover are refused."
)
ASK = (
    "Answer a deep-learning question from the article, with [n] citations to its entries. "
    "`history` holds earlier [question, answer] pairs for a follow-up. Returns the answer, its outcome "
    "(answered, related or refused) and the cited passages with their lines."
)
SEARCH = "The article's entries closest to `query`, best first (at most `k`, 1-20), with their sections and lines."


def create_server(bot: Bot) -> MCPServer:
    """The MCP server with the two tools over `bot` (tests connect to it in-process)."""
    server = MCPServer("dlqa", instructions=ABOUT, log_level="WARNING")
    limit = bot.settings.max_question_chars

    @server.tool(description=ASK)
    async def ask(question: str, history: list[list[str]] | None = None) -> dict[str, Any]:
        if not clean_question(question, limit)[0]:
            raise ToolError("Expected a question: `question` is empty.")
        pairs = _pairs(history)
        try:
            answer = await anyio.to_thread.run_sync(bot.ask, question, pairs)
        except BotError as e:
            raise ToolError(str(e)) from e
        finally:
            heap.release()
        return {
            "answer": answer.text,
            "outcome": answer.outcome,
            "notice": answer.notice,
            "citations": [c.to_dict() for c in answer.citations],
        }

    @server.tool(description=SEARCH)
    async def search(query: str, k: int = 5) -> dict[str, Any]:
        if not 1 <= k <= 20:
            raise ToolError(f"Expected k between 1 and 20, got {k}.")
        if not clean_question(query, limit)[0]:
            raise ToolError("Expected a query: `query` is empty.")
        try:
            passages = await anyio.to_thread.run_sync(bot.retrieve, query, k)
        except BotError as e:
            raise ToolError(str(e)) from e
        return {"entries": [p.to_dict() for p in passages]}

    return server


def _pairs(history: list[list[str]] | None) -> list[tuple[str, str]]:
    pairs = []
    for turn in history or []:
        if len(turn) != 2:
            raise ToolError("Expected `history` as a list of [question, answer] pairs.")
        pairs.append((turn[0], turn[1]))
    return pairs


def main() -> int:
    """Load the bot from `BOT_*` settings, then serve MCP on stdin/stdout until the client closes it."""
    heap.bound()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        server = create_server(Bot(Settings()))
        heap.freeze()
    except ValidationError as e:
        sys.stderr.write(f"error: invalid settings: {e.errors()[0]['msg']}\n")
        return 2
    except (BotError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    server.run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
