"""Model presets: `auto` picks by GPU, split GGUFs are assembled, checked, rebuilt when damaged."""

import hashlib
import logging
from pathlib import Path

import pytest

from common.errors import ModelMissing
from common.models import LARGE, PRESETS, SMALL, PackagePiece, Preset, choose, preset_file


@pytest.fixture
def split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Preset:
    """A two-piece "model" in two importable packages, like the Qwen piece packages."""
    pieces = [b"GGUF" + b"a" * 5000, b"b" * 3000]
    for i, piece in enumerate(pieces, start=1):
        data = tmp_path / "site" / f"tiny_part{i}" / "data"
        data.mkdir(parents=True)
        (data / f"part{i:02d}.bin").write_bytes(piece)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(pieces)
    pieces = tuple(PackagePiece(f"tiny_part{i}", f"tiny-part{i}", f"data/part{i:02d}.bin") for i in (1, 2))
    return Preset(
        "tiny", "qwen", "tiny.gguf", hashlib.sha256(whole).hexdigest(), len(whole), "test", pieces, "pip install tiny"
    )


def test_first_use_assembles_the_pieces_in_order(split_model, tmp_path):
    path = preset_file(split_model, tmp_path / "models", progress=lambda done, total: None)
    assert path == tmp_path / "models" / "tiny.gguf"
    assert path.read_bytes() == b"GGUF" + b"a" * 5000 + b"b" * 3000
    assert [p.name for p in path.parent.iterdir() if "partial" in p.name] == []


def test_a_damaged_file_is_refused_and_rebuilt(split_model, tmp_path, caplog):
    path = preset_file(split_model, tmp_path / "models", progress=lambda done, total: None)
    with path.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"X")
    with caplog.at_level(logging.WARNING):
        again = preset_file(split_model, tmp_path / "models", progress=lambda done, total: None)
    assert hashlib.sha256(again.read_bytes()).hexdigest() == split_model.sha256
    assert [r.getMessage() for r in caplog.records if "sha256" in r.getMessage()] == [
        f"{path} fails its sha256 check (damaged or changed); rebuilding it from its packages."
    ]


def test_a_missing_chunk_package_is_named_with_its_install_command(split_model, tmp_path):
    missing = Preset(
        **{**split_model.__dict__, "pieces": (*split_model.pieces, PackagePiece("tiny_part9", "tiny-part9", "x"))}
    )
    with pytest.raises(ModelMissing, match=r"Expected the package 'tiny-part9' for tiny; install it: pip install tiny"):
        preset_file(missing, tmp_path / "models")


def test_pieces_that_do_not_hash_right_leave_no_file(split_model, tmp_path):
    wrong = Preset(**{**split_model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelMissing, match=r"Expected tiny to assemble to sha256 000000000000\.\.\."):
        preset_file(wrong, tmp_path / "models", progress=lambda done, total: None)
    assert list((tmp_path / "models").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "gpu", "large_installed", "expected", "notice"),
    [
        ("auto", False, True, SMALL, ""),
        ("auto", True, True, LARGE, ""),
        ("auto", True, False, SMALL, f"A GPU is there but {LARGE} is not installed"),
        ("smollm2-135m", True, True, "smollm2-135m", ""),
        (LARGE, False, False, LARGE, ""),
    ],
)
def test_auto_takes_the_large_model_only_with_a_gpu(monkeypatch, name, gpu, large_installed, expected, notice):
    monkeypatch.setattr("common.models.installed", lambda preset: large_installed or preset.name != LARGE)
    choice = choose(name, gpu=gpu)
    assert choice.preset == PRESETS[expected]
    assert choice.notice.startswith(notice) and bool(choice.notice) == bool(notice)


def test_an_unknown_preset_is_one_clear_error():
    with pytest.raises(
        ModelMissing, match=r"Expected a model preset \(auto, smollm2-135m, .*\) or a file, got 'qwen-7b'"
    ):
        choose("qwen-7b", gpu=False)


@pytest.mark.slow
def test_the_shipped_small_model_assembles_to_its_published_checksum(tmp_path):
    path = preset_file(PRESETS[SMALL], tmp_path, progress=lambda done, total: None)
    assert path.stat().st_size == PRESETS[SMALL].size == 491_400_064
