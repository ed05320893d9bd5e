"""Whether a message asks about the report, read from how it is put (standard library only: the
action server and the Rasa env's routing evaluation both use it).

During a reflection's prompt, the intent classifier may read an answer that mentions the report's
subjects ("we ran workshops, but…") or that wonders aloud ("why do we always count
appointments?") as a question about the report. Such a message interrupts the reflection only
when it is put as a question to Praxis about the report: it names the report (or "this", as in
"according to this"), or it is a question that says nothing of the writer's own work.
"""

from __future__ import annotations

import re

NAMES_THE_REPORT = re.compile(
    r"\b(the|this|that|its|a|any)( full| key| main)? "
    r"(report|study|research|summary|paper|findings?|author)\b|"
    r"\b(mcloughlin|grounded theory|power zones?)\b|\baccording to (this|it|the)\b|"
    r"\b(does|did) (it|this) say\b", re.I)
QUESTION = re.compile(r"\?\s*$")
ASKING = re.compile(
    r"^\s*(so\s+)?(what|how|why|who|when|where|which|is|are|does|do|did|can|could|should|would|"
    r"will|has|have|tell me|explain|define)\b", re.I)
SENTENCE_END = re.compile(r"[.!?]\s+\S")
OWN_WORK = re.compile(r"\b(i|i'm|i've|i'd|me|my|we|we're|we've|us|our)\b", re.I)


def asks_about_the_report(text: str) -> bool:
    """Whether ``text``, sent while a reflection waits for an answer, is a question to Praxis
    about the report rather than the practitioner's answer."""
    if NAMES_THE_REPORT.search(text):
        return True
    # a question: it ends with a question mark, or is one sentence put as a question
    question = QUESTION.search(text) or (ASKING.search(text) and not SENTENCE_END.search(text))
    return bool(question) and not OWN_WORK.search(text)
