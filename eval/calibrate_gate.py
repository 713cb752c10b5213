"""Refit the scope gate's logistic model and report it on the held-out halves.

`python eval/calibrate_gate.py` fits on the article's own questions plus the `dev` halves of the
paraphrase and out-of-scope sets, then prints the coefficients to paste into `bot/gate.py` and
the refusal rates on the `test` halves at the configured threshold. Needs scikit-learn (it comes
with sentence-transformers). A question below the threshold counts as refused here, also in the
tentative band, where the bot lets the model's answer decide: `eval/run.py` measures that.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from bot import Bot
from bot.gate import COEFFICIENTS, INTERCEPT
from common.text import content_tokens

ROOT = Path(__file__).resolve().parents[1]


def features(bot: Bot, question: str) -> list[float]:
    hits = bot.retriever.search(question, bot.settings.top_k)
    tokens = content_tokens(question) or ["-"]
    top = set(content_tokens(hits[0].passage.text))
    return [
        hits[0].dense,
        sum(t in bot.gate.vocabulary for t in tokens) / len(tokens),
        sum(t in top for t in tokens) / len(tokens),
    ]


def main() -> int:
    from sklearn.linear_model import LogisticRegression

    bot = Bot(llm_backend="fake")
    rows = []
    for name, in_scope in (("paraphrases", True), ("out_of_scope", False)):
        for line in (ROOT / "data" / "eval" / f"{name}.jsonl").read_text().splitlines():
            item = json.loads(line)
            rows.append((features(bot, item["question"]), in_scope, item["split"]))
    rows += [(features(bot, p.question), True, "dev") for p in bot.retriever.passages if p.question]
    X = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    dev = np.array([r[2] == "dev" for r in rows])
    model = LogisticRegression(C=10, class_weight="balanced").fit(X[dev], y[dev])
    threshold = bot.settings.gate_threshold

    def refusal(coef: np.ndarray, intercept: float, mask: np.ndarray) -> float:
        confidence = 1 / (1 + np.exp(-(X[mask] @ coef + intercept)))
        return float(np.mean(confidence < threshold)) if mask.any() else 0.0

    test = ~dev
    for label, coef, intercept in (
        ("refit", model.coef_[0], float(model.intercept_[0])),
        ("shipped", np.array(COEFFICIENTS), INTERCEPT),
    ):
        print(
            json.dumps(
                {
                    "model": label,
                    "coefficients": [round(float(c), 2) for c in coef],
                    "intercept": round(intercept, 2),
                    "test_out_of_scope_refused": round(refusal(coef, intercept, test & ~y), 3),
                    "test_paraphrases_refused": round(refusal(coef, intercept, test & y), 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
