from concurrent.futures import Future

import pytest

from bot.backends.fake import FakeLLM
from bot.ground import Grounded, Grounder, SentenceCheck, extractive
from bot.judge import Judge
from bot.policy import GROUNDING
from bot.types import Citation, Passage
from common.embed import FakeEmbedder
from common.text import markers, support


def ground(draft: str, passages: list[Passage], question: str = "") -> Grounded:
    """A grounder without an embedder or term list: the lexical checks alone."""
    return Grounder().ground(draft, passages, question)


DROPOUT = Passage(
    "a",
    "What is Dropout?\n\n* Dropout refers to dropping off some neurons during training to prevent overfitting.",
    "Basics",
    "What is Dropout?",
    0.9,
    (154, 158),
)
STRIDE = Passage(
    "b",
    "What is stride?\n\n* Stride is the number of pixels the filter moves.",
    "CNN",
    "What is stride?",
    0.5,
    (524, 526),
)
SHOWN = [DROPOUT, STRIDE]


def test_a_supported_cited_answer_is_kept_as_generated():
    result = ground("Dropout drops some neurons during training [1].", SHOWN)
    assert result.text == "Dropout drops some neurons during training [1]."
    assert result.citations == [Citation(1, DROPOUT)]
    assert result.grounding == "generated"


def test_markers_to_unshown_passages_are_replaced_by_the_supporting_one():
    result = ground(
        "Dropout drops some neurons during training [1]. Stride is how many pixels the filter moves [7].", SHOWN
    )
    assert (
        result.text == "Dropout drops some neurons during training [1]. Stride is how many pixels the filter moves [2]."
    )
    assert result.grounding == "repaired"


def test_wrong_marker_moves_to_the_passage_that_supports_the_sentence():
    result = ground("Dropout drops neurons during training [2]. The filter moves a number of pixels [1].", SHOWN)
    assert result.text == "Dropout drops neurons during training [1]. The filter moves a number of pixels [2]."


def test_unmarked_sentences_get_a_marker_and_unsupported_ones_are_dropped():
    result = ground("Dropout prevents overfitting by dropping neurons. Bananas are a yellow tropical fruit.", SHOWN)
    assert result.text == "Dropout prevents overfitting by dropping neurons [1]."
    assert result.grounding == "repaired"


def test_kept_share_counts_answer_sentences_only():
    """Echoed questions and fragments are not the model's answer; a non-answer and an unsupported one are."""
    draft = "What is Dropout? Dropout drops neurons during training [1]. Bananas are a yellow tropical fruit."
    assert ground(draft, SHOWN).kept_share == 0.5
    assert ground(draft + " The article does not cover this.", SHOWN).kept_share == pytest.approx(1 / 3)
    assert ground("Dropout drops neurons during training [1].", SHOWN).kept_share == 1.0
    assert ground("I like turtles.", SHOWN).kept_share == 0.0  # quoted instead


def test_answer_relevance_is_the_answers_closeness_to_the_question():
    grounder = Grounder(FakeEmbedder())
    on_topic = grounder.relevance("Dropout drops some neurons during training [1].", "What is dropout?")
    assert on_topic > grounder.relevance("Stride is the number of pixels the filter moves [1].", "What is dropout?")
    assert Grounder().relevance("anything", "What is dropout?") == 1.0  # no embedder: not judged


def test_repeats_and_echoed_questions_are_dropped():
    draft = "What is Dropout? Dropout drops neurons during training [1]. Dropout drops neurons during training [1]."
    assert ground(draft, SHOWN).text == "Dropout drops neurons during training [1]."


def test_passage_headings_the_model_copied_are_not_answer_sentences():
    vs = Passage("c", "Deep learning vs. Machine learning\n\n* Deep learning learns features.", "Basics",
                 "Deep learning vs. Machine learning", 0.9, (1, 3))  # fmt: skip
    draft = "[1] Deep learning vs. Machine learning\n\nDeep learning learns features by itself [1]."
    assert ground(draft, [vs]).text == "Deep learning learns features by itself [1]."


def test_a_heading_that_opens_a_real_sentence_is_kept():
    gd = Passage("d", "Gradient descent\n\n* Gradient descent moves the weights against the gradient.", "Optim",
                 "Gradient descent", 0.9, (1, 3))  # fmt: skip
    answer = "Gradient descent moves the weights against the gradient [1]."
    assert ground(answer, [gd]).text == answer


def test_an_answer_the_best_passage_never_supports_becomes_its_quote():
    draft = "The filter moves a number of pixels at each step [2]."
    assert ground(draft, SHOWN) == extractive(DROPOUT)
    assert ground(draft, [STRIDE, DROPOUT]).text == "The filter moves a number of pixels at each step [1]."


def test_a_quote_leaves_the_entrys_code_to_the_sources_unless_the_entry_is_all_code():
    text = (
        "What is GD?\n\n* Uses the entire dataset.\n\n```python\nweights -= lr * grads\n```\n\n* One update per epoch."
    )
    gd = Passage("gd", text, "Optim", "What is GD?", 0.9, (1, 9))
    code_only = Passage(
        "c", "What is GD?\n\n```python\nweights -= lr * grads\n```", "Optim", "What is GD?", 0.9, (1, 5)
    )

    assert (
        extractive(gd).text
        == 'The article answers "What is GD?":\n\n> Uses the entire dataset. One update per epoch. [1]'
    )
    assert "weights -= lr" in extractive(code_only).text


@pytest.mark.parametrize("draft", ["", "I like turtles.", "The article does not cover this.", "[1] [2]"])
def test_too_little_supported_text_falls_back_to_the_article_quoted(draft):
    result = ground(draft, SHOWN)
    assert result == extractive(DROPOUT)
    assert result.grounding == "extractive"
    assert result.text.startswith('The article answers "What is Dropout?":\n\n> Dropout refers to dropping off')


@pytest.mark.parametrize(
    "draft",
    [
        "Dropout drops neurons [1, 2]. Stride moves the filter [3][4].",
        "Stride is the number of pixels [0]. Dropout prevents overfitting during training [1]",
        "* Dropout drops neurons during training [2]\n* Stride is the pixels the filter moves",
    ],
)
def test_every_marker_in_the_text_resolves_to_a_citation(draft):
    result = ground(draft, SHOWN)
    assert set(markers(result.text)) == {c.n for c in result.citations}
    assert all(result.citations[i].passage is SHOWN[c.n - 1] for i, c in enumerate(result.citations))


ADAM = Passage(
    "adam",
    "What is the difference between Adam and RMSProp?\n\n"
    "* **Adam** computes both the **first-order (gradients)** and **second-order (squared gradients)** moments, "
    "while **RMSProp** only considers squared gradients.\n* A typical learning rate for Adam is 0.001.",
    "Optimizers",
    "What is the difference between Adam and RMSProp?",
    0.9,
    (10, 14),
)
# under the lexical cut (too many words of its own), over the semantic one: the cosine alone can carry it
ADAM_PARAPHRASE = (
    "Adam computes both the first-order (gradients) and second-order (squared gradients) moments, while RMSProp "
    "only considers squared gradients, unlike older classic vanilla stochastic momentum optimizers used everywhere "
    "in practice nowadays across industry labs."
)
TERMS = frozenset({"adam", "rmsprop", "prelu"})


@pytest.mark.parametrize(
    ("sentence", "failed"),
    [
        ("Adam tracks the first and second moments of the gradients, while RMSProp only uses squared gradients.", ()),
        ("A typical learning rate for Adam is 0.01.", ("numbers",)),  # a number the passage does not hold
        ("PReLU computes both the first-order and second-order moments.", ("terms",)),  # a term from elsewhere
        ("Adam does not compute the second-order moments of the gradients.", ("polarity",)),
        (
            "RMSProp computes both first-order and second-order moments, while Adam only considers squared gradients.",
            ("order",),
        ),
        ("Bananas are a yellow tropical fruit.", ("support",)),
    ],
)
def test_each_check_rejects_its_kind_of_wrong_sentence(sentence, failed):
    check = Grounder(terms=TERMS).check(sentence, ADAM, "adam vs rmsprop?")
    assert (check.kept, check.failed) == (not failed, failed)


def test_terms_may_arrive_as_a_future_and_are_read_when_first_needed():
    pending: Future[frozenset[str]] = Future()
    grounder = Grounder(terms=pending)
    pending.set_result(TERMS)

    check = grounder.check("PReLU computes both the first-order and second-order moments.", ADAM, "adam vs rmsprop?")
    assert check.failed == ("terms",)


CBOW = Passage(
    "cbow",
    "What is the difference between the CBOW and Skip-gram model?\n\n"
    "* **CBOW (Continuous Bag of Words)**: Predicts a target word given its surrounding words.\n\n"
    "* **Skip-gram**: Predicts surrounding words given a target word.",
    "Word embeddings",
    "What is the difference between the CBOW and Skip-gram model?",
    0.9,
    (20, 24),
)


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        (
            "CBOW predicts a target word from its surrounding words, while Skip-gram predicts the surrounding words.",
            True,
        ),
        ("Skip-gram predicts the surrounding words of a given target word.", True),
        (
            "Skip-gram predicts a target word from its surrounding words, while CBOW predicts the surrounding words.",
            False,
        ),
    ],
)
def test_saying_of_one_term_what_the_passage_says_of_the_other_fails_on_word_order(sentence, kept):
    check = Grounder().check(sentence, CBOW, "cbow vs skip-gram?")  # the same words either way: only order differs
    assert (check.kept, check.failed) == (kept, () if kept else ("order",))


GENERATIVE = Passage(
    "generative",
    "What are generative models?\n\n"
    "Generative models learn the probability distribution of the data and generate new data points.\n\n"
    "**Examples:**\n\n"
    "* **Variational Autoencoders (VAEs)**:\n\n"
    "    * Learn latent space representation of data\n\n"
    "    * Generate new samples by sampling from latent space\n\n"
    "* **Generative Adversarial Networks (GANs)**:\n\n"
    "    * Two networks: generator and discriminator\n\n"
    "    * Generator creates new samples; discriminator distinguishes real from generated\n\n"
    "* **Autoregressive Models**:\n\n"
    "    * Generate sequences by modeling conditional probability of each feature\n\n"
    "    * Examples: PixelCNN, WaveNet\n\n"
    "**Applications**:\n\n"
    "* Image generation\n\n"
    "* Text generation\n\n"
    "* Data augmentation\n\n"
    "* Anomaly detection",
    "Generative models",
    "What are generative models?",
    0.9,
    (30, 60),
)


def test_a_list_the_model_copied_as_one_run_on_sentence_is_not_read_as_swapped_roles():
    copied = (  # the 0.5B's copy of the list above: each clause names several bold terms, so none is judged by order
        "Examples: Variational Autoencoders (VAEs): Learn latent space representation of data Generate new samples by "
        "sampling from latent space Generative Adversarial Networks (GANs): Two networks: generator and discriminator "
        "Generator creates new samples; discriminator distinguishes real from generated Autoregressive Models: Generate "
        "sequences by modeling conditional probability of each feature Examples: PixelCNN, WaveNet Applications: Image "
        "generation Text generation Data augmentation Anomaly detection"
    )
    check = Grounder().check(copied, GENERATIVE, "Give me a few kinds of models that can synthesize new data.")
    assert (check.kept, check.failed) == (True, ())


def test_a_sentence_that_restates_an_earlier_one_is_a_repeat():
    earlier = ["Adam computes the first-order and second-order moments."]
    check = Grounder().check("Adam computes both first-order and second-order moments [1].", ADAM, "", earlier)
    assert check == SentenceCheck(False, ("repeat",))


def test_an_off_topic_sentence_is_dropped_by_relevance_with_an_embedder():
    grounder = Grounder(FakeEmbedder())
    answer = grounder.ground(
        "Adam only considers squared gradients [1]. Gradients first computes the order [1].", [ADAM], "adam?"
    )
    assert answer.text == "Adam only considers squared gradients [1]."


def test_a_detail_of_the_passage_is_on_topic_though_it_reads_unlike_the_title():
    shift = Passage("s", "What is internal covariate shift?\n\n* Activations drift as weights change.\n"
                    "* This can be avoided by applying batch normalization.", "Basics",
                    "What is internal covariate shift?", 0.9, (1, 4))  # fmt: skip
    grounder = Grounder(FakeEmbedder())
    detail = "This can be avoided by applying batch normalization."

    assert grounder.check(detail, shift, "What is internal covariate shift?").kept
    assert grounder.check("Bananas grow in warm tropical places.", shift, "What is covariate shift?").failed


def test_a_paraphrase_the_words_miss_is_kept_on_meaning():
    """Lexical support alone drops it; the semantic signal keeps it (here the bag-of-words fake embedder)."""
    sentence = ADAM_PARAPHRASE
    assert 0.4 <= support(sentence, ADAM.text) < 0.6  # under the lexical cut, over the semantic floor
    assert Grounder().check(sentence, ADAM, "") == SentenceCheck(False, ("support",))
    assert Grounder(FakeEmbedder()).semantic(sentence, ADAM) >= 0.75
    assert Grounder(FakeEmbedder()).check(sentence, ADAM, "").kept


def judged(scores: dict[str, float], cut: float = 0.5) -> tuple[Grounder, FakeLLM]:
    """A grounder whose judge is the fake LLM giving each statement its score in `scores` (0 if absent)."""
    llm = FakeLLM(judgement=lambda passage, statement: scores.get(statement, 0.0))
    return Grounder(judge=Judge(llm, cut)), llm


def test_with_a_judge_its_p_yes_decides_and_the_word_rules_stay_out():
    true = "Dropout switches off random units while training, which guards against overfitting."
    swapped = "Overfitting switches off random units while training, which guards against dropout."
    grounder, llm = judged({true: 0.9, swapped: 0.1})
    assert grounder.check(true, DROPOUT, "").kept  # lexical support alone would drop it (other words)
    assert grounder.check(swapped, DROPOUT, "") == SentenceCheck(False, ("judge",))
    # The kept sentence is also asked turned around (`flip`; it scores lower); the rejected one is not.
    assert [s for _, s in llm.judged] == [true, true.replace("overfitting", "underfitting"), swapped]
    assert Grounder().check(true, DROPOUT, "") == SentenceCheck(False, ("support",))  # the words alone drop it


def test_a_yes_short_of_sure_stands_only_with_the_passages_words_behind_it():
    made_up = "Dropout speeds up inference on mobile phones."  # on topic, and the passage says nothing of it
    restated = "Dropout drops some neurons during training."
    assert GROUNDING.judge_cut <= 0.8 < GROUNDING.judge_sure
    grounder, _ = judged({made_up: 0.8, restated: 0.8}, cut=GROUNDING.judge_cut)
    assert grounder.check(made_up, DROPOUT, "") == SentenceCheck(False, ("judge",))
    assert grounder.check(restated, DROPOUT, "").kept
    sure, _ = judged({made_up: GROUNDING.judge_sure}, cut=GROUNDING.judge_cut)
    assert sure.check(made_up, DROPOUT, "").kept  # a sure judge needs nothing else


def test_beside_the_judge_the_passages_words_count_and_the_embedders_cosine_does_not():
    """The cosine carries a paraphrase only where no judge reads it (it rejected less on the grounding set's dev half)."""
    sentence = ADAM_PARAPHRASE
    llm = FakeLLM(judgement=lambda passage, statement: 0.8)
    with_cosine = Grounder(FakeEmbedder(), judge=Judge(llm, GROUNDING.judge_cut))

    assert (
        with_cosine.semantic(sentence, ADAM) >= GROUNDING.semantic and support(sentence, ADAM.text) < GROUNDING.support
    )
    assert with_cosine.check(sentence, ADAM, "") == SentenceCheck(False, ("judge",))


def test_a_verbatim_sentence_of_the_passage_is_kept_without_asking_the_judge():
    grounder, llm = judged({})
    assert grounder.check("Stride is the number of pixels the filter moves [2].", STRIDE, "").kept
    assert llm.judged == []


def test_the_judge_is_asked_about_the_sentences_own_passage_first():
    first, second = (
        "Dropout switches off random units in training.",
        "The filter moves by that many pixels, the stride.",
    )
    grounder, llm = judged({first: 0.9, second: 0.8})
    result = grounder.ground(f"{first[:-1]} [1]. {second[:-1]} [2].", SHOWN, "dropout and stride")
    assert result.judge == "fake" and result.citations == [Citation(1, DROPOUT), Citation(2, STRIDE)]
    assert [(p.split("?")[0], s) for p, s in llm.judged] == [("What is Dropout", first), ("What is stride", second)]


def test_an_answer_does_not_open_on_this_when_what_it_points_to_was_dropped():
    claim = "Dropout is turned off in gradient checking because it drops neurons."
    copied = "This prevents overfitting, since dropout drops off some neurons during training."
    second = "Dropout refers to dropping off some neurons during training to prevent overfitting."
    grounder, _ = judged({claim: 0.1, copied: 0.95, second: 0.95})
    result = grounder.ground(f"{claim} {copied} {second}", [DROPOUT], "Why turn dropout off in gradient checking?")
    assert result.text == f"{second[:-1]} [1]."
    assert [j.failed for j in result.judgements] == [("judge",), ("dangling",), ()]


def test_a_code_block_run_into_a_sentence_is_left_to_the_sources():
    text = (
        "What is an activation function?\n\nIt introduces non-linearity into the network.\n\n"
        "```python\nimport numpy as np\n# squashes every input into the range from 0 to 1\ndef sigmoid(x):\n"
        "    return 1 / (1 + np.exp(-x))\n```"
    )
    activation = Passage("a", text, "Basics", "What is an activation function?", 0.9, (1, 9))
    prose = "It introduces non-linearity into the network."
    code = "Python Code Example: python import numpy as np def sigmoid(x): return 1 / (1 + np.exp(-x))."
    grounder, _ = judged({prose: 0.95, code: 0.95})

    result = grounder.ground(f"{prose[:-1]} [1]. {code[:-1]} [1].", [activation], "What is an activation function?")

    assert result.text == f"{prose[:-1]} [1]."
    assert [j.failed for j in result.judgements] == [(), ("code",)]
    assert result.kept_share == 1.0  # copied code is noise, not a false claim: it does not count against the draft
    said = "The sigmoid squashes every input into the range from 0 to 1."  # as the code's comment says it
    assert grounder.ground(f"{said[:-1]} [1].", [activation], "What does sigmoid do?").text == f"{said[:-1]} [1]."


def test_a_copy_that_runs_into_the_prompts_cut_of_its_passage_is_left_out():
    kept = "Dropout refers to dropping off some neurons during training."
    grounder, _ = judged({kept: 0.95})

    result = grounder.ground(f"{kept} The modified loss ...", [DROPOUT], "What is dropout?")

    assert result.text == f"{kept[:-1]} [1]."
    assert [j.failed for j in result.judgements] == [(), ("unfinished",)] and result.kept_share == 1.0


def test_the_second_half_of_a_pair_is_no_repeat():
    pair = Passage(
        "s",
        "Sigmoid vs. Tanh\n\nSigmoid scales the value between 0 and 1, centered at 0.5. "
        "Tanh scales the value between -1 and 1, centered at 0.",
        "Basics",
        "Sigmoid vs. Tanh",
        0.9,
        (1, 3),
    )
    draft = (
        "Sigmoid scales the value between 0 and 1, centered at 0.5 [1]. "
        "Tanh scales the value between -1 and 1, centered at 0 [1]."
    )
    assert ground(draft, [pair]).text == draft
    once = "Sigmoid scales the value between 0 and 1, centered at 0.5 [1]."
    assert ground(f"{once} {once}", [pair]) == Grounded(once, [Citation(1, pair)], "repaired")  # a real repeat goes


ACTIVATIONS = Passage(
    "c",
    "Name a few activation functions\n\n"
    "* Sigmoid maps inputs to a range between 0 and 1.\n* Sigmoid suits binary classification outputs.\n"
    "* ReLU outputs the input when positive, else zero.\n* ReLU addresses the vanishing gradient problem.\n"
    "* Tanh maps inputs to a range between -1 and 1.\n* Tanh is often used in hidden layers.\n"
    "* Softmax turns scores into class probabilities.\n\n"
    "```python\nimport numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n```",
    "Basics",
    "Name a few activation functions",
    0.9,
    (10, 20),
)
FOUR = (
    "Sigmoid maps inputs to a range between 0 and 1. Sigmoid suits binary classification outputs. "
    "ReLU outputs the input when positive, else zero. ReLU addresses the vanishing gradient problem. "
)


def test_an_answer_going_on_through_the_top_entry_keeps_up_to_six_sentences():
    draft = FOUR + "Tanh maps inputs to a range between -1 and 1. Tanh is often used in hidden layers. "
    result = ground(draft + "Softmax turns scores into class probabilities.", [ACTIVATIONS, STRIDE])

    assert len(markers(result.text)) == GROUNDING.most_top_sentences == 6
    assert "Tanh is often used in hidden layers [1]." in result.text
    assert "Softmax" not in result.text


def test_past_four_sentences_an_answer_stops_where_it_turns_to_another_entry_or_to_code():
    shown = [ACTIVATIONS, STRIDE]
    other = ground(
        FOUR + "Stride is the number of pixels the filter moves [2]. Tanh is often used in hidden layers.", shown
    )
    code = ground(FOUR + "Example: python import numpy as np def sigmoid(x): return 1 / (1 + np.exp(-x)).", shown)
    unstated = ground(FOUR + "Bananas are a yellow tropical fruit. Tanh is often used in hidden layers.", shown)

    for result in (other, code, unstated):
        assert len(markers(result.text)) == GROUNDING.most_sentences == 4
        assert result.grounding == "repaired"
    assert unstated.kept_share == 1.0  # where the answer stopped is not a sentence the checks dropped


WORD2VEC = Passage(
    "w",
    "What is the difference between CBOW and Skip-gram?\n\n* **CBOW**: Predicts a target word given its surrounding"
    " words.\n* **Skip-gram**: Predicts surrounding words given a target word.",
    "NLP",
    "What is the difference between CBOW and Skip-gram?",
    0.9,
    (1, 4),
)


def test_a_sentence_truer_of_the_other_contrasted_term_is_dropped():
    """The judge says yes to both halves of a swap alone; asked about both versions, it prefers the right one."""
    wrong, right = "Skip-gram predicts a target word from its context.", "CBOW predicts a target word from its context."
    grounder, llm = judged({wrong: 0.95, right: 0.99}, cut=GROUNDING.judge_cut)
    assert grounder.check(wrong, WORD2VEC, "") == SentenceCheck(False, ("contrast",))
    assert grounder.check(right, WORD2VEC, "").kept
    assert {s for _, s in llm.judged} == {wrong, right}


def test_a_contrast_within_the_margin_keeps_the_sentence():
    wrong, right = "Skip-gram predicts a target word from its context.", "CBOW predicts a target word from its context."
    grounder, _ = judged({wrong: 0.95, right: 0.95 + GROUNDING.contrast_margin / 2}, cut=GROUNDING.judge_cut)
    assert grounder.check(wrong, WORD2VEC, "").kept


def test_a_sentence_the_judge_finds_truer_with_its_negation_dropped_is_dropped():
    """Alone, "does not" scores nearly as high as the passage's own claim; beside it, clearly lower."""
    wrong, flip = "Dropout does not reduce overfitting.", "Dropout does reduce overfitting."
    grounder, llm = judged({wrong: 0.8, flip: 0.8 + 2 * GROUNDING.flip_margin}, cut=GROUNDING.judge_cut)
    assert grounder.check(wrong, DROPOUT, "") == SentenceCheck(False, ("flip",))
    assert {s for _, s in llm.judged} == {wrong, flip}


def test_a_flip_within_the_margin_or_below_keeps_the_sentence():
    right, flip = "Dropout makes overfitting less likely.", "Dropout makes overfitting more likely."
    close, _ = judged({right: 0.9, flip: 0.9 + GROUNDING.flip_margin / 2}, cut=GROUNDING.judge_cut)
    lower, _ = judged({right: 0.9, flip: 0.2}, cut=GROUNDING.judge_cut)
    assert close.check(right, DROPOUT, "").kept
    assert lower.check(right, DROPOUT, "").kept


def test_a_sentence_the_judge_is_nearly_certain_of_costs_no_flip():
    """No version can score the margin above a p(yes) past 1 - margin, so none is asked."""
    right = "Dropout makes overfitting less likely."
    grounder, llm = judged({right: 1 - GROUNDING.flip_margin / 2}, cut=GROUNDING.judge_cut)
    assert grounder.check(right, DROPOUT, "").kept
    assert [s for _, s in llm.judged] == [right]


def entry(question: str, answer: str) -> Passage:
    """An article entry as the index holds it: its question, then its answer."""
    return Passage(question[:8], f"{question}\n\n{answer}", "S", question, 0.9, (1, 3))


def test_a_count_the_passage_never_gives_is_dropped_though_the_judge_says_yes():
    """The judge knows the world as well as its passage: it says yes to a true count the entry does not make."""
    passage = entry(
        "How does CycleGAN differ from other types of GANs?", "* **CycleGAN** maps data from one domain to another."
    )
    counted = "CycleGAN trains two generators and two discriminators."
    grounder, _ = judged({counted: 0.97}, cut=GROUNDING.judge_cut)
    assert grounder.check(counted, passage, "How many generators does CycleGAN train?") == SentenceCheck(
        False, ("numbers",)
    )


def test_a_copied_clause_with_a_scale_word_reversed_is_dropped_though_the_judge_says_yes():
    """Nearly every word is the passage's, so the judge says yes to "high" as to "small"; the copy gives it away."""
    passage = entry(
        "What happens when the learning rate is small and large?",
        "* A **small learning rate** results in very small steps, slowing down convergence.\n"
        "* A **large learning rate** can overshoot the global minimum.",
    )
    wrong = "A high learning rate results in very small steps, slowing down convergence."
    grounder, _ = judged({wrong: 0.97}, cut=GROUNDING.judge_cut)
    assert grounder.check(wrong, passage, "") == SentenceCheck(False, ("order",))


def test_a_near_verbatim_sentence_is_kept_whatever_the_other_term_scores():
    """The judge leans to the term its passage lists first: asked, it would drop the entry's own Skip-gram sentence."""
    copied = "Skip-gram predicts surrounding words given a target word."
    grounder, llm = judged({copied: 0.969, "CBOW predicts surrounding words given a target word.": 0.981})
    assert grounder.check(copied, WORD2VEC, "").kept
    assert llm.judged == []


def test_list_items_the_draft_ran_together_are_separated_in_the_answer():
    causes = Passage(
        "c",
        "Why does loss go NaN?\n\n* High learning rate\n* The gradient blowing up\n* Improper loss function",
        "Training",
        "Why does loss go NaN?",
        0.9,
        (1, 5),
    )

    result = ground(
        "Loss goes NaN from: High learning rate The gradient blowing up Improper loss function [1].", [causes]
    )

    assert result.text == "Loss goes NaN from: High learning rate, The gradient blowing up, Improper loss function [1]."
