"""The word-level sentence checks, each on a sentence written to trip it and one that should pass."""

from __future__ import annotations

from bot.types import Passage
from bot.word_rules import (
    article_terms,
    contrasted,
    flipped,
    foreign_numbers,
    foreign_terms,
    misplaced,
    narrowed,
    repeats,
    reversed_copy,
    reversed_roles,
    same_polarity,
    swapped,
)
from common.text import stem

ADAM = Passage(
    "p1", "What is Adam?\n\nThe learning rate is usually 0.001 for Adam.", "Optim", "What is Adam?", 0.0, (1, 3)
)
DROPOUT = "Dropout reduces overfitting by dropping units at random."
EPOCHS = "An iteration is one batch. An epoch is all the data."
WORD2VEC = (
    "**CBOW**: Predicts a target word given its surrounding words. "
    "**Skip-gram**: Predicts surrounding words given a target word."
)
SEQ2SEQ = "The encoder reads the source sentence. The decoder writes the translation."


def passage(pid: str, text: str) -> Passage:
    return Passage(pid, text, "S", "", 0.0, (1, 2))


def test_article_terms_are_rare_bold_words_and_skip_common_ones() -> None:
    passages = [
        passage("p0", "**Backpropagation** computes gradients of the **loss**."),
        passage("p1", "Use **Adam** with a small rate."),
        passage("p2", "The **house** is red."),
    ]

    assert article_terms(passages) == {stem("backpropagation"), "adam"}


def test_a_bold_word_in_too_many_passages_is_not_a_term() -> None:
    three = [passage(f"p{i}", f"The **softmax** layer number {i}.") for i in range(3)]
    four = [*three, passage("p3", "Another **softmax** layer.")]

    assert article_terms(three) == {"softmax"}
    assert article_terms(four) == frozenset()
    assert article_terms([]) == frozenset()


def test_a_sentence_restating_another_repeats_it() -> None:
    assert repeats("Dropout randomly drops units during training.", "During training, dropout randomly drops units.")


def test_sentences_on_different_things_do_not_repeat() -> None:
    assert not repeats("Dropout randomly drops units during training.", "Batch norm rescales activations per batch.")
    assert not repeats("", "Dropout drops units.")


def test_a_number_the_passage_lacks_is_foreign() -> None:
    assert foreign_numbers("Adam uses a learning rate of 0.01.", ADAM.text, "What is Adam?") == ["0.01"]


def test_the_passage_number_is_not_foreign() -> None:
    assert foreign_numbers("Adam uses a learning rate of 0.001.", ADAM.text, "What is Adam?") == []


def test_a_spelled_number_is_foreign_unless_the_question_states_it() -> None:
    sentence = "CycleGAN trains two generators and two discriminators."

    assert foreign_numbers(sentence, "CycleGAN maps data from one domain to another.", "What is CycleGAN?") == [
        "2",
        "2",
    ]
    assert foreign_numbers(sentence, "CycleGAN maps data from one domain to another.", "Does it train 2 GANs?") == []


def test_term_shaped_words_are_foreign_terms_and_numbers_are_not() -> None:
    found = foreign_terms("Adam is like RMSprop and uses four moments.", ADAM, "What is Adam?", frozenset())

    assert found == ["RMSprop"]


def test_a_model_name_is_not_a_number_and_a_kernel_size_is_two() -> None:
    vgg = "VGG16 stacks 3x3 convolutions."

    assert foreign_numbers("VGG16 stacks 3x3 convolutions [1].", vgg, "What is VGG16?") == []
    assert foreign_numbers("VGG16 stacks 3x5 convolutions [1].", vgg, "What is VGG16?") == ["5"]


def test_an_article_term_is_foreign_unless_the_question_names_it() -> None:
    terms = frozenset({"momentum"})

    assert foreign_terms("Adam keeps momentum.", ADAM, "What is Adam?", terms) == ["momentum"]
    assert foreign_terms("Adam keeps momentum.", ADAM, "Does Adam keep momentum?", terms) == []


def test_a_faithful_restatement_keeps_the_polarity() -> None:
    assert same_polarity("Dropout reduces overfitting.", DROPOUT)
    assert same_polarity("", DROPOUT)


def test_a_negation_the_passage_lacks_flips_the_polarity() -> None:
    assert not same_polarity("Dropout does not reduce overfitting.", DROPOUT)


def test_an_opposite_direction_word_flips_the_polarity() -> None:
    assert not same_polarity("Dropout increases overfitting.", DROPOUT)
    assert not same_polarity("Dropout reduces underfitting.", DROPOUT)


def test_a_negating_prefix_flips_the_polarity() -> None:
    assert not same_polarity("Dropout is unsupervised.", "Dropout is supervised.")


def test_clauses_trading_their_words_are_swapped() -> None:
    assert swapped("The encoder writes the translation, while the decoder reads the source sentence.", SEQ2SEQ)


def test_clauses_in_the_passage_order_are_not_swapped() -> None:
    assert not swapped("The encoder reads the source sentence, while the decoder writes the translation.", SEQ2SEQ)


def test_saying_of_one_bold_term_what_the_passage_says_of_the_other_reverses_roles() -> None:
    sentence = "CBOW predicts surrounding words from a target word, while Skip-gram predicts a target word from its surrounding words."

    assert reversed_roles(sentence, WORD2VEC)


def test_each_bold_term_with_its_own_description_keeps_its_role() -> None:
    sentence = "CBOW predicts a target word from its surrounding words, while Skip-gram predicts surrounding words from a target word."

    assert not reversed_roles(sentence, WORD2VEC)


def test_a_passage_with_one_bold_term_has_no_roles_to_reverse() -> None:
    skip_gram = "**Skip-gram**: Predicts surrounding words given a target word."

    assert not reversed_roles("CBOW predicts surrounding words from a target word.", skip_gram)


def test_a_term_given_another_terms_definition_is_misplaced() -> None:
    terms = frozenset({stem("iteration"), stem("epoch")})

    assert misplaced("An epoch is one batch.", EPOCHS, terms)
    assert not misplaced("An iteration is one batch.", EPOCHS, terms)


def test_misplaced_reads_only_article_terms() -> None:
    assert not misplaced("An epoch is one batch.", EPOCHS, frozenset())


LEAKY = (
    "* Use the **Leaky ReLU** activation function.\n"
    "* **Leaky ReLU** introduces a small slope for negative values instead of returning 0 for every negative value."
)


def test_saying_of_the_bare_word_what_the_passage_says_of_the_longer_term_narrows_it() -> None:
    terms = frozenset({"relu"})

    assert narrowed("ReLU is used because it introduces a small slope for negative values.", LEAKY, terms)
    assert not narrowed("Leaky ReLU introduces a small slope for negative values.", LEAKY, terms)
    assert not narrowed("Use Leaky ReLU instead of ReLU.", LEAKY, terms)


def test_narrowed_reads_only_article_terms_and_words_the_passage_leaves_bare() -> None:
    assert not narrowed("ReLU introduces a small slope for negative values.", LEAKY, frozenset())
    bare_too = LEAKY + "\n* The **ReLU** returns 0 for negative values."
    assert not narrowed("ReLU introduces a small slope for negative values.", bare_too, frozenset({"relu"}))


def test_contrasted_exchanges_the_one_bold_term_a_sentence_names_for_the_other() -> None:
    assert contrasted("Skip-gram predicts a target word given its surrounding words.", WORD2VEC) == (
        "CBOW predicts a target word given its surrounding words."
    )
    assert contrasted("Unlike CBOW, it predicts surrounding words.", WORD2VEC) == (
        "Unlike Skip-gram, it predicts surrounding words."
    )


def test_contrasted_needs_two_bold_terms_and_a_sentence_naming_only_one() -> None:
    assert contrasted("CBOW and Skip-gram differ in what they predict.", WORD2VEC) is None
    assert contrasted("Dropout reduces overfitting.", WORD2VEC) is None
    assert contrasted("Dropout reduces overfitting.", DROPOUT) is None  # no bold terms at all
    assert contrasted("Skip-gram predicts surrounding words.", WORD2VEC + " **GloVe**: counts words.") is None


def test_contrasted_does_not_count_a_term_found_only_inside_the_other() -> None:
    sgd = "**Gradient descent** updates after all points. **Stochastic gradient descent (SGD)** updates after one."
    assert contrasted("Stochastic gradient descent updates after one point.", sgd) == (
        "Gradient descent updates after one point."
    )
    assert contrasted("Each step of gradient descent uses all points.", sgd) == (
        "Each step of stochastic gradient descent uses all points."
    )


def test_flipped_drops_each_negation_and_turns_each_direction_word_around_one_at_a_time() -> None:
    assert flipped("Zero weights do not make neurons differ.") == ["Zero weights do make neurons differ."]
    assert flipped("SGD is slower, so it cannot overshoot.") == [
        "SGD is slower, so it can overshoot.",
        "SGD is faster, so it cannot overshoot.",
    ]
    assert flipped("It doesn't help and won't converge.") == [
        "It does help and won't converge.",
        "It doesn't help and will converge.",
    ]
    assert flipped("Gradient clipping causes exploding gradients.") == [
        "Gradient clipping prevents exploding gradients."
    ]
    assert flipped("Training is slow.") == ["Training is fast."]  # each word has one opposite


def test_flipped_leaves_a_sentence_with_no_direction_alone() -> None:
    assert flipped("Dropout drops units at random.") == []
    assert flipped("Highly nonlinear functions are notable.") == []  # words only, not their parts


LEARNING_RATE = (
    "* A **small learning rate** results in very small steps, slowing down convergence.\n"
    "* A **large learning rate** can overshoot the global minimum, causing instability."
)


def test_reversed_copy_finds_a_copied_clause_with_a_scale_word_turned_to_the_other_end() -> None:
    assert reversed_copy("A high learning rate results in very small steps, slowing down convergence.", LEARNING_RATE)
    assert reversed_copy("A small learning rate can overshoot the global minimum, causing instability.", LEARNING_RATE)


def test_reversed_copy_leaves_true_copies_and_sentences_in_other_words_alone() -> None:
    assert not reversed_copy(
        "A small learning rate results in very small steps, slowing down convergence.", LEARNING_RATE
    )
    assert not reversed_copy(  # both clauses, each about its own term
        "A small learning rate results in very small steps, while a large learning rate can overshoot the global minimum.",
        LEARNING_RATE,
    )
    # Not a copy: its own words, which the judge reads instead.
    assert not reversed_copy("A small learning rate slows convergence, and a large one can overshoot.", LEARNING_RATE)
