"""`plan`: what an ingest changes, worked out from the chunks and the index as it stands, without touching it."""

from dataclasses import replace

from ingest import CHUNKER_VERSION, Manifest, chunk_records, parse_article
from ingest.pipeline import plan
from ingest.store import StoredChunk

TEXT = "**What is a tensor?**\n\nAn n-dimensional array.\n\n**What is stride?**\n\nHow far the filter moves.\n"
WANTED = Manifest("fake", 8, "w", CHUNKER_VERSION, {"doc.md": "sha-1"})


def chunks(text: str = TEXT, source: str = "doc.md"):
    return chunk_records(parse_article(text), source)


def stored(items, source: str = "doc.md") -> list[StoredChunk]:
    return [StoredChunk(c.id, c.text, {"source": source, "key": c.key}) for c in items]


def test_no_index_means_a_fresh_build_of_everything():
    change = plan(chunks(), WANTED, None, [], rebuild=False)

    assert change.fresh and change.writes(None)
    assert (change.added, change.updated, change.removed, change.unchanged) == (2, 0, 0, 0)


def test_unchanged_files_change_nothing():
    before = chunks()

    change = plan(before, WANTED, WANTED, stored(before), rebuild=False)

    assert not change.fresh and not change.writes(WANTED)
    assert (change.embed, change.stale, change.unchanged) == ([], [], 2)


def test_an_edited_answer_is_updated_and_a_removed_question_deleted():
    before = chunks()
    after = chunks("**What is a tensor?**\n\nA multi-dimensional array of numbers.\n")

    change = plan(after, replace(WANTED, sources={"doc.md": "sha-2"}), WANTED, stored(before), rebuild=False)

    assert (change.added, change.updated, change.removed, change.unchanged) == (0, 1, 1, 0)
    assert set(change.stale) == {c.id for c in before}
    assert change.manifest.sources == {"doc.md": "sha-2"}


def test_other_sources_stay_in_the_index_and_the_manifest():
    other = chunks("**What is a GRU?**\n\nA gated recurrent unit.\n", "other.md")
    built = replace(WANTED, sources={"other.md": "sha-o"})

    change = plan(chunks(), WANTED, built, stored(other, "other.md"), rebuild=False)

    assert change.stale == [] and change.added == 2
    assert change.manifest.sources == {"other.md": "sha-o", "doc.md": "sha-1"}


def test_another_build_or_a_rebuild_starts_afresh():
    before = chunks()

    other_embedder = plan(before, WANTED, replace(WANTED, embedder="minilm"), stored(before), rebuild=False)
    asked = plan(before, WANTED, WANTED, stored(before), rebuild=True)

    assert other_embedder.fresh and asked.fresh
    assert len(asked.embed) == 2 and asked.stale == [] and asked.manifest.sources == WANTED.sources
