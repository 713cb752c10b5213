"""The feedback log: one JSON line per vote, durable, and whole under concurrent writers."""

import json
import multiprocessing
import os
import threading

import pytest

from bot.feedback import Feedback, FeedbackLog
from bot.types import Answer, Citation, Passage

STRIDE = Passage("p1", "What is stride?\n\nHow far it moves.", "CNN", "What is stride?", 0.8, (10, 12), "a.md")


def test_a_vote_is_appended_as_one_json_line(tmp_path):
    log = FeedbackLog.in_dir(tmp_path / "data")
    answer = Answer("It is how far it moves [1].", [Citation(1, STRIDE)], question="What is stride?")

    log.append(Feedback.on(answer, "like"))
    log.append(Feedback.failed("Why?", "**Error:** down", "dislike"))

    records = log.read()
    assert records[0] == {
        "question": "What is stride?",
        "vote": "like",
        "answer": answer.to_dict(),
        "error": "",
        "time": records[0]["time"],
    }
    assert records[0]["answer"]["citations"] == [Citation(1, STRIDE).to_dict()]  # the passage whole
    assert records[1] == {"question": "Why?", "vote": "dislike", "answer": None, "error": "**Error:** down"} | {
        "time": records[1]["time"]
    }
    assert (tmp_path / "data" / "feedback.jsonl").read_text().count("\n") == 2


def test_each_record_is_fsynced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    log = FeedbackLog(tmp_path / "feedback.jsonl")

    for vote in ("like", "dislike", "retracted"):
        log.append(Feedback("q", vote, error="a"))

    assert len(synced) == 3


def test_an_absent_log_reads_empty(tmp_path):
    assert FeedbackLog(tmp_path / "none.jsonl").read() == []


def _votes(log: FeedbackLog, writer: int, count: int) -> None:
    for i in range(count):
        # Records bigger than a pipe buffer, so torn writes would show as broken lines.
        log.append(Feedback(f"q{writer}-{i}", "like" if i % 2 else "dislike", error=f"{writer}-{i} " + "x" * 8000))


def test_no_vote_is_lost_or_torn_when_threads_write_at_once(tmp_path):
    path = tmp_path / "feedback.jsonl"
    shared, other = FeedbackLog(path), FeedbackLog(path)  # two logs on one file, like two app instances
    threads = [threading.Thread(target=_votes, args=(shared if w % 2 else other, w, 50)) for w in range(8)]

    for t in threads:
        t.start()
    for t in threads:
        t.join()

    lines = path.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["question"] for line in lines) == sorted(
        f"q{w}-{i}" for w in range(8) for i in range(50)
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to start writer processes quickly")
def test_no_vote_is_lost_when_processes_write_at_once(tmp_path):
    path = tmp_path / "feedback.jsonl"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_votes, args=(FeedbackLog(path), w, 40)) for w in range(4)]

    for p in writers:
        p.start()
    for p in writers:
        p.join()

    assert [p.exitcode for p in writers] == [0, 0, 0, 0]
    records = FeedbackLog(path).read()
    assert len(records) == 160 and len({r["question"] for r in records}) == 160
