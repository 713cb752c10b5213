"""Editable copies of a model folder for the encoder tests: small files copied, weights linked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def copy_of_the_model(source: Path, tmp_path: Path, weights: bool = True) -> Path:
    """`source`'s files in tmp_path/model, its top-level model.safetensors linked (on request), ready to edit."""
    folder = tmp_path / "model"
    shutil.copytree(source, folder, ignore=lambda where, names: ["model.safetensors"] if Path(where) == source else [])
    if weights:
        (folder / "model.safetensors").symlink_to(source.resolve() / "model.safetensors")
    return folder


def edit_json(path: Path, **changes: object) -> None:
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))
