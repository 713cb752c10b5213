"""The soak's pure parts: the question mix, and the verdict on a series of RSS readings."""

from bench.soak import HOSTILE, questions, summarise


def test_the_mix_interleaves_answerable_out_of_scope_and_hostile_questions():
    mix = questions()

    assert len(mix) >= 600 and len(mix) % 3 == 0
    assert mix[2] == HOSTILE[0] and mix[5] == HOSTILE[1]


def test_a_flat_series_after_warm_up_reads_as_flat():
    readings = [1000 + min(i, 300) * 0.5 for i in range(2000)]  # climbs for 300 calls, then holds

    summary = summarise(readings, errors=0)

    assert summary["window"] == 1000
    assert summary["window_growth_mb"] == 0 and summary["window_slope_mb_per_100"] == 0


def test_a_leak_shows_in_the_last_window():
    readings = [1000 + i * 0.13 for i in range(2000)]

    summary = summarise(readings, errors=2)

    assert summary["window_growth_mb"] == 129.9 and summary["window_slope_mb_per_100"] == 13.0
    assert summary["errors"] == 2


def test_a_short_run_is_judged_on_its_second_half():
    assert summarise([1.0, 2.0, 3.0, 4.0], errors=0)["window"] == 2
