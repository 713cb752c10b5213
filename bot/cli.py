"""`python -m bot [QUESTION ...] [--json]`: the bot in a terminal, for one question or a short chat.

A question streams its draft, then the checked answer (when grounding changed it) and its `[n]`
sources. With no question, each line read from stdin is a question and earlier turns are kept for
follow-ups; an empty line or end of input ends the chat. A stage the answer waits on ("looking up …"
while the question is expanded) is one line on stderr when stderr is a terminal, never on stdout.
Exit codes: 0 answered, 3 refused, 4 related (the closest entry named, not an answer), 1 an error (one line on stderr), 2 usage. Deliberately not here:
settings flags (the `BOT_*` variables cover them), colours, and history kept across runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.complete import added_note
from bot.core import Bot
from bot.rewrite import History
from bot.types import Answer, Status
from common.errors import BotError

ANSWERED, ERROR, USAGE, REFUSED, RELATED = 0, 1, 2, 3, 4
CODES = {"answered": ANSWERED, "refused": REFUSED, "related": RELATED}


def main(argv: list[str] | None = None, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ask the deep-learning article a question.")
    parser.add_argument("question", nargs="*", help="the question; none starts a chat read from stdin")
    parser.add_argument("--json", action="store_true", help="print each final answer as one JSON object")
    args = parser.parse_args(argv)
    question = " ".join(args.question).strip()
    if args.question and not question:
        parser.error("Expected a question, got an empty string.")
    try:
        bot = Bot()
        if question:
            return _ask(bot, question, None, args.json, out)
        return _chat(bot, args.json, stdin, out)
    except BotError as e:
        sys.stderr.write(f"error: {' '.join(str(e).split())}\n")
        return ERROR
    except KeyboardInterrupt:
        return 130


def _ask(bot: Bot, question: str, history: History | None, as_json: bool, out: TextIO) -> int:
    answer = _answer(bot, question, history, as_json, out)
    return CODES[answer.outcome]


def _answer(bot: Bot, question: str, history: History | None, as_json: bool, out: TextIO) -> Answer:
    """Stream one answer to `out` (or print it as JSON at the end) and return it."""
    streamed: list[str] = []
    answer = None
    for item in bot.stream(question, history):
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, Status):
            _say(item.text)
        elif not as_json:
            streamed.append(item)
            out.write(item)
            out.flush()
    assert answer is not None  # Bot.stream always ends with an Answer
    if as_json:
        out.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(_after_stream("".join(streamed), answer))
    out.flush()
    return answer


def _say(status: str) -> None:
    """A status line for a person watching: stderr, and only on a terminal (scripts read stdout and stderr)."""
    if sys.stderr.isatty():
        sys.stderr.write(f"{status}\n")
        sys.stderr.flush()


def _after_stream(streamed: str, answer: Answer) -> str:
    """What follows the streamed draft: the checked answer when grounding changed it, then the sources."""
    parts = ["\n"]
    if answer.text.strip() != streamed.strip():
        checked = f"Checked against the article by {answer.judge}" if answer.judge else "Checked by word rules only"
        head = "Not answered directly" if answer.outcome == "related" else checked
        parts.append(f"\n{head}:\n{answer.text}\n")
        if answer.trace is not None and answer.trace.added:
            parts.append(f"({added_note(answer.trace.added)})\n")
    if answer.notice:
        parts.append(f"\nNote: {answer.notice}\n")
    if answer.citations:
        parts.append("\nSources:\n")
        parts += [f"[{c.n}] {_where(c.passage)}\n" for c in answer.citations]
    elif answer.refused and answer.passages:
        parts.append("\nNearest passages:\n")
        parts += [f"- {_where(p)}\n" for p in answer.passages[:3]]
    return "".join(parts)


def _where(passage) -> str:
    section = f"{passage.section} > " if passage.section else ""
    return f"{section}{passage.question or passage.text[:60]} ({passage.where})"


def _chat(bot: Bot, as_json: bool, stdin: TextIO, out: TextIO) -> int:
    """Questions line by line until an empty line or end of input; a failed question does not end the chat."""
    interactive = stdin.isatty()
    history: History = []
    code = ANSWERED
    while True:
        if interactive:
            sys.stderr.write("> ")
            sys.stderr.flush()
        line = stdin.readline()
        if not line.strip():
            return code
        try:
            answer = _answer(bot, line.strip(), history, as_json, out)
        except BotError as e:
            sys.stderr.write(f"error: {' '.join(str(e).split())}\n")
            code = ERROR
            continue
        history.append((line.strip(), answer.text))
        if not as_json:
            out.write("\n")
