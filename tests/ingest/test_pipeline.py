import json
import logging
from pathlib import Path

import pytest

from common import FakeEmbedder, InputError, Settings
from ingest import Summary, open_store, run
from ingest.__main__ import main
from ingest.chunk import chunk_records
from ingest.parse import parse_article

SMALL = """### Basics

**What is stride?**

* How far the filter moves at each step.

---

**What is padding?**

* Zeros added around the input.

---

**What is pooling?**

* Downsampling of feature maps.
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(SMALL)
    return path


def counts(summary: Summary) -> tuple[int, int, int, int, int, int]:
    return (summary.files, summary.records, summary.added, summary.updated, summary.removed, summary.unchanged)


def test_second_run_on_an_unchanged_file_embeds_nothing(doc, settings):
    embedder = FakeEmbedder()
    assert counts(run([doc], settings, embedder=embedder, progress=False)) == (1, 3, 3, 0, 0, 0)
    embedded = embedder.calls

    assert counts(run([doc], settings, embedder=embedder, progress=False)) == (1, 3, 0, 0, 0, 3)
    assert embedder.calls == embedded
    assert open_store(settings).count() == 3


def test_changed_answer_is_reembedded_and_removed_question_deleted(doc, settings):
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    doc.write_text(SMALL.replace("Zeros added", "Values added").split("---\n\n**What is pooling?**")[0])

    assert counts(run([doc], settings, embedder=FakeEmbedder(), progress=False)) == (1, 2, 0, 1, 1, 1)
    store = open_store(settings)
    assert sorted(i.metadata["question"] for i in store.items()) == ["What is padding?", "What is stride?"]
    assert any("Values added" in i.text for i in store.items())


def test_a_different_embedder_rebuilds_instead_of_mixing_vectors(doc, settings):
    run([doc], settings, embedder=FakeEmbedder(dimension=256), progress=False)
    summary = run([doc], settings, embedder=FakeEmbedder(dimension=32), progress=False)

    assert counts(summary) == (1, 3, 3, 0, 0, 0)
    assert open_store(settings).manifest().dimension == 32


def test_two_files_are_both_kept_with_their_source(doc, settings, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("**What is a tensor?**\n\nAn n-dimensional array.\n")
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    run([other], settings, embedder=FakeEmbedder(), progress=False)

    store = open_store(settings)
    sources = {Path(i.metadata["source"]).name for i in store.items()}
    assert sources == {"doc.md", "other.md"}
    assert store.count() == 4
    assert set(store.manifest().sources) == {i.metadata["source"] for i in store.items()}


def test_long_answers_split_on_structure_with_the_question_repeated():
    bullets = "\n".join(f"* point {i} " + "word " * 30 for i in range(12))
    records = parse_article(f"**Why split long answers?**\n\n{bullets}\n")
    chunks = chunk_records(records, "x.md")

    assert len(chunks) > 1
    assert all(c.text.startswith("Why split long answers?\n\n* point") for c in chunks)
    assert [c.piece for c in chunks] == list(range(len(chunks)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\0\0\0IHDR", "binary data"),
        (b"caf\xe9 au lait", "Expected UTF-8 text"),
    ],
)
def test_bad_input_is_one_clear_error_and_leaves_the_index_alone(content, message, doc, settings, tmp_path):
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    bad = tmp_path / "bad.md"
    if content is not None:
        bad.write_bytes(content)

    with pytest.raises(InputError, match=message):
        run([bad], settings, embedder=FakeEmbedder(), progress=False)
    assert open_store(settings).count() == 3


def test_file_without_questions_is_ingested_as_plain_passages(settings, tmp_path, caplog):
    notes = tmp_path / "notes.txt"
    notes.write_text("Backpropagation computes gradients.\n\nMomentum smooths updates.\n")
    with caplog.at_level(logging.WARNING):
        summary = run([notes], settings, embedder=FakeEmbedder(), progress=False)

    assert summary.records == 0 and summary.added == 1
    assert "No questions found" in caplog.text


def test_index_dir_under_a_file_is_refused(doc, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = Settings(_env_file=None, index_dir=blocker / "index", embed_backend="fake")
    with pytest.raises(InputError, match="not writable"):
        run([doc], settings, progress=False)


def test_cli_prints_exactly_the_summary_keys_as_json(doc, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BOT_EMBED_BACKEND", "fake")
    assert main([str(doc), "--index-dir", str(tmp_path / "ix"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"files", "records", "added", "updated", "removed", "unchanged", "seconds"}
    assert summary["added"] == 3


def test_cli_reports_bad_input_on_one_line_with_nonzero_exit(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BOT_EMBED_BACKEND", "fake")
    assert main([str(tmp_path / "missing.md")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No such file") and err.count("\n") == 1
