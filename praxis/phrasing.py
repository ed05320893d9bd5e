"""What a message is, read from how it is put (standard library only: the action server and the
Rasa env's routing evaluation both use it): a question about the report, a situation told, an
answer that only names a theme's subject.

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


# --- a situation told: "My PVC has just cancelled our pilot and I want to think it through" ---

MIN_CONTENT_WORDS = 3  # words about the situation itself, beyond the request to reflect
# Words of asking to reflect and of saying little ("something that happened at work today"):
# what is left when they are taken out is what the message says about a situation.
_REQUEST_WORDS = set("""
a an the and or but so to of on in at for with about from by it its it's this that these those
i i'm i'd i've i'll me my myself we we're our us you your can could would will shall should
may might please let's lets like love want wanted need needed think thinking thought through
over reflect reflecting reflection reflections reflective guided guide take walk help do does
did doing start begin quick short new one exercise session time minutes ten five bit talk
something anything situation thing things happened happening work working job today yesterday
recently just really some how what why when where who which is are was were be been have has
had get got go going know sure fancy hi hello hey okay ok yes would've there here up out
""".split())
_WORD = re.compile(r"[a-z][a-z'’-]*")


def situation_of(text: str) -> str | None:
    """``text`` itself when it says something about a situation (enough words beyond asking to
    reflect), else None. Button payloads ("/start_reflection") are never a situation."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    content = [w for w in words if w not in _REQUEST_WORDS]
    return text if len(content) >= MIN_CONTENT_WORDS else None


def situation_in(text: str, entities: list[dict]) -> str | None:
    """``text`` when it says what happened, not counting a theme it names ("how I deal with
    senior managers" names leadership, and says nothing of what happened)."""
    rest = text
    for e in sorted((e for e in entities if e.get("entity") == "theme"
                     and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)),
                    key=lambda e: -e["start"]):
        rest = rest[:e["start"]] + " " + rest[e["end"]:]
    return text.strip() if situation_of(rest) else None


# How a wish to change theme mid-reflection is put, beside the theme it names
_SWITCH = re.compile(r"\b(?:instead|switch|change|another|different|rather|reflect on|"
                     r"reflection on|do one on|start again|start over|new reflection)\b", re.I)


def asks_for_the_theme(text: str) -> bool:
    """Whether a message that names a theme asks for it ("reflect on", "another", "instead"),
    rather than mentioning its subject while saying what happened."""
    return bool(_SWITCH.search(text))


def is_an_answer(text: str, entities: list[dict]) -> bool:
    """Whether a message read as choosing a theme is an answer that mentions one: it says what
    happened (beyond the theme it names) and does not ask to switch."""
    return (not text.startswith("/") and situation_in(text, entities) is not None
            and not asks_for_the_theme(text))


# --- a request for something else, mid-prompt: "actually, can you write my LinkedIn headline?" ---

_ASIDE = r"^\s*(?:(?:sorry|actually|ok(?:ay)?|oh|hmm|right|wait|quick one(?: first)?|before we "
_ASIDE += r"(?:carry on|go on|continue)|one sec|never ?mind|hang on)[\s,.!:;-]*)*"
_REQUESTING = re.compile(_ASIDE + r"(?:(?:can|could|would|will) (?:you|u)\b|please\b|"
                         r"(?:write|draft|make|create|generate|code|fix|translate|summari[sz]e|"
                         r"book|send|set up|find|give me|tell me|show me how|explain)\b|"
                         r"what'?s the (?:weather|score|time|news)\b|"
                         r"(?:ignore|forget|skip) (?:that|this|the question|it)\b)", re.I)
_INSTEAD = re.compile(r"\b(?:instead|rather than (?:this|doing this|reflecting))\b", re.I)


def asks_for_something_else(text: str) -> bool:
    """Whether a message the intent classifier reads as out of scope, sent while a prompt waits
    for an answer, is put as a request to Praxis ("can you write…", "write me…", "ignore that,
    what's the score?"), rather than an answer about the practitioner's work that strays from
    what Praxis covers ("the weather wrecked our outdoor fair")."""
    return bool(_REQUESTING.search(text) or _INSTEAD.search(text))
