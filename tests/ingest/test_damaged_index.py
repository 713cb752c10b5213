import pytest

from bot import Bot, IndexMissing, ModelMissing
from bot.backends.fake import FakeLLM
from common import FakeEmbedder, Settings
from ingest import open_store, run
from ingest.versions import current_version


@pytest.fixture
def damaged(settings, article):
    run([article], settings, embedder=FakeEmbedder(), progress=False)
    (current_version(settings.index_dir) / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    return settings


def test_a_corrupt_index_is_one_clear_error(damaged):
    with pytest.raises(IndexMissing, match=r"unreadable .* python -m ingest --rebuild"):
        Bot(damaged, llm=FakeLLM(), embedder=FakeEmbedder())


def test_ingest_replaces_a_corrupt_index(damaged, article):
    summary = run([article], damaged, embedder=FakeEmbedder(), progress=False)
    assert summary.added == open_store(damaged).count() > 150


def test_a_missing_model_file_is_one_clear_error(settings, article, tmp_path):
    run([article], settings, embedder=FakeEmbedder(), progress=False)
    bot = Bot(
        settings.model_copy(update={"llm_backend": "llama_cpp", "llm_model": str(tmp_path / "gone.gguf")}),
        embedder=FakeEmbedder(),
    )
    with pytest.raises(ModelMissing, match=r"Expected a GGUF file at .*gone\.gguf"):
        bot.ask("What is data augmentation?")
    assert bot.retrieve("What is data augmentation?", k=1)  # the bot still serves retrieval


def test_settings_refuse_unknown_fields_and_bad_values():
    with pytest.raises(ValueError, match="llm_backend"):
        Settings(_env_file=None, llm_backend="gpt5")
    with pytest.raises(ValueError, match="top_k"):
        Settings(_env_file=None, top_k=0)
