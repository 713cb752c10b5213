"""Fit the scope model of the configured embedder on the dev halves, report it on the test halves.

`python tools/calibrate_gate.py` computes the gate features (`bot.gate.features`) of every question of
the five eval sets, fits a logistic model (balanced classes) on the article's own questions plus the
`dev` halves, hard negatives included, and cuts its confidence by three rules, all on dev:
- `refuse_below`: the highest cut that refuses at most 5% of the in-scope dev questions (paraphrases and
  interview questions pooled) and none of the article's own;
- `answer_from`: the lowest cut that answers outright at most 5% of the hard out-of-scope dev questions;
- `quote_from`: just above every hard out-of-scope dev question (a quote shown as the answer must be rare).
It prints every set's refused / tentative / answered shares on both halves; `--write` stores the model in
the embedder's `bot/policy/*.json`. `--features a,b` compares another feature set without writing.

`--second-look` also sets the refusals' second look for the configured answer model (`BOT_LLM_MODEL`, which
must be loadable): every refused question is expanded closed-book, and `rescue_from` is put just above the
expanded top cosine of every refused out-of-scope dev question, so no dev negative is rescued (a few
minutes: one short generation per refusal).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace

import numpy as np

from bot import Bot
from bot.expand import Expander
from bot.gate import features
from bot.llm import load_llm
from bot.policy import ScopePolicy, policy_path
from common.evalsets import EvalItem, load_all
from common.settings import Settings

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
    parser.add_argument("--second-look", action="store_true", help="also set the refusals' second look")
    args = parser.parse_args(argv)
    names = tuple(args.features.split(","))

    bot = Bot(llm_backend="fake", preload=False)
    items = [item for item in load_all() if not item.history]  # a follow-up's scope is that of its rewrite
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
        note=f"python tools/calibrate_gate.py --features {args.features} --write, embedder {bot.embedder.name}: "
        f"logistic (C=1, balanced) on the article's questions and the dev halves; cuts: in-scope dev refused "
        f"<= {IN_SCOPE_REFUSED}, hard dev answered outright <= {HARD_ANSWERED}, quoted <= {HARD_QUOTED}.",
    )
    rescued = np.zeros(len(items), dtype=bool)
    if args.second_look:
        scope, rescued = _second_look(bot, items, p < scope.refuse_below, sets, splits, scope)
    shares = _shares(p, sets, splits, scope, rescued)
    report = {"embedder": bot.embedder.name, "scope": asdict(scope), "shares": shares}
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


def _second_look(
    bot: Bot, items: list[EvalItem], refused: np.ndarray, sets: np.ndarray, splits: np.ndarray, scope: ScopePolicy
) -> tuple[ScopePolicy, np.ndarray]:
    """`scope` with `rescue_from` set for the answer model, and which refused questions it rescues."""
    settings = Settings()  # the configured answer model (the bot above has the fake one)
    expander = Expander(load_llm(settings), settings.expansion_tokens)
    cosine = np.full(len(items), -1.0)
    for i in np.flatnonzero(refused):
        question = items[i].question
        cosine[i] = bot.retriever.top_cosine(f"{question}\n{expander.expand(question)}")
    rescue_from, negatives = rescue_cut(cosine, refused, sets, splits)
    rescued = refused & (cosine >= rescue_from)
    scope = replace(
        scope,
        rescue_models=(expander.llm.name,),
        rescue_from=rescue_from,
        rescue_note=f"python tools/calibrate_gate.py --second-look --write with {expander.llm.name}: just above the "
        f"top cosine of question + expansion of every refused out-of-scope dev question "
        f"({int(negatives.sum())}); {int((rescued & (splits == 'dev')).sum())} refused dev questions rescued.",
    )
    return scope, rescued


def rescue_cut(
    cosine: np.ndarray, refused: np.ndarray, sets: np.ndarray, splits: np.ndarray
) -> tuple[float, np.ndarray]:
    """Just above the expanded cosine of every refused out-of-scope dev question (those questions too):
    the second look rescues none of the dev negatives, whatever the test halves hold."""
    negatives = refused & (splits == "dev") & np.isin(sets, ["hard_out_of_scope", "out_of_scope"])
    return round(float(cosine[negatives].max()) + ABOVE, 4), negatives


def _shares(
    p: np.ndarray, sets: np.ndarray, splits: np.ndarray, scope: ScopePolicy, rescued: np.ndarray
) -> dict[str, dict[str, float]]:
    """Per set and half: refused (below the floor, not rescued), rescued by the second look, tentative (the
    band) and answered outright."""
    out = {}
    for name in dict.fromkeys(sets):
        for half in dict.fromkeys(splits[sets == name]):
            mask = (sets == name) & (splits == half)
            q, saved = p[mask], rescued[mask]
            out[f"{name}:{half}"] = {
                "n": len(q),
                "refused": round(float(np.mean((q < scope.refuse_below) & ~saved)), 3),
                "rescued": round(float(np.mean(saved)), 3),
                "tentative": round(float(np.mean((q >= scope.refuse_below) & (q < scope.answer_from))), 3),
                "answered": round(float(np.mean(q >= scope.answer_from)), 3),
                "quote_ok": round(float(np.mean(q >= scope.quote_from)), 3),
            }
    return out


if __name__ == "__main__":
    sys.exit(main())
