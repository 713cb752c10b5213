"""What the user gets, decided in one place: pure functions over what one pass through the pipeline saw.

- `before` runs once retrieval has scored the question: empty input, prompt injection and the scope model's
  cuts give a `Verdict`: refuse, show the closest entry as *related*, or draft (outright, or tentatively
  when the confidence is in the band, where the checked draft settles it). In the band, a question naming
  a word the article never uses ("DropConnect") gets *related*: a draft would restate the neighbouring entry.
  So does, at any confidence, a definition question about a kind of an article term that the article never
  names ("What is Monte Carlo dropout?").
- `looks_again` and `second_look`: a scope-model refusal is reconsidered on the question plus a closed-book
  answer, where the policy was calibrated on the model that wrote it ("Glorot init" finds Xavier).
- `drafts_again`: a draft that did not stand is written once more by the judge's model, then checked.
- `after` runs once the draft is checked: *answered*, *related* or *refused*. A quote of the entry (the draft did
  not hold up) is the answer only where the gate is sure the entry answers; a tentative draft stands only
  when it is mostly kept and about the question: an answer to "What is the out-of-bag error?" that never says
  "error" restates a neighbouring entry (there, on dropout and random forests), and one to "Should the statistics be
  computed on the whole dataset or on the training split?" that names neither option restates the entry it copied.

Nothing here loads a model or reads an index: `bot.core.Bot` gathers the signals and asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.ground import Grounded
from bot.lexicon import to_name
from bot.policy import TENTATIVE_FAMILIES, ScopePolicy
from bot.types import Outcome
from common.text import STOPWORDS, stem, words

Decision = Literal["answer", "tentative", "related", "refuse", "empty"]
_INJECTION = re.compile(
    r"ignor\w*\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier)?\s*(instruction|rule|guideline)"
    r"|ignora\w*\s+.*instruc|system\s+prompt|prompt\s+de\s+sistema|repeat\s+everything\s+above|you\s+are\s+now\s+\w+"
    r"|disregard\s+(the|your|all)|new\s+system\s+message|developer\s+mode|debug\s+mode|jailbreak|\bDAN\b",
    re.I,
)


@dataclass(frozen=True)
class Verdict:
    """The decision before generation, with the confidence behind it (for the trace, the UI and the eval).

    `decision` is `answer`, `tentative` (the checked draft settles it), `related`, `refuse` or
    `empty`; `quote_ok` says whether a quote of the top passage may stand as the answer; `reconsider`,
    whether a refusal came from the scope model alone, which a second look may overturn; `unknown`, the
    question's words the article never uses; `names`, the phrases of which a tentative answer must name one, every
    word (`bot.lexicon.to_name`: what a definition question defines, or the options of an either-or question).
    """

    decision: Decision
    confidence: float
    reason: str
    quote_ok: bool = False
    reconsider: bool = False
    unknown: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def tentative(self) -> bool:
        return self.decision == "tentative"

    @property
    def drafts(self) -> bool:
        """Whether a draft is written (and checked) for this verdict."""
        return self.decision in ("answer", "tentative")


@dataclass(frozen=True)
class Cuts:
    """Where the scope model's confidence is cut, for one embedder's policy and one model family.

    `threshold` and `floor` (`BOT_GATE_*`) override the policy's `answer_from` and `refuse_below`.
    """

    policy: ScopePolicy
    family: str
    threshold: float | None = None
    floor: float | None = None

    @property
    def answer_from(self) -> float:
        return self.policy.answer_from if self.threshold is None else self.threshold

    @property
    def refuse_below(self) -> float:
        return min(self.policy.refuse_below if self.floor is None else self.floor, self.answer_from)

    @property
    def settles(self) -> bool:
        """Whether this family's drafts can settle the band (SmolLM2's copied sentences pass every check)."""
        return self.family in TENTATIVE_FAMILIES


def empty(question: str) -> bool:
    """No text at all: asked for a question, not refused."""
    return not question.strip()


def before(
    question: str,
    confidence: float | None,
    cuts: Cuts,
    unknown: tuple[str, ...] = (),
    variant: tuple[str, ...] = (),
) -> Verdict:
    """The verdict before any text is generated; `confidence` is the scope model's (None: nothing to score),
    `unknown` the question's words the article never uses, `variant` the words of a kind of an article term
    it asks to define that the article never uses (both `bot.lexicon`)."""
    if empty(question):
        return Verdict("empty", 0.0, "no question")
    if _INJECTION.search(question):
        return Verdict("refuse", 0.0, "instructions to the assistant, not a question about the article")
    if confidence is None:
        return Verdict("refuse", 0.0, "no content words that the article could answer")
    p = round(confidence, 4)
    if variant and p >= cuts.refuse_below:
        return Verdict(
            "related", p, f"asks to define a kind ({' '.join(variant)}) the article never mentions", unknown=variant
        )
    unknown = tuple(dict.fromkeys(unknown + variant))
    quote_ok = p >= max(cuts.policy.quote_from, cuts.answer_from)
    if p >= cuts.answer_from:
        return Verdict("answer", p, "covered by the article", quote_ok)
    names = to_name(question)
    if p >= cuts.refuse_below:
        return _band(p, cuts, unknown, "uncertain: answered only if the answer survives the checks", names)
    return Verdict("refuse", p, "not covered by the article", reconsider=True, unknown=unknown, names=names)


def _band(p: float, cuts: Cuts, unknown: tuple[str, ...], why: str, names: tuple[str, ...]) -> Verdict:
    """Where the scope model is unsure: a draft settles it, unless the family cannot settle or the question
    names what the article never mentions."""
    if unknown:
        return Verdict("related", p, f"names {', '.join(unknown)}, which the article never mentions", unknown=unknown)
    if cuts.settles:
        return Verdict("tentative", p, why, names=names)
    return Verdict("related", p, "a close entry, which may not answer the question")


def looks_again(verdict: Verdict, cuts: Cuts, expander: Callable[[], str]) -> bool:
    """Whether a second look could overturn `verdict`: a scope-model refusal, and an expanding model whose
    closed-book answers the policy's `rescue_from` was set on (`expander` names it; asked only when the
    policy has a second look, since naming it may load the model)."""
    rescuers = cuts.policy.rescue_models
    return verdict.reconsider and bool(rescuers) and expander() in rescuers


def second_look(verdict: Verdict, expanded_cosine: float, cuts: Cuts) -> Verdict:
    """`verdict` reconsidered on the top cosine of the question plus its closed-book expansion."""
    if not verdict.reconsider or expanded_cosine < cuts.policy.rescue_from:
        return verdict
    why = "worded unlike the article, but its answer is close to an entry"
    return _band(verdict.confidence, cuts, verdict.unknown, why, verdict.names)


def drafts_again(verdict: Verdict, outcome: Outcome) -> bool:
    """Whether a draft that did not stand (so the closest entry would be shown as related) gets a second draft
    from the judge's (larger) model.

    The 0.5B's failed drafts are mostly its own misreadings of the right entry; the 1.5B's second drafts,
    checked the same way, stood for 5 of 8 answerable dev questions and 1 of 24 hard out-of-scope ones.
    """
    return verdict.drafts and outcome == "related"


def after(
    verdict: Verdict, checked: Grounded | None, cuts: Cuts, relevance: Callable[[], float] = lambda: 1.0
) -> Outcome:
    """What the user gets: the verdict's own outcome when nothing was drafted, else the checked draft's.

    `relevance` gives the checked answer's cosine to the question; it is asked only for a tentative draft under a
    policy that cuts on it, since computing it loads the grounding embedder (about 230 MB).
    """
    if checked is None or not verdict.drafts:
        return "related" if verdict.decision == "related" else "refused"
    if checked.grounding == "extractive":
        return "answered" if verdict.quote_ok else "related"
    if not verdict.tentative:
        return "answered"
    if checked.kept_share <= cuts.policy.stand_share or not _names(checked.text, verdict.names):
        return "related"
    cut = cuts.policy.stand_relevance
    return "answered" if cut <= 0 or relevance() >= cut else "related"


def _names(answer: str, asked: tuple[str, ...]) -> bool:
    """Whether `answer` names one of the `asked` phrases, its content words in a row ("out-of-bag error" for "What is
    the out-of-bag error?", not "transfer function" and "learn" for "What is transfer learning?"), each as written,
    by its stem, or as the start of a longer word ("backprop"); with none asked, any answer does."""
    if not asked:
        return True
    said = [w for w in words(answer) if w not in STOPWORDS]

    def named(word: str, w: str) -> bool:
        return stem(word) == stem(w) or w.startswith(word)

    for phrase in asked:
        want = [w for w in words(phrase) if w not in STOPWORDS]
        if any(all(named(x, y) for x, y in zip(want, said[i:])) for i in range(len(said) - len(want) + 1)):
            return True
    return False
