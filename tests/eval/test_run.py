"""The eval runner end to end: real retrieval over an index built in a tmp dir is compared with the
committed baselines, and a planted retrieval regression must regress and name its questions.
The tolerance rules on hand-made runs are in `test_regression.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.retrieve import Retriever
from common import Settings
from common.evalsets import EvalItem
from eval import run as runner
from eval.regression import load_rules
from ingest import run as ingest

ROOT = Path(__file__).resolve().parents[2]
BASELINES = ROOT / "data" / "eval"
FAKE = BASELINES / "baseline-fake.json"  # written by: eval/run.py --backend fake --limit 20 --write-baseline
FAKE_LIMIT = str(json.loads(FAKE.read_text())["config"]["limit"])
RULES = load_rules()


# ---------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:
    path = tmp_path_factory.mktemp("eval") / "index"
    ingest(
        [ROOT / "data" / "article.md"],
        Settings(_env_file=None, index_dir=path, embed_model="minilm"),
        embedder=real_embedder,
        progress=False,
    )
    return path


@pytest.fixture
def real_index(index_dir: Path, real_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main() reads this index with the session's embedder, away from any developer .env file."""
    monkeypatch.setenv("BOT_INDEX_DIR", str(index_dir))
    monkeypatch.setattr(runner, "load_embedder", lambda settings: real_embedder)
    monkeypatch.chdir(tmp_path)
    return index_dir


@pytest.mark.slow
def test_retrieval_only_run_holds_against_the_committed_baseline(real_index, tmp_path, capsys):
    out = tmp_path / "run.json"
    baseline = BASELINES / "baseline-retrieval.json"

    code = runner.main(["--retrieval-only", "--baseline", str(baseline), "--json", str(out)])

    printed = capsys.readouterr().out
    assert code == 0, printed
    result = json.loads(out.read_text())
    assert result["regression"]["passed"] is True
    assert result["config"]["mode"] == "retrieval"
    assert [m["n"] for m in result["metrics"].values()] == [
        153,
        80,
        40,
        40,
        150,
        75,
        75,
        16,
        8,
        8,
        40,
        20,
        20,
        224,
        112,
        112,
    ]
    assert "NO REGRESSION" in printed


@pytest.mark.slow
def test_fake_backend_answer_run_holds_against_the_committed_baseline(real_index, tmp_path, capsys):
    out = tmp_path / "run.json"
    argv = ["--backend", "fake", "--limit", FAKE_LIMIT, "--baseline", str(FAKE)]

    code = runner.main([*argv, "--json", str(out), "--report", str(tmp_path / "report")])

    printed = capsys.readouterr().out
    assert code == 0, printed
    result = json.loads(out.read_text())
    assert result["config"]["backend"] == "fake"
    assert result["metrics"]["article"]["citation_validity"] == 1.0
    assert {p.name for p in (tmp_path / "report").iterdir()} == {"report.md", "metrics.png", "latency.png"}


@pytest.mark.slow
def test_planted_retrieval_regression_is_caught_and_names_the_questions(real_index, tmp_path, capsys, monkeypatch):
    search = Retriever.search
    monkeypatch.setattr(
        Retriever,
        "search",
        lambda self, question, k=5, expansion="", follow_up="": search(self, question, k + 1, expansion, follow_up)[1:],
    )
    out = tmp_path / "run.json"
    baseline = json.loads(FAKE.read_text())

    argv = ["--backend", "fake", "--limit", FAKE_LIMIT, "--baseline", str(FAKE)]

    code = runner.main([*argv, "--json", str(out)])

    printed = capsys.readouterr().out
    assert code == 1
    assert "REGRESSED (tolerances)" in printed
    regression = json.loads(out.read_text())["regression"]
    newly_missed = {c["id"] for c in regression["changes"] if c["metric"] == "hit@1" and c["worse"]}
    were_first = {row["id"] for row in baseline["questions"] if row["scores"].get("hit@1") == 1.0}
    assert newly_missed == were_first  # the dropped top hit was the gold passage for every one of them
    assert {"article hit@1", "paraphrase hit@1"} <= {
        f"{c['set']} {c['rule']}" for c in regression["tolerances"] if not c["ok"]
    }
    for question_id in sorted(newly_missed):
        assert question_id in printed


@pytest.mark.slow
def test_a_baseline_made_another_way_fails_before_the_run(real_index, capsys):
    code = runner.main(["--retrieval-only", "--limit", "3", "--baseline", str(BASELINES / "baseline-retrieval.json")])

    assert code == 1
    assert "limit: baseline None, run 3" in capsys.readouterr().out


@pytest.mark.slow
def test_expansion_modes_run_side_by_side_and_each_reproduces_its_own_baseline(real_index, tmp_path, capsys):
    argv = ["--retrieval-only", "--backend", "fake", "--limit", "3"]
    off, hyde = tmp_path / "off.json", tmp_path / "hyde.json"
    assert runner.main([*argv, "--expansion", "off", "--write-baseline", str(off)]) == 0
    assert runner.main([*argv, "--expansion", "hyde", "--write-baseline", str(hyde)]) == 0
    capsys.readouterr()

    out = tmp_path / "modes.json"
    modes = ["--expansion", "off", "--expansion", "hyde"]
    code = runner.main([*argv, *modes, "--baseline", str(off), "--baseline", str(hyde), "--json", str(out)])

    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "retrieval by query-expansion mode" in printed and printed.count("NO REGRESSION (fingerprint)") == 2
    off_run, hyde_run = json.loads(out.read_text())["modes"]
    assert (off_run["mode"], off_run["config"]["expansion"]) == ("off", None)
    assert hyde_run["mode"] == "hyde:fake" and hyde_run["config"]["expansion"]["tokens"] == 60
    assert all("expand" in row["timings"] for row in hyde_run["questions"])
    swapped = runner.main([*argv, *modes, "--baseline", str(hyde), "--baseline", str(off)])
    assert swapped == 1 and "expansion: baseline" in capsys.readouterr().out


def test_a_missing_baseline_is_one_line_and_exit_2(tmp_path, capsys):
    assert runner.main(["--retrieval-only", "--baseline", str(tmp_path / "nope.json")]) == 2
    assert "Expected a baseline at" in capsys.readouterr().err


def test_unknown_set_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        runner.main(["--sets", "article,bogus"])
    assert exit_info.value.code == 2


def test_select_takes_the_first_n_of_each_set_in_canonical_order():
    items = [
        EvalItem("o1", "q", (), "out_of_scope", "off_topic", "dev"),
        EvalItem("a1", "q", ("q",), "article", "verbatim", "all"),
        EvalItem("a2", "q", ("q",), "article", "verbatim", "all"),
        EvalItem("o2", "q", (), "out_of_scope", "off_topic", "test"),
    ]

    assert [i.id for i in runner.select(items, ["out_of_scope", "article"], 1)] == ["a1", "o1"]
    assert [i.id for i in runner.select(items, ["out_of_scope"], None)] == ["o1", "o2"]


def test_a_follow_up_is_asked_after_the_turns_before_it(real_index, tmp_path):
    out = tmp_path / "follow_ups.json"

    assert runner.main(["--retrieval-only", "--sets", "follow_up", "--json", str(out)]) == 0

    rows = {row["id"]: row for row in json.loads(out.read_text())["questions"]}
    assert rows["f014"]["question"] == "where is it preferred?"  # after "What is CycleGAN?"
    assert rows["f014"]["ranked"][0] == "What are some use cases where CycleGAN is preferred?"
