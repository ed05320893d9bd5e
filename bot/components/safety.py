"""The safety guard: every message that signals trouble yields the ``distress`` intent and its kind.

It runs after the intent classifier, on every message of every channel, before the dialogue
acts on it. It asks the action server's risk detector (``POST /safety``, ``actions.risk``: a
model that reads what the message means), and when that call fails or times out
(``SAFETY_TIMEOUT_S``) it judges by the phrase floor alone (``praxis.safety_phrases``), and says
so in the log. A message that signals risk gets ``distress`` with full confidence and one
``risk_kind`` entity per kind it signals, most serious first, so the dialogue answers with the
reply of that kind (``actions.safety``), never with the next reflective prompt. When the
detector answered and found nothing, a ``distress`` reading of the intent classifier's own is
replaced by its next one: the detector, measured on its own labelled sets, decides. A false
alarm costs one kind message and is undone with "you misread me"; a miss costs far more.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from praxis import config
from praxis.safety_phrases import KINDS, phrase_kind

logger = logging.getLogger(__name__)

DISTRESS_INTENT = "distress"
KIND_ENTITY = "risk_kind"
# A button's payload ("/misread", '/choose_theme{"theme": "leadership"}') is not the user's
# words; anything else starting with "/" is judged like any message.
PAYLOAD = re.compile(r"/[a-z_]+(?:\{.*\})?", re.DOTALL)


class Detector:
    """The action server's risk detector over one kept-alive HTTP session."""

    def __init__(self, url: str, timeout: float, key: str) -> None:
        self.url, self.timeout = url, timeout
        self._http = requests.Session()
        self._http.headers[config.ACTION_KEY_HEADER] = key

    def kinds(self, text: str) -> list[str] | None:
        """The kinds ``text`` signals (most serious first; empty: none), or None when the
        detector could not answer."""
        try:
            reply = self._http.post(self.url, json={"text": text}, timeout=self.timeout)
            reply.raise_for_status()
            verdict = reply.json()
        except (requests.RequestException, ValueError) as exc:
            logger.warning("the risk detector did not answer (%s): this message is judged by "
                           "the phrase list alone", exc.__class__.__name__)
            return None
        kind = verdict.get("kind") if isinstance(verdict, dict) else None
        if kind not in KINDS:
            return []
        return [kind] + [k for k in verdict.get("also") or [] if k in KINDS and k != kind]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DistressGuard(GraphComponent, IntentClassifier):
    """Sets the ``distress`` intent and ``risk_kind`` entities when a message signals risk."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"use_detector": True}

    def __init__(self, config_: dict[str, Any]) -> None:
        self._detector: Detector | None = None
        if config_.get("use_detector", True):
            settings = config.get()
            self._detector = Detector(settings.safety_url, settings.safety_timeout_s,
                                      settings.action_key)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> DistressGuard:
        return cls(config)

    def verdict(self, text: str) -> tuple[list[str], bool]:
        """The kinds ``text`` signals, most serious first: the detector's verdict, which includes
        the phrase floor, or the floor alone when the detector cannot be reached; and whether
        the detector gave it."""
        found = self._detector.kinds(text) if self._detector else None
        if found is None:
            floor = phrase_kind(text)
            return ([floor] if floor else []), False
        return found, True

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or PAYLOAD.fullmatch(text.strip()):
                continue
            kinds, judged = self.verdict(text)
            if not kinds:
                if judged:  # the detector, measured on its own sets, decides; not the classifier
                    self._not_distress(message)
                continue
            intent = {"name": DISTRESS_INTENT, "confidence": 1.0}
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or []
                       if i.get("name") != DISTRESS_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != KIND_ENTITY]
            message.set(ENTITIES, entities + [
                {"entity": KIND_ENTITY, "value": k, "start": 0, "end": len(text),
                 "extractor": type(self).__name__} for k in kinds], add_to_output=True)
        return messages

    @staticmethod
    def _not_distress(message: Message) -> None:
        """The intent classifier read distress where the detector found none: its next reading
        stands (a false alarm of the classifier's is not the detector's)."""
        if (message.get(INTENT) or {}).get("name") != DISTRESS_INTENT:
            return
        ranking = [i for i in message.get(INTENT_RANKING_KEY) or []
                   if i.get("name") != DISTRESS_INTENT]
        intent = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
