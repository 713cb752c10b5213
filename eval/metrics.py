"""Deterministic, label-based metrics for the offline regression test: no LLM judge, so no drift between runs.

Every function is pure and returns a float in [0, 1] (or a count); a perfect answer scores 1,
an empty one 0, and an input that cannot be scored raises `ValueError` instead of returning NaN,
because a NaN silently drops out of a mean (a known failure of judge-based RAG evaluations).

Retrieval takes `ranked`, the passages' question texts in rank order, and `gold`, a set of
`common.text.question_key` keys: every passage whose question keys into `gold` is relevant, so
both copies of a duplicated question count. Citation metrics read `Answer.text` as the user sees it,
with `[1, 2]` counted as `[1][2]` (`common.text.markers`).

Deliberately not here: LLM or NLI judges, embeddings (the caller embeds and calls `cosine`),
bootstrap confidence intervals, and any tie-breaking of the ranking (the retriever owns it).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from bot.types import Answer, Passage
from common.text import MARKER, content_tokens, markers, question_key, sentences, support, words

References = str | Sequence[str]

# ---------------------------------------------------------------- retrieval


def _relevance(ranked: Sequence[str], gold: Iterable[str]) -> list[bool]:
    gold = frozenset(gold)
    if not gold:
        raise ValueError("Expected a non-empty gold set, got none (out-of-scope items have no retrieval score)")
    return [question_key(question) in gold for question in ranked]


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"Expected k >= 1, got {k}")


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """1.0 if any of the top `k` passages belongs to the gold group, else 0.0."""
    _check_k(k)
    return float(any(_relevance(ranked, gold)[:k]))


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1/rank of the first gold passage within the top `k` (MRR@k once averaged), else 0.0."""
    _check_k(k)
    relevant = _relevance(ranked, gold)[:k]
    return 1.0 / (relevant.index(True) + 1) if True in relevant else 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 5, n_relevant: int = 1) -> float:
    """nDCG@k with binary gain, as trec_eval/BEIR: DCG = sum rel_i / log2(i + 1) over ranks i <= k.

    The ideal DCG counts every relevant passage of the corpus, retrieved or not, so the caller
    passes `n_relevant`, the index's passage count for the gold group (2 for the duplicated Adam
    question when each copy is one chunk). More gold passages in `ranked` than `n_relevant`
    means the count is wrong, and raises rather than scoring above the true value.

    >>> ndcg_at_k(["other", "Gold?"], {"gold"}, k=5)  # 1 / log2(3)
    0.6309297535714575
    """
    _check_k(k)
    if n_relevant < 1:
        raise ValueError(f"Expected n_relevant >= 1, got {n_relevant}")
    relevant = _relevance(ranked, gold)
    if sum(relevant) > n_relevant:
        raise ValueError(f"Expected at most n_relevant={n_relevant} gold passages in the ranking, got {sum(relevant)}")
    dcg = sum(1.0 / math.log2(rank + 2) for rank, rel in enumerate(relevant[:k]) if rel)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(n_relevant, k)))
    return dcg / ideal


# ---------------------------------------------------------------- answers vs references


def _references(reference: References) -> list[str]:
    refs = [reference] if isinstance(reference, str) else list(reference)
    if not refs:
        raise ValueError("Expected at least one reference, got none")
    return refs


def _normalize_answer(text: str) -> str:
    """SQuAD/ALCE `normalize_answer`: lowercase, drop punctuation, drop articles, fix whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _f1(prediction: str, reference: str) -> float:
    pred = _normalize_answer(prediction).split()
    gold = _normalize_answer(reference).split()
    if not pred or not gold:
        return float(pred == gold)
    same = sum((Counter(pred) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, reference: References) -> float:
    """ALCE `compute_f1` (SQuAD token F1), max over references; `[n]` markers are not content.

    Markers are removed from both sides (code like `shape[1]` loses its `[1]` on both alike).
    """
    prediction = MARKER.sub(" ", prediction)
    return max(_f1(prediction, MARKER.sub(" ", ref)) for ref in _references(reference))


@lru_cache(maxsize=1)
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str, reference: References) -> float:
    """ROUGE-L F-measure (Porter stemmer, no bootstrap aggregator), max over references."""
    prediction = MARKER.sub(" ", prediction)
    scorer = _rouge_scorer()
    return max(scorer.score(MARKER.sub(" ", ref), prediction)["rougeL"].fmeasure for ref in _references(reference))


def cosine(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine similarity of two embeddings; a zero vector scores 0.0 rather than NaN."""
    u, v = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if u.shape != v.shape:
        raise ValueError(f"Expected vectors of one shape, got {u.shape} and {v.shape}")
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.dot(u, v) / norm) if norm else 0.0


# ---------------------------------------------------------------- citations


def _cited(answer: Answer) -> dict[int, Passage]:
    return {citation.n: citation.passage for citation in answer.citations}


def citation_validity(answer: Answer) -> float:
    """Share of `[n]` markers in the text that resolve to a Citation whose passage was shown.

    "Shown" means the passage id is in `answer.passages`. An answer without markers scores 1.0:
    nothing dangles, and missing citations are what `sentence_coverage` and `gold_cited` measure.
    The regression test holds this at exactly 1.000.
    """
    found = markers(answer.text)
    if not found:
        return 1.0
    shown = {passage.id for passage in answer.passages}
    cited = _cited(answer)
    return sum(n in cited and cited[n].id in shown for n in found) / len(found)


def gold_cited(answer: Answer, gold: Iterable[str]) -> float:
    """1.0 if at least one citation points at a passage of the gold group (label citation recall)."""
    gold = frozenset(gold)
    if not gold:
        raise ValueError("Expected a non-empty gold set, got none")
    return float(any(question_key(c.passage.question) in gold for c in answer.citations))


def citation_precision(answer: Answer, gold: Iterable[str]) -> float:
    """Citations into the gold group / all citations; an answer without citations scores 0.0."""
    gold = frozenset(gold)
    if not gold:
        raise ValueError("Expected a non-empty gold set, got none")
    if not answer.citations:
        return 0.0
    return sum(question_key(c.passage.question) in gold for c in answer.citations) / len(answer.citations)


def sentence_coverage(answer: Answer) -> float:
    """Share of sentences with at least one marker (ALCE's recall precondition); empty text is 0.0."""
    parts = statements(answer.text)
    return sum(bool(markers(s)) for s in parts) / len(parts) if parts else 0.0


def statements(text: str) -> list[str]:
    """The claims an answer makes, as the coverage and support metrics count them: its sentences,
    except that a `> ` quote is one claim under its one trailing citation, and the line that
    introduces it ('The article answers "...":') is an attribution, not a claim."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("> ")), None)
    if start is None:
        return sentences(text)
    intro = "\n".join(line for line in lines[:start] if line.strip())
    head = [] if intro.endswith(":") else sentences(intro)
    quote = " ".join(line[2:] for line in lines[start:] if line.startswith("> "))
    rest = "\n".join(line for line in lines[start:] if line.strip() and not line.startswith("> "))
    return [*head, quote, *sentences(rest)]


def support_rate(answer: Answer, tau: float) -> float:
    """Share of sentences whose `support` against their cited passages' joined text is >= tau.

    A sentence without a marker, or whose markers resolve to nothing, is unsupported.
    """
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"Expected 0 <= tau <= 1, got {tau}")
    parts = statements(answer.text)
    if not parts:
        return 0.0
    cited = _cited(answer)
    supported = 0
    for sentence in parts:
        texts = [cited[n].text for n in dict.fromkeys(markers(sentence)) if n in cited]
        if texts and support(sentence, "\n".join(texts)) >= tau:
            supported += 1
    return supported / len(parts)


def _answer_words(text: str) -> list[str]:
    return words(MARKER.sub(" ", text))


def answer_words(answer: Answer) -> int:
    """Words the user reads, markers excluded: the length half of the shortcut guard."""
    return len(_answer_words(answer.text))


def copy_share(answer: Answer, passages: Sequence[Passage]) -> float:
    """Longest verbatim word run shared with any one passage / answer words (ALCE Table 12 guard).

    Words are lowercase alphanumerics (`common.text.words`), so bold, bullets and markers do not
    break a run. A passage pasted whole scores 1.0; an empty answer or no passages score 0.0.
    """
    mine = _answer_words(answer.text)
    if not mine or not passages:
        return 0.0
    longest = 0
    for passage in passages:
        theirs = words(passage.text)
        matcher = SequenceMatcher(None, mine, theirs, autojunk=False)
        longest = max(longest, matcher.find_longest_match(0, len(mine), 0, len(theirs)).size)
    return longest / len(mine)


# ---------------------------------------------------------------- the answer as text

WRITTEN = frozenset({"generated", "repaired"})
REPEAT_JACCARD = 0.8  # content-token Jaccard at which a sentence counts as a repeat
REPEAT_MIN_TOKENS = 4  # shorter sentences only repeat by Jaccard, not by containment
_MARKER_AND_SPACE = re.compile(r"\s*" + MARKER.pattern)


def written(answer: Answer) -> float:
    """1.0 if the model wrote the answer (generated, or repaired by the grounding), 0.0 if it was
    quoted from the article (extractive) or refused: with a quote the model's words never reach the user."""
    return float(answer.grounding in WRITTEN)


def completed(answer: Answer) -> float:
    """1.0 if the answer's last sentence is its entry's own, added because the model's answer was thin
    (`bot.complete`): how much of the answer the key facts credit to the article's words rather than the model's."""
    return float(answer.trace is not None and bool(answer.trace.added))


def spoken_text(text: str) -> str:
    """The answer's own words: markers removed, and a quote's framing (the line introducing it and
    the `> ` prefixes) removed, so the words that are compared are the ones that answer."""
    return " ".join(_MARKER_AND_SPACE.sub("", " ".join(statements(text))).split())


def relevance(question_vector: Sequence[float] | np.ndarray, answer_vector: Sequence[float] | np.ndarray) -> float:
    """Answer relevance: cosine between the question's embedding and that of `spoken_text(answer)`.

    RAGAS answer relevancy instead has an LLM write questions back from the answer and averages
    their cosine with the real question. That needs a judge model and inherits its drift and parse
    failures; embedding the answer itself needs nothing but the project embedder and reproduces bit
    for bit. The price: a question and an answer are different kinds of text, so even a good answer
    scores well below 1 (MiniLM: median about 0.7 on the article's questions), and the numbers are
    read against the baseline, not as absolutes.
    An answer about another topic, or one that rambles away from the question, still scores lower.
    """
    return cosine(question_vector, answer_vector)


def repetition(answer: Answer) -> float:
    """1.0 if a sentence repeats an earlier one of the same answer, else 0.0 (a good bot scores 0).

    Sentences are compared by their content tokens (stemmed, no stopwords, no `[n]` markers): a
    repeat has Jaccard >= 0.8, or, when both have at least 4 tokens, one's tokens all appear in the
    other's (a sentence restated with a few words added is still a repeat). Sentences with no
    content token ("Yes.") are skipped.
    """
    seen: list[frozenset[str]] = []
    for sentence in sentences(answer.text):
        tokens = frozenset(content_tokens(sentence))
        if not tokens:
            continue
        for earlier in seen:
            if len(tokens & earlier) / len(tokens | earlier) >= REPEAT_JACCARD:
                return 1.0
            if min(len(tokens), len(earlier)) >= REPEAT_MIN_TOKENS and (tokens <= earlier or earlier <= tokens):
                return 1.0
        seen.append(tokens)
    return 0.0


# ---------------------------------------------------------------- aggregates


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (linear interpolation, numpy's default), e.g. q=95 for p95 latency."""
    if not len(values):
        raise ValueError("Expected at least one value, got none")
    if not 0 <= q <= 100:
        raise ValueError(f"Expected 0 <= q <= 100, got {q}")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))
