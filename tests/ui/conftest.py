"""UI rendering fixtures: the fast fake bot of tests/bot, re-used rather than rebuilt."""

from tests.bot.conftest import fake_bot, fake_index, fake_llm

__all__ = ["fake_bot", "fake_index", "fake_llm"]
