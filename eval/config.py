"""What an eval run depends on and where it ran: the config `--json` records and a baseline comparison matches.

A changed knob of the bot's policy, the model file or the expansion shows here, so a baseline made
another way fails the comparison's config step with both values named.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import Bot
from bot.policy import GROUNDING
from common.models import file_sha256
from eval.aggregate import SETS

ROOT = Path(__file__).resolve().parents[1]


def run_config(
    bot: Bot, *, retrieval_only: bool, sets: Sequence[str], limit: int | None, split: str | None = None
) -> dict[str, Any]:
    """What the run depends on (a baseline comparison matches the keys of regression.toml) and where it ran."""
    settings = bot.settings
    answers = not retrieval_only
    return {
        "mode": "retrieval" if retrieval_only else "answers",
        "backend": settings.llm_backend if answers else None,
        "model": bot.llm.name if answers else None,
        "model_sha256": _model_sha256(bot) if answers else None,
        "temperature": settings.temperature if answers else None,
        "n_threads": settings.n_threads if answers else None,
        "seed": settings.seed if answers else None,
        "max_tokens": settings.max_tokens if answers else None,
        "sets": [name for name in SETS if name in sets],
        "limit": limit,
        "split": split,
        "embedder": bot.embedder.name,
        "embedder_fingerprint": str(bot.embedder.fingerprint)[:16],
        "passages": len(bot.retriever.passages),
        "top_k": settings.top_k,
        "prompt_passages": bot.prompt_passages if answers else None,
        "expansion": _expansion(bot),
        "second_look": settings.second_look if answers else None,
        "second_draft": settings.second_draft if answers else None,
        "judge": _judge(bot) if answers else None,
        "support_tau": GROUNDING.support,
        "policy_sha256": policy_sha256(bot),
        "policy": bot.policy.to_dict(),
        "git": _git_sha(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }


def _judge(bot: Bot) -> dict[str, Any] | None:
    """The model that judged the answer sentences, with its cut (None: word rules)."""
    judge = bot.judge
    if judge is None:
        return None
    return {"model": judge.name, "model_sha256": _sha256(judge.llm), "cut": judge.cut}


def _model_sha256(bot: Bot) -> str | None:
    return _sha256(bot.llm)


def policy_sha256(bot: Bot) -> str:
    """A short checksum of every tuned number the bot ran with: a changed knob changes it."""
    return hashlib.sha256(json.dumps(bot.policy.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _sha256(llm: Any) -> str | None:
    path = llm.path  # GGUF backends are hashed; HF folders and server models are named
    return file_sha256(path) if isinstance(path, Path) and path.is_file() else None


def _expansion(bot: Bot) -> dict[str, Any] | None:
    """The expanding model when questions are expanded (None when off), so baselines of each mode differ."""
    if not bot.expands:
        return None
    llm = bot.expander.llm
    return {"model": llm.name, "model_sha256": _sha256(llm), "tokens": bot.expander.max_tokens}


def _git_sha() -> str | None:
    """HEAD's commit, with "+dirty" when tracked files differ from it; None outside a checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")
