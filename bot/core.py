"""The `Bot`: question in, short cited answer grounded in the article out.

Flow: clean -> rewrite follow-ups -> expand (when on) -> retrieve -> scope gate -> prompt -> stream a draft
-> ground it (every `[n]` resolves) -> complete a thin one from its entry -> `Answer`. A tentative verdict is
settled by the grounded draft: shown if it stands, else the closest entry is named as related. Models, index and
BM25 load once per `Bot`.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import cached_property
from typing import Any

from bot import decide
from bot.complete import complete
from bot.decide import Cuts, Verdict
from bot.expand import Expander, expansion_model, expansion_on
from bot.gate import ScopeGate
from bot.ground import Grounded, Grounder, extractive, related
from bot.judge import Judge, load_judge
from bot.lexicon import Lexicon
from bot.llm import LLM, backend, generate, load_llm, model_family
from bot.policy import GROUNDING, Policy, policy_for
from bot.prompt import build_messages, passages_shown
from bot.retrieve import Retriever
from bot.rewrite import History, standalone
from bot.types import Answer, Outcome, Passage, Ranked, Status, Trace
from bot.word_rules import article_terms
from common.embed import Embedder, FakeEmbedder, SentenceTransformerEmbedder, load_embedder
from common.embed_presets import EMBED_PRESETS
from common.errors import BotError
from common.settings import Settings
from common.text import content_tokens
from ingest.store import open_index, published_version

LOOKING_UP = "looking up …"
CHECKING = "not sure the article covers this: checking the answer against it …"
REFUSAL = "The article does not cover this."
EMPTY = "Please type a question about deep learning."
RANKED = 10  # passages a trace keeps ranked (the eval's MRR@10 reads them); the top `top_k` are shown


class Bot:
    """Answers deep-learning questions from the indexed article, with numbered citations.

        >>> bot = Bot()                                   # doctest: +SKIP
        >>> answer = bot.ask("Why does my loss become NaN?")  # doctest: +SKIP
        >>> answer.citations[0].passage.question          # doctest: +SKIP
        'What could be the reason that loss leads to nan during training the network?'

    Any settings field can be overridden by keyword: `Bot(index_dir="x", llm_backend="fake")`.
    The generator starts loading in the background at once; `preload=False` loads it on first use
    instead, for callers that only retrieve.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: LLM | None = None,
        embedder: Embedder | None = None,
        preload: bool = True,
        **overrides: Any,
    ) -> None:
        base = settings or Settings()
        self.settings = Settings(**{**base.model_dump(), **overrides}) if overrides else base
        self._llm = llm
        self._loading: Future[LLM] | None = None
        self._judging: Future[tuple[Judge | None, str]] | None = None
        if preload:  # the models load on their own thread while the index opens: the generator, then the judge
            loader = ThreadPoolExecutor(1, thread_name_prefix="bot-preload")
            if llm is None:
                self._loading = loader.submit(_load_warm, self.settings)
            self._judging = loader.submit(lambda: load_judge(self.settings, self.llm, GROUNDING.judge_cut))
        self.embedder = embedder or load_embedder(self.settings)
        self.policy: Policy = policy_for(self.embedder.name)
        self._expander: Expander | None = None
        self._expands: bool | None = None
        self._reload_lock = threading.Lock()
        self._open_index()
        self.embedder.embed_query("warm-up")  # load the weights now, not on the first question

    def _open_index(self) -> None:
        """Open the published index version and build the in-memory BM25 table and gate over it."""
        store = open_index(self.settings, self.embedder)
        self._version = store.folder
        policy = self.policy
        retriever = Retriever(store, self.embedder, policy.lexical_weight, policy.retrieval, policy.spell_out)
        texts = [p.text for p in retriever.passages]
        vocabulary = set(content_tokens(" ".join(texts)))
        family = self._llm.family if self._llm is not None else model_family(self.settings)
        self.cuts = Cuts(self.policy.scope, family, self.settings.gate_threshold, self.settings.gate_floor)
        gate = ScopeGate(vocabulary, self.policy.scope, Lexicon(texts, self.policy.lexicon))
        self.retriever, self.gate = retriever, gate
        # the term list is needed only once a draft is checked: it is built while the model loads
        terms = ThreadPoolExecutor(1, thread_name_prefix="bot-terms").submit(article_terms, retriever.passages)
        self.grounder = Grounder(self._checker, terms, lambda: self._loaded_judge()[0])

    def _loaded_judge(self) -> tuple[Judge | None, str]:
        """The judge and its notice: the preloaded one, or (`preload=False`) loaded now, on first use."""
        if self._judging is None:
            with self._reload_lock:
                if self._judging is None:
                    done: Future[tuple[Judge | None, str]] = Future()
                    done.set_result(load_judge(self.settings, self.llm, GROUNDING.judge_cut))
                    self._judging = done
        return self._judging.result()

    @cached_property
    def _checker(self) -> Embedder:
        """The embedder of the meaning checks: MiniLM, whose cosines the grounding cuts were set on, whichever
        embedder retrieves; a MiniLM or fake retrieval embedder (tests) serves both. Judged by name, so a
        wrapper such as the eval's cache counts as the embedder it wraps."""
        if self.embedder.name in (EMBED_PRESETS["minilm"].label, FakeEmbedder.name):
            return self.embedder
        return SentenceTransformerEmbedder()

    @property
    def judge(self) -> Judge | None:
        """The model that judges answer sentences (`BOT_JUDGE_MODEL`); None when word rules check them."""
        return self.grounder.judge

    @property
    def judge_notice(self) -> str:
        """Why there is no judge ("" when there is one), for the status line."""
        return self._loaded_judge()[1]

    def refresh(self) -> bool:
        """Switch to a newer published index version if a re-ingest made one (True); running questions keep theirs."""
        if self.settings.chroma_url or published_version(self.settings) == self._version:
            return False
        with self._reload_lock:
            if published_version(self.settings) != self._version:
                self._open_index()
                return True
        return False

    @property
    def llm(self) -> LLM:
        """The generator: the one preloading in the background, or loaded now (`preload=False`).

        Raises:
            ModelMissing, BackendUnavailable: the model could not be loaded (also when it was preloading).
        """
        if self._llm is None:
            self._llm = self._loading.result() if self._loading is not None else load_llm(self.settings)
        return self._llm

    @property
    def expands(self) -> bool:
        """Whether questions are expanded before retrieval (`BOT_QUERY_EXPANSION`, resolved once)."""
        if self._expands is None:
            self._expands = expansion_on(self.settings, lambda: self.llm, gpu=_gpu_offload(self.settings))
        return self._expands

    @property
    def expander(self) -> Expander:
        """The expansion writer: the answer model, or its own model when `expansion_model` names one."""
        if self._expander is None:
            model = expansion_model(self.settings)
            llm = (
                self.llm if model is None else load_llm(Settings(**{**self.settings.model_dump(), "llm_model": model}))
            )
            self._expander = Expander(llm, self.settings.expansion_tokens)
        return self._expander

    def expand(self, question: str) -> str:
        """What retrieval adds to `question`: the expander's short answer, or "" when expansion is off."""
        return self.expander.expand(question) if self.expands and question.strip() else ""

    @property
    def prompt_passages(self) -> int:
        """How many of the retrieved passages the prompt shows (the setting, or the model family's own)."""
        return passages_shown(self.llm.family, self.settings.prompt_passages)

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        """The `k` passages that best match `question`, best first, repeats collapsed.

        Args:
            question: free text; control characters are removed.
            k: how many passages.
        """
        self.refresh()
        query = clean_question(question, self.settings.max_question_chars)[0]
        return [hit.passage for hit in self.retriever.search(query, k, self.expand(query))]

    def ask(self, question: str, history: History | None = None) -> Answer:
        """A checked answer; its text's `[n]` markers all resolve to `Answer.citations`.

        Args:
            question: the user's question.
            history: earlier (user, assistant) turns, for follow-ups like "and how do I fix it?".

        Raises:
            BackendUnavailable: the LLM backend failed (server down, model crashed).
        """
        final = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(self, question: str, history: History | None = None) -> Iterator[str | Status | Answer]:
        """Yield draft text as it is generated, then the final, checked `Answer`.

        A `Status` comes first when a slow stage runs before the draft (query expansion), and when the
        gate is unsure: then the draft is held back and only the final `Answer` follows, since it may be
        a refusal.

        The final answer can differ from the draft (unsupported sentences removed, markers
        fixed, or the article's answer quoted); `Answer.grounding` says which happened, and `Answer.trace`
        holds the whole pass. What the user gets is decided by `bot.decide`, before and after the draft.
        """
        started = time.perf_counter()
        self.refresh()
        retriever, gate, cuts = self.retriever, self.gate, self.cuts
        timings: dict[str, float] = {}
        text, notice = clean_question(question, self.settings.max_question_chars)
        if decide.empty(text):
            verdict = decide.before(text, None, cuts)
            outcome = decide.after(verdict, None, cuts)
            trace = Trace(text, decision=verdict.decision, reason=verdict.reason, outcome=outcome)
            yield EMPTY
            yield Answer(EMPTY, outcome=outcome, grounding="refused", question=question, trace=trace)
            return
        tick = time.perf_counter()
        query = standalone(text, history)
        timings["rewrite"] = time.perf_counter() - tick
        expansion = ""
        if self.expands:
            yield Status(LOOKING_UP)
            tick = time.perf_counter()
            expansion = self.expand(query)
            timings["expand"] = time.perf_counter() - tick
        tick = time.perf_counter()
        ranked = retriever.search(query, RANKED, expansion, follow_up=text if query != text else "")
        hits = ranked[: self.settings.top_k]
        timings["retrieve"] = time.perf_counter() - tick
        tick = time.perf_counter()
        verdict = decide.before(query, gate.confidence(query, hits), cuts, gate.unknown(query), gate.variant(query))
        timings["gate"] = time.perf_counter() - tick
        looked: float | None = None
        if self._looks_again(verdict):
            yield Status(LOOKING_UP)
            tick = time.perf_counter()
            looked = self._expanded_cosine(query, expansion)
            verdict = decide.second_look(verdict, looked, cuts)
            timings["second_look"] = time.perf_counter() - tick
        passages = [h.passage for h in hits]
        trace = Trace(
            text,
            query,
            expansion,
            tuple(Ranked(h.passage.id, h.passage.question, h.dense, h.lexical) for h in ranked),
            verdict.decision,
            verdict.confidence,
            verdict.reason,
            looked,
        )
        base = {
            "question": question,
            "standalone_question": query,
            "passages": passages,
            "notice": notice,
            "expansion": expansion,
        }
        if not verdict.drafts:
            outcome = decide.after(verdict, None, cuts)
            timings["total"] = time.perf_counter() - started
            answer = _reply(outcome, passages, timings, base, replace(trace, outcome=outcome))
            yield answer.text
            yield answer
            return
        llm = self.llm
        shown = passages[: passages_shown(llm.family, self.settings.prompt_passages, query, [h.dense for h in hits])]
        messages = build_messages(query, shown, llm.family)
        if verdict.tentative:
            yield Status(CHECKING)
        tick = time.perf_counter()
        pieces: list[str] = []
        for piece in llm.stream(messages, max_tokens=self.settings.max_tokens, temperature=self.settings.temperature):
            if not pieces:
                timings["first_token"] = time.perf_counter() - tick
            pieces.append(piece)
            if not verdict.tentative:
                yield piece
        timings["generate"] = time.perf_counter() - tick
        tick = time.perf_counter()
        draft = "".join(pieces)
        checked, outcome = self._settle(draft, shown, query, verdict, cuts)
        timings["ground"] = time.perf_counter() - tick
        first_draft = ""
        writer = self._second_writer(llm) if decide.drafts_again(verdict, outcome) else None
        if writer is not None:
            tick = time.perf_counter()
            first_draft, llm = draft, writer
            messages = build_messages(query, shown, llm.family)
            draft = generate(llm, messages, max_tokens=self.settings.max_tokens, temperature=self.settings.temperature)
            checked, outcome = self._settle(draft, shown, query, verdict, cuts)
            timings["second_draft"] = time.perf_counter() - tick
        if outcome == "answered":
            checked = complete(checked, shown[0], query)
        timings["total"] = time.perf_counter() - started
        trace = replace(
            trace,
            draft=draft,
            judgements=checked.judgements,
            outcome=outcome,
            first_draft=first_draft,
            added=checked.added,
        )
        if outcome != "answered":
            yield _reply(outcome, shown, timings, base, trace, draft=draft, model=llm.name)
            return
        yield Answer(
            checked.text,
            checked.citations,
            timings=timings,
            grounding=checked.grounding,
            draft=draft,
            model=llm.name,
            judge=checked.judge,
            trace=trace,
            **base,
        )

    def _settle(
        self, draft: str, shown: list[Passage], query: str, verdict: Verdict, cuts: Cuts
    ) -> tuple[Grounded, Outcome]:
        """`draft` checked against the passages it was shown, and what the user gets from it."""
        checked = self.grounder.ground(draft, shown, query) if draft.strip() else extractive(shown[0])
        return checked, decide.after(verdict, checked, cuts, lambda: self.grounder.relevance(checked.text, query))

    def _second_writer(self, llm: LLM) -> LLM | None:
        """The model of a second draft (`BOT_SECOND_DRAFT`): the judge's, when that is another model than `llm`."""
        judge = self.judge if self.settings.second_draft else None
        return judge.llm if judge is not None and judge.llm is not llm else None

    def verdict(self, question: str, second_look: bool = True) -> Verdict:
        """The scope gate's decision for `question` (for the eval and the UI's debug view); without
        `second_look` a refusal is not reconsidered, so no model is loaded (the retrieval-only eval)."""
        self.refresh()
        query = clean_question(question, self.settings.max_question_chars)[0]
        expansion = self.expand(query)
        hits = self.retriever.search(query, self.settings.top_k, expansion)
        verdict = decide.before(
            query, self.gate.confidence(query, hits), self.cuts, self.gate.unknown(query), self.gate.variant(query)
        )
        if second_look and self._looks_again(verdict):
            verdict = decide.second_look(verdict, self._expanded_cosine(query, expansion), self.cuts)
        return verdict

    def _looks_again(self, verdict: Verdict) -> bool:
        """Whether a refusal is reconsidered: on in the settings, and the policy calibrated on the expander."""
        return self.settings.second_look and decide.looks_again(verdict, self.cuts, lambda: self.expander.llm.name)

    def _expanded_cosine(self, query: str, expansion: str) -> float:
        """What the second look reads: the top cosine of the question plus a closed-book answer (the retrieval
        expansion, if it ran)."""
        return self.retriever.top_cosine(f"{query}\n{expansion or self.expander.expand(query)}")

    def with_options(self, **overrides: Any) -> Bot:
        """This bot with per-request settings (`top_k`, `temperature`, `max_tokens`), for the UI.

        The copy shares the models, index and gate; `self` and its settings are left untouched.
        Fields read only at start-up (backends, paths, `gate_threshold`, `gate_floor`) have no effect here.
        """
        if not overrides:
            return self
        self.refresh()  # so the copy starts on the newest index and does not reopen it itself
        clone = copy.copy(self)
        clone._llm = self.llm  # load once, here, so every copy shares one model
        if self.expands or self._expander is not None:
            clone._expander = self.expander
        clone.settings = Settings(**{**self.settings.model_dump(), **overrides})
        return clone


def _reply(
    outcome: Outcome,
    passages: list[Passage],
    timings: dict[str, float],
    base: dict[str, Any],
    trace: Trace,
    **drafted: str,
) -> Answer:
    """The reply `bot.decide` chose when no answer is shown: the refusal, or the closest entry named as the
    closest entry, never as the answer."""
    if outcome == "refused":
        return Answer(REFUSAL, outcome=outcome, timings=timings, grounding="refused", trace=trace, **base, **drafted)
    closest = related(passages[0])
    return Answer(
        closest.text,
        closest.citations,
        outcome=outcome,
        timings=timings,
        grounding="related",
        trace=trace,
        **base,
        **drafted,
    )


def _load_warm(settings: Settings) -> LLM:
    """The generator, with the fixed head of the answer prompt already evaluated where the backend keeps one."""
    llm = load_llm(settings)
    llm.warm(build_messages("", [], llm.family))
    return llm


def _gpu_offload(settings: Settings) -> bool:
    """Whether the generator would run on a GPU here, asked of its backend before it loads."""
    return backend(settings).gpu_offload(settings)


def clean_question(question: object, limit: int) -> tuple[str, str]:
    """Printable text of at most `limit` characters, and a notice when something was changed."""
    if isinstance(question, bytes):
        question = question.decode("utf-8", errors="replace")
    if not isinstance(question, str):
        raise BotError(f"Expected the question as text, got {type(question).__name__}.")
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        return text[:limit], f"Your question was cut to its first {limit} characters."
    return text, ""
