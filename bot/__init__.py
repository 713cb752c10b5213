"""The chatbot: `from bot import Bot`, then `Bot().ask("What is dropout?")`."""

from bot.core import Bot
from bot.llm import LLM, load_llm
from bot.types import Answer, Citation, Passage, Status
from common.errors import BackendUnavailable, BotError, IndexMismatch, IndexMissing, InputError, ModelMissing
from common.settings import Settings

__all__ = [
    "LLM",
    "Answer",
    "BackendUnavailable",
    "Bot",
    "BotError",
    "Citation",
    "IndexMismatch",
    "IndexMissing",
    "InputError",
    "ModelMissing",
    "Passage",
    "Settings",
    "Status",
    "load_llm",
]
