"""What every layer shares: settings, the error family, model assets, text utilities and the embedder.

Ingestion, the bot, the UI and the eval all import from here; nothing here imports from them.
"""

from common.embed import Embedder, FakeEmbedder, load_embedder
from common.errors import BackendUnavailable, BotError, IndexMismatch, IndexMissing, InputError, ModelMissing
from common.settings import Settings

__all__ = [
    "BackendUnavailable",
    "BotError",
    "Embedder",
    "FakeEmbedder",
    "IndexMismatch",
    "IndexMissing",
    "InputError",
    "ModelMissing",
    "Settings",
    "load_embedder",
]
