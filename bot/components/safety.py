"""A safety net for distress: phrases that signal it always yield the ``distress`` intent.

The intent classifier learns ``distress`` from examples, but a model can miss a message that a
person would not. This component runs after the classifier and, when the text contains one of the
phrases below, makes ``distress`` the intent with full confidence, so the dialogue answers with
support and signposting, never with the next reflective prompt. A false alarm costs one kind
message; a miss costs far more.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

DISTRESS_INTENT = "distress"

PHRASES = [
    r"hopeless",
    r"can'?t cope", r"cannot cope", r"can not cope", r"not coping", r"unable to cope",
    r"burn(?:t|ed)[ -]?out",
    r"suicid\w*", r"kill(?:ing)? myself", r"end(?:ing)? my life", r"end it all",
    r"take my (?:own )?life", r"want(?:ed)? to die", r"wish i (?:was|were) dead",
    r"better off dead", r"(?:don'?t|do not) want to (?:be here|live|go on)",
    r"self[- ]?harm\w*", r"harm(?:ing)? myself", r"hurt(?:ing)? myself", r"cut(?:ting)? myself",
    r"no (?:point|reason) (?:in )?(?:living|going on|carrying on)",
    r"breaking point", r"falling apart", r"break(?:ing)? down", r"nervous breakdown",
    r"panic attacks?", r"can'?t go on", r"end of my tether", r"at rock bottom",
    r"so depressed", r"severely depressed", r"feel(?:ing)? worthless",
]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DistressGuard(GraphComponent, IntentClassifier):
    """Sets the ``distress`` intent when a distress phrase occurs in the message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"extra_phrases": []}

    def __init__(self, config: dict[str, Any]) -> None:
        phrases = PHRASES + list(config.get("extra_phrases") or [])
        self._pattern = re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> DistressGuard:
        return cls(config)

    def signals_distress(self, text: str) -> bool:
        return bool(self._pattern.search(text.replace("’", "'")))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not self.signals_distress(text):
                continue
            intent = {"name": DISTRESS_INTENT, "confidence": 1.0}
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or []
                       if i.get("name") != DISTRESS_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        return messages
