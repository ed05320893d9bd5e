"""How deep a reflective answer goes, on Hatton and Smith's (1995) four levels of reflective
writing: 1 descriptive writing, 2 descriptive reflection, 3 dialogic reflection, 4 critical
reflection. (Why that scale: it was made for practitioners' reflective writing, its levels are
defined by what the writing does rather than by how good it is, and each level says what the next
question could be.)

The estimate is offline and can be explained. Two kinds of evidence:

- **similar answers**: the levels of the exemplar answers (``actions/data/depth_exemplars.yml``,
  written for Praxis, 24 per level) closest in meaning to the answer, weighted by similarity;
- **language markers**, counted in the answer: reasons ("because", "which meant"), contrasts
  ("but", "although"), other people's perspectives ("from her side", "for students"),
  questioning ("I wonder", "I assumed", "taken for granted"), and the wider context ("power",
  "hierarchy", "policy", "norms", "whose interests").

A small logistic regression over those seven numbers (the similar answers' level and the six
marker counts) gives the level; it is trained on the exemplars only, with each exemplar's
similar-answer feature computed without itself. ``praxis depth-eval`` measures it on a separate
labelled set (``tests/depth/labelled.yml``). The estimate is used to choose a follow-up question
and to say, in words, where a reflection went deeper; it is never shown as a score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

EXEMPLARS = Path(__file__).parent / "data" / "depth_exemplars.yml"
LEVELS = {1: "descriptive writing", 2: "descriptive reflection", 3: "dialogic reflection",
          4: "critical reflection"}
NEIGHBOURS = 7


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(phrases) + r")\b", re.IGNORECASE)


MARKERS: dict[str, re.Pattern[str]] = {
    "reason": _words(r"because", r"since", r"so that", r"which meant", r"that meant",
                     r"as a result", r"that's why", r"that is why", r"due to", r"therefore",
                     r"which is why", r"led to", r"so we", r"so i", r"in order to"),
    "contrast": _words(r"but", r"however", r"although", r"though", r"on the other hand",
                       r"whereas", r"yet", r"even so", r"instead", r"at the same time",
                       r"rather than", r"then again", r"to be fair"),
    "perspective": _words(r"from (his|her|their|my manager's|the students?'?|a student's) "
                          r"(side|point of view|perspective)", r"in (his|her|their) (eyes|shoes)",
                          r"(she|he|they) (may|might|must) have", r"for (the )?students",
                          r"colleagues (might|may|would)", r"how (it|this|that) (looked|looks)",
                          r"(other|different) (view|views|perspective|perspectives|side)",
                          r"both sides", r"another way of seeing"),
    "questioning": _words(r"i wonder", r"wondering", r"perhaps", r"maybe", r"i assumed",
                          r"assum\w*", r"taken for granted", r"i realis\w*", r"question(ed|ing)?",
                          r"is it really", r"why do we", r"not sure", r"i doubt", r"on reflection",
                          r"looking back", r"i suspect"),
    "context": _words(r"power", r"powerful", r"hierarch\w*", r"structur\w*", r"institution\w*",
                      r"polic\w*", r"metrics?", r"kpis?", r"targets?", r"norms?", r"culture",
                      r"equit\w*", r"social justice", r"whose interests?", r"privileg\w*",
                      r"marketi[sz]\w*", r"league tables?", r"status", r"inequalit\w*",
                      r"colluded?", r"gatekeep\w*", r"who decides", r"who benefits"),
}


@dataclass(frozen=True)
class Depth:
    level: int
    markers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return LEVELS[self.level]

    @property
    def descriptive_only(self) -> bool:
        """Level 1 with no reason, contrast, questioning or context in it at all: an answer
        with any of those is never interrupted by a follow-up."""
        return self.level == 1 and not any(
            self.markers.get(k) for k in ("reason", "contrast", "questioning", "context"))


def markers(text: str) -> dict[str, list[str]]:
    """The marker phrases found in ``text``, by kind."""
    return {kind: [m.group(0) for m in pattern.finditer(text)]
            for kind, pattern in MARKERS.items()}


def load_exemplars(path: Path = EXEMPLARS) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [a for a in data["answers"] if a.get("text") and a.get("level") in LEVELS]


class DepthEstimator:
    """``estimate(text)`` -> :class:`Depth`. ``embed`` turns texts into unit vectors (the
    knowledge base's embedder)."""

    def __init__(self, embed: Any, exemplars: list[dict[str, Any]] | None = None) -> None:
        from sklearn.linear_model import LogisticRegression

        self.embed = embed
        exemplars = exemplars or load_exemplars()
        self.levels = np.array([a["level"] for a in exemplars], dtype=float)
        self.vectors = np.asarray(embed([a["text"] for a in exemplars]), dtype=np.float32)
        sims = self.vectors @ self.vectors.T
        np.fill_diagonal(sims, -np.inf)  # each exemplar's neighbours, without itself
        features = np.array([self._features(a["text"], row)
                             for a, row in zip(exemplars, sims, strict=True)])
        self.mean, self.scale = features.mean(axis=0), features.std(axis=0) + 1e-6
        self.model = LogisticRegression(C=1.0, max_iter=2000)
        self.model.fit((features - self.mean) / self.scale, self.levels.astype(int))

    def _features(self, text: str, sims: np.ndarray) -> list[float]:
        top = np.argsort(-sims)[:NEIGHBOURS]
        weights = np.clip(sims[top], 1e-3, None)
        found = markers(text)
        return [float(np.average(self.levels[top], weights=weights)),
                *(float(np.log1p(len(found[kind]))) for kind in MARKERS)]

    def estimate(self, text: str) -> Depth:
        return self.estimate_many([text])[0]

    def estimate_many(self, texts: list[str]) -> list[Depth]:
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        features = np.array([self._features(t, self.vectors @ v)
                             for t, v in zip(texts, vectors, strict=True)])
        levels = self.model.predict((features - self.mean) / self.scale)
        return [Depth(int(level), {k: v for k, v in markers(t).items() if v})
                for t, level in zip(texts, levels, strict=True)]


@dataclass(frozen=True)
class Agreement:
    exact: float
    within_one: float
    confusion: list[list[int]]  # rows: the label, columns: the estimate (levels 1-4)
    count: int

    def table(self) -> str:
        head = "label \\ estimate | " + " | ".join(str(n) for n in LEVELS)
        rows = [f"{n} {LEVELS[n]:<22} | " + " | ".join(f"{c:>2}" for c in row)
                for n, row in zip(LEVELS, self.confusion, strict=True)]
        return "\n".join([head, *rows])


def agreement(estimator: DepthEstimator, labelled: list[dict[str, Any]]) -> Agreement:
    estimates = estimator.estimate_many([a["text"] for a in labelled])
    confusion = [[0] * 4 for _ in LEVELS]
    for answer, depth in zip(labelled, estimates, strict=True):
        confusion[answer["level"] - 1][depth.level - 1] += 1
    n = len(labelled)
    exact = sum(confusion[i][i] for i in range(4)) / n
    within = sum(confusion[i][j] for i in range(4) for j in range(4) if abs(i - j) <= 1) / n
    return Agreement(round(exact, 3), round(within, 3), confusion, n)
