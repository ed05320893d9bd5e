"""Whether a passage answers a question: a small cross-encoder trained on this knowledge base's
own labelled questions.

A sentence embedding says what a question is *about*; "how were participants recruited?" is
about the study as much as "how was the study done?" is, and only the second is answered by the
summary. A cross-encoder reads the question and the passage together, so it can learn the
difference. None ships offline, so Praxis trains one at index time (``praxis index``) from the
embedding model's own weights (MiniLM, with a fresh one-output head), on:

- questions each passage answers: its source's listed questions, and the answerable questions
  of the labelled sets in ``knowledge/questions/`` with the passage they expect;
- questions no passage answers, each with the passages closest to it: the sources' "not
  covered" list and the sets' unanswerable questions.

It is an ensemble of ``MEMBERS`` such models, trained on the same pairs from different seeds,
whose probabilities are averaged: one model's judgement of a borderline question swings with its
seed (0.05 under one, 0.98 under another), and the mean is steadier. Each keeps MiniLM's token
embeddings as they are (half its weights; a few hundred questions are too few to move them well,
and training is faster without them). It is seeded, so the same data trains the same ensemble. A
question is answered only when the verifier's probability that its closest passage answers it is
at least ``VERIFY_THRESHOLD`` (0.5, the training's own decision boundary; 0 turns the check
off). It is saved beside the index, in ``verifier/``, and retrained when the sources or the
labelled questions change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

if TYPE_CHECKING:
    from knowledge.engine import KnowledgeBase

log = logging.getLogger(__name__)

QUESTIONS = Path(__file__).with_name("questions")
VERSION = "2"
FOLDER = "verifier"
MANIFEST = "praxis-verifier.json"
EPOCHS, LEARNING_RATE, BATCH, MAX_TOKENS, SEED = 3, 5e-5, 16, 160, 0
NEGATIVE_PASSAGES = 2  # the closest passages an unanswerable question is paired with
MEMBERS = 2  # models trained from different seeds, their probabilities averaged
Pair = tuple[str, str, float]


def question_files(folder: Path = QUESTIONS) -> list[Path]:
    return sorted(folder.glob("*.yml"))


def training_hash(kb: KnowledgeBase, files: list[Path]) -> str:
    h = hashlib.sha256(f"{VERSION} {kb.manifest.get('sources_hash')} {kb.embedder.name}".encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def training_pairs(kb: KnowledgeBase, files: list[Path]) -> list[Pair]:
    """(question, passage text, 1.0 if the passage answers it else 0.0)."""
    passages = [c for c in kb.chunks if c.kind != "not_covered"]
    first_of = {}
    for c in passages:
        first_of.setdefault(c.section, c)
    pairs = [(q, c.text, 1.0) for c in passages for q in c.questions]
    negatives = [q for c in kb.chunks if c.kind == "not_covered" for q in c.questions]
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for item in data.get("answerable", []):
            chunk = first_of.get(item["expected"][0])
            if chunk is not None:
                pairs.append((item["q"], chunk.text, 1.0))
        negatives += list(data.get("unanswerable", []))
    vectors = kb.embedder.embed(negatives)
    closest = kb.index.search(vectors, NEGATIVE_PASSAGES, skip=kb.not_covered_ids)
    for q, found in zip(negatives, closest, strict=True):
        pairs += [(q, kb.chunks[i].text, 0.0) for i, _ in found]
    return pairs


def _batches(pairs: list[Pair]) -> list[list[Pair]]:
    """One epoch's batches, in random order. Each is cut from a random pool of ``8 * BATCH``
    pairs sorted by length, so that little of a batch is padding."""
    order = random.sample(pairs, len(pairs))
    batches = []
    for i in range(0, len(order), 8 * BATCH):
        pool = sorted(order[i:i + 8 * BATCH], key=lambda p: len(p[0]) + len(p[1]))
        batches += [pool[j:j + BATCH] for j in range(0, len(pool), BATCH)]
    random.shuffle(batches)
    return batches


def _train_member(name: str, pairs: list[Pair], seed: int, epochs: int,
                  autocast: Any, on_epoch: Any = None) -> Any:
    import torch
    from sentence_transformers import CrossEncoder
    from transformers.utils import logging as transformers_logging

    from knowledge.embedding import resolve_model

    random.seed(seed)
    torch.manual_seed(seed)
    level = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()  # the new head's "MISSING" report is expected
    try:
        model = CrossEncoder(resolve_model(name)[1], num_labels=1, device="cpu")
    finally:
        transformers_logging.set_verbosity(level)
    net, tokenizer = model.model, model.tokenizer
    net.base_model.embeddings.requires_grad_(False)  # the pretrained token embeddings stay
    optimiser = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad],
                                  lr=LEARNING_RATE, weight_decay=0.01)
    loss_of = torch.nn.BCEWithLogitsLoss()
    net.train()
    for epoch in range(epochs):
        for batch in _batches(pairs):
            encoded = tokenizer([q for q, _, _ in batch], [p for _, p, _ in batch],
                                padding=True, truncation=True, max_length=MAX_TOKENS,
                                return_tensors="pt")
            with autocast():
                logits = net(**encoded).logits.squeeze(-1)
            loss = loss_of(logits.float(), torch.tensor([y for _, _, y in batch]))
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
        if on_epoch:
            on_epoch(epoch)
    net.eval()
    return model


class Verifier:
    """``probability(pairs)``: for each (question, passage text), how likely the passage answers
    the question: the mean of the members' probabilities."""

    def __init__(self, members: list[Any], precision: str = "float32") -> None:
        self.members = members
        self.precision = precision

    @classmethod
    def train(cls, kb: KnowledgeBase, files: list[Path], epochs: int = EPOCHS,
              members: int = MEMBERS, progress: bool = False) -> tuple[Verifier, dict[str, Any]]:
        from knowledge.embedding import training_progress

        start = time.perf_counter()
        pairs = training_pairs(kb, files)

        def tick(n: int) -> Any:
            if not progress:
                return None
            return lambda epoch: training_progress(
                f"answer verifier: member {n + 1}/{members}, epoch {epoch + 1}/{epochs}",
                n * epochs + epoch + 1, members * epochs, start)

        models = [_train_member(kb.embedder.name, pairs, SEED + n, epochs, kb.embedder.autocast,
                                tick(n)) for n in range(members)]
        info = {"version": VERSION, "training_hash": training_hash(kb, files),
                "pairs": len(pairs), "answering_pairs": int(sum(y for _, _, y in pairs)),
                "members": members, "epochs": epochs,
                "question_files": [f.name for f in files],
                "train_s": round(time.perf_counter() - start, 1)}
        return cls(models, kb.embedder.precision), info

    def save(self, folder: Path, info: dict[str, Any]) -> None:
        part = folder.with_name(folder.name + ".partial")
        shutil.rmtree(part, ignore_errors=True)
        for n, model in enumerate(self.members):
            model.save(str(part / f"member-{n}"))
        (part / MANIFEST).write_text(json.dumps(info, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        part.replace(folder)

    @classmethod
    def load(cls, folder: Path, precision: str = "float32") -> Verifier:
        from sentence_transformers import CrossEncoder

        return cls([CrossEncoder(str(path), device="cpu")
                    for path in sorted(folder.glob("member-*"))], precision)

    def probability(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        from knowledge.embedding import autocast

        with autocast(self.precision):
            scores = [m.predict(pairs, batch_size=32, show_progress_bar=False)
                      for m in self.members]
        return np.mean(np.asarray(scores, dtype=np.float32), axis=0)  # each a sigmoid


def manifest_of(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(kb: KnowledgeBase, folder: Path, files: list[Path] | None = None) -> bool:
    """Whether ``folder`` holds a verifier trained for ``kb``'s sources and ``files`` (default:
    the labelled questions)."""
    info = manifest_of(folder)
    files = question_files() if files is None else files
    return bool(info) and info.get("training_hash") == training_hash(kb, files)


def ensure(kb: KnowledgeBase, folder: Path, files: list[Path] | None = None,
           epochs: int = EPOCHS, progress: bool = False) -> tuple[Verifier, bool]:
    """Load the verifier in ``folder``, training (and saving) it first when there is none or
    it was trained on other sources or questions. Returns it and whether it was trained."""
    files = question_files() if files is None else files
    if is_current(kb, folder, files):
        return Verifier.load(folder, kb.embedder.precision), False
    verifier, info = Verifier.train(kb, files, epochs, progress=progress)
    verifier.save(folder, info)
    log.info("answer verifier trained on %s pairs in %s s", info["pairs"], info["train_s"])
    return verifier, True


def load_for(kb: KnowledgeBase, folder: Path,
             files: list[Path] | None = None) -> Verifier | None:
    """The verifier saved in ``folder`` if it is current for ``kb`` (:func:`is_current`)."""
    if not is_current(kb, folder, files):
        return None
    return Verifier.load(folder, kb.embedder.precision)
