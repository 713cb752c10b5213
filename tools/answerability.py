"""Does a shown answer answer its question? Candidate checks measured on the answers of an eval run.

    python tools/answerability.py eval/out/run-default-test.json [--judge qwen2.5-coder-1.5b]

A sentence can be true of its passage and still not answer the question ("transfer learning" answered from
the transfer-function entry). For every answered row of the run, each candidate scores the answer; reported
is how well the score separates answers to questions the article answers (paraphrase, interview) from answers
to questions it does not (hard out-of-scope): the AUC, and at each candidate cut the share of each side that
would become *related*. Candidates: the judge's p(yes) that the answer responds to the question
(`bot/prompts/<family>/answers.txt`), and the share of the question's content words found in the cited entry.
Deliberately not done here: choosing a cut (do that on a dev-half run) or changing the bot.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.prompt import Message, template
from common.text import MARKER, content_tokens
from tools.grounding import auc

ANSWERABLE = ("paraphrase", "interview")


def responds_messages(question: str, answer: str, family: str = "qwen") -> list[Message]:
    text = template("answers", family).format(question=question, answer=MARKER.sub("", answer).strip())
    return [Message("user", text.strip())]


def term_share(question: str, entry: str) -> float:
    """Share of the question's content words that the cited entry holds."""
    mine = content_tokens(question)
    theirs = set(content_tokens(entry))
    return sum(t in theirs for t in mine) / len(mine) if mine else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/answerability.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="an eval run's JSON (eval/run.py --json)")
    parser.add_argument("--judge", default="qwen2.5-coder-1.5b", help="llama.cpp preset or GGUF that judges")
    args = parser.parse_args(argv)
    from bot.llm import load_llm
    from common.settings import Settings

    rows = [r for r in json.loads(args.run.read_text())["questions"] if r["outcome"] == "answered"]
    llm = load_llm(Settings(llm_model=args.judge))
    scored: list[tuple[bool, float, float, str]] = []
    for row in rows:
        if row["set"] not in (*ANSWERABLE, "hard_out_of_scope"):
            continue
        reply = row["reply"]
        cited = " ".join(c["text"] for c in reply["citations"])
        p = llm.p_yes(responds_messages(row["question"], reply["text"], llm.family)) or 0.0
        scored.append((row["set"] in ANSWERABLE, p, term_share(row["question"], cited), row["id"]))
    good = [s for s in scored if s[0]]
    bad = [s for s in scored if not s[0]]
    print(f"{args.run}: {len(good)} answered answerable, {len(bad)} answered hard out-of-scope")
    for name, index in (("judge p(yes) responds", 1), ("question words in the entry", 2)):
        value = auc([s[index] for s in good], [s[index] for s in bad])
        print(f"{name}: AUC {value:.3f}" if value is not None else f"{name}: AUC n/a")
        for cut in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            lost = sum(s[index] < cut for s in good) / max(1, len(good))
            caught = sum(s[index] < cut for s in bad) / max(1, len(bad))
            print(f"  cut {cut:.1f}: answerable turned related {lost:.3f}, out-of-scope turned related {caught:.3f}")
    for s in sorted(scored, key=lambda s: s[1]):
        print(f"  {s[3]} {'in ' if s[0] else 'OUT'} p={s[1]:.3f} words={s[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
