"""The judge: how likely a passage states a sentence, read from a model's yes/no logits.

Asked "Does the passage state this statement, with the same meaning?", Qwen2.5-Coder-1.5B's p(yes) tells
correct from corrupted answer sentences far better than word rules (AUC 0.94-0.97 on
`data/eval/grounding.jsonl`; the 0.5B reaches only 0.75-0.80), so it is the default judge (`BOT_JUDGE_MODEL`).
It is loaded once and shared with generation when it is the same model. A backend that cannot read logits,
or a judge model that is not installed, leaves no judge: the word rules stand in, and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.llm import LLM, generator_preset, load_llm
from bot.policy import GROUNDING
from bot.prompt import judge_messages, judge_prefix
from common.errors import BotError
from common.models import LARGE
from common.settings import Settings

OFF = "off"


@dataclass(frozen=True)
class Judge:
    """A model that scores support, the cut (`bot.policy.GROUNDING.judge_cut`) from which it says yes, and the
    p(yes) (`GROUNDING.judge_sure`) from which its yes needs no other evidence."""

    llm: LLM
    cut: float
    sure_from: float = GROUNDING.judge_sure
    _seen: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.llm.name

    def support(self, passage_text: str, sentence: str) -> float:
        """p(yes) that `passage_text` states `sentence`, with the same meaning; 0.0 if the model gave none."""
        if (passage_text, sentence) not in self._seen:
            if len(self._seen) > 4096:
                self._seen.clear()
            family = self.llm.family
            p = self.llm.p_yes(judge_messages(passage_text, sentence, family), judge_prefix(passage_text, family))
            self._seen[passage_text, sentence] = 0.0 if p is None else p
        return self._seen[passage_text, sentence]

    def forget(self) -> None:
        """Drop the scores kept so far, so the next `support` asks the model again (the bench times it)."""
        self._seen.clear()

    def states(self, passage_text: str, sentence: str) -> bool:
        return self.support(passage_text, sentence) >= self.cut

    def sure(self, passage_text: str, sentence: str) -> bool:
        return self.support(passage_text, sentence) >= self.sure_from


def judge_model(settings: Settings) -> str | None:
    """The judge as a `BOT_LLM_MODEL` value, "" for the answer model itself, or None for no judge.

    `auto` is the 1.5B for llama.cpp (the answer model when that is the 1.5B) and the answer model for
    the other backends, which judge only if they can read logits.
    """
    name = settings.judge_model
    if name == OFF:
        return None
    if name == "auto":
        name = LARGE if settings.llm_backend == "llama_cpp" else ""
    return "" if name in ("", settings.llm_model, generator_preset(settings)) else name


def load_judge(settings: Settings, generator: LLM, cut: float) -> tuple[Judge | None, str]:
    """The judge these settings name (sharing `generator` where it is the same model) and a notice.

    Never raises for a missing or unusable judge: the bot then checks with word rules, and the notice says why.
    """
    model = judge_model(settings)
    if model is None:
        return None, "Answer sentences are checked by word rules only (BOT_JUDGE_MODEL=off)."
    try:
        llm = generator if model == "" else load_llm(Settings(**{**settings.model_dump(), "llm_model": model}))
    except BotError as e:
        return None, f"No judge: {e} Answer sentences are checked by word rules only."
    if llm.p_yes(judge_messages("Dropout drops units.", "Dropout drops units.", llm.family)) is None:
        return None, f"No judge: the {llm.name} backend gives no log-probabilities; word rules check the answers."
    return Judge(llm, cut), ""
