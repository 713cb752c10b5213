"""Re-ingest while serving: new versions are built beside the live one and swapped in atomically."""

import pytest

from bot import Bot
from bot.backends.fake import FakeLLM
from common import FakeEmbedder
from ingest import open_store, run
from ingest.versions import current_version

DOC = "**What is stride?**\n\n* How far the filter moves at each step.\n\n---\n\n**What is padding?**\n\n* Zeros around the input.\n"


class ExplodingEmbedder(FakeEmbedder):
    """Fails while embedding, as a crash mid-ingest would."""

    def _embed_batch(self, texts):
        raise RuntimeError("power cut")


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(DOC)
    return path


def test_each_change_publishes_a_new_version_and_unchanged_runs_publish_nothing(doc, settings):
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    first = current_version(settings.index_dir)
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    assert current_version(settings.index_dir) == first

    doc.write_text(DOC.replace("Zeros", "Values"))
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    assert current_version(settings.index_dir) != first
    assert first.exists()  # a reader that opened it can still finish


def test_a_crash_mid_ingest_leaves_the_live_index_whole(doc, settings):
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    live = current_version(settings.index_dir)
    doc.write_text(DOC + "\n---\n\n**What is pooling?**\n\n* Downsampling.\n")

    with pytest.raises(RuntimeError, match="power cut"):
        run([doc], settings, embedder=ExplodingEmbedder(), progress=False)
    assert current_version(settings.index_dir) == live
    assert open_store(settings).count() == 2
    assert sorted(p.name for p in settings.index_dir.glob("v-*")) == [live.name]


def test_a_serving_bot_answers_from_the_old_index_until_the_swap(doc, settings):
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    bot = Bot(settings, llm=FakeLLM(), embedder=FakeEmbedder())
    old = bot.retriever
    doc.write_text(DOC + "\n---\n\n**What is pooling?**\n\n* Downsampling of feature maps.\n")

    assert "What is pooling?" not in [h.passage.question for h in old.search("What is pooling?", 5)]  # old index
    run([doc], settings, embedder=FakeEmbedder(), progress=False)
    assert bot.retrieve("What is pooling?", k=1)[0].question == "What is pooling?"  # picked up after the swap
    assert bot.retriever is not old
