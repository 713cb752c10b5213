import pytest

from common.errors import InputError
from eval.facts import KEYS, FactKey, FactScore, load_keys, score, states

SIGMOID_TANH = FactKey("p002", (("0 to 1", "0 and 1"), ("-1 to 1", "-1 and 1")), ("tanh is between 0 and 1",))


def test_a_phrase_matches_as_a_run_of_stemmed_words_whatever_the_markers_and_case():
    assert states("Vanishing gradients [1] slow the early layers.", "vanishing gradient")
    assert not states("gradients that vanish", "vanishing gradient")  # order and words matter
    assert states("It squashes values between -1 and 1 [2].", "-1 and 1")
    assert not states("It squashes values between 0 and 1.", "-1 and 1")  # the sign is kept


def test_an_answer_is_right_only_with_every_fact_and_no_wrong_phrase():
    both = "Sigmoid maps inputs to 0 to 1 [1]. Tanh maps them to -1 to 1 [1]."
    assert score(both, SIGMOID_TANH) == FactScore(2, (), ())
    assert score(both, SIGMOID_TANH).right
    half = score("Sigmoid maps inputs to 0 and 1 [1].", SIGMOID_TANH)
    assert half == FactScore(1, ("-1 to 1",), ()) and not half.right
    wrong = score(f"{both} Tanh is between 0 and 1.", SIGMOID_TANH)
    assert wrong.wrong == ("tanh is between 0 and 1",) and not wrong.right


def test_the_committed_key_covers_both_sets_and_each_entry_passes_its_own_key():
    from common.evalsets import EVAL_DIR, load_all

    keys = load_keys(KEYS)
    items = {i.id: i for i in load_all(EVAL_DIR) if i.set in ("paraphrase", "interview")}
    assert set(keys) == set(items)
    assert all(score(" ".join(items[k].references), key).right for k, key in keys.items())


def test_a_malformed_key_line_is_one_clear_error(tmp_path):
    path = tmp_path / "keys.jsonl"
    path.write_text('{"id": "p1", "facts": []}\n')
    with pytest.raises(InputError, match=r"keys.jsonl:1: p1 needs at least one fact"):
        load_keys(path)
    path.write_text('{"id": "p1"}\n')
    with pytest.raises(InputError, match=r"keys.jsonl:1: expected \{id, facts"):
        load_keys(path)
