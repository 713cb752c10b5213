"""One file is one source, whatever directory ingest runs from; indexes from older ingests are repaired."""

from pathlib import Path

import pytest

from bot import Bot
from bot.backends.fake import FakeLLM
from common import FakeEmbedder, IndexMissing, InputError
from ingest import CHUNKER_VERSION, Manifest, chunk_records, open_store, parse_article, run
from ingest.pipeline import source_id
from ingest.versions import current_version, new_version, publish

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "data" / "article.md"
PASSAGES = 157


def test_source_ids_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    from_root = source_id(Path("data/article.md"))
    monkeypatch.chdir(tmp_path)
    assert (from_root, source_id(ARTICLE)) == ("data/article.md", "data/article.md")
    outside = tmp_path / "notes.md"
    assert source_id(Path("notes.md")) == str(outside.resolve())


def test_ingest_from_two_directories_keeps_one_copy(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    first = run([Path("data/article.md")], settings, embedder=FakeEmbedder(), progress=False)
    monkeypatch.chdir(tmp_path)
    second = run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)

    assert (first.added, second.added, second.unchanged) == (PASSAGES, 0, PASSAGES)
    assert open_store(settings).count() == PASSAGES


def test_an_index_of_the_older_schema_is_rebuilt_not_duplicated(settings):
    """Schema 1 ingests named a file by its path from the directory they ran in, e.g. `article.md` from data/."""
    embedder = FakeEmbedder()
    chunks = chunk_records(parse_article(ARTICLE.read_text()), "article.md")
    manifest = Manifest(
        embedder.name, embedder.dimension, embedder.fingerprint, CHUNKER_VERSION, {"article.md": "x"}, schema_version=1
    )
    version = new_version(settings.index_dir)
    store = open_store(settings, index_dir=version)
    store.create(manifest)
    store.upsert(chunks, embedder.embed_documents([c.text for c in chunks]))
    publish(settings.index_dir, version)

    summary = run([ARTICLE], settings, embedder=embedder, progress=False)

    store = open_store(settings)
    assert (summary.added, store.count()) == (PASSAGES, PASSAGES)
    assert {i.metadata["source"] for i in store.items()} == {"data/article.md"}
    assert set(store.manifest().sources) == {"data/article.md"}
    assert run([ARTICLE], settings, embedder=embedder, progress=False).added == 0


def test_an_old_style_id_of_another_file_is_left_alone(settings, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("**What is a tensor?**\n\nAn n-dimensional array.\n")
    run([other], settings, embedder=FakeEmbedder(), progress=False)
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)

    assert open_store(settings).count() == PASSAGES + 1


@pytest.mark.parametrize("folder", ["current", "version"])
def test_the_bot_opens_the_current_link_or_a_version_folder(settings, folder):
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    path = settings.index_dir / "current" if folder == "current" else current_version(settings.index_dir)

    bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder(), index_dir=path)

    assert len(bot.retriever) == PASSAGES
    assert bot.refresh() is False


def test_the_current_link_follows_a_reingest(settings, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("**What is stride?**\n\nHow far the filter moves.\n")
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder(), index_dir=settings.index_dir / "current")
    doc.write_text("**What is stride?**\n\nHow far the filter moves.\n\n**What is padding?**\n\nZeros around it.\n")
    run([doc], settings, embedder=FakeEmbedder(), progress=False)

    assert bot.refresh() is True
    assert len(bot.retriever) == 2


def test_a_folder_without_an_index_says_which_folder_to_use(settings, tmp_path):
    with pytest.raises(IndexMissing, match=r"No index at .*empty; build it first: python -m ingest .*data/index"):
        Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder(), index_dir=tmp_path / "empty")


def test_ingest_into_a_version_folder_is_refused(settings):
    run([ARTICLE], settings, embedder=FakeEmbedder(), progress=False)
    with pytest.raises(InputError, match=r"Expected the index folder .*, got one of its versions"):
        run([ARTICLE], settings.model_copy(update={"index_dir": settings.index_dir / "current"}), progress=False)


class RecordingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def embed_documents(self, texts):
        self.sizes.append(len(texts))
        return super().embed_documents(texts)


@pytest.mark.parametrize("progress", [True, False])
def test_the_embed_batch_size_setting_is_honoured_with_or_without_a_progress_bar(settings, progress):
    embedder = RecordingEmbedder()
    run([ARTICLE], settings.model_copy(update={"embed_batch_size": 64}), embedder=embedder, progress=progress)

    assert embedder.sizes == ([64, 64, PASSAGES - 128] if progress else [PASSAGES])
