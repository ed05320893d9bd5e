"""The fine-tuned risk classifier: the embedding model trained further on the safety exemplars.

The frozen sentence embedding knows what a message is about, not what it signals: "morale is at
rock bottom" and "I am at rock bottom" sit close together. Trained on the labelled exemplars
(``actions/data/safety_training*.yml``), the encoder learns the difference. It is MiniLM (the
knowledge base's model, from its own weights; its token embeddings, half its weights, are kept
as they are, which trains faster) with a linear head over its normalised sentence vector that
gives each label of :data:`actions.risk.LABELS` (no risk, or one of the five kinds) a
probability. ``praxis index`` trains it (about 3 minutes on 2 cores with bfloat16; epochs and
time left are shown) and saves it in ``SAFETY_MODEL_DIR``, in ``risk-classifier/``; it is
trained again only when the exemplars or the model change. Seeded, so the same exemplars train
the same classifier on the same machine. :class:`actions.risk.RiskDetector` averages it with its
logistic regressions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FOLDER = "risk-classifier"
MANIFEST = "praxis-risk-classifier.json"
VERSION = "2"
# Chosen on tests/safety/dev*.yml (never the held-out set): six epochs halved the dev sets'
# false alarms of three at the same recall.
EPOCHS, BATCH, MAX_TOKENS, SEED = 6, 16, 96, 0
ENCODER_RATE, HEAD_RATE, WARM_UP = 3e-5, 1e-3, 0.1
SCALE = 20.0  # the head reads the unit sentence vector times this (a cosine is small)


def training_hash(model: str, examples: Sequence[Any]) -> str:
    text = "\n".join([VERSION, model, *(f"{e.kind}\t{e.text}" for e in examples)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _batches(count: int, lengths: list[int]) -> list[list[int]]:
    """One epoch's batches of indices, in random order; each cut from a random pool of
    ``8 * BATCH`` sorted by length, so that little of a batch is padding."""
    order = random.sample(range(count), count)
    batches = []
    for i in range(0, count, 8 * BATCH):
        pool = sorted(order[i:i + 8 * BATCH], key=lambda j: lengths[j])
        batches += [pool[j:j + BATCH] for j in range(0, len(pool), BATCH)]
    random.shuffle(batches)
    return batches


class RiskClassifier:
    """``probabilities(texts)``: one row a message, a probability for each label."""

    def __init__(self, encoder: Any, weight: np.ndarray, bias: np.ndarray,
                 labels: Sequence[str], precision: str = "float32") -> None:
        self.encoder = encoder
        self.weight, self.bias = weight, bias
        self.labels = tuple(labels)
        self.precision = precision

    @classmethod
    def train(cls, model: str, examples: Sequence[Any], labels: Sequence[str],
              precision: str = "float32", epochs: int = EPOCHS,
              progress: bool = False) -> tuple[RiskClassifier, dict[str, Any]]:
        import torch
        from sentence_transformers import SentenceTransformer

        from knowledge.embedding import autocast, resolve_model, training_progress
        from praxis.safety_phrases import normalise

        start = time.perf_counter()
        random.seed(SEED)
        torch.manual_seed(SEED)
        encoder = SentenceTransformer(resolve_model(model)[1], device="cpu")
        encoder.max_seq_length = MAX_TOKENS
        encoder[0].auto_model.embeddings.requires_grad_(False)  # MiniLM's token embeddings stay
        head = torch.nn.Linear(encoder.get_embedding_dimension(), len(labels))
        targets = torch.tensor([labels.index(e.kind) for e in examples])
        counts = torch.bincount(targets, minlength=len(labels)).clamp(min=1)
        weights = len(examples) / (len(labels) * counts.float())  # each label weighs the same
        texts = [normalise(e.text) for e in examples]
        lengths = [len(t) for t in texts]
        tuned = [p for p in encoder.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW([{"params": tuned, "lr": ENCODER_RATE},
                                       {"params": head.parameters(), "lr": HEAD_RATE}],
                                      weight_decay=0.01)
        steps = epochs * len(_batches(len(texts), lengths))
        schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(
            1.0, (s + 1) / (WARM_UP * steps)) * max(0.0, 1 - s / steps))
        encoder.train()
        for epoch in range(epochs):
            for batch in _batches(len(texts), lengths):
                features = encoder.preprocess([texts[i] for i in batch])
                with autocast(precision):
                    vectors = encoder(features)["sentence_embedding"]
                vectors = torch.nn.functional.normalize(vectors.float(), dim=-1)
                loss = torch.nn.functional.cross_entropy(head(vectors * SCALE), targets[batch],
                                                         weight=weights)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
            if progress:
                training_progress(f"risk classifier: epoch {epoch + 1}/{epochs}", epoch + 1,
                                  epochs, start)
        encoder.eval()
        info = {"version": VERSION, "training_hash": training_hash(model, examples),
                "examples": len(examples), "epochs": epochs, "precision": precision,
                "labels": list(labels), "train_s": round(time.perf_counter() - start, 1)}
        classifier = cls(encoder, head.weight.detach().numpy().copy(),
                         head.bias.detach().numpy().copy(), labels, precision)
        return classifier, info

    def save(self, folder: Path, info: dict[str, Any]) -> None:
        """Whole or not at all: written beside ``folder``, then moved into place."""
        part = folder.with_name(folder.name + ".partial")
        shutil.rmtree(part, ignore_errors=True)
        self.encoder.save(str(part / "encoder"))
        np.savez(part / "head.npz", weight=self.weight, bias=self.bias)
        (part / MANIFEST).write_text(json.dumps(info, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        part.replace(folder)

    @classmethod
    def load(cls, folder: Path, precision: str = "float32") -> RiskClassifier:
        from sentence_transformers import SentenceTransformer

        info = manifest_of(folder) or {}
        head = np.load(folder / "head.npz")
        return cls(SentenceTransformer(str(folder / "encoder"), device="cpu"),
                   head["weight"], head["bias"], info.get("labels", ()), precision)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        from knowledge.embedding import autocast

        with autocast(self.precision):
            vectors = self.encoder.encode(texts, batch_size=32, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False)
        logits = np.asarray(vectors, dtype=np.float32) * SCALE @ self.weight.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)


def manifest_of(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(folder: Path, model: str, examples: Sequence[Any]) -> bool:
    info = manifest_of(folder)
    return bool(info) and info.get("training_hash") == training_hash(model, examples)


def ensure(folder: Path, model: str, examples: Sequence[Any], labels: Sequence[str],
           precision: str = "float32", progress: bool = False,
           epochs: int = EPOCHS) -> tuple[RiskClassifier, bool]:
    """The classifier saved in ``folder``, trained (and saved) first when there is none or it
    was trained on other exemplars or another model. Returns it and whether it was trained."""
    if is_current(folder, model, examples):
        try:
            return RiskClassifier.load(folder, precision), False
        except (OSError, ValueError, KeyError) as exc:
            log.warning("the risk classifier in %s is unreadable (%s): training it again",
                        folder, exc)
    log.info("training the risk classifier on %s exemplars (a few minutes)", len(examples))
    classifier, info = RiskClassifier.train(model, examples, labels, precision, epochs,
                                            progress)
    folder.parent.mkdir(parents=True, exist_ok=True)
    classifier.save(folder, info)
    log.info("risk classifier trained in %s s", info["train_s"])
    return classifier, True
