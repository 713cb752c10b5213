"""Fit the scope model of the configured embedder on the dev halves, report it on the test halves.

`python eval/calibrate_gate.py` computes the gate features (`bot.gate.features`) of every question of
the five eval sets, fits a logistic model (balanced classes) on the article's own questions plus the
`dev` halves, hard negatives included, and cuts its confidence by three rules, all on dev:
- `refuse_below`: the highest cut that refuses at most 5% of the in-scope dev questions (paraphrases and
  interview questions pooled) and none of the article's own;
- `answer_from`: the lowest cut that answers outright at most 5% of the hard out-of-scope dev questions;
- `quote_from`: just above every hard out-of-scope dev question (a quote shown as the answer must be rare).
It prints every set's refused / tentative / answered shares on both halves; `--write` stores the model in
the embedder's `bot/policy/*.json`. `--features a,b` compares another feature set without writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace

import numpy as np

from bot import Bot
from bot.gate import features
from bot.policy import ScopePolicy, policy_path
from eval.sets import load_all

DEFAULT_FEATURES = ("top_cosine",)
IN_SCOPE_REFUSED = 0.05
HARD_ANSWERED = 0.05
HARD_QUOTED = 0.0
ABOVE = 1e-4  # a cut strictly above the highest hard negative


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default=",".join(DEFAULT_FEATURES), help="comma-separated gate features")
    parser.add_argument("--write", action="store_true", help="store the fitted model in bot/policy/")
    args = parser.parse_args(argv)
    names = tuple(args.features.split(","))

    bot = Bot(llm_backend="fake", preload=False)
    items = load_all()
    X, sets, splits = [], [], []
    for item in items:
        hits = bot.retriever.search(item.question, bot.settings.top_k)
        signals = features(item.question, hits, bot.gate.vocabulary)
        X.append([signals[n] for n in names])
        sets.append(item.set)
        splits.append(item.split)
    X, sets, splits = np.array(X), np.array(sets), np.array(splits)
    y = np.array([item.in_scope for item in items])
    dev = (splits == "dev") | (sets == "article")
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(X[dev], y[dev])
    p = model.predict_proba(X)[:, 1]

    in_dev = dev & np.isin(sets, ["paraphrase", "interview"])
    hard_dev = dev & (sets == "hard_out_of_scope")
    refuse_below = min(float(np.quantile(p[in_dev], IN_SCOPE_REFUSED)), float(p[sets == "article"].min()))
    answer_from = max(float(np.quantile(p[hard_dev], 1 - HARD_ANSWERED)), refuse_below)
    quote_from = max(float(np.quantile(p[hard_dev], 1 - HARD_QUOTED)) + ABOVE, answer_from)
    old = bot.policy
    scope = replace(
        old.scope,
        features=names,
        coefficients=tuple(round(float(c), 4) for c in model.coef_[0]),
        intercept=round(float(model.intercept_[0]), 4),
        refuse_below=round(refuse_below, 4),
        answer_from=round(answer_from, 4),
        quote_from=round(quote_from, 4),
        note=f"python eval/calibrate_gate.py --features {args.features} --write, embedder {bot.embedder.name}: "
        f"logistic (C=1, balanced) on the article's questions and the dev halves; cuts: in-scope dev refused "
        f"<= {IN_SCOPE_REFUSED}, hard dev answered outright <= {HARD_ANSWERED}, quoted <= {HARD_QUOTED}.",
    )
    report = {"embedder": bot.embedder.name, "scope": asdict(scope), "shares": _shares(p, sets, splits, scope)}
    print(json.dumps(report, indent=1))
    if args.write:
        path = policy_path(bot.embedder.name)
        data = (
            json.loads(path.read_text()) if path.is_file() else {"embedder": bot.embedder.name, "lexical_weight": 0.0}
        )
        data["scope"] = asdict(scope)
        path.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _shares(p: np.ndarray, sets: np.ndarray, splits: np.ndarray, scope: ScopePolicy) -> dict[str, dict[str, float]]:
    """Per set and half: refused (below the floor), tentative (the band) and answered outright."""
    out = {}
    for name in dict.fromkeys(sets):
        for half in dict.fromkeys(splits[sets == name]):
            q = p[(sets == name) & (splits == half)]
            out[f"{name}:{half}"] = {
                "n": len(q),
                "refused": round(float(np.mean(q < scope.refuse_below)), 3),
                "tentative": round(float(np.mean((q >= scope.refuse_below) & (q < scope.answer_from))), 3),
                "answered": round(float(np.mean(q >= scope.answer_from)), 3),
                "quote_ok": round(float(np.mean(q >= scope.quote_from)), 3),
            }
    return out


if __name__ == "__main__":
    sys.exit(main())
