"""The risk detector: whether a message signals trouble, and which kind (``praxis.safety_phrases``).

Two judges, averaged. Logistic regressions, fitted when the action server starts on the labelled
exemplars in ``actions/data/safety_training*.yml`` (a second or two): one says whether a message
signals risk at all, one whether risk to life, one which kind. Their features are the message's
sentence embedding (what it means, so "everyone would be better off if I just wasn't around" is
risk though no word of it is alarming) beside its words and character n-grams (TF-IDF: how it is
put, so "the booking system is hopeless" is not). And the fine-tuned classifier
(``actions.risk_classifier``), the embedding model trained further on the same exemplars, which
tells "morale is at rock bottom" from "I am at rock bottom" better than a frozen embedding can.
The phrase floor is added to the verdict, so an explicit phrase is never missed.
``praxis safety-eval`` measures the whole on ``tests/safety/``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from praxis.safety_phrases import (
    KINDS,
    LIFE,
    MISTREATMENT,
    SUICIDAL,
    more_serious,
    normalise,
    phrase_kind,
)

log = logging.getLogger(__name__)

NONE = "none"
LABELS = (NONE, *KINDS)
TRAINING = sorted(Path(__file__).with_name("data").glob("safety_training*.yml"))
# A message is risk when the two judges' mean probability is at least this; chosen on
# tests/safety/dev*.yml (`praxis safety-eval --choose`), never on the held-out part: the lowest
# false alarms at which risk to life reaches 0.98 and any risk 0.95 there, since a missed risk
# costs more than a false alarm, which the practitioner undoes with one button.
RISK_THRESHOLD = 0.75
LIFE_THRESHOLD = 0.45  # the same for risk to life (its own model), chosen the same way
ALSO_SHARE = 0.3  # a second kind (mistreatment beside distress) is named at this probability
REGULARISATION = 30.0  # LogisticRegression's C, chosen with the thresholds
EMBEDDING_WEIGHT = 1.0  # the sentence embedding's weight beside the TF-IDF features
LIFE_KINDS = (LIFE, SUICIDAL)  # risk to life: suicidal thoughts and self-harm included


def _regression() -> LogisticRegression:
    return LogisticRegression(C=REGULARISATION, max_iter=5000, class_weight="balanced")


class LabelError(ValueError):
    """A labelled file is not in the expected shape; the message names the entry."""


@dataclass(frozen=True)
class Labelled:
    text: str
    kind: str  # NONE or one of KINDS
    also: tuple[str, ...] = ()


def read_labelled(path: Path) -> list[Labelled]:
    """A labelled set: ``messages`` of ``text``, ``kind`` and optional ``also``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, entry in enumerate(data.get("messages") or []):
        kind, also = entry.get("kind"), tuple(entry.get("also") or ())
        if not isinstance(entry.get("text"), str) or kind not in LABELS or any(
                a not in KINDS for a in also):
            raise LabelError(f"{path.name}: message {i + 1} needs a text and a kind of "
                             f"{', '.join(LABELS)}")
        out.append(Labelled(entry["text"], kind, also))
    return out


@dataclass(frozen=True)
class Assessment:
    """What the detector made of one message."""

    kind: str | None  # the most serious kind it signals; None: no risk
    also: tuple[str, ...]  # further kinds it signals (for example mistreatment beside distress)
    risk: float  # the model's probability of any risk
    by: str  # "model", "phrases", "model and phrases", or "" for no risk

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "also": list(self.also), "risk": round(self.risk, 4),
                "by": self.by}


Classify = Callable[[list[str]], np.ndarray]  # texts to a probability for each of LABELS


def exemplars() -> list[Labelled]:
    return [e for f in TRAINING for e in read_labelled(f)]


class RiskDetector:
    """Fitted once on the exemplars; :meth:`assess` judges messages in one batch. ``classify``
    is the fine-tuned classifier's ``probabilities``; without it (a test's few exemplars) the
    regressions judge alone, against thresholds chosen for the two together."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray],
                 training: list[Labelled] | None = None,
                 classify: Classify | None = None,
                 threshold: float = RISK_THRESHOLD,
                 life_threshold: float = LIFE_THRESHOLD) -> None:
        self.embed = embed
        self.classify = classify
        self.threshold = threshold
        self.life_threshold = life_threshold
        examples = training if training is not None else exemplars()
        self.fingerprint = hashlib.sha256("\n".join(
            f"{e.kind}\t{e.text}" for e in examples).encode()).hexdigest()[:12]
        texts = [normalise(e.text) for e in examples]
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                      sublinear_tf=True).fit(texts)
        features = self.features(texts)
        risky = np.array([e.kind != NONE for e in examples])
        to_life = np.array([e.kind in LIFE_KINDS for e in examples])
        self._risk = _regression().fit(features, risky)
        self._life = _regression().fit(features, to_life)
        self._kind = _regression().fit(features[np.flatnonzero(risky)],
                                       [e.kind for e in examples if e.kind != NONE])
        self._columns = [list(self._kind.classes_).index(k) for k in KINDS]

    _FITTED = ("fingerprint", "_words", "_chars", "_risk", "_life", "_kind", "_columns")

    @classmethod
    def cached(cls, embed: Callable[[list[str]], np.ndarray], folder: Path,
               model: str, classify: Classify | None = None) -> RiskDetector:
        """The detector fitted on the exemplars, kept in ``folder`` and fitted again only when
        the exemplars, the embedding model or its precision (``model`` names both) or
        scikit-learn change: a fit takes half a minute or more, which every start would pay."""
        import sklearn

        examples = exemplars()
        key = hashlib.sha256("\n".join([model, sklearn.__version__, *(
            f"{e.kind}\t{e.text}" for e in examples)]).encode()).hexdigest()[:16]
        path = folder / f"risk-{key}.pickle"
        try:
            with path.open("rb") as f:
                state = pickle.load(f)
            detector = cls.__new__(cls)
            detector.__dict__.update(state)
            detector.embed, detector.classify = embed, classify
            detector.threshold, detector.life_threshold = RISK_THRESHOLD, LIFE_THRESHOLD
            return detector
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            pass  # none yet, or unreadable: fitted again below
        detector = cls(embed, examples, classify)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False) as f:
                pickle.dump({k: detector.__dict__[k] for k in cls._FITTED}, f)
            os.replace(f.name, path)  # whole or not at all, for servers starting together
            for old in folder.glob("risk-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("the fitted risk detector could not be kept in %s: %s", folder, exc)
        return detector

    def features(self, texts: list[str]) -> csr_matrix:
        vectors = np.asarray(self.embed(texts), dtype=np.float32) * EMBEDDING_WEIGHT
        return hstack([self._words.transform(texts), self._chars.transform(texts),
                       csr_matrix(vectors)]).tocsr()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Each message's probability of any risk, of risk to life, and of each kind (in
        :data:`KINDS` order) if it is risk: one row a message, the mean of the two judges."""
        texts = [normalise(t) for t in texts]
        features = self.features(texts)
        rows = np.column_stack([self._risk.predict_proba(features)[:, 1],
                                self._life.predict_proba(features)[:, 1],
                                self._kind.predict_proba(features)[:, self._columns]])
        if self.classify is None:
            return rows
        labelled = self.classify(texts)  # columns in LABELS order: none, then KINDS
        risk = 1.0 - labelled[:, 0]
        life = labelled[:, [LABELS.index(k) for k in LIFE_KINDS]].sum(axis=1)
        kinds = labelled[:, 1:] / np.maximum(risk, 1e-9)[:, None]
        return (rows + np.column_stack([risk, life, kinds])) / 2

    def assess(self, texts: list[str]) -> list[Assessment]:
        if not texts:
            return []
        rows = self.probabilities(texts)
        return [self.decide(t, row) for t, row in zip(texts, rows, strict=True)]

    def decide(self, text: str, row: np.ndarray) -> Assessment:
        """The verdict for one message from its row of :meth:`probabilities` and the phrase
        floor. Risk to life has a model of its own and a lower bar: missing it costs most."""
        risk, life, kinds = float(row[0]), float(row[1]), row[2:]
        modelled = None
        if life >= self.life_threshold:
            modelled = LIFE if kinds[0] >= kinds[1] else SUICIDAL
        elif risk >= self.threshold:
            modelled = KINDS[int(np.argmax(kinds))]
        floor = phrase_kind(text)
        kind = more_serious(modelled, floor)
        if kind is None:
            return Assessment(None, (), risk, "")
        also: tuple[str, ...] = ()
        if kind != MISTREATMENT and kinds[KINDS.index(MISTREATMENT)] >= ALSO_SHARE:
            also = (MISTREATMENT,)
        by = " and ".join(w for w, on in (("model", modelled), ("phrases", floor)) if on)
        return Assessment(kind, also, risk, by)


# What `praxis safety-eval` holds the detector to, on the held-out set.
TARGETS = {"life_recall": 0.98, "risk_recall": 0.95, "false_alarms": 0.05}
CRISIS_REPLIES = ("life", "suicidal", "distress")  # replies that put 999 and the crisis lines


def score(messages: list[Labelled], verdicts: list[Assessment]) -> dict[str, object]:
    """Recall per kind (any safety reply), the risk-to-life messages met with a crisis reply,
    every risk message met with some reply, exact kinds, and the false-alarm rate."""
    pairs = list(zip(messages, verdicts, strict=True))
    risky = [(m, v) for m, v in pairs if m.kind != NONE]
    life = [(m, v) for m, v in risky if m.kind in LIFE_KINDS]
    calm = [v for m, v in pairs if m.kind == NONE]

    def share(part: list, test: Callable[[Labelled, Assessment], bool]) -> float:
        return round(sum(test(m, v) for m, v in part) / len(part), 4) if part else 1.0

    return {
        "messages": len(pairs), "with_risk": len(risky), "without": len(calm),
        "recall_by_kind": {k: share([(m, v) for m, v in risky if m.kind == k],
                                    lambda m, v: v.kind is not None) for k in KINDS},
        "life_recall": share(life, lambda m, v: v.kind in CRISIS_REPLIES),
        "risk_recall": share(risky, lambda m, v: v.kind is not None),
        "kind_accuracy": share(risky, lambda m, v: v.kind == m.kind),
        "false_alarms": round(sum(v.kind is not None for v in calm) / len(calm), 4)
        if calm else 0.0,
        "missed": [m.text for m, v in risky if v.kind is None],
        "life_not_met_with_crisis_reply": [m.text for m, v in life
                                           if v.kind not in CRISIS_REPLIES],
        "false_alarm_texts": [m.text for m, v in pairs if m.kind == NONE and v.kind],
    }


def meets_targets(result: dict[str, object]) -> bool:
    return (result["life_recall"] >= TARGETS["life_recall"]  # type: ignore[operator]
            and result["risk_recall"] >= TARGETS["risk_recall"]  # type: ignore[operator]
            and result["false_alarms"] <= TARGETS["false_alarms"])  # type: ignore[operator]


def choose_threshold(detector: RiskDetector, pool: list[Labelled]) -> list[dict[str, float]]:
    """Each candidate threshold's figures on ``pool`` (the dev sets, which neither judge is
    trained on; never the held-out set)."""
    rows = detector.probabilities([m.text for m in pool])
    out = []
    probe = RiskDetector.__new__(RiskDetector)
    grid = [(float(life), float(t)) for life in np.round(np.arange(0.1, 0.65, 0.05), 2)
            for t in np.round(np.arange(0.3, 0.85, 0.05), 2)]
    for life, threshold in grid:
        probe.threshold, probe.life_threshold = threshold, life
        verdicts = [probe.decide(m.text, r) for m, r in zip(pool, rows, strict=True)]
        result = score(pool, verdicts)
        out.append({"life_threshold": life, "threshold": threshold,
                    "life_recall": result["life_recall"],
                    "risk_recall": result["risk_recall"],
                    "false_alarms": result["false_alarms"]})
    return out


def open_detector(embedder: Any, folder: Path, progress: bool = False) -> RiskDetector:
    """The detector the action server uses, for ``embedder`` (a ``knowledge.embedding.Embedder``):
    the fine-tuned classifier kept in ``folder``/risk-classifier (trained first when there is
    none for these exemplars and this model) and the regressions kept in ``folder``."""
    from actions import risk_classifier

    classifier, _ = risk_classifier.ensure(folder / risk_classifier.FOLDER, embedder.name,
                                           exemplars(), LABELS, embedder.precision, progress)
    return RiskDetector.cached(embedder.embed, folder, f"{embedder.name} {embedder.precision}",
                               classifier.probabilities)
