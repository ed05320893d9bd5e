"""A question about the report is answered as one, whatever the classifier made of it.

The classifier reads many report questions ("is there anything in there on graduate outcomes?",
"was the research only in one uni?") as ``reflect``, the intent of a practitioner talking about
their work, or is unsure of them. This component runs after it and, for a message put as a
question to Praxis about the report (``praxis.phrasing``: it names the report or is a question
that says nothing of the writer's own work), sets ``ask_report``. During a reflection the
action answering report questions still hands an answer that merely sounds like a question back
to the form.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from praxis.phrasing import asks_about_the_report

REPORT_INTENT = "ask_report"
# the classifier's readings a report question may be mistaken for: talk about one's work, or
# anything it is unsure of (below the fallback's threshold)
OVERRIDDEN = {"reflect", "choose_theme"}
UNSURE = 0.4


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ReportQuestion(GraphComponent, IntentClassifier):
    """Sets ``ask_report`` for a question about the report read as something else, or as a
    report question too unsure to stand (the fallback would refuse it)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ReportQuestion:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if text.startswith("/"):
                continue
            sure = intent.get("confidence", 0) >= UNSURE
            if intent.get("name") == REPORT_INTENT and sure:
                continue
            mistaken = intent.get("name") in OVERRIDDEN or not sure
            if not (mistaken and asks_about_the_report(text)):
                continue
            report = {"name": REPORT_INTENT, "confidence": 1.0}
            # the reading it replaces is demoted, or the fallback would call the two ambiguous
            ranking = [{**i, "confidence": min(i.get("confidence", 0), UNSURE)}
                       for i in message.get(INTENT_RANKING_KEY) or []
                       if i.get("name") != REPORT_INTENT]
            message.set(INTENT, report, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [report, *ranking], add_to_output=True)
        return messages
