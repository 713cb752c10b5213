"""The one exception family the product raises on purpose."""


class BotError(Exception):
    """An error meant for the user: its message is shown as one line, without a traceback.

    Messages say what was expected and what was found, and what to do next.
    """


class InputError(BotError):
    """A file, question or setting that cannot be used as given."""


class IndexMissing(BotError):
    """No index at the configured place; `python -m ingest` builds one."""


class IndexMismatch(BotError):
    """The index was built by another embedder or chunker than the one configured."""


class ModelMissing(BotError):
    """A model file or folder is absent or fails its checksum."""


class BackendUnavailable(BotError):
    """A backend (LLM server, Chroma server, optional package) cannot be reached or loaded."""
