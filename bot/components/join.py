""""join ABCD2345": a session code typed in the chat always joins, whatever the classifier says.

A join code is eight random characters, which no intent classifier learns to recognise from
examples. This component runs after the classifier and, for a message of the form "join CODE"
(also "join session CODE", "join code abcd-2345"), sets the ``join_session`` intent with the
code as its ``session_code`` entity; the action then checks the code.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

JOIN_INTENT = "join_session"
COMMAND = re.compile(
    r"\s*(?:please\s+)?join(?:\s+(?:the\s+)?(?:group\s+)?(?:session|code))?\s*:?\s*"
    r"(?P<code>[A-Za-z0-9](?:[ \-]?[A-Za-z0-9]){5,11})\s*[.!]?\s*", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class JoinCommand(GraphComponent, IntentClassifier):
    """Sets ``join_session`` and the ``session_code`` entity for "join CODE"."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> JoinCommand:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = COMMAND.fullmatch(message.get(TEXT) or "")
            if found is None:
                continue
            intent = {"name": JOIN_INTENT, "confidence": 1.0}
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or []
                       if i.get("name") != JOIN_INTENT]
            code = found.group("code")
            entity = {"entity": "session_code", "value": code, "start": found.start("code"),
                      "end": found.end("code"), "extractor": type(self).__name__}
            others = [e for e in message.get(ENTITIES) or [] if e.get("entity") != "session_code"]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(ENTITIES, [*others, entity], add_to_output=True)
        return messages
